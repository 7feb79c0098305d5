import { GraphQLError } from 'graphql';
import type { Checked } from '../validation';

/** The closed set of error codes clients can rely on. */
export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  /** Retryable: the database is unreachable or too slow right now (HTTP 503, Retry-After). */
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
  /** A GraphQL limit (depth, aliases, directives, cost) was exceeded (HTTP 400); see src/graphql/limits. */
  QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX',
  /** The document is longer than allowed, in bytes or in tokens (HTTP 400). */
  DOCUMENT_TOO_LARGE = 'DOCUMENT_TOO_LARGE',
  /** The request body is larger than MAX_BODY_BYTES (HTTP 413). */
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  /** A POST body that is not application/json in UTF-8 (HTTP 415). */
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  /** The caller sent more requests than RATE_LIMIT_PER_MINUTE (HTTP 429, Retry-After). */
  RATE_LIMITED = 'RATE_LIMITED',
  /** The caller's role may run registered (trusted) documents only (HTTP 403). */
  TRUSTED_DOCUMENT_REQUIRED = 'TRUSTED_DOCUMENT_REQUIRED',
  /** The request named a document hash that is not registered, or revoked (HTTP 400). */
  PERSISTED_QUERY_NOT_FOUND = 'PERSISTED_QUERY_NOT_FOUND',
}

export const ERROR_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

abstract class AppError extends GraphQLError {
  protected constructor(
    code: ErrorCode,
    message: string,
    extensions: Record<string, unknown> = {},
  ) {
    super(message, { extensions: { code, ...extensions } });
  }
}

/** Bad input, naming the field (a path such as `records[3].premium`) and the rule broken. */
export class BadUserInputError extends AppError {
  constructor(
    message: string,
    details: { field: string; rule: string; problems?: { field: string; rule: string }[] },
  ) {
    super(ErrorCode.BAD_USER_INPUT, message, details);
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'A valid bearer token is required') {
    // Apollo turns `http` into the response status and strips it from the payload.
    super(ErrorCode.UNAUTHENTICATED, message, { http: { status: 401 } });
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string, details: { role: string; field?: string; rule?: string }) {
    super(ErrorCode.FORBIDDEN, message, details);
  }
}

export class NotFoundError extends AppError {
  /** `field`: the argument that named what is missing, where a caller gave one; `rule`, the rule it broke. */
  constructor(message: string, field?: string, rule?: string) {
    super(ErrorCode.NOT_FOUND, message, { ...(field && { field }), ...(rule && { rule }) });
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(ErrorCode.CONFLICT, message, details);
  }
}

/** Why a request could not be served right now; each is worth retrying later. */
export enum UnavailableReason {
  DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE',
  STATEMENT_TIMEOUT = 'STATEMENT_TIMEOUT',
  POOL_EXHAUSTED = 'POOL_EXHAUSTED',
  REQUEST_TIMEOUT = 'REQUEST_TIMEOUT',
  /** The token issuer's key set (JWKS) could not be fetched: the token may well be good. */
  KEYS_UNAVAILABLE = 'KEYS_UNAVAILABLE',
  /** Concurrent writes to the same rows deadlocked with this one, again after retries. */
  WRITE_CONFLICT = 'WRITE_CONFLICT',
}

/** Seconds a client is asked to wait before retrying a SERVICE_UNAVAILABLE. */
export const RETRY_AFTER_SECONDS = 5;

export class ServiceUnavailableError extends AppError {
  constructor(
    readonly reason: UnavailableReason,
    message = SERVICE_UNAVAILABLE_MESSAGES[reason],
  ) {
    super(ErrorCode.SERVICE_UNAVAILABLE, message, {
      reason,
      retryAfter: RETRY_AFTER_SECONDS,
      // Apollo answers with this status when the request fails before execution (while the
      // caller is authenticated), and strips it from the payload.
      http: { status: 503, headers: new Map([['retry-after', String(RETRY_AFTER_SECONDS)]]) },
    });
  }
}

const SERVICE_UNAVAILABLE_MESSAGES: Record<UnavailableReason, string> = {
  DATABASE_UNAVAILABLE: 'The database is unavailable; retry later',
  STATEMENT_TIMEOUT: 'The database did not answer in time; retry later',
  POOL_EXHAUSTED: 'Every database connection is busy; retry later',
  REQUEST_TIMEOUT: 'The request took too long; retry later',
  KEYS_UNAVAILABLE: 'The keys that verify tokens cannot be fetched; retry later',
  WRITE_CONFLICT:
    'Concurrent writes to the same records kept conflicting with this one; retry later',
};

/** The checked value, or BAD_USER_INPUT naming `field` and the first rule it broke. */
export function validOrThrow<T>(field: string, checked: Checked<T>): T {
  if (checked.ok) return checked.value;
  const [first] = checked.violations;
  throw new BadUserInputError(`${field}: ${first.message}`, { field, rule: first.rule });
}

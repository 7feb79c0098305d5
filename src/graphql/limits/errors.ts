import { GraphQLError } from 'graphql';
import { maskPersonal } from '../../logger';
import { ErrorCode } from '../errors';
import type { InputProblem } from './input';
import { LIMIT_SETTINGS, type GraphQLLimits } from './settings';

/**
 * Refusals of the hardened endpoint. Each carries its HTTP status in `extensions.http`,
 * which Apollo turns into the response status (and strips from the payload); the HTTP
 * layer reads the same status when it refuses a request before Apollo sees it.
 */
abstract class Refusal extends GraphQLError {
  protected constructor(
    code: ErrorCode,
    status: number,
    message: string,
    extensions: Record<string, unknown> = {},
    headers?: [string, string][],
  ) {
    super(message, {
      extensions: {
        code,
        ...extensions,
        http: { status, headers: new Map(headers ?? []) },
      },
    });
  }
}

/**
 * A request over one of the GraphQL limits: QUERY_TOO_COMPLEX (depth, aliases, directives,
 * cost, nesting) or DOCUMENT_TOO_LARGE (bytes, tokens), naming the limit, the value found, the
 * maximum and the setting that changes it.
 */
export class LimitExceededError extends Refusal {
  constructor(limit: keyof GraphQLLimits, value: number, max: number) {
    const setting = LIMIT_SETTINGS[limit];
    const code =
      limit === 'maxTokens' || limit === 'maxDocumentBytes'
        ? ErrorCode.DOCUMENT_TOO_LARGE
        : ErrorCode.QUERY_TOO_COMPLEX;
    super(
      code,
      400,
      `The ${DESCRIPTIONS[limit]} is ${value}, over the limit of ${max} (${setting.env})`,
      { limit: setting.name, value, max, setting: setting.env },
    );
  }
}

const DESCRIPTIONS: Record<keyof GraphQLLimits, string> = {
  maxDepth: 'query depth',
  maxAliases: 'number of aliases',
  maxDirectives: 'number of directives',
  maxTokens: 'number of tokens in the document',
  maxDocumentBytes: 'document size in bytes',
  maxCost: 'estimated cost of the operation',
  maxVariableDepth: 'nesting depth of a variable',
  maxNesting: 'nesting of braces, brackets and parentheses in the document',
};

/**
 * Input the hub will not take, as BAD_USER_INPUT naming the path (`by.cifNo`,
 * `records[3].name`) and the rule, answered with HTTP 400 before anything runs.
 */
export class InputRefusedError extends Refusal {
  constructor(message: string, details: Omit<InputProblem, 'message'>) {
    super(ErrorCode.BAD_USER_INPUT, 400, message, {
      field: details.field,
      rule: details.rule,
      ...(details.problems ? { problems: details.problems } : {}),
    });
  }
}

/** A request the HTTP layer cannot read as one GraphQL request (HTTP 400, or 405). */
export class BadRequestError extends Refusal {
  constructor(message: string, reason: string, status = 400) {
    super(ErrorCode.BAD_USER_INPUT, status, message, { reason });
  }
}

export class PayloadTooLargeError extends Refusal {
  constructor(maxBodyBytes: number) {
    super(
      ErrorCode.PAYLOAD_TOO_LARGE,
      413,
      `The request body exceeds ${maxBodyBytes} bytes (MAX_BODY_BYTES)`,
      { max: maxBodyBytes, setting: 'MAX_BODY_BYTES' },
    );
  }
}

export class UnsupportedMediaTypeError extends Refusal {
  constructor(contentType: string | undefined) {
    super(
      ErrorCode.UNSUPPORTED_MEDIA_TYPE,
      415,
      `POST bodies must be application/json (or application/graphql-response+json) in UTF-8, got ${
        contentType ? JSON.stringify(maskPersonal(contentType.slice(0, 100))) : 'no content type'
      }`,
    );
  }
}

export class RateLimitedError extends Refusal {
  constructor(
    retryAfterSeconds: number,
    perMinute: number,
    counted: { what: string; setting: string },
  ) {
    super(
      ErrorCode.RATE_LIMITED,
      429,
      `Too many ${counted.what}: at most ${perMinute} a minute per caller; retry in ${retryAfterSeconds} s`,
      { retryAfter: retryAfterSeconds, max: perMinute, setting: counted.setting },
      [['retry-after', String(retryAfterSeconds)]],
    );
  }
}

export class TrustedDocumentRequiredError extends Refusal {
  constructor(role: string) {
    super(
      ErrorCode.TRUSTED_DOCUMENT_REQUIRED,
      403,
      `Role ${role} may run registered documents only: name one by its hash ` +
        '(extensions.persistedQuery.sha256Hash, or documentId)',
      { role, setting: 'TRUSTED_DOCUMENT_ROLES' },
    );
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export class PersistedQueryNotFoundError extends Refusal {
  constructor(hash: string) {
    super(
      ErrorCode.PERSISTED_QUERY_NOT_FOUND,
      400,
      'No registered document has this hash, or it was revoked',
      // A malformed one is the caller's text, which may be anything (a mobile, an ID).
      { hash: SHA256_HEX.test(hash) ? hash : maskPersonal(hash.slice(0, 64)) },
    );
  }
}

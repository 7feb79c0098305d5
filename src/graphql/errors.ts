import { GraphQLError } from 'graphql';
import type { Checked } from '../validation';

/** The closed set of error codes clients can rely on. */
export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
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
  constructor(message: string, details: { field: string; rule: string }) {
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
  constructor(message: string, details: { role: string; field?: string }) {
    super(ErrorCode.FORBIDDEN, message, details);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super(ErrorCode.NOT_FOUND, message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(ErrorCode.CONFLICT, message, details);
  }
}

/** The checked value, or BAD_USER_INPUT naming `field` and the first rule it broke. */
export function validOrThrow<T>(field: string, checked: Checked<T>): T {
  if (checked.ok) return checked.value;
  const [first] = checked.violations;
  throw new BadUserInputError(`${field}: ${first.message}`, { field, rule: first.rule });
}

import { createParameterDecorator, ID } from 'type-graphql';
import { checkUuid } from '../validation';
import { validOrThrow } from './errors';

/**
 * An `ID!` argument that names a row by its uuid, checked here for every such argument:
 * PostgreSQL refuses a malformed uuid with an error that would reach the caller as an
 * internal one, where the mistake is theirs (BAD_USER_INPUT naming the argument).
 */
export function IdArg(name: string, options: { description?: string } = {}) {
  return createParameterDecorator(({ args }) => validOrThrow(name, checkUuid(String(args[name]))), {
    arg: { name, typeFunc: () => ID, options },
  });
}

/** An optional `ID` argument, checked as IdArg checks one: absent or null is undefined. */
export function OptionalIdArg(name: string, options: { description?: string } = {}) {
  return createParameterDecorator(
    ({ args }) =>
      args[name] === undefined || args[name] === null
        ? undefined
        : validOrThrow(name, checkUuid(String(args[name]))),
    { arg: { name, typeFunc: () => ID, options: { ...options, nullable: true } } },
  );
}

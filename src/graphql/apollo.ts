import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { unwrapResolverError } from '@apollo/server/errors';
import { randomUUID } from 'node:crypto';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { Logger } from '../logger';
import type { RequestContext } from './context';
import { ERROR_CODES, ErrorCode } from './errors';
import { jitGateway } from './jit-executor';

/** Apollo's own codes for a request it could not run: all the caller's doing. */
const CALLER_MISTAKES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * Errors leave in one closed set of codes. Anything unexpected is logged with a
 * correlation id and reaches the client as that id alone: no stack, no SQL.
 */
export function formatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = String(formatted.extensions?.code ?? '');
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    if (CALLER_MISTAKES.has(code)) {
      return {
        ...formatted,
        extensions: { ...extensions, code: ErrorCode.BAD_USER_INPUT, reason: code },
      };
    }
    const original = unwrapResolverError(error);
    if (
      ERROR_CODES.has(code) &&
      code !== ErrorCode.INTERNAL_SERVER_ERROR &&
      original instanceof GraphQLError
    ) {
      return { ...formatted, message: original.message, extensions };
    }
    const correlationId = randomUUID();
    logger.error('unexpected error', {
      correlationId,
      error:
        original instanceof Error
          ? { message: original.message, stack: original.stack }
          : String(original),
      path: formatted.path,
    });
    return {
      message: `Internal server error (correlation id ${correlationId})`,
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, correlationId },
    };
  };
}

export function createApollo(schema: GraphQLSchema, logger: Logger, landingPage: boolean) {
  return new ApolloServer<RequestContext>({
    gateway: jitGateway(schema),
    formatError: formatError(logger),
    includeStacktraceInErrorResponses: false,
    plugins: [
      // It wraps every field resolver, which costs most on the largest lists.
      ApolloServerPluginCacheControlDisabled(),
      ...(landingPage ? [ApolloServerPluginLandingPageLocalDefault({ embed: true })] : []),
    ],
  });
}

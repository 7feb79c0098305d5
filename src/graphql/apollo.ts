import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import { randomUUID } from 'node:crypto';
import {
  getOperationAST,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { withoutValues, type Logger } from '../logger';
import type { RequestContext } from './context';
import { outageOf } from '../db/outage';
import type { Metrics } from '../observability/metrics';
import { ERROR_CODES, ErrorCode, RETRY_AFTER_SECONDS, ServiceUnavailableError } from './errors';
import { jitGateway } from './jit-executor';
import { documentLimitsRule, limitsPlugin, type GraphQLLimits } from './limits';
import { literalMistake } from './literal-path';

/** Apollo's own codes for a request it could not run: all the caller's doing. */
const CALLER_MISTAKES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * graphql-js (16.9 on) stops validating a document whose fields need more than 500,000
 * comparisons to check they merge (OverlappingFieldsCanBeMergedRule's budget, no setting):
 * its bare "Validation aborted." names no limit, though one was met.
 */
const VALIDATION_ABORTED = 'Validation aborted.';
const FIELD_COMPARISONS = 500_000;

/** "Did you mean …?": names of fields, types and values the schema has. */
const SUGGESTION = / ?Did you mean(.+?)\?/g;

/**
 * Errors leave in one closed set of codes. Anything unexpected is logged with a
 * correlation id and reaches the client as that id alone: no stack, no SQL. With
 * `hideSchemaDetails` (production), no message suggests names the schema has.
 */
export function formatError(logger: Logger, options: { hideSchemaDetails?: boolean } = {}) {
  const format = formatErrorShowingSchema(logger);
  if (!options.hideSchemaDetails) return format;
  const unsuggested = (message: string) => message.replace(SUGGESTION, '');
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const result = format(formatted, error);
    // Each refused value's own message too (limits/input.ts).
    const problems = result.extensions?.problems as { message: string }[] | undefined;
    return {
      ...result,
      message: unsuggested(result.message),
      ...(problems && {
        extensions: {
          ...result.extensions,
          problems: problems.map((p) => ({ ...p, message: unsuggested(p.message) })),
        },
      }),
    };
  };
}

function formatErrorShowingSchema(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = String(formatted.extensions?.code ?? '');
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    if (code === 'GRAPHQL_VALIDATION_FAILED' && formatted.message === VALIDATION_ABORTED) {
      return {
        message: `The document's fields take more comparisons to validate than graphql-js allows (${FIELD_COMPARISONS.toLocaleString('en')}): select each field once, with fewer fields side by side`,
        extensions: {
          code: ErrorCode.QUERY_TOO_COMPLEX,
          limit: 'fieldComparisons',
          max: FIELD_COMPARISONS,
          setting: null,
        },
      };
    }
    if (CALLER_MISTAKES.has(code)) {
      // graphql-js quotes the value it refused, which may be an identity number or a mobile
      // written into the document.
      // Apollo's own words name its constructor's option, which no operator of the hub sets.
      const message =
        extensions.validationErrorCode === 'INTROSPECTION_DISABLED'
          ? 'Introspection (__schema, __type) is off: set GRAPHQL_INTROSPECTION=true to allow it'
          : withoutValues(formatted.message);
      // A limit reported by a validation rule (limits/document.ts), or a scalar's refusal of
      // a literal (DECIMAL_FORMAT, with where the literal sits and, as any literal its type
      // refuses, the validation's reason), keeps its own code and rule.
      const cause = error instanceof GraphQLError ? error.originalError : undefined;
      const own = cause instanceof GraphQLError ? String(cause.extensions.code) : '';
      if (ERROR_CODES.has(own) && own !== ErrorCode.INTERNAL_SERVER_ERROR) {
        const mistake = literalMistake(error);
        return {
          ...formatted,
          message,
          extensions: {
            ...extensions,
            code: own,
            ...(mistake && { field: mistake.field, reason: code }),
          },
        };
      }
      return {
        ...formatted,
        message,
        extensions: {
          ...extensions,
          code: ErrorCode.BAD_USER_INPUT,
          reason: code,
          ...literalMistake(error),
        },
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
    // A database outage or time limit is the caller's to retry, not a bug to investigate.
    const outage = outageOf(original);
    if (outage) {
      const unavailable = new ServiceUnavailableError(outage);
      logger.warn('database unavailable', { reason: outage, path: formatted.path });
      // The status is the observe plugin's to set here; `http` is no payload.
      const { http: _http, ...unavailableExtensions } = unavailable.extensions;
      return {
        message: unavailable.message,
        path: formatted.path,
        locations: formatted.locations,
        extensions: unavailableExtensions,
      };
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

/**
 * Records each operation's name and error codes for the request log and the metrics, and
 * answers a request that failed for a retryable outage with HTTP 503 and Retry-After.
 * Request-level only: field-level hooks would cost on every resolver.
 */
function observe(metrics: Metrics): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        // Known from here: a request the client gives up on is never answered, and is still
        // logged and counted under its operation's name.
        async didResolveOperation({ contextValue, operation }) {
          contextValue.observed.operation = operation?.name?.value;
        },
        async willSendResponse({ response, contextValue, operation, document, request }) {
          const codes =
            response.body.kind === 'single'
              ? (response.body.singleResult.errors ?? []).map((e) =>
                  String(e.extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR),
                )
              : [];
          // The name of the operation that ran, not the one asked for: a name the document
          // does not hold is the caller's text, which may be anything. A document that failed
          // validation ran nothing, and is named by the operation it holds.
          const named =
            operation ?? (document ? getOperationAST(document, request.operationName) : null);
          contextValue.observed.operation = named?.name?.value;
          contextValue.observed.errorCodes.push(...codes);
          for (const code of codes) metrics.errors.inc({ code });
          if (codes.includes(ErrorCode.SERVICE_UNAVAILABLE)) {
            response.http.status = 503;
            response.http.headers.set('retry-after', String(RETRY_AFTER_SECONDS));
          }
        },
      };
    },
  };
}

/** The hardened endpoint's settings (README, "Production limits"). */
export interface ApolloHardening {
  limits: GraphQLLimits;
  /** Whether `__schema` and `__type` may be asked; off in production by default. */
  introspection: boolean;
  /** No "Did you mean …?" in errors: production. */
  hideSchemaDetails: boolean;
}

export function createApollo(
  schema: GraphQLSchema,
  logger: Logger,
  metrics: Metrics,
  hardening: ApolloHardening,
) {
  return new ApolloServer<RequestContext>({
    gateway: jitGateway(schema),
    formatError: formatError(logger, { hideSchemaDetails: hardening.hideSchemaDetails }),
    includeStacktraceInErrorResponses: false,
    introspection: hardening.introspection,
    hideSchemaDetailsFromClientErrors: hardening.hideSchemaDetails,
    // A text/plain, form or multipart POST never reaches Apollo (src/http/server.ts answers
    // 415); a GET must carry a header a browser form cannot send.
    csrfPrevention: true,
    // Trusted documents stand in for Apollo's automatic persisted queries, which would let
    // any caller register any document (src/http/server.ts resolves the hash first).
    persistedQueries: false,
    allowBatchedHttpRequests: false,
    // The hub stops Apollo itself, after the requests in flight are done (App.close): Apollo
    // stopping on the signal failed them with INTERNAL_SERVER_ERROR mid-flight.
    stopOnTerminationSignals: false,
    parseOptions: { maxTokens: hardening.limits.maxTokens },
    validationRules: [documentLimitsRule(hardening.limits)],
    plugins: [
      // First: its willSendResponse trims a refused response before `observe` reads it.
      limitsPlugin<RequestContext>(hardening.limits),
      observe(metrics),
      // It wraps every field resolver, which costs most on the largest lists.
      ApolloServerPluginCacheControlDisabled(),
      // Apollo's landing pages load their editor from a CDN, which closed networks cannot
      // reach: a browser asking for /graphql is sent to the console's explorer instead.
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
}

import type { GatewayInterface } from '@apollo/server-gateway-interface';
import { GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { RequestContext } from './context';
import { BadUserInputError } from './errors';
import { runCompiledReads } from './raw-json';

/**
 * Runs operations through graphql-jit, which compiles each document once into a function:
 * measured faster than graphql-js here. Apollo 5 accepts an executor only through its
 * gateway interface; the schema never changes at run time, so `load` is all there is.
 */
export function jitGateway(schema: GraphQLSchema): GatewayInterface {
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery>>();
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => undefined;
    },
    async load() {
      return {
        executor: async (request) => {
          // Apollo found no operation to run (a name the document lacks, or none among
          // several); graphql-jit would run the only one there is regardless.
          // The name asked for is the request's: request.operationName is the one resolved.
          if (!request.operation) {
            return { errors: [unresolvedOperation(request.request.operationName)] };
          }
          const { rawJson } = request.context as Partial<RequestContext>;
          const compiledReads =
            rawJson &&
            (await runCompiledReads(
              schema,
              request.document,
              request.operation,
              request.request.variables ?? {},
              request.context,
              rawJson,
            ));
          if (compiledReads) {
            return 'data' in compiledReads
              ? compiledReads
              : { errors: compiledReads.errors!.map(variableError) };
          }
          // Apollo caches parsed documents, so the same query text arrives as the same object.
          let byOperation = compiled.get(request.document);
          if (!byOperation) {
            byOperation = new Map();
            compiled.set(request.document, byOperation);
          }
          const operation = request.operationName ?? '';
          let query = byOperation.get(operation);
          if (!query) {
            const result = compileQuery(
              schema,
              request.document,
              request.operationName ?? undefined,
            );
            if (!isCompiledQuery(result)) return result;
            query = result;
            byOperation.set(operation, query);
          }
          const result = await query.query(
            undefined,
            request.context,
            request.request.variables ?? {},
          );
          // Variables are coerced before anything runs: a result without data failed there.
          if (!('data' in result) && result.errors) {
            return { errors: result.errors.map(variableError) };
          }
          return { ...result, errors: result.errors?.map(asGraphQLError) };
        },
      };
    },
    async stop() {},
  };
}

/**
 * graphql-jit reports errors in a subclass of GraphQLError whose `extensions` is undefined
 * unless the thrown error had some, which Apollo's error formatting cannot read: rebuild
 * those as graphql-js errors.
 */
function asGraphQLError(error: GraphQLError): GraphQLError {
  if (error.extensions) return error;
  const jitError = error as {
    message: string;
    path?: readonly (string | number)[];
    originalError?: Error;
  };
  const original = jitError.originalError;
  return new GraphQLError(jitError.message, {
    path: jitError.path,
    originalError: original ?? error,
    extensions: (original as GraphQLError | undefined)?.extensions,
  });
}

/**
 * graphql-js's words, without the name asked for (no message quotes what the caller sent);
 * Apollo answers them as OPERATION_RESOLUTION_FAILURE (HTTP 400).
 */
function unresolvedOperation(name: string | null | undefined): GraphQLError {
  // "" is a name given (graphql-js looks it up as one), which no operation has.
  return new GraphQLError(
    name !== undefined && name !== null
      ? 'No operation of the document has the operationName given.'
      : 'Must provide operation name if query contains multiple operations.',
  );
}

/**
 * A variable graphql-jit could not coerce (a number for an ID, an unknown enum value) is
 * the caller's mistake, but comes without a code and would be masked as an internal error:
 * BAD_USER_INPUT naming the variable, unless a scalar already said what was wrong.
 */
function variableError(error: GraphQLError): GraphQLError {
  if (error.extensions?.code) return error;
  const variable = /^Variable "\$(\w+)"/.exec(error.message)?.[1] ?? '';
  return new BadUserInputError(error.message, { field: variable, rule: 'VARIABLE_TYPE' });
}

import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode } from '../errors';
import { operationCost } from './cost';
import { InputRefusedError, LimitExceededError } from './errors';
import { inputProblem } from './input';
import type { GraphQLLimits } from './settings';

const LIMIT_CODES: ReadonlySet<string> = new Set([
  ErrorCode.QUERY_TOO_COMPLEX,
  ErrorCode.DOCUMENT_TOO_LARGE,
]);

/**
 * The limits that need the operation and its variables, checked once the document has
 * validated and before anything runs: the input (input.ts), then the cost (cost.ts). Both
 * answer HTTP 400. A response that broke a limit carries only the limit's errors: the
 * other validation rules' findings on a hostile document are noise, and can be many.
 */
export function limitsPlugin<TContext extends object>(
  limits: GraphQLLimits,
): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, schema }) {
          if (!operation) return;
          const variables = request.variables ?? {};
          const problem = inputProblem(schema, document, operation, variables, limits);
          if (problem) {
            throw new InputRefusedError(problem.message, problem);
          }
          const cost = operationCost(schema, document, operation, variables);
          if (cost > limits.maxCost) throw new LimitExceededError('maxCost', cost, limits.maxCost);
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const { errors } = response.body.singleResult;
          const over = errors?.filter((e) => LIMIT_CODES.has(String(e.extensions?.code)));
          if (over?.length && over.length < errors!.length) {
            response.body.singleResult.errors = over;
          }
        },
      };
    },
  };
}

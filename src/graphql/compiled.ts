import type { GraphQLResolveInfo } from 'graphql';

/**
 * The read compiler keys every value by its response key (alias), so that two aliases of
 * one field with different arguments both survive. Read types resolve fields this way.
 */
export function compiledValue(source: unknown, info: GraphQLResolveInfo): unknown {
  return (source as Record<string, unknown>)[info.path.key];
}

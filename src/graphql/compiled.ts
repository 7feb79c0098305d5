import type { GraphQLFieldResolver } from 'graphql';
import { relationKey } from '../read/compiler';

/**
 * A relation of a read type: the compiler keys its value by `$` and the response key
 * (src/read/compiler.ts, `graphql` keys), so that two aliases of one relation with different
 * arguments both survive. Leaves need no resolver: they are keyed by field name.
 */
export const relationValue: GraphQLFieldResolver<unknown, unknown> = (source, _args, _c, info) =>
  (source as Record<string, unknown>)[relationKey(String(info.path.key))];

/** A field of a connection's wrappers (connection, edge, page info): keyed by response key. */
export const wrapperValue: GraphQLFieldResolver<unknown, unknown> = (source, _args, _c, info) =>
  (source as Record<string, unknown>)[info.path.key];

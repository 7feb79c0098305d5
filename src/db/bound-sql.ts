import type { EntityManager } from '@mikro-orm/postgresql';
import { createHash } from 'node:crypto';

/**
 * Runs SQL on the entity manager's connection, in its transaction if it has one, with the
 * parameters sent apart from the text (`?` placeholders). `em.execute` inlines them into
 * the text instead: for a batch's 1 MB of JSON that is escaping in JavaScript and parsing
 * in PostgreSQL, about 0.3 s a statement.
 *
 * A statement with parameters is a named prepared statement (named by its text), parsed
 * once per connection and planned once PostgreSQL finds a generic plan as good as its
 * custom ones: matching's statements are long, and parsing and planning them took about
 * 8 ms of a single-record upsert, twice what running them took. Texts are fixed, so a
 * connection holds a few dozen of them. A generic plan does not hash `x = any(?)` against
 * an array parameter: where that filters many rows, write `x in (select unnest(?))`, which
 * it hashes (a dealer's number on 5,000 records: 55 against 18 ms a batch).
 */
export async function boundSql<Rows extends unknown[] = Record<string, unknown>[]>(
  em: EntityManager,
  text: string,
  params: unknown[] = [],
): Promise<Rows> {
  const knex = em.getTransactionContext() ?? em.getConnection().getKnex();
  try {
    const query = knex.raw(text, params);
    const named = params.length ? query.options({ name: statementName(text) }) : query;
    const result = (await named) as { rows: Rows };
    return result.rows;
  } catch (error) {
    // As em.execute would throw it: a UniqueConstraintViolationException, a DeadlockException...
    throw em.getDriver().convertException(error as Error);
  }
}

/**
 * A PostgreSQL array literal (`?::uuid[]`, `?::text[]`): one parameter however many values,
 * whose length the planner sees, unlike a JSON array's.
 */
export function pgArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/(["\\])/g, '\\$1')}"`).join(',')}}`;
}

const statementName = (text: string) => `b${createHash('sha1').update(text).digest('hex')}`;

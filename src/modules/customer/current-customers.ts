import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray } from '../../db/bound-sql';
import { NotFoundError } from '../../graphql/errors';
import type { ReadSession } from '../../read/read-session';
import { CustomerView } from './customer.type';

/**
 * The customer each named id stands for now, as the reads resolve it: a merged-away id names
 * its survivor (merged_into always names an unmerged customer). A write must act on that one,
 * and treat it as missing where the caller may not see it, whatever the branch of the id it
 * was given: `[argument, id]` each, ids already checked as UUIDs; NOT_FOUND names the argument.
 */
export async function currentCustomers(
  em: EntityManager,
  read: ReadSession,
  named: readonly (readonly [string, string])[],
): Promise<string[]> {
  const ids = named.map(([, id]) => id);
  const rows = await em.execute<{ id: string; current: string }[]>(
    `select id, coalesce(merged_into_id, id) as current from customer where id = any(?::uuid[])`,
    [pgArray(ids)],
  );
  const current = new Map(rows.map((r) => [r.id, r.current]));
  const seen = await read.seenIds(() => CustomerView, [...new Set(current.values())]);
  return named.map(([field, id]) => {
    const now = current.get(id);
    if (!now || !seen.has(now)) throw new NotFoundError(`${field}: no customer has this id`, field);
    return now;
  });
}

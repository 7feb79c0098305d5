import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * More shared keys than this (see lockKeys), and a batch locks all rows of the kind at once
 * instead: PostgreSQL's lock table holds about 12,000 locks for the whole server at default
 * settings (see CustomerBatch's lock), and a batch of 1,000 policies names 1,000 to 2,000
 * customers.
 */
const SHARED_KEYS_LOCKED = 500;

/**
 * Takes a transaction-level advisory lock on each key, all in one statement and in one
 * order (by hash) for every caller: two batches that share keys then queue, the later one
 * waiting at its first shared key for the other to commit, instead of each locking rows the
 * other one needs next (a deadlock, which PostgreSQL breaks by aborting one of them).
 * Keys must be storable text (no NUL); prefix them with what they name (`policy:P123`).
 * `shared`: rows other kinds of batch write too (a customer's tier queue entry, see
 * shared-rows.ts), locked with the keys, or as one lock held alone where there are many
 * (batches with fewer hold that one shared, taken first: a batch holding keys while it
 * waited for it would close a cycle with a large batch waiting for them).
 */
export async function lockKeys(
  em: EntityManager,
  keys: Iterable<string>,
  shared: string[] = [],
): Promise<void> {
  const unique = new Set(keys);
  if (shared.length > 0) {
    const many = new Set(shared).size > SHARED_KEYS_LOCKED;
    await em.execute(
      `select pg_advisory_xact_lock${many ? '' : '_shared'}(hashtextextended('shared-rows', 0))`,
    );
    if (!many) for (const key of shared) unique.add(key);
  }
  if (!unique.size) return;
  // The aggregate reads the sorted subquery row by row: the locks are taken in its order.
  await em.execute(
    `select count(pg_advisory_xact_lock(h)) from (
       select distinct hashtextextended(value, 0) as h from jsonb_array_elements_text(?::jsonb)
       order by 1) keys`,
    [JSON.stringify([...unique])],
  );
}

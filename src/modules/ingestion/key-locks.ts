import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Takes a transaction-level advisory lock on each key, all in one statement and in one
 * order (by hash) for every caller: two batches that share keys then queue, the later one
 * waiting at its first shared key for the other to commit, instead of each locking rows the
 * other one needs next (a deadlock, which PostgreSQL breaks by aborting one of them).
 * Keys must be storable text (no NUL); prefix them with what they name (`policy:P123`).
 */
export async function lockKeys(em: EntityManager, keys: Iterable<string>): Promise<void> {
  const unique = [...new Set(keys)];
  if (!unique.length) return;
  // The aggregate reads the sorted subquery row by row: the locks are taken in its order.
  await em.execute(
    `select count(pg_advisory_xact_lock(h)) from (
       select distinct hashtextextended(value, 0) as h from jsonb_array_elements_text(?::jsonb)
       order by 1) keys`,
    [JSON.stringify(unique)],
  );
}

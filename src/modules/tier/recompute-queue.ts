import type { EntityManager } from '@mikro-orm/postgresql';
import { boundSql, pgArray } from '../../db/bound-sql';

/**
 * Queues for a tier recompute the customers a query selects (its one column, parameters in
 * `params`), in id order as the queue triggers do, so that two writers queueing the same
 * customers take their rows in one order. An entry already there is updated (see
 * TierRecomputeQueue), never left as it was.
 */
export async function queueTierRecompute(
  em: EntityManager,
  reason: string,
  customers: string,
  params: unknown[],
): Promise<void> {
  await boundSql(
    em,
    `insert into tier_recompute_queue (customer_id, reason)
     select distinct q.customer_id, ?::text from (${customers}) q(customer_id) order by 1
     on conflict (customer_id) do update set reason = excluded.reason,
       enqueued_at = excluded.enqueued_at, enqueued_xid = excluded.enqueued_xid`,
    [reason, ...params],
  );
}

/** Queues these customers for a tier recompute. */
export const queueCustomerTiers = (em: EntityManager, ids: string[], reason: string) =>
  queueTierRecompute(em, reason, 'select unnest(?::uuid[])', [pgArray(ids)]);

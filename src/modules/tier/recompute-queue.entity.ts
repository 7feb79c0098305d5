import { Entity, Index, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { Customer } from '../customer/customer.entity';

/**
 * Customers whose tier must be recomputed. Triggers fill it in the same transaction as the
 * change that caused it, and the recompute deletes rows in the transaction that writes the
 * new tiers: a crash in between loses nothing. A change to a customer already queued
 * updates the row (never `do nothing`): it then waits for a recompute holding the row, and
 * the row it leaves names the newest change, which the full recompute checks against its
 * snapshot before taking the entry off.
 */
@Entity({ tableName: 'tier_recompute_queue' })
// The worker takes the oldest entries first; after a bulk load the queue is everyone.
@Index({ name: 'tier_recompute_queue_enqueued_at_idx', properties: ['enqueuedAt'] })
export class TierRecomputeQueue {
  @ManyToOne(() => Customer, { primary: true, deleteRule: 'cascade' })
  customer!: Rel<Customer>;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  enqueuedAt!: Date;

  @Property({ type: 'text' })
  reason!: string;

  /** The transaction of the latest change queued here (see `pg_visible_in_snapshot`). */
  @Property({ type: 'string', columnType: 'xid8', defaultRaw: 'pg_current_xact_id()' })
  enqueuedXid!: string;
}

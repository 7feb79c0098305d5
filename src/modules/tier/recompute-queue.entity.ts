import { Entity, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { Customer } from '../customer/customer.entity';

/**
 * Customers whose tier must be recomputed. Triggers fill it in the same transaction as the
 * change that caused it, and the recompute deletes rows in the transaction that writes the
 * new tiers: a crash in between loses nothing.
 */
@Entity({ tableName: 'tier_recompute_queue' })
export class TierRecomputeQueue {
  @ManyToOne(() => Customer, { primary: true, deleteRule: 'cascade' })
  customer!: Rel<Customer>;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  enqueuedAt!: Date;

  @Property({ type: 'text' })
  reason!: string;
}

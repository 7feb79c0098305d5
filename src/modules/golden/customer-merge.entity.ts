import { Check, Entity, Enum, Index, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { BaseEntity } from '../../db/base.entity';
import type { Customer } from '../customer/customer.entity';

export enum MergeKind {
  /** Matching found the two customers to be one. */
  AUTOMATIC = 'AUTOMATIC',
  STEWARD = 'STEWARD',
}

/**
 * One customer absorbed into another, with a journal of every row that moved and what it
 * held before, so that an unmerge restores exactly the state before the merge.
 */
@Entity({ tableName: 'customer_merge' })
@Check({
  name: 'customer_merge_unmerged_check',
  expression: '(unmerged_at is null) = (unmerged_by is null)',
})
@Check({ name: 'customer_merge_distinct_check', expression: 'survivor_id <> absorbed_id' })
export class CustomerMerge extends BaseEntity {
  @ManyToOne('Customer', { deleteRule: 'restrict' })
  @Index()
  survivor!: Rel<Customer>;

  @ManyToOne('Customer', { deleteRule: 'restrict' })
  @Index()
  absorbed!: Rel<Customer>;

  @Enum({ items: () => MergeKind, type: 'text' })
  kind!: MergeKind;

  /** The comparison that joined them (automatic merges), else null. */
  @Property({ type: 'json', nullable: true })
  evidence?: Record<string, unknown>;

  @Property({ type: 'text' })
  mergedBy!: string;

  @Property({ type: 'datetime' })
  mergedAt!: Date;

  @Property({ type: 'text', nullable: true })
  reason?: string;

  /** Per table, the rows that moved and the values they held before the merge. */
  @Property({ type: 'json' })
  journal!: Record<string, unknown>;

  @Property({ type: 'datetime', nullable: true })
  unmergedAt?: Date;

  @Property({ type: 'text', nullable: true })
  unmergedBy?: string;

  @Property({ type: 'text', nullable: true })
  unmergeReason?: string;
}

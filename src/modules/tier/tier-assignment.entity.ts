import { Check, Entity, Index, ManyToOne, PrimaryKey, Property, type Rel } from '@mikro-orm/core';
import { Customer } from '../customer/customer.entity';
import { RuleSetVersion } from './rule-set-version.entity';

/**
 * A customer's tier over a period, with what it was computed from. Rows are history:
 * a change closes the open row (valid_to) and opens a new one, so the tier on any past
 * date is one indexed lookup. Written set-based by the recompute, never through the ORM.
 */
@Entity({ tableName: 'tier_assignment' })
@Index({
  name: 'tier_assignment_open_unique',
  expression:
    'create unique index "tier_assignment_open_unique" on "tier_assignment" ("customer_id") where "valid_to" is null',
})
@Index({ name: 'tier_assignment_history_idx', properties: ['customer', 'validFrom'] })
@Index({
  name: 'tier_assignment_open_tier_idx',
  expression:
    'create index "tier_assignment_open_tier_idx" on "tier_assignment" ("tier", "customer_id") where "valid_to" is null',
})
@Check({
  name: 'tier_assignment_period_check',
  expression: 'valid_to is null or valid_to >= valid_from',
})
export class TierAssignment {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => Customer, { deleteRule: 'cascade' })
  customer!: Rel<Customer>;

  @ManyToOne(() => RuleSetVersion, { deleteRule: 'restrict' })
  ruleSetVersion!: Rel<RuleSetVersion>;

  @Property({ type: 'text' })
  tier!: string;

  @Property({ type: 'text' })
  riskClass!: string;

  @Property({ type: 'text' })
  valueClass!: string;

  /** The metric values the classes were decided on, by metric key. */
  @Property({ type: 'json' })
  metrics!: Record<string, unknown>;

  /** Plain-English reasons, e.g. "no claim in 36 months". */
  @Property({ type: 'json' })
  reasons!: string[];

  /** What triggered the change: a data change, the nightly recompute, an activation. */
  @Property({ type: 'text' })
  cause!: string;

  @Property({ type: 'datetime' })
  validFrom!: Date;

  @Property({ type: 'datetime', nullable: true })
  validTo?: Date;

  /**
   * The transaction that last wrote the row's figures: the full recompute leaves a row
   * alone when its own snapshot does not see that transaction, i.e. the row is newer.
   */
  @Property({ type: 'string', columnType: 'xid8', defaultRaw: 'pg_current_xact_id()' })
  computedXid!: string;
}

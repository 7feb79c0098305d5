import { Entity, Index, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { BaseEntity } from '../../db/base.entity';
import { Customer } from '../customer/customer.entity';
import { RuleSetVersion } from '../tier/rule-set-version.entity';

/**
 * An eligibility decision as it was made at report time: what was asked, what was
 * answered and why, under which rule versions. Kept so a later complaint can be answered.
 */
@Entity({ tableName: 'eligibility_decision' })
@Index({ name: 'eligibility_decision_customer_idx', properties: ['customer', 'createdAt'] })
export class EligibilityDecision extends BaseEntity {
  @ManyToOne(() => Customer, { deleteRule: 'restrict' })
  customer!: Rel<Customer>;

  @Property({ type: 'text' })
  service!: string;

  /** The claim context as the front line described it. */
  @Property({ type: 'json' })
  context!: Record<string, unknown>;

  @Property({ type: 'boolean' })
  allowed!: boolean;

  @Property({ type: 'json' })
  reasons!: { code: string; text: string }[];

  /** The service parameters that applied (limits, time windows). */
  @Property({ type: 'json' })
  parameters!: Record<string, unknown>;

  @Property({ type: 'text', nullable: true })
  tier?: string;

  @ManyToOne(() => RuleSetVersion, { nullable: true, deleteRule: 'restrict' })
  tierRuleSetVersion?: Rel<RuleSetVersion>;

  @ManyToOne(() => RuleSetVersion, { deleteRule: 'restrict' })
  entitlementRuleSetVersion!: Rel<RuleSetVersion>;

  /** The caller's subject and role, from the token. */
  @Property({ type: 'text' })
  decidedBy!: string;
}

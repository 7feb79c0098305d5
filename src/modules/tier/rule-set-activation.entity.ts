import { Check, Entity, Enum, Index, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { BaseEntity } from '../../db/base.entity';
import { RuleSetVersion } from './rule-set-version.entity';

export enum ActivationState {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}

/**
 * One request to activate a rule set version, run as a job: activating tiers recomputes
 * every customer, which at insurer scale takes a minute, far longer than a request should
 * stay open. Progress is written beside the job's own transaction, so it can be followed
 * while the switch itself stays atomic.
 */
@Entity({ tableName: 'rule_set_activation' })
@Index({ name: 'rule_set_activation_version_idx', properties: ['ruleSetVersion'] })
@Check({
  name: 'rule_set_activation_finished_check',
  expression: `(state = 'QUEUED' and finished_at is null) or (state = 'RUNNING' and finished_at is null)
    or (state = 'SUCCEEDED' and finished_at is not null) or (state = 'FAILED' and finished_at is not null)`,
})
export class RuleSetActivation extends BaseEntity<'state' | 'customersDone'> {
  @ManyToOne(() => RuleSetVersion, { deleteRule: 'restrict' })
  ruleSetVersion!: Rel<RuleSetVersion>;

  /**
   * A draft of the other kind switched in the same transaction: entitlement rules that grant
   * a tier the tier draft renames or adds, so that no customer is without them in between.
   */
  @ManyToOne(() => RuleSetVersion, { deleteRule: 'restrict', nullable: true })
  alongWith?: Rel<RuleSetVersion>;

  @Enum({ items: () => ActivationState, type: 'text', default: ActivationState.QUEUED })
  state: ActivationState = ActivationState.QUEUED;

  @Property({ type: 'text' })
  requestedBy!: string;

  /** Customers to recompute, known once their metrics are computed. */
  @Property({ type: 'integer', nullable: true })
  customersTotal?: number;

  @Property({ type: 'integer', default: 0 })
  customersDone: number = 0;

  /** Customers whose assignment changed, once the switch is committed. */
  @Property({ type: 'integer', nullable: true })
  customersChanged?: number;

  @Property({ type: 'text', nullable: true })
  error?: string;

  @Property({ type: 'datetime', nullable: true })
  startedAt?: Date;

  @Property({ type: 'datetime', nullable: true })
  finishedAt?: Date;
}

import { Check, Entity, Enum, Index, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { MONEY } from '../../db/decimal-columns';
import { BaseEntity } from '../../db/base.entity';
import { Customer } from '../customer/customer.entity';
import { SourceSystem } from '../customer/customer.enums';
import { Policy } from '../policy/policy.entity';
import { ClaimStatus, FastTrack, ReportChannel } from './claim.enums';

const STAGES = [
  'reported_at',
  'registered_at',
  'surveyed_at',
  'assessed_at',
  'approved_at',
  'paid_at',
  'closed_at',
];

/** The stages a payment in advance (垫付) may precede: it is made before assessment. */
const ADVANCE_PAID_BEFORE = ['surveyed_at', 'assessed_at', 'approved_at'];

/** A later stage cannot happen before an earlier one that did happen. */
const stageOrder = STAGES.slice(1)
  .map((stage, i) =>
    STAGES.slice(0, i + 1)
      .map((earlier) => {
        const ordered = `(${stage} is null or ${earlier} is null or ${stage} >= ${earlier})`;
        return stage === 'paid_at' && ADVANCE_PAID_BEFORE.includes(earlier)
          ? `(advance_payment or ${ordered})`
          : ordered;
      })
      .join(' and '),
  )
  .join(' and ');

@Entity({ tableName: 'claim' })
@Check({ name: 'claim_stage_order_check', expression: stageOrder })
@Check({ name: 'claim_amounts_check', expression: 'reserve >= 0 and paid_amount >= 0' })
@Check({ name: 'claim_complaints_check', expression: 'complaints >= 0' })
@Check({ name: 'claim_reported_after_accident_check', expression: 'reported_at >= accident_at' })
@Index({ name: 'claim_policy_accident_idx', properties: ['policy', 'accidentAt'] })
// Matching and unmerges find the claims written for a record or a CIF number they move.
@Index({
  name: 'claim_claimant_ref_idx',
  expression: `create index "claim_claimant_ref_idx" on "claim" ("claimant_ref") where "claimant_ref" is not null`,
})
export class Claim extends BaseEntity<
  'singleParty' | 'injury' | 'advancePayment' | 'directSettlement' | 'complaints' | 'version'
> {
  @Property({ type: 'text', unique: true })
  claimNo!: string;

  @ManyToOne(() => Policy, { deleteRule: 'restrict' })
  policy!: Rel<Policy>;

  @ManyToOne(() => Customer, { deleteRule: 'restrict' })
  @Index()
  claimant!: Rel<Customer>;

  /**
   * The reference the claim's record gave for its claimant, or its policyholder's
   * (referenceKey): an unmerge follows it back.
   */
  @Property({ type: 'text', nullable: true })
  claimantRef?: string;

  @Property({ type: 'datetime' })
  accidentAt!: Date;

  @Property({ type: 'text' })
  accidentPlace!: string;

  @Enum({ items: () => ReportChannel, type: 'text' })
  reportChannel!: ReportChannel;

  @Property({ type: 'datetime' })
  reportedAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  registeredAt?: Date;

  @Property({ type: 'datetime', nullable: true })
  surveyedAt?: Date;

  @Property({ type: 'datetime', nullable: true })
  assessedAt?: Date;

  @Property({ type: 'datetime', nullable: true })
  approvedAt?: Date;

  @Property({ type: 'datetime', nullable: true })
  paidAt?: Date;

  @Property({ type: 'datetime', nullable: true })
  closedAt?: Date;

  @Enum({ items: () => ClaimStatus, type: 'text' })
  status!: ClaimStatus;

  @Property({ type: 'decimal', ...MONEY })
  reserve!: string;

  @Property({ type: 'decimal', ...MONEY, default: '0' })
  paidAmount!: string;

  @Property({ type: 'boolean', default: false })
  singleParty: boolean = false;

  @Property({ type: 'boolean', default: false })
  injury: boolean = false;

  @Enum({ items: () => FastTrack, type: 'text', nullable: true })
  fastTrack?: FastTrack;

  @Property({ type: 'boolean', default: false })
  advancePayment: boolean = false;

  /** Repaired at a partner shop that the insurer pays directly (直赔). */
  @Property({ type: 'boolean', default: false })
  directSettlement: boolean = false;

  @Property({ type: 'integer', default: 0 })
  complaints: number = 0;

  @Enum({ items: () => SourceSystem, type: 'text' })
  sourceSystem!: SourceSystem;

  @Property({ type: 'text' })
  contentHash!: string;

  @Property({ type: 'integer', version: true })
  version!: number;
}

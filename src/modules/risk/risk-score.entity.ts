import { Check, Entity, Enum, Index, ManyToOne, Property, Unique, type Rel } from '@mikro-orm/core';
import { RISK_SCORE } from '../../db/decimal-columns';
import { BaseEntity } from '../../db/base.entity';
import { Claim } from '../claim/claim.entity';
import { Customer } from '../customer/customer.entity';
import { SourceSystem } from '../customer/customer.enums';
import { Vehicle } from '../vehicle/vehicle.entity';
import { RiskLevel, RiskStage, RiskSubjectType } from './risk.enums';

export interface FiredRule {
  code: string;
  description: string;
  weight: string;
}

/**
 * One score from the rule base, kept forever: scores are history and never overwritten.
 * The subject is one of three foreign keys (so the database checks it exists); the
 * (subject, stage, scored_at desc) indexes make "latest per stage" an index probe.
 */
@Entity({ tableName: 'risk_score' })
@Unique({ name: 'risk_score_source_unique', properties: ['sourceSystem', 'sourceKey'] })
@Check({
  name: 'risk_score_subject_check',
  expression: `(subject_type = 'CUSTOMER' and customer_id is not null and claim_id is null and vehicle_id is null)
    or (subject_type = 'CLAIM' and claim_id is not null and customer_id is null and vehicle_id is null)
    or (subject_type = 'VEHICLE' and vehicle_id is not null and customer_id is null and claim_id is null)`,
})
@Check({ name: 'risk_score_score_check', expression: 'score >= 0' })
// Matching and unmerges find the scores written for a record or a CIF number they move.
@Index({
  name: 'risk_score_customer_ref_idx',
  expression: `create index "risk_score_customer_ref_idx" on "risk_score" ("customer_ref") where "customer_ref" is not null`,
})
@Index({
  name: 'risk_score_customer_latest_idx',
  expression:
    'create index "risk_score_customer_latest_idx" on "risk_score" ("customer_id", "stage", "scored_at" desc) where "customer_id" is not null',
})
@Index({
  name: 'risk_score_claim_latest_idx',
  expression:
    'create index "risk_score_claim_latest_idx" on "risk_score" ("claim_id", "stage", "scored_at" desc) where "claim_id" is not null',
})
@Index({
  name: 'risk_score_vehicle_latest_idx',
  expression:
    'create index "risk_score_vehicle_latest_idx" on "risk_score" ("vehicle_id", "stage", "scored_at" desc) where "vehicle_id" is not null',
})
export class RiskScore extends BaseEntity {
  @Enum({ items: () => SourceSystem, type: 'text' })
  sourceSystem!: SourceSystem;

  @Property({ type: 'text' })
  sourceKey!: string;

  @Enum({ items: () => RiskSubjectType, type: 'text' })
  subjectType!: RiskSubjectType;

  @ManyToOne(() => Customer, { nullable: true, deleteRule: 'restrict' })
  customer?: Rel<Customer>;

  /** The reference the score's record gave for its customer (referenceKey). */
  @Property({ type: 'text', nullable: true })
  customerRef?: string;

  @ManyToOne(() => Claim, { nullable: true, deleteRule: 'restrict' })
  claim?: Rel<Claim>;

  @ManyToOne(() => Vehicle, { nullable: true, deleteRule: 'restrict' })
  vehicle?: Rel<Vehicle>;

  @Enum({ items: () => RiskStage, type: 'text' })
  stage!: RiskStage;

  @Property({ type: 'text' })
  model!: string;

  @Property({ type: 'text' })
  modelVersion!: string;

  @Property({ type: 'decimal', ...RISK_SCORE })
  score!: string;

  @Enum({ items: () => RiskLevel, type: 'text' })
  level!: RiskLevel;

  @Property({ type: 'json' })
  firedRules!: FiredRule[];

  @Property({ type: 'datetime' })
  scoredAt!: Date;

  @Property({ type: 'text' })
  contentHash!: string;
}

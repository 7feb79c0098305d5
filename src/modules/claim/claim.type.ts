import { Field, ID, Int, ObjectType } from 'type-graphql';
import { ROWS } from '../../auth/rows';
import { Connection } from '../../graphql/connection';
import { DateTimeScalar, DecimalScalar } from '../../graphql/scalars';
import {
  Column,
  DerivedColumn,
  DerivedRow,
  Expression,
  ReadsFrom,
  Related,
  type Nested,
  type OrderKey,
} from '../../read/read-model';
import type { SqlScope } from '../../read/sql-scope';
import { CustomerView } from '../customer/customer.type';
import { PolicyView } from '../policy/policy.type';
import { INCURRED } from '../risk/risk-history.sql';
import {
  latestScoresSource,
  OneScorePerStage,
  RiskScoreConnection,
  RiskScoreView,
  scoreHistory,
} from '../risk/risk-score.type';
import { Claim } from './claim.entity';
import { ClaimStatus, FINISHED_CLAIM_STATUSES, FastTrack, ReportChannel } from './claim.enums';

const STAGE_COLUMNS: [ClaimStatus, string & keyof Claim][] = [
  [ClaimStatus.REPORTED, 'reportedAt'],
  [ClaimStatus.REGISTERED, 'registeredAt'],
  [ClaimStatus.SURVEYED, 'surveyedAt'],
  [ClaimStatus.ASSESSED, 'assessedAt'],
  [ClaimStatus.APPROVED, 'approvedAt'],
  [ClaimStatus.PAID, 'paidAt'],
  [ClaimStatus.CLOSED, 'closedAt'],
];

export const OPEN_CLAIM = (claim: SqlScope) =>
  `${claim.col('status')} not in (${FINISHED_CLAIM_STATUSES.map((s) => `'${s}'`).join(', ')})`;

@ObjectType('ClaimStage', { description: 'A stage the claim has reached, and when.' })
@DerivedRow()
export class ClaimStageView {
  @Field(() => ClaimStatus)
  @DerivedColumn('stage')
  stage!: ClaimStatus;

  @Field(() => DateTimeScalar)
  @DerivedColumn('at')
  at!: Date;
}

@ObjectType('Claim')
@ReadsFrom(() => Claim, { rows: ROWS.claim })
export class ClaimView {
  @Field(() => ID)
  @Column()
  id!: string;

  @Field(() => String)
  @Column()
  claimNo!: string;

  @Field(() => PolicyView)
  @Related({
    seenWithParent: true,
    kind: 'one',
    type: () => PolicyView,
    source: (claim, policy) => ({ where: [`${policy.col('id')} = ${claim.col('policy')}`] }),
  })
  policy!: Nested<PolicyView>;

  @Field(() => CustomerView, {
    nullable: true,
    description: "Null when the claimant is outside the caller's branch.",
  })
  @Related({
    kind: 'one',
    type: () => CustomerView,
    source: (claim, customer) => ({ where: [`${customer.col('id')} = ${claim.col('claimant')}`] }),
  })
  claimant!: Nested<CustomerView>;

  @Field(() => DateTimeScalar)
  @Column()
  accidentAt!: Date;

  @Field(() => String)
  @Column()
  accidentPlace!: string;

  @Field(() => ReportChannel)
  @Column()
  reportChannel!: ReportChannel;

  @Field(() => ClaimStatus)
  @Column()
  status!: ClaimStatus;

  @Field(() => Boolean, { description: 'Neither closed, rejected nor withdrawn.' })
  @Expression((claim) => `(${OPEN_CLAIM(claim)})`)
  open!: boolean;

  @Field(() => [ClaimStageView], { description: 'The stages reached, in order.' })
  @Related({
    kind: 'many',
    type: () => ClaimStageView,
    source: (claim, stage) => ({
      from: `(values ${STAGE_COLUMNS.map(([name, prop], i) => `(${i}, '${name}', ${claim.col(prop)})`).join(', ')}) ${stage.alias}(n, stage, at)`,
      where: [`${stage.alias}.at is not null`],
    }),
    orderBy: (stage) => [{ sql: `${stage.alias}.n`, type: 'int', direction: 'asc' }],
  })
  stages!: ClaimStageView[];

  @Field(() => DateTimeScalar)
  @Column()
  reportedAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  @Column()
  closedAt?: Date;

  @Field(() => DecimalScalar, { description: 'Estimated loss (估损).' })
  @Column()
  reserve!: string;

  @Field(() => DecimalScalar)
  @Column()
  paidAmount!: string;

  @Field(() => DecimalScalar, {
    description:
      'Paid for closed claims, max(reserve, paid) for open ones, what was paid for rejected or withdrawn ones (never less than paid).',
  })
  @Expression((claim) => INCURRED(claim.alias))
  incurred!: string;

  @Field(() => Boolean, { description: 'Single-party accident (单方事故).' })
  @Column()
  singleParty!: boolean;

  @Field(() => Boolean)
  @Column()
  injury!: boolean;

  @Field(() => FastTrack, { nullable: true })
  @Column()
  fastTrack?: FastTrack;

  @Field(() => Boolean)
  @Column()
  advancePayment!: boolean;

  @Field(() => Boolean, { description: 'Repaired at a partner shop paid directly (直赔).' })
  @Column()
  directSettlement!: boolean;

  @Field(() => Int)
  @Column()
  complaints!: number;

  @Field(() => [RiskScoreView], { description: 'The latest score of each stage.' })
  @OneScorePerStage()
  @Related({
    kind: 'many',
    type: () => RiskScoreView,
    source: (claim, score) => ({
      from: latestScoresSource('claim_id', claim.col('id'), score.alias),
      where: [],
    }),
    orderBy: (score) => [{ sql: score.col('stage'), type: 'text', direction: 'asc' }],
  })
  latestRiskScores!: RiskScoreView[];

  @Field(() => RiskScoreConnection, { description: 'Every score of the claim, newest first.' })
  @Related(scoreHistory('claim'))
  riskScores!: InstanceType<typeof RiskScoreConnection>;
}

export const ClaimConnection = Connection(ClaimView, 'Claim');

/** Most recently reported first. */
export const claimOrder = (claim: SqlScope): OrderKey[] => [
  { sql: claim.col('reportedAt'), type: 'timestamptz', direction: 'desc' },
  { sql: claim.col('id'), type: 'uuid', direction: 'asc' },
];

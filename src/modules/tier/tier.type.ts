import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { GraphQLScalarType } from 'graphql';
import { JSONObjectResolver } from 'graphql-scalars';
import { FIELDS } from '../../auth/access';
import { Connection } from '../../graphql/connection';
import { knownDay } from '../../graphql/known-day';
import type { SqlScope } from '../../read/sql-scope';
import type { BusinessClock } from '../../time/clock';
import { DateTimeScalar, DecimalScalar } from '../../graphql/scalars';
import {
  Column,
  DerivedColumn,
  DerivedRow,
  Expression,
  ReadsFrom,
  Related,
  type Nested,
} from '../../read/read-model';
import {
  METRICS,
  METRIC_KEYS,
  SQL_TYPES,
  type MetricKey,
  type MetricType,
} from './rule-set/metrics';
import { RuleSetKind, RuleSetVersion, RuleSetVersionStatus } from './rule-set-version.entity';
import { TierAssignment } from './tier-assignment.entity';
import { ActivationState, RuleSetActivation } from './rule-set-activation.entity';

@ObjectType('RuleSetVersion', { description: 'A version of the tier or entitlement rules.' })
@ReadsFrom(() => RuleSetVersion)
export class RuleSetVersionView {
  @Field(() => ID)
  @Column()
  id!: string;

  @Field(() => RuleSetKind)
  @Column()
  kind!: RuleSetKind;

  @Field(() => Int)
  @Column()
  version!: number;

  @Field(() => RuleSetVersionStatus)
  @Column()
  status!: RuleSetVersionStatus;

  @Field(() => String)
  @Column()
  note!: string;

  @Field(() => String)
  @Column()
  createdBy!: string;

  @Field(() => DateTimeScalar)
  @Column()
  createdAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  @Column()
  activatedAt?: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  @Column()
  retiredAt?: Date;

  @Field(() => JSONObjectResolver, { description: 'The rules themselves.' })
  @Column()
  document!: Record<string, unknown>;
}

/**
 * The metric values a tier was decided on, one field per metric of the catalog
 * (`rule-set/metrics.ts`), so that a new metric reaches the API with its definition. Money
 * and ratios are Decimal strings, as everywhere in the API: the recorded jsonb holds them as
 * exact numerics, which a client's JSON parser would turn into binary floats.
 */
@ObjectType('TierMetrics', {
  description:
    'The metric values a tier was decided on, as of its computation. Windows end on and ' +
    'include that day. The loss ratios here are windowed (lossRatio12m, lossRatio36m), ' +
    'unlike riskHistory.lifetimeLossRatio, which covers every policy since the first cover.',
})
@DerivedRow()
export class TierMetricsView {
  [metric: string]: string | number | boolean | null;
}

const METRIC_FIELD_TYPES: Record<MetricType, () => GraphQLScalarType> = {
  money: () => DecimalScalar,
  count: () => Int,
  ratio: () => DecimalScalar,
  level: () => String as unknown as GraphQLScalarType,
  boolean: () => Boolean as unknown as GraphQLScalarType,
};

for (const key of METRIC_KEYS) {
  const { type, unit, definition } = METRICS[key];
  Field(METRIC_FIELD_TYPES[type], {
    // A ratio is null when nothing was earned; the other metrics always have a value.
    nullable: type === 'ratio',
    description:
      type === 'ratio'
        ? `${definition} Unit: ${unit}. Shown rounded to 4 decimals; classes, risk gates and reasons compare the exact ratio, so 1.0000 can be above 1 (a reason then names it as 100.0025%).`
        : `${definition} Unit: ${unit}.`,
  })(TierMetricsView.prototype, key);
  DerivedColumn(key)(TierMetricsView.prototype, key);
}

/**
 * How a metric reads in the API: ratios to 4 decimals. The record keeps them exact, as the
 * classes and the risk gates compared them.
 */
const SHOWN_TYPES: Record<MetricType, string> = { ...SQL_TYPES, ratio: 'numeric(20, 4)' };

/** The metrics recorded on an assignment (jsonb by metric key) as a row, typed as shown. */
const metricsRecord = (json: string, alias: string) =>
  `jsonb_to_record(${json}) as ${alias}(${METRIC_KEYS.map(
    (key: MetricKey) => `"${key}" ${SHOWN_TYPES[METRICS[key].type]}`,
  ).join(', ')})`;

@ObjectType('TierAssignment', {
  description: 'A tier over a period, with the metric values and reasons it was decided on.',
})
@ReadsFrom(() => TierAssignment)
export class TierAssignmentView {
  @Field(() => ID, {
    description:
      'The customer it was assigned to: the one asked for, or a customer merged into it since (a merge brings its history along; its tier on a date stays its own).',
  })
  @Expression((assignment) => assignment.col('customer'))
  customerId!: string;

  @Field(() => String)
  @Column()
  tier!: string;

  // Decided on claims and risk scores: campaigns get the tier and its value class only.
  @Field(() => String, { description: 'The risk-health class, e.g. QUALITY.' })
  @Column({ access: FIELDS.decisionBasis })
  riskClass!: string;

  @Field(() => String, { description: 'The value class, e.g. HIGH.' })
  @Column()
  valueClass!: string;

  @Field(() => [String], { description: 'In plain words, e.g. "no claim in 36 months".' })
  @Column({ access: FIELDS.decisionBasis })
  reasons!: string[];

  @Field(() => TierMetricsView, { description: 'The metric values it was decided on.' })
  @Related({
    access: FIELDS.decisionBasis,
    kind: 'one',
    type: () => TierMetricsView,
    source: (assignment, metrics) => ({
      from: metricsRecord(assignment.col('metrics'), metrics.alias),
      where: [],
    }),
  })
  metrics!: Nested<TierMetricsView>;

  @Field(() => String, { description: 'CHANGE, SCHEDULE or ACTIVATION.' })
  @Column()
  cause!: string;

  @Field(() => DateTimeScalar)
  @Column()
  validFrom!: Date;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Null while it holds.' })
  @Column()
  validTo?: Date;

  @Field(() => RuleSetVersionView)
  @Related({
    kind: 'one',
    type: () => RuleSetVersionView,
    source: (assignment, version) => ({
      where: [`${version.col('id')} = ${assignment.col('ruleSetVersion')}`],
    }),
  })
  ruleSetVersion!: Nested<RuleSetVersionView>;
}

export const TierAssignmentConnection = Connection(TierAssignmentView, 'TierAssignment');
export const RuleSetVersionConnection = Connection(RuleSetVersionView, 'RuleSetVersion');

/**
 * The end of a business day, as SQL: "the tier on 2026-07-01" is the tier that held when
 * that day ended in the business zone, the zone every hub session runs in (src/db/pg.ts).
 */
export const endOfDay = (dateSql: string) => `((${dateSql})::date + 1)::timestamptz`;

export const startOfDay = (dateSql: string) => `((${dateSql})::date)::timestamptz`;

/**
 * The end of an as-of day (`field`) bound on `scope`, or undefined for now; a later day is
 * refused (knownDay): its tier is not known yet.
 */
export function endOfKnownDay(
  scope: SqlScope,
  clock: BusinessClock,
  field: string,
  day: string | undefined,
): string | undefined {
  const known = knownDay(clock, field, day);
  return known === undefined ? undefined : endOfDay(scope.param(known, 'date'));
}

/** The assignment in force at `at` (an instant, SQL), or the open one when `at` is absent. */
export const assignmentAt = (alias: string, at?: string) =>
  at
    ? `${alias}.valid_from < ${at} and (${alias}.valid_to is null or ${alias}.valid_to >= ${at})`
    : `${alias}.valid_to is null`;

@ObjectType('RuleSetActivation', {
  description:
    'The activation of a rule set version, run as a job: follow it with ruleSetActivation(id). ' +
    'The switch is atomic: readers see the old version and its tiers until SUCCEEDED, and a ' +
    'FAILED activation leaves the old version active.',
})
@ReadsFrom(() => RuleSetActivation)
export class RuleSetActivationView {
  @Field(() => ID)
  @Column()
  id!: string;

  @Field(() => RuleSetVersionView)
  @Related({
    kind: 'one',
    type: () => RuleSetVersionView,
    source: (job, version) => ({
      where: [`${version.col('id')} = ${job.col('ruleSetVersion')}`],
    }),
  })
  ruleSetVersion!: Nested<RuleSetVersionView>;

  @Field(() => RuleSetVersionView, {
    nullable: true,
    description: 'The draft of the other kind switched in the same transaction, if any.',
  })
  @Related({
    kind: 'one',
    type: () => RuleSetVersionView,
    source: (job, version) => ({
      where: [`${version.col('id')} = ${job.col('alongWith')}`],
    }),
  })
  alongWith?: Nested<RuleSetVersionView>;

  @Field(() => ActivationState)
  @Column()
  state!: ActivationState;

  @Field(() => String)
  @Column()
  requestedBy!: string;

  @Field(() => Int, {
    nullable: true,
    description: 'Customers to recompute (tiers only), known once their metrics are read.',
  })
  @Column()
  customersTotal?: number;

  @Field(() => Int, { description: 'Customers recomputed so far.' })
  @Column()
  customersDone!: number;

  @Field(() => Int, {
    nullable: true,
    description:
      'Customers given a new assignment, once SUCCEEDED: every customer whose assignment now names the new version, whether or not the tier moved (the simulation and tierTransitionSummary count the moves).',
  })
  @Column()
  customersChanged?: number;

  @Field(() => String, { nullable: true, description: 'Why it FAILED.' })
  @Column()
  error?: string;

  @Field(() => DateTimeScalar)
  @Column()
  createdAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  @Column()
  startedAt?: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  @Column()
  finishedAt?: Date;
}

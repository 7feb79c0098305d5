import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ROWS } from '../../auth/rows';
import { JSONObjectResolver } from 'graphql-scalars';
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
} from '../../read/read-model';
import type { SqlScope } from '../../read/sql-scope';
import { RuleSetVersionView } from '../tier/tier.type';
import { EligibilityDecision } from './eligibility-decision.entity';
import { ServiceLevel } from './rule-set/document';

export enum EntitlementStatus {
  GRANTED = 'GRANTED',
  WITHHELD = 'WITHHELD',
}
registerEnumType(EntitlementStatus, {
  name: 'EntitlementStatus',
  description: 'WITHHELD: the tier grants it, but a risk gate takes it away.',
});

const parameter =
  (name: string, type = '') =>
  (row: SqlScope) =>
    `(${row.alias}.p->>'${name}')${type}`;

@ObjectType('ServiceParameters', { description: 'The bounds a claim must keep to for a service.' })
@DerivedRow()
export class ServiceParametersView {
  @Field(() => DecimalScalar, { nullable: true, description: 'CNY; larger claims do not qualify.' })
  @Expression(parameter('maxClaimAmount', '::numeric'))
  maxClaimAmount?: string;

  @Field(() => DecimalScalar, {
    nullable: true,
    description: 'CNY; smaller claims do not qualify.',
  })
  @Expression(parameter('minClaimAmount', '::numeric'))
  minClaimAmount?: string;

  @Field(() => Boolean, { nullable: true })
  @Expression(parameter('singlePartyOnly', '::boolean'))
  singlePartyOnly?: boolean;

  @Field(() => Boolean, { nullable: true })
  @Expression(parameter('noInjury', '::boolean'))
  noInjury?: boolean;

  @Field(() => Boolean, { nullable: true })
  @Expression(parameter('partnerShopOnly', '::boolean'))
  partnerShopOnly?: boolean;

  @Field(() => Int, { nullable: true, description: 'Accident hour window start, Beijing time.' })
  @Expression(parameter('hoursFrom', '::int'))
  hoursFrom?: number;

  @Field(() => Int, { nullable: true, description: 'Window end (exclusive); may wrap midnight.' })
  @Expression(parameter('hoursTo', '::int'))
  hoursTo?: number;

  @Field(() => Int, { nullable: true, description: 'The settlement promise, in hours.' })
  @Expression(parameter('settleWithinHours', '::int'))
  settleWithinHours?: number;
}

/** A parameters jsonb column as the one-row source of a ServiceParametersView. */
const parametersOf = (column: string, params: SqlScope) => ({
  from: `(select ${column} as p) ${params.alias}`,
  where: [],
});

@ObjectType('Entitlement', { description: 'A service the customer is entitled to, and why.' })
@DerivedRow()
export class EntitlementView {
  @Field(() => String)
  @DerivedColumn('service')
  service!: string;

  @Field(() => String)
  @DerivedColumn('name')
  name!: string;

  @Field(() => ServiceLevel)
  @DerivedColumn('level')
  level!: ServiceLevel;

  @Field(() => Boolean, { description: 'A fast track: what risk gates take away.' })
  @DerivedColumn('fast_track')
  fastTrack!: boolean;

  @Field(() => EntitlementStatus)
  @Expression(
    (e) => `case when cardinality(${e.alias}.withheld) = 0 then 'GRANTED' else 'WITHHELD' end`,
  )
  status!: EntitlementStatus;

  @Field(() => [String])
  @Expression(
    (e) => `array_to_json(case when cardinality(${e.alias}.withheld) = 0
    then array[format('tier %s grants it (entitlement rules v%s)', ${e.alias}.tier, ${e.alias}.rules_version)]
    else ${e.alias}.withheld end)`,
  )
  reasons!: string[];

  @Field(() => ServiceParametersView)
  @Related({
    kind: 'one',
    type: () => ServiceParametersView,
    source: (e, params) => parametersOf(`${e.alias}.parameters`, params),
  })
  parameters!: ServiceParametersView;
}

@ObjectType('DecisionReason')
@DerivedRow()
export class DecisionReasonView {
  @Field(() => String, { description: 'A stable code, e.g. OVER_MAX_AMOUNT or HIGH_RISK_SCORE.' })
  @Expression((r) => `${r.alias}.e->>'code'`)
  code!: string;

  @Field(() => String)
  @Expression((r) => `${r.alias}.e->>'text'`)
  text!: string;
}

@ObjectType('EligibilityDecision', {
  description: 'Whether a customer may have a service for a claim, decided and recorded.',
})
@ReadsFrom(() => EligibilityDecision, { rows: ROWS.eligibilityDecision })
export class EligibilityDecisionView {
  @Field(() => ID)
  @Column()
  id!: string;

  @Field(() => String)
  @Column()
  service!: string;

  @Field(() => Boolean)
  @Column()
  allowed!: boolean;

  @Field(() => [DecisionReasonView], { description: 'Every reason, for and against.' })
  @Related({
    kind: 'many',
    type: () => DecisionReasonView,
    source: (decision, reason) => ({
      from: `jsonb_array_elements(${decision.col('reasons')}) with ordinality as ${reason.alias}(e, n)`,
      where: [],
    }),
    orderBy: (reason) => [{ sql: `${reason.alias}.n`, type: 'int', direction: 'asc' }],
  })
  reasons!: DecisionReasonView[];

  @Field(() => ServiceParametersView, { description: 'The parameters that applied.' })
  @Related({
    kind: 'one',
    type: () => ServiceParametersView,
    source: (decision, params) => parametersOf(decision.col('parameters'), params),
  })
  parameters!: ServiceParametersView;

  @Field(() => JSONObjectResolver, { description: 'The claim context as it was asked.' })
  @Column()
  context!: Record<string, unknown>;

  @Field(() => String, { nullable: true, description: 'The tier the decision was made on.' })
  @Column()
  tier?: string;

  @Field(() => RuleSetVersionView, { nullable: true })
  @Related({
    kind: 'one',
    type: () => RuleSetVersionView,
    source: (decision, version) => ({
      where: [`${version.col('id')} = ${decision.col('tierRuleSetVersion')}`],
    }),
  })
  tierRuleSetVersion?: Nested<RuleSetVersionView>;

  @Field(() => RuleSetVersionView)
  @Related({
    kind: 'one',
    type: () => RuleSetVersionView,
    source: (decision, version) => ({
      where: [`${version.col('id')} = ${decision.col('entitlementRuleSetVersion')}`],
    }),
  })
  entitlementRuleSetVersion!: Nested<RuleSetVersionView>;

  @Field(() => String, { description: 'Who asked: the caller named by the token.' })
  @Column()
  decidedBy!: string;

  @Field(() => DateTimeScalar)
  @Column({ property: 'createdAt' })
  decidedAt!: Date;
}

export const EligibilityDecisionConnection = Connection(
  EligibilityDecisionView,
  'EligibilityDecision',
);

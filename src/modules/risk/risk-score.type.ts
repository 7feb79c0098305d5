import { ArgsType, Field, ID, ObjectType } from 'type-graphql';
import { FIELDS } from '../../auth/access';
import { Connection, ConnectionArgs } from '../../graphql/connection';
import { MaxItems } from '../../graphql/limits/items';
import type { RelationSpec } from '../../read/read-model';
import { anyOf, type SqlScope } from '../../read/sql-scope';
import { DateTimeScalar, DecimalScalar } from '../../graphql/scalars';
import { Column, DerivedRow, Expression, ReadsFrom, Related } from '../../read/read-model';
import { RiskLevel, RiskStage, RiskSubjectType } from './risk.enums';
import { RiskScore } from './risk-score.entity';
import { GRAVER_FIRST, LATEST_SCORE_FIRST } from './risk-history.sql';

@ObjectType('FiredRule', { description: 'A rule of the rule base that fired, with its weight.' })
@DerivedRow()
export class FiredRuleView {
  @Field(() => String)
  @Expression((rule) => `${rule.alias}.e->>'code'`)
  code!: string;

  @Field(() => String)
  @Expression((rule) => `${rule.alias}.e->>'description'`)
  description!: string;

  @Field(() => DecimalScalar)
  @Expression((rule) => `(${rule.alias}.e->>'weight')::numeric`)
  weight!: string;
}

@ObjectType('RiskScore', { description: 'One score from the rule base; scores are history.' })
@ReadsFrom(() => RiskScore)
export class RiskScoreView {
  @Field(() => ID)
  @Column()
  id!: string;

  @Field(() => RiskSubjectType)
  @Column()
  subjectType!: RiskSubjectType;

  @Field(() => RiskStage)
  @Column()
  stage!: RiskStage;

  @Field(() => String)
  @Column()
  model!: string;

  @Field(() => String)
  @Column()
  modelVersion!: string;

  @Field(() => DecimalScalar)
  @Column()
  score!: string;

  @Field(() => RiskLevel)
  @Column()
  level!: RiskLevel;

  @Field(() => [FiredRuleView])
  @Related({
    kind: 'many',
    type: () => FiredRuleView,
    source: (score, rule) => ({
      from: `jsonb_array_elements(${score.col('firedRules')}) with ordinality as ${rule.alias}(e, n)`,
      where: [],
    }),
    orderBy: (rule) => [{ sql: `${rule.alias}.n`, type: 'int', direction: 'asc' }],
  })
  firedRules!: FiredRuleView[];

  @Field(() => DateTimeScalar)
  @Column()
  scoredAt!: Date;
}

/** A subject's latest scores: one of each stage at most. */
export const OneScorePerStage = () => MaxItems(Object.values(RiskStage).length);

/** The latest score of each stage for a subject column (customer, claim, vehicle). */
export function latestScoresSource(subjectColumn: string, subjectId: string, alias: string) {
  return `(select distinct on (rs.stage) rs.* from risk_score rs
    where rs.${subjectColumn} = ${subjectId} order by rs.stage, ${LATEST_SCORE_FIRST('rs')}) ${alias}`;
}

@ArgsType()
export class RiskScoresArgs extends ConnectionArgs {
  @Field(() => [RiskStage], { nullable: true })
  stage?: RiskStage[];
}

export const RiskScoreConnection = Connection(RiskScoreView, 'RiskScore');

/**
 * Every score of a subject (a customer, a claim or a vehicle), newest first, of the stages
 * asked for: declared once for the three. The rule base's scores are history.
 */
export const scoreHistory = (
  subject: 'customer' | 'claim' | 'vehicle',
): RelationSpec<RiskScoresArgs> => ({
  access: FIELDS.riskScores,
  kind: 'connection',
  type: () => RiskScoreView,
  args: () => RiskScoresArgs,
  source: (owner: SqlScope, score: SqlScope, args: RiskScoresArgs) => ({
    where: [
      `${score.col(subject)} = ${owner.col('id')}`,
      ...anyOf(score, score.col('stage'), args.stage, 'stage'),
    ],
  }),
  orderBy: (score: SqlScope) => [
    { sql: score.col('scoredAt'), type: 'timestamptz', direction: 'desc' },
    { sql: GRAVER_FIRST(score.col('level')), type: 'int', direction: 'asc' },
    { sql: score.col('id'), type: 'uuid', direction: 'asc' },
  ],
});

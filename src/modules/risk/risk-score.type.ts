import { Field, ID, ObjectType } from 'type-graphql';
import { DateTimeScalar, DecimalScalar } from '../../graphql/scalars';
import { Column, DerivedRow, Expression, ReadsFrom, Related } from '../../read/read-model';
import { RiskLevel, RiskStage, RiskSubjectType } from './risk.enums';
import { RiskScore } from './risk-score.entity';
import { LATEST_SCORE_FIRST } from './risk-history.sql';

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

/** The latest score of each stage for a subject column (customer, claim, vehicle). */
export function latestScoresSource(subjectColumn: string, subjectId: string, alias: string) {
  return `(select distinct on (rs.stage) rs.* from risk_score rs
    where rs.${subjectColumn} = ${subjectId} order by rs.stage, ${LATEST_SCORE_FIRST('rs')}) ${alias}`;
}

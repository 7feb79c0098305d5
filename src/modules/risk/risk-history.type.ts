import { Field, Int, ObjectType } from 'type-graphql';
import { DecimalScalar, LocalDateScalar } from '../../graphql/scalars';
import { DerivedColumn, DerivedRow, Related } from '../../read/read-model';
import { NCD_TABLE, policyYearRows } from './risk-history.sql';

/** Premium and loss figures shared by a whole history and each of its policy years. */
@ObjectType()
@DerivedRow()
abstract class LossFigures {
  @Field(() => DecimalScalar)
  @DerivedColumn('written_premium')
  writtenPremium!: string;

  @Field(() => DecimalScalar)
  @DerivedColumn('earned_premium')
  earnedPremium!: string;

  @Field(() => DecimalScalar)
  @DerivedColumn('paid')
  paid!: string;

  @Field(() => DecimalScalar)
  @DerivedColumn('incurred')
  incurred!: string;
}

@ObjectType('PolicyYear', { description: 'Figures for the policies whose period began in a year.' })
@DerivedRow()
export class PolicyYearView extends LossFigures {
  @Field(() => Int)
  @DerivedColumn('year')
  year!: number;

  @Field(() => Int, {
    description:
      'The policies whose period began that year, cancelled ones included (their claims count ' +
      'here too); writtenPremium leaves out what cancelled ones carry, as the tier does.',
  })
  @DerivedColumn('policy_count')
  policyCount!: number;

  @Field(() => Int)
  @DerivedColumn('claim_count')
  claimCount!: number;

  @Field(() => DecimalScalar, {
    nullable: true,
    description:
      "incurred / earnedPremium of this year's policies, as of the history's asOf; null while " +
      'they have earned nothing.',
  })
  @DerivedColumn('loss_ratio')
  lossRatio?: string;
}

@ObjectType('RiskHistory', {
  description:
    'Underwriting indicators as of a date. A claim counts unless rejected or withdrawn; ' +
    'incurred is paid for closed claims and max(reserve, paid) for open ones; earned premium ' +
    'is premium pro rata to the elapsed share of the policy period; loss ratio is incurred ' +
    'over earned premium. Premium, paid, incurred and lifetimeLossRatio cover every policy ' +
    'from the first cover up to asOf; the claim counts are windowed as their names say.',
})
@DerivedRow()
export class RiskHistoryView extends LossFigures {
  @Field(() => LocalDateScalar)
  @DerivedColumn('as_of')
  asOf!: string;

  @Field(() => DecimalScalar, {
    nullable: true,
    description:
      'incurred / earnedPremium over every policy from the first cover up to asOf: the ' +
      'lifetime figure underwriting reads, not the 12- or 36-month windows that tiers use ' +
      '(TierMetrics.lossRatio12m, lossRatio36m). Null while nothing is earned.',
  })
  @DerivedColumn('loss_ratio')
  lifetimeLossRatio?: string;

  @Field(() => Int, { description: 'Claims with an accident in the 12 months up to asOf.' })
  @DerivedColumn('claim_count_1y')
  claimCount1y!: number;

  @Field(() => Int, { description: 'Claims with an accident in the 3 years up to asOf.' })
  @DerivedColumn('claim_count_3y')
  claimCount3y!: number;

  @Field(() => Int, { description: 'Claims with an accident in the 5 years up to asOf.' })
  @DerivedColumn('claim_count_5y')
  claimCount5y!: number;

  @Field(() => Int, {
    description: 'Whole years since the last claim, or since the first cover if none.',
  })
  @DerivedColumn('claim_free_years')
  claimFreeYears!: number;

  @Field(() => LocalDateScalar, { nullable: true })
  @DerivedColumn('last_accident')
  lastAccidentDate?: string;

  @Field(() => Int, {
    nullable: true,
    description:
      'The no-claims discount level of commercial auto insurance (NCD, the 2020 national table) as of asOf, from the auto policies and their claims (claim-free years of unbroken auto cover, counted again after a lapse of more than 90 days; claims in the 12 months up to asOf): ' +
      `${NCD_TABLE.map((n) => `${n.level}: ${n.when}`).join('; ')}. Null without auto cover.`,
  })
  @DerivedColumn('ncd_level')
  ncdLevel?: number;

  @Field(() => DecimalScalar, {
    nullable: true,
    description: `The premium coefficient of ncdLevel: ${NCD_TABLE.map((n) => `${n.coefficient} at ${n.level}`).join(', ')}.`,
  })
  @DerivedColumn('ncd_coefficient')
  ncdCoefficient?: string;

  @Field(() => [PolicyYearView], { description: 'Per underwriting year, oldest first.' })
  @Related({
    kind: 'many',
    type: () => PolicyYearView,
    source: (history, year) => ({ from: policyYearRows(history.alias, year.alias), where: [] }),
    orderBy: (year) => [{ sql: `${year.alias}.year`, type: 'int', direction: 'asc' }],
  })
  policyYears!: PolicyYearView[];
}

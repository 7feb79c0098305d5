import { MaxItems } from '../../graphql/limits/items';
import { LocalDateScalar } from '../../graphql/scalars';
import { Field, InputType, Int, registerEnumType } from 'type-graphql';
import { LineOfBusiness, SalesChannel } from '../policy/policy.enums';
import { MAX_RANK } from '../tier/rule-set/validate';

/** A list of tier codes names at most as many as a rule set may rank. */
const TierCodes = (description: string) => (target: object, property: string) => {
  Field(() => [String], {
    nullable: true,
    description: `${description} At most ${MAX_RANK} codes.`,
  })(target, property);
  MaxItems(MAX_RANK)(target, property);
};

export enum TierMove {
  UP = 'UP',
  DOWN = 'DOWN',
}
registerEnumType(TierMove, {
  name: 'TierMove',
  description: 'By tier rank: DOWN is to a worse tier.',
});

@InputType('TierChangeFilter', {
  description:
    'Customers whose tier changed since a date, e.g. moved down from GOLD since 2026-07-01.',
})
export class TierChangeFilter {
  @Field(() => LocalDateScalar, {
    description: 'Changes from the start of this date (Beijing time).',
  })
  since!: string;

  @TierCodes('The tier they left.')
  from?: string[];

  @TierCodes('The tier they moved to.')
  to?: string[];

  @Field(() => TierMove, { nullable: true })
  direction?: TierMove;
}

/**
 * Conditions on customers for a campaign segment. The policy conditions (lines, channels,
 * expiry) must all hold for one policy in force, so "auto via dealers expiring in 45 days"
 * means one such policy, not three different ones.
 */
@InputType('MarketingCustomerFilter')
export class MarketingCustomerFilter {
  @Field(() => String, { nullable: true, description: 'The branch and everything under it.' })
  branchCode?: string;

  @Field(() => [LineOfBusiness], { nullable: true })
  lines?: LineOfBusiness[];

  @Field(() => [SalesChannel], { nullable: true })
  channels?: SalesChannel[];

  @Field(() => Int, { nullable: true, description: 'A policy in force expires within N days.' })
  expiringWithinDays?: number;

  @Field(() => Boolean, { nullable: true, description: 'With (true) or without (false) claims.' })
  hasClaims?: boolean;

  @Field(() => Int, {
    nullable: true,
    description:
      "The claims window for hasClaims: today and the N days before. By default the 12 months the tier's claimCount12m counts.",
  })
  claimsWithinDays?: number;

  @Field(() => Boolean, {
    nullable: true,
    description:
      'Marketing consent. Callers with the marketing role only ever see consenting customers.',
  })
  consentGiven?: boolean;

  @TierCodes('Tier codes, e.g. ["GOLD", "DIAMOND"].')
  tiers?: string[];

  @Field(() => LocalDateScalar, {
    nullable: true,
    description: 'Match tiers as held at the end of this date (Beijing time); now by default.',
  })
  tierAsOf?: string;

  @Field(() => TierChangeFilter, { nullable: true })
  tierChange?: TierChangeFilter;
}

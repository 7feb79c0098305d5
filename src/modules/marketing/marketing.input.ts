import { Field, InputType, Int } from 'type-graphql';
import { LineOfBusiness, SalesChannel } from '../policy/policy.enums';

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
    description: 'The claims window for hasClaims, in days up to today (365 by default).',
  })
  claimsWithinDays?: number;

  @Field(() => Boolean, {
    nullable: true,
    description:
      'Marketing consent. Callers with the marketing role only ever see consenting customers.',
  })
  consentGiven?: boolean;
}

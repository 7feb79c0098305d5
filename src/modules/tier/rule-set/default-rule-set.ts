import type { Comparison, ComparisonOp, TierRuleSetDocument } from './document';
import type { MetricKey } from './metrics';

const is = (metric: MetricKey, op: ComparisonOp, value: Comparison['value']): Comparison => ({
  metric,
  op,
  value,
});

/**
 * The tier rule set the hub ships with (version 1), following the two axes of the source
 * documents: risk health (quality, healthy, sub-healthy, high-risk) and value (high, low).
 *
 * Classes of an axis must exclude each other, so a class repeats the bounds of the classes
 * it borders: SUB_HEALTHY says "at most 4 claims" and "loss ratio at most 100%" because
 * beyond is HIGH_RISK. That repetition is the price of order-free rules: each class, and
 * each reason, reads on its own. HEALTHY, the ordinary customer with a claim or two, is the
 * fallback, so that cases nobody foresaw land in the middle rather than being rewarded or
 * marked down.
 */
export const DEFAULT_TIER_RULE_SET: TierRuleSetDocument = {
  riskClasses: [
    {
      code: 'QUALITY',
      label: 'Quality',
      when: [
        {
          all: [
            is('claimCount36m', '=', 0),
            is('claimFreeMonths', '>=', 12),
            is('worstRiskLevel36m', '<=', 'LOW'),
            is('latestRiskLevel', '<=', 'LOW'),
          ],
        },
      ],
      rationale:
        'Quality customers (优质客户) have no claim in the look-back window. The window is 36 ' +
        'months, not 12: since the 2020 auto reform the no-claims discount looks back at least ' +
        'three years, and most drivers get through any one year without a claim, so a 12-month ' +
        'window would call most customers quality and reward the luck of one year. Twelve ' +
        'claim-free months of cover are also required, because a customer insured last month ' +
        'has no history yet, and the survey-free fast track trusts that history. "No risk ' +
        'points" means no score above LOW on the customer or their claims in 36 months, and a ' +
        'latest score of LOW at most.',
    },
    {
      code: 'HEALTHY',
      label: 'Healthy',
      rationale:
        'The fallback: customers with a claim or two whose loss ratio stays at most 75% and ' +
        'who have no HIGH risk score, and claim-free customers too new or with a MEDIUM score ' +
        'for QUALITY. Also customers with fewer than five claims whose policies earned nothing ' +
        'in the window, so that their loss ratio is unknown: without a ratio to judge by, ' +
        'they are not marked down.',
    },
    {
      code: 'SUB_HEALTHY',
      label: 'Sub-healthy',
      when: [
        {
          all: [
            is('claimCount36m', '>=', 1),
            is('claimCount36m', '<=', 4),
            is('lossRatio36m', '>', 0.75),
            is('lossRatio36m', '<=', 1),
            is('latestRiskLevel', '<=', 'MEDIUM'),
          ],
        },
        {
          all: [
            is('claimCount36m', '>=', 3),
            is('claimCount36m', '<=', 4),
            is('lossRatio36m', '<=', 1),
            is('latestRiskLevel', '<=', 'MEDIUM'),
          ],
        },
        {
          all: [
            is('worstRiskLevel36m', '=', 'HIGH'),
            is('claimCount36m', '<=', 4),
            is('lossRatio36m', '<=', 1),
            is('latestRiskLevel', '<=', 'MEDIUM'),
          ],
        },
      ],
      rationale:
        'Three signs, each enough. A loss ratio above 75%: the 2020 auto reform priced ' +
        'commercial auto for an expected loss ratio of 75% (expenses capped at 25%), so above ' +
        'it the premium no longer pays for claims plus expenses; the branch average is about ' +
        '64%. Three or four claims in 36 months: a claim a year or more. Or a HIGH score on the ' +
        'customer or one of their claims in 36 months while their latest score is not HIGH. ' +
        'A loss ratio above 100%, five claims or a HIGH latest score make HIGH_RISK instead, ' +
        'hence the upper bounds; a claim is required with the loss ratio because QUALITY ' +
        'customers have none.',
    },
    {
      code: 'HIGH_RISK',
      label: 'High risk',
      when: [
        { all: [is('latestRiskLevel', '=', 'HIGH')] },
        { all: [is('claimCount36m', '>=', 1), is('lossRatio36m', '>', 1)] },
        { all: [is('claimCount36m', '>=', 5)] },
      ],
      rationale:
        'The latest score of the rule base on the customer is HIGH: risk gates value, so such ' +
        'a customer gets no fast track whatever they contribute. Or a loss ratio above 100%: ' +
        'the customer cost more than they paid in (the claim is stated because QUALITY ' +
        'customers have none, which the ratio alone does not say). Or five claims or more in ' +
        '36 months, well beyond one a year.',
    },
  ],
  valueClasses: [
    {
      code: 'HIGH',
      label: 'High value',
      when: [
        { all: [is('premium12m', '>=', 5000)] },
        { all: [is('linesHeld', '>=', 2), is('tenureMonths', '>=', 24)] },
        { all: [is('renewals', '>=', 3), is('premium12m', '>=', 2000)] },
      ],
      rationale:
        'Purchasing power (购买力) in three forms. Premium of at least 5,000 CNY in 12 months, ' +
        'about twice the average private car since the 2020 reform, so a costlier car or ' +
        'several policies. Or two lines of business held through at least two policy years: a ' +
        'customer who buys more than car insurance from us and stays. Or at least three ' +
        'renewals in 36 months, a customer renewing every year, with at least 2,000 CNY of ' +
        'premium so that compulsory cover alone (about 950 CNY) does not make a customer ' +
        'high value.',
    },
    {
      code: 'LOW',
      label: 'Low value',
      rationale:
        'The fallback: customers whose premium, products, tenure and renewals do not yet reach ' +
        'any HIGH rule.',
    },
  ],
  tiers: [
    {
      code: 'DIAMOND',
      label: 'Diamond',
      rank: 1,
      rationale:
        'Quality and high value: the customers the exclusive service and fast tracks are for.',
    },
    {
      code: 'GOLD',
      label: 'Gold',
      rank: 2,
      rationale:
        'Healthy and high value: claims stay within what the premium pays for, and the ' +
        'contribution earns more than a claim-free customer who buys little.',
    },
    {
      code: 'SILVER',
      label: 'Silver',
      rank: 3,
      rationale: 'Quality but low value: a clean history worth keeping and growing.',
    },
    {
      code: 'BLUE',
      label: 'Blue',
      rank: 4,
      rationale:
        'Healthy and low value: the "blue customers" of the source documents, served with care.',
    },
    {
      code: 'STANDARD',
      label: 'Standard',
      rank: 5,
      rationale:
        'Sub-healthy, whatever the value: risk gates value, so claims cost or frequency that ' +
        'eats the margin means standard service, however much the customer buys.',
    },
    {
      code: 'WATCH',
      label: 'Watch',
      rank: 6,
      rationale:
        'High risk, whatever the value: standard service with every step of the claim checked.',
    },
  ],
  matrix: [
    { risk: 'QUALITY', value: 'HIGH', tier: 'DIAMOND' },
    { risk: 'QUALITY', value: 'LOW', tier: 'SILVER' },
    { risk: 'HEALTHY', value: 'HIGH', tier: 'GOLD' },
    { risk: 'HEALTHY', value: 'LOW', tier: 'BLUE' },
    { risk: 'SUB_HEALTHY', value: 'HIGH', tier: 'STANDARD' },
    { risk: 'SUB_HEALTHY', value: 'LOW', tier: 'STANDARD' },
    { risk: 'HIGH_RISK', value: 'HIGH', tier: 'WATCH' },
    { risk: 'HIGH_RISK', value: 'LOW', tier: 'WATCH' },
  ],
};

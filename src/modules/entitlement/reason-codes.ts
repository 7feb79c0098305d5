/**
 * The reason codes the hub's own checks give an eligibility decision: the tier's grant, and
 * each parameter a claim keeps to (`<code>_MET`) or breaks. A risk gate's code is another,
 * of the rule set's: clients act on these, so a gate may not take one.
 */
export const REASON = {
  TIER_GRANTS: 'TIER_GRANTS',
  NOT_IN_TIER: 'NOT_IN_TIER',
  NO_TIER: 'NO_TIER',
  OVER_MAX_AMOUNT: 'OVER_MAX_AMOUNT',
  UNDER_MIN_AMOUNT: 'UNDER_MIN_AMOUNT',
  NOT_SINGLE_PARTY: 'NOT_SINGLE_PARTY',
  INJURY: 'INJURY',
  NOT_PARTNER_SHOP: 'NOT_PARTNER_SHOP',
  OUTSIDE_HOURS: 'OUTSIDE_HOURS',
} as const;

/** The code of a parameter's rule when the claim keeps to it. */
export const met = (code: string) => `${code}_MET`;

/** Whether `code` is one of the hub's own reasons, kept to or broken. */
export const isHubReason = (code: string) =>
  Object.values(REASON).some((reason) => code === reason || code === met(reason));

/**
 * The advisory lock around a tier activation's switch: the activation takes it alone just
 * before it dates the switch and holds it until it commits; an eligibility decision takes it
 * shared while it reads the customer's tier and records itself. A decision is then made and
 * dated wholly before the switch, on the old tiers, or wholly after it, on the new ones: the
 * tier history and the recorded decisions never tell two stories.
 */
export const TIER_SWITCH = `hashtextextended('tier switch', 0)`;

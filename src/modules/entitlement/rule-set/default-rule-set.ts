import type { Comparison } from '../../tier/rule-set/document';
import { ServiceLevel, type EntitlementRuleSetDocument } from './document';

const is = (metric: Comparison['metric'], op: Comparison['op'], value: Comparison['value']) => ({
  metric,
  op,
  value,
});

const ALL_TIERS = ['DIAMOND', 'GOLD', 'SILVER', 'BLUE', 'STANDARD', 'WATCH'];
const FAST_TRACKS = ['DOCUMENT_FREE_CLAIM', 'SURVEY_FREE_CLAIM', 'FLASH_CLAIM'];

/**
 * The entitlement rules the hub ships with (version 1), from the source documents' three
 * service levels and fast tracks, written against the default tier rule set's tiers.
 */
export const DEFAULT_ENTITLEMENT_RULE_SET: EntitlementRuleSetDocument = {
  services: [
    {
      code: 'ON_SITE_SURVEY',
      name: 'On-site survey (现场查勘)',
      level: ServiceLevel.STANDARD,
      fastTrack: false,
      description: 'A surveyor comes to the scene.',
      parameters: {},
    },
    {
      code: 'ROADSIDE_RESCUE',
      name: 'Roadside rescue and towing (施救)',
      level: ServiceLevel.STANDARD,
      fastTrack: false,
      description: 'Rescue and towing after an accident or breakdown.',
      parameters: {},
    },
    {
      code: 'ADVANCE_PAYMENT',
      name: 'Advance payment (垫付)',
      level: ServiceLevel.CARING,
      fastTrack: false,
      description: 'The insurer pays repairs or medical costs before the claim is settled.',
      parameters: { minClaimAmount: '10000' },
    },
    {
      code: 'NIGHT_CLAIMS_SERVICE',
      name: 'Night-time claims service (理赔夜市)',
      level: ServiceLevel.CARING,
      fastTrack: false,
      description: 'Claims handled in the evening and at night, for accidents after 20:00.',
      parameters: { hoursFrom: 20, hoursTo: 8 },
    },
    {
      code: 'PRICE_DIFFERENCE_CLAIM',
      name: 'Price-difference claim (差价理赔)',
      level: ServiceLevel.EXCLUSIVE,
      fastTrack: false,
      description:
        'The insurer pays the difference between the assessed and the actual repair price.',
      parameters: {},
    },
    {
      code: 'DOCUMENT_FREE_CLAIM',
      name: 'Document-free claim (免单证)',
      level: ServiceLevel.EXCLUSIVE,
      fastTrack: true,
      description:
        'Single-party accidents under 5,000 CNY settled without documents within 24 hours.',
      parameters: {
        maxClaimAmount: '5000',
        singlePartyOnly: true,
        noInjury: true,
        settleWithinHours: 24,
      },
    },
    {
      code: 'SURVEY_FREE_CLAIM',
      name: 'Survey-free claim (免查勘)',
      level: ServiceLevel.EXCLUSIVE,
      fastTrack: true,
      description:
        'Approved automatically without a survey, for customers with no risk points: ordinary time, external damage only.',
      parameters: { maxClaimAmount: '5000', noInjury: true, hoursFrom: 6, hoursTo: 20 },
    },
    {
      code: 'FLASH_CLAIM',
      name: 'Flash claim (闪赔)',
      level: ServiceLevel.EXCLUSIVE,
      fastTrack: true,
      description: 'Small single-party claims paid within the hour.',
      parameters: {
        maxClaimAmount: '2000',
        singlePartyOnly: true,
        noInjury: true,
        settleWithinHours: 1,
      },
    },
    {
      code: 'DIRECT_REPAIR',
      name: 'Direct repair at a partner shop (直赔)',
      level: ServiceLevel.EXCLUSIVE,
      fastTrack: false,
      description:
        'Repair at a partner shop that the insurer pays directly: nothing paid up front.',
      parameters: { partnerShopOnly: true },
    },
    {
      code: 'DEDICATED_CLAIMS_ADVISOR',
      name: 'Dedicated claims advisor',
      level: ServiceLevel.EXCLUSIVE,
      fastTrack: false,
      description: 'One named advisor follows a complex case from report to payment.',
      parameters: {},
    },
  ],
  grants: [
    {
      service: 'ON_SITE_SURVEY',
      tiers: ALL_TIERS,
      rationale: 'Standard service: every customer, whatever the tier.',
    },
    {
      service: 'ROADSIDE_RESCUE',
      tiers: ALL_TIERS,
      rationale: 'Standard service: every customer, whatever the tier.',
    },
    {
      service: 'ADVANCE_PAYMENT',
      tiers: ['DIAMOND', 'GOLD', 'SILVER', 'BLUE'],
      rationale:
        'Caring service for customers with value contribution or a clean record; the blue tier ' +
        'is named for caring service in the source documents. Not STANDARD or WATCH: money ' +
        'paid before assessment is at risk where claims run high.',
    },
    {
      service: 'NIGHT_CLAIMS_SERVICE',
      tiers: ['DIAMOND', 'GOLD', 'SILVER', 'BLUE'],
      rationale: 'Caring service, as advance payment.',
    },
    {
      service: 'PRICE_DIFFERENCE_CLAIM',
      tiers: ['DIAMOND', 'GOLD'],
      rationale: 'Exclusive service for high-value customers in good risk health.',
    },
    {
      service: 'DOCUMENT_FREE_CLAIM',
      tiers: ['DIAMOND', 'GOLD', 'SILVER'],
      rationale:
        'Exclusive fast track. SILVER (quality, lower value) is included: reducing documents ' +
        'follows risk points more than value (双减), and quality customers have none.',
    },
    {
      service: 'SURVEY_FREE_CLAIM',
      tiers: ['DIAMOND', 'SILVER'],
      rationale:
        'Only quality customers (no claim in 36 months): the source documents grant survey-free ' +
        'claims to customers without prior claims. DIAMOND and SILVER are the quality tiers.',
    },
    {
      service: 'FLASH_CLAIM',
      tiers: ['DIAMOND', 'GOLD'],
      rationale: 'The fastest track, for the best tiers.',
    },
    {
      service: 'DIRECT_REPAIR',
      tiers: ['DIAMOND', 'GOLD', 'SILVER', 'BLUE'],
      rationale: 'Nothing paid up front at partner shops: for customers in good standing.',
    },
    {
      service: 'DEDICATED_CLAIMS_ADVISOR',
      tiers: ['DIAMOND'],
      rationale: 'A named advisor is the scarcest resource: the top tier only.',
    },
  ],
  riskGates: [
    {
      code: 'HIGH_RISK_SCORE',
      services: FAST_TRACKS,
      when: [{ all: [is('latestRiskLevel', '=', 'HIGH')] }],
      reason: 'the latest risk score is HIGH: fast tracks are withheld whatever the tier',
      rationale:
        'Risk gates value (双减: documents and steps are reduced according to risk points): a ' +
        'high-value customer whose latest score is HIGH goes through the full process.',
    },
    {
      code: 'LOSS_RATIO_ABOVE_100',
      services: FAST_TRACKS,
      when: [{ all: [is('lossRatio36m', '>', 1)] }],
      reason: 'the 36-month loss ratio is above 100%: fast tracks are withheld',
      rationale: 'A customer who cost more than they paid in is checked, not waved through.',
    },
    {
      code: 'NO_VERIFIED_MOBILE',
      services: ['DOCUMENT_FREE_CLAIM', 'FLASH_CLAIM'],
      when: [{ all: [is('verifiedContact', '=', false)] }],
      reason: 'no verified mobile: a claim paid without documents must reach the real customer',
      rationale:
        'Contact authenticity (客户信息真实性): paying without documents relies on knowing the ' +
        'customer can be reached on the number on file.',
    },
  ],
};

import { Role } from '../src/auth/roles';

/**
 * The request shapes the suite measures, as a client sends them to the hub: each is a
 * registered document (production runs registered documents only), the role that sends it
 * and the variables of one key. The baseline (bench/baseline.ts) answers the same keys.
 */
export interface Shape {
  name: string;
  label: string;
  role: Role;
  document: string;
  /** Variables of the i-th key. */
  variables: (key: Keys, i: number) => Record<string, unknown>;
}

/** Random keys drawn once per run, the same for the hub and the baseline. */
export interface Keys {
  customers: string[];
  /** A customer with a vehicle, and that vehicle's VIN. */
  vehicles: { customer: string; vin: string }[];
  /** Segment pages: a tier, a province and, for all but about one in ten, a cursor. */
  pages: { tier: string; branchCode: string; after: string | null }[];
}

const RISK_HISTORY_FIELDS = `claimCount1y claimCount3y claimCount5y claimFreeYears lastAccidentDate
  writtenPremium earnedPremium incurred paid lifetimeLossRatio
  policyYears { year policyCount claimCount writtenPremium earnedPremium incurred paid lossRatio }`;

export const SHAPES: Shape[] = [
  {
    name: 'profile',
    label: 'front-line profile',
    role: Role.FRONTLINE,
    document: `query BenchProfile($id: ID!) {
  customer(by: { id: $id }) {
    cifNo name gender birthDate branch { code name }
    identityDocuments { type number }
    contactPoints { kind value verificationStatus }
    policies(status: [IN_FORCE], first: 10) {
      totalCount
      nodes { policyNo line premium expiryDate vehicle { plate vin newEnergy } }
    }
    claims(first: 5) { nodes { claimNo status reserve incurred stages { stage at } } }
    latestRiskScores { stage level score modelVersion firedRules { code weight } }
    tier { tier reasons }
    entitlements { service status level reasons }
  }
}`,
    variables: (keys, i) => ({ id: keys.customers[i % keys.customers.length] }),
  },
  {
    name: 'riskHistory',
    label: 'underwriting risk history (customer and vehicle)',
    role: Role.UNDERWRITING,
    document: `query BenchRiskHistory($id: ID!, $vin: String!) {
  customer(by: { id: $id }) { cifNo riskHistory { ${RISK_HISTORY_FIELDS} } }
  vehicle(vin: $vin) { vin riskHistory { ${RISK_HISTORY_FIELDS} } }
}`,
    variables: (keys, i) => {
      const { customer, vin } = keys.vehicles[i % keys.vehicles.length];
      return { id: customer, vin };
    },
  },
  {
    name: 'segmentPage',
    label: 'marketing segment page (50, totalCount)',
    role: Role.MARKETING,
    document: `query BenchSegmentPage($tier: String!, $branchCode: String!, $after: String) {
  marketingCustomers(filter: { tiers: [$tier], branchCode: $branchCode }, first: 50, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { cifNo name tier { tier } policies(status: [IN_FORCE]) { nodes { policyNo line expiryDate } } }
  }
}`,
    variables: (keys, i) => {
      const { tier, branchCode, after } = keys.pages[i % keys.pages.length];
      return { tier, branchCode, after };
    },
  },
];

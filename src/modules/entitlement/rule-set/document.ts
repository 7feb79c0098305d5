import type { Condition } from '../../tier/rule-set/document';

/** 标准服务, 贴心服务, 专享服务: the three service levels of the source documents. */
export enum ServiceLevel {
  STANDARD = 'STANDARD',
  CARING = 'CARING',
  EXCLUSIVE = 'EXCLUSIVE',
}

/**
 * The bounds of a service, checked against the claim at report time. Amounts are decimal
 * strings in CNY; hours are Beijing time, a window that may wrap midnight (20 to 8).
 */
export interface ServiceParameters {
  /** Claims above this amount are not eligible (免单证: 5,000 CNY). */
  maxClaimAmount?: string;
  /** Claims below this amount are not eligible (advance payment is for large claims). */
  minClaimAmount?: string;
  singlePartyOnly?: boolean;
  noInjury?: boolean;
  partnerShopOnly?: boolean;
  /** When the accident happened, in Beijing hours: from (inclusive) to (exclusive). */
  hoursFrom?: number;
  hoursTo?: number;
  /** The promise made to the customer, e.g. settled within 24 hours. */
  settleWithinHours?: number;
}

export interface ServiceDefinition {
  code: string;
  name: string;
  level: ServiceLevel;
  /** Fast tracks reduce documents and steps: the services risk gates take away. */
  fastTrack: boolean;
  description: string;
  parameters: ServiceParameters;
}

/** Which tiers get a service, with parameters that override the service's own. */
export interface Grant {
  service: string;
  tiers: string[];
  parameters?: ServiceParameters;
  rationale: string;
}

/** Takes services away from customers whose metrics say risk, whatever their tier. */
export interface RiskGate {
  code: string;
  services: string[];
  /** Any of these conjunctions over the customer's tier metrics. */
  when: Condition[];
  /** Shown to the front line and recorded with the decision. */
  reason: string;
  rationale: string;
}

export interface EntitlementRuleSetDocument {
  services: ServiceDefinition[];
  grants: Grant[];
  riskGates: RiskGate[];
}

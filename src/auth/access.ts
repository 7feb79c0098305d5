import type { SqlScope } from '../read/sql-scope';
import { Role } from './roles';

/**
 * Access in one place: which roles may call which operations, and which roles
 * see a sensitive field in full, masked, or not at all. Resolvers name an entry here;
 * the read compiler and the auth checker enforce it.
 */

const { FRONTLINE, UNDERWRITING, MARKETING, STEWARD, INGEST, ADMIN } = Role;

/** Why someone needs a personal value unmasked; every reveal records its purpose. */
export enum RevealPurpose {
  /** A claim handler calls or writes to the customer about a claim. */
  CLAIM_CONTACT = 'CLAIM_CONTACT',
  /** A call-centre agent calls the customer back about their policies. */
  SERVICE_CALLBACK = 'SERVICE_CALLBACK',
  /** Checking the identity document a customer presents against the record. */
  IDENTITY_VERIFICATION = 'IDENTITY_VERIFICATION',
  /** An underwriter checks a risk against external sources. */
  UNDERWRITING_CHECK = 'UNDERWRITING_CHECK',
  /** A data steward corrects or de-duplicates a record. */
  DATA_CORRECTION = 'DATA_CORRECTION',
}

/** What can be revealed: identity document numbers and contact values. */
export type RevealField = 'identityNumber' | 'contactValue';

/**
 * What a purpose says of the customer, which the hub checks before it reveals: a claim
 * contact is about a claim of theirs, as claimant or a party of the claim's policy.
 */
export const REVEAL_NEEDS = {
  CLAIM: 'a claim of theirs the caller sees (claimant, or a party of its policy)',
} as const;
export type RevealNeed = keyof typeof REVEAL_NEEDS;

/**
 * Which role may state which purpose, what that purpose may unmask, and what must be true of
 * the customer for it (`needs`). Administrators and marketing reveal nothing: running the
 * hub and running campaigns need no one's full number.
 */
export const REVEALS: Record<
  RevealPurpose,
  { roles: Role[]; fields: RevealField[]; needs?: RevealNeed }
> = {
  CLAIM_CONTACT: { roles: [FRONTLINE], fields: ['contactValue'], needs: 'CLAIM' },
  SERVICE_CALLBACK: { roles: [FRONTLINE], fields: ['contactValue'] },
  IDENTITY_VERIFICATION: { roles: [FRONTLINE, UNDERWRITING], fields: ['identityNumber'] },
  UNDERWRITING_CHECK: { roles: [UNDERWRITING], fields: ['identityNumber', 'contactValue'] },
  DATA_CORRECTION: { roles: [STEWARD], fields: ['identityNumber', 'contactValue'] },
};

export const OPERATIONS = {
  /** One customer's profile: the front line, underwriting, and data stewards. */
  customerLookup: [FRONTLINE, UNDERWRITING, STEWARD, ADMIN],
  /** A vehicle's risk history. */
  vehicleLookup: [FRONTLINE, UNDERWRITING, STEWARD, ADMIN],
  /** Tier segments for campaigns. */
  marketingList: [MARKETING, ADMIN],
  /** Source systems pushing records in. */
  ingestion: [INGEST, ADMIN],
  /** The organisation tree is reference data every client names branches from. */
  branchRead: [FRONTLINE, UNDERWRITING, MARKETING, STEWARD, INGEST, ADMIN],
  /** Loading the organisation tree: the feed from the insurer's organisation system. */
  branchIngestion: [INGEST, ADMIN],
  /** Renaming, moving and closing branches by hand. */
  branchAdmin: [ADMIN],
  /** Reading the tier and entitlement rules and their versions: everyone who works with tiers. */
  ruleSetRead: [FRONTLINE, UNDERWRITING, MARKETING, STEWARD, ADMIN],
  /** Drafting, simulating and activating rules. */
  ruleSetAdmin: [ADMIN],
  /** Eligibility decisions at report time, recorded. */
  eligibility: [FRONTLINE, ADMIN],
  /** Reviewing uncertain matches, merging and unmerging customers, keeping records apart. */
  stewardship: [STEWARD, ADMIN],
  /**
   * Reading the review tasks and their evidence: stewards decide them, underwriting weighs
   * an uncertain identity as it weighs a link's evidence (matchEvidence).
   */
  matchReviewRead: [UNDERWRITING, STEWARD, ADMIN],
  /** The audit log: who revealed, merged, activated, decided, ingested and exported what. */
  auditRead: [ADMIN],
  /** Which documents the roles held to trusted documents may run. */
  trustedDocumentAdmin: [ADMIN],
  /** An unmasked personal value, for a purpose: the roles REVEALS names. */
  reveal: [...new Set(Object.values(REVEALS).flatMap((r) => r.roles))],
} satisfies Record<string, Role[]>;

export type Operation = keyof typeof OPERATIONS;

/** Roles not listed in `full` or `masked` are refused the field (FORBIDDEN). */
export interface FieldAccess {
  full: readonly Role[];
  masked?: readonly Role[];
  /** Required with `masked`: the masked SQL expression, given the full one and its row. */
  mask?: (sql: string, row: SqlScope) => string;
}

export type FieldVisibility = 'full' | 'masked' | 'denied';

export function visibility(access: FieldAccess | undefined, role: Role): FieldVisibility {
  if (!access || access.full.includes(role)) return 'full';
  if (access.masked?.includes(role)) return 'masked';
  return 'denied';
}

/**
 * Identity numbers and contact values are stored masked beside their ciphertext
 * (src/modules/customer/pii-masks.ts, worked out when the value is written): the database
 * holds no plain text to mask, so the masked column is read as it is. Whole values come
 * only from `reveal`, for a purpose, audited.
 */
const STORED_MASK = (sql: string) => sql;

export const FIELDS = {
  /**
   * Identity numbers, masked to their last 4 characters for everyone: a resident ID's
   * hidden 14 are its region and the birth date, which these roles read in full elsewhere.
   * Marketing has no business with them at all.
   */
  identityNumber: {
    full: [],
    masked: [FRONTLINE, UNDERWRITING, STEWARD, ADMIN],
    mask: STORED_MASK,
  },
  /** Contact values, masked for everyone (138****5678, z***@example.com, 江苏省***). */
  contactValue: {
    full: [],
    masked: [FRONTLINE, UNDERWRITING, MARKETING, STEWARD, ADMIN],
    mask: STORED_MASK,
  },
  /** Exact birth dates identify people; marketing gets the birth year instead. */
  birthDate: {
    full: [FRONTLINE, UNDERWRITING, STEWARD, ADMIN],
  },
  /** Who changed the organisation tree, when and why: for stewards and administrators. */
  branchHistory: {
    full: [STEWARD, ADMIN],
  },
  /**
   * What campaigns have no business with: claims, risk scores, tier history, eligibility
   * decisions (and who took them), vehicles' identities, and other customers through a
   * policy's parties. Minimum necessary access (PIPL art. 6).
   */
  claims: { full: [FRONTLINE, UNDERWRITING, STEWARD, ADMIN] },
  riskScores: { full: [FRONTLINE, UNDERWRITING, STEWARD, ADMIN] },
  tierHistory: { full: [FRONTLINE, UNDERWRITING, STEWARD, ADMIN] },
  /**
   * What a tier or a customer's services were decided on: claim counts, incurred amounts and
   * risk levels, in figures and in words, the risk-health class they make, and the services
   * a risk gate withholds. Campaigns get the tier and its value class, not the claims and
   * scores behind them, wherever they appear.
   */
  decisionBasis: { full: [FRONTLINE, UNDERWRITING, STEWARD, ADMIN] },
  eligibilityDecisions: { full: [FRONTLINE, UNDERWRITING, STEWARD, ADMIN] },
  vehicleIdentity: { full: [FRONTLINE, UNDERWRITING, STEWARD, ADMIN] },
  policyParties: { full: [FRONTLINE, UNDERWRITING, STEWARD, ADMIN] },
  identityDocuments: { full: [FRONTLINE, UNDERWRITING, STEWARD, ADMIN] },
  /** A customer's merges: what was joined, by whom and why; for undoing them. */
  customerMerges: { full: [STEWARD, ADMIN] },
  /**
   * Which source records make up a customer and why matching put them together (the
   * evidence), and which record supplied each golden field: for stewards and underwriting.
   */
  matchEvidence: { full: [UNDERWRITING, STEWARD, ADMIN] },
  /** Source systems' raw payloads, as sent but for identity numbers and contacts (masked). */
  sourceAttributes: {
    full: [STEWARD, ADMIN],
  },
} satisfies Record<string, FieldAccess>;

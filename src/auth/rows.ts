import type { SqlScope } from '../read/sql-scope';
import { Role } from './roles';

/**
 * Row rules: which records a caller may see at all. The read compiler adds a type's rule to
 * every statement that selects its rows, at the top of a query or nested at any depth, in
 * lists, connections, their counts, aggregates and exports alike, so a record a caller may
 * not see cannot be reached by going round it.
 *
 * The unit of scope is the customer: a caller sees the customers of its branch and the
 * branches under it (the head office sees everyone), and marketing sees only active,
 * consenting customers. Policies, claims and vehicles are seen through their parties: a
 * policy is seen when one of its insured, holders or beneficiaries is.
 */

/** Who is reading: the role and the path of the token's branch ("0000.3200.3201"). */
export interface Viewer {
  role: Role;
  branchPath: string;
}

export type RowRule = (row: SqlScope, viewer: Viewer) => string[];

const seesEveryBranch = (viewer: Viewer) => !viewer.branchPath.includes('.');

/** The branch `branchId` is the viewer's or under it. */
function inSubtree(row: SqlScope, branchId: string, viewer: Viewer): string {
  const branch = row.sibling('vb', 'Branch');
  const path = row.param(viewer.branchPath, 'text');
  // The subtree's branches as an array, read once per statement rather than joined: a
  // generic plan cannot know how many branches a subtree holds, and joined from an
  // estimated one, a segment page read every customer of each branch and sorted them.
  return `${branchId} = any(array(select ${branch.col('id')} from ${branch.table} vb
    where ${branch.col('path')} = ${path} or ${branch.col('path')} like ${path} || '.%'))`;
}

/**
 * Whether the viewer sees every customer, so that every row rule is no condition (said
 * without building them: a rule's SQL binds parameters).
 */
export const seesEveryCustomer = (viewer: Viewer) =>
  seesEveryBranch(viewer) && viewer.role !== Role.MARKETING;

/** Conditions on the customer row `customer` (a scope on the customer table). */
function customerConditions(customer: SqlScope, viewer: Viewer): string[] {
  const conditions: string[] = [];
  if (!seesEveryBranch(viewer))
    conditions.push(inSubtree(customer, customer.col('branch'), viewer));
  if (viewer.role === Role.MARKETING) {
    conditions.push(`${customer.col('status')} = 'ACTIVE'`, customer.col('marketingConsent'));
  }
  return conditions;
}

/** The customer `customerId` is one the viewer sees. */
export function seenCustomer(row: SqlScope, customerId: string, viewer: Viewer): string[] {
  const customer = row.sibling('vc', 'Customer');
  const conditions = customerConditions(customer, viewer);
  if (conditions.length === 0) return [];
  return [
    `exists (select 1 from ${customer.table} vc where ${customer.col('id')} = ${customerId}
      and ${conditions.join(' and ')})`,
  ];
}

/** The policy `policyId` has a party the viewer sees. */
function seenPolicy(row: SqlScope, policyId: string, viewer: Viewer): string[] {
  const party = row.sibling('vpp', 'PolicyParty');
  const conditions = seenCustomer(party, party.col('customer'), viewer);
  if (conditions.length === 0) return [];
  return [
    `exists (select 1 from ${party.table} vpp where ${party.col('policy')} = ${policyId}
      and ${conditions.join(' and ')})`,
  ];
}

/** Each of the source records `recordIds` is with a customer the viewer sees. */
function seenRecords(row: SqlScope, recordIds: string[], viewer: Viewer): string[] {
  return recordIds.flatMap((recordId, i) => {
    const record = row.sibling(`vsr${i}`, 'SourceRecord');
    const conditions = seenCustomer(record, record.col('customer'), viewer);
    if (conditions.length === 0) return [];
    return [
      `exists (select 1 from ${record.table} vsr${i} where ${record.col('id')} = ${recordId}
        and ${conditions.join(' and ')})`,
    ];
  });
}

export const ROWS = {
  customer: (customer, viewer) => customerConditions(customer, viewer),
  policy: (policy, viewer) => seenPolicy(policy, policy.col('id'), viewer),
  claim: (claim, viewer) => seenPolicy(claim, claim.col('policy'), viewer),
  /** A vehicle is seen through the policies that cover it. */
  vehicle: (vehicle, viewer) => {
    const policy = vehicle.sibling('vp', 'Policy');
    const conditions = seenPolicy(policy, policy.col('id'), viewer);
    if (conditions.length === 0) return [];
    return [
      `exists (select 1 from ${policy.table} vp where ${policy.col('vehicle')} = ${vehicle.col('id')}
        and ${conditions.join(' and ')})`,
    ];
  },
  /**
   * A source record is seen with the customer it is with now: a merged-away customer's
   * lineage names records that went to its survivor, perhaps another branch's.
   */
  sourceRecord: (record, viewer) => seenCustomer(record, record.col('customer'), viewer),
  eligibilityDecision: (decision, viewer) =>
    seenCustomer(decision, decision.col('customer'), viewer),
  /**
   * A pair of source records for a steward (a review task, a decision) is seen when both
   * their customers are: deciding it merges or separates them.
   */
  matchReview: (review, viewer) =>
    seenRecords(review, [review.col('recordA'), review.col('recordB')], viewer),
  matchDecision: (decision, viewer) =>
    seenRecords(decision, [decision.col('recordA'), decision.col('recordB')], viewer),
  /** A merge is seen with either of its customers. */
  customerMerge: (merge, viewer) => {
    const either = [merge.col('survivor'), merge.col('absorbed')].map((id) =>
      seenCustomer(merge, id, viewer),
    );
    return either[0]!.length ? [`(${either.map((c) => c.join(' and ')).join(' or ')})`] : [];
  },
  /** Administrators of a branch see what was done from their branch and below. */
  auditEvent: (event, viewer) => {
    if (seesEveryBranch(viewer)) return [];
    const branch = event.sibling('ab', 'Branch');
    return [
      `exists (select 1 from ${branch.table} ab where ${branch.col('code')} = ${event.col('actorBranch')}
        and ${inSubtree(branch, branch.col('id'), viewer)})`,
    ];
  },
} satisfies Record<string, RowRule>;

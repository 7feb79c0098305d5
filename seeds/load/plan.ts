import type { SeedTime } from '../sql/seed-time';
import { claimRows, claimWorkSql } from '../tables/claims';
import { contactPointRows, contactWorkSql } from '../tables/contacts';
import {
  customerRows,
  customerWorkSql,
  identityDocumentRows,
  sourceRecordRows,
} from '../tables/customers';
import { POLICY_PARTY_ROWS, policyRows, policyWorkSql } from '../tables/policies';
import { riskScoreRows } from '../tables/risk-scores';
import type { RowSet } from '../tables/row-set';
import { SOURCE_IDENTIFIER_ROWS } from '../tables/source-identifiers';
import { COUNT_PLATES_SQL, vehicleRows, vehicleWorkSql } from '../tables/vehicles';

/** The working tables of a chunk, in the order `work` fills them. */
export const WORK_TABLES = [
  's_cust',
  's_veh',
  's_pol',
  's_claim',
  's_sealed',
  's_name',
  's_contact',
];

/** What a seed on one day runs: the generators' statements, in the order the load needs. */
export interface SeedPlan {
  /** Statements that fill the working tables of the chunk of customers `lo` to `hi`. */
  work(create: string, lo: number, hi: number): string[];
  /** Statements that fill the working tables made from the chunk's sealed values (s_sealed). */
  sealedWork(create: string): string[];
  /** Row sets written chunk by chunk, each referring only to rows written before it. */
  chunkRows: RowSet[];
  /**
   * Row sets written after the last chunk, with one statement each, parties last. The tier
   * queue's statement-level triggers on claims and risk scores reach customers through
   * policy_party: a join across the two largest tables once it is filled, none while it is
   * empty. Every seeded customer is queued by then anyway, through its contact points.
   */
  finalRows: RowSet[];
}

export function seedPlan(time: SeedTime): SeedPlan {
  return {
    work: (create, lo, hi) => [
      customerWorkSql(time, create, lo, hi),
      vehicleWorkSql(time, create),
      COUNT_PLATES_SQL,
      policyWorkSql(time, create),
      claimWorkSql(time, create),
    ],
    sealedWork: (create) => [contactWorkSql(time, create)],
    chunkRows: [
      customerRows(time),
      sourceRecordRows(time),
      SOURCE_IDENTIFIER_ROWS,
      identityDocumentRows(time),
      contactPointRows(time),
      vehicleRows(time),
      policyRows(time),
    ],
    finalRows: [claimRows(time), riskScoreRows(time), POLICY_PARTY_ROWS],
  };
}

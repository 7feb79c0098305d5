import type { SourceSystem } from '../modules/customer/customer.enums';

export enum Role {
  FRONTLINE = 'frontline',
  UNDERWRITING = 'underwriting',
  MARKETING = 'marketing',
  STEWARD = 'steward',
  INGEST = 'ingest',
  ADMIN = 'admin',
}

export const ROLES: readonly Role[] = Object.values(Role);

/** Who is calling: from a verified token or API key, never from request arguments. */
export interface Caller {
  subject: string;
  role: Role;
  /** The caller's branch: it exists and is open, or the caller was refused. */
  branchCode: string;
  /** That branch's path from the head office ("0000.3200.3201"): its subtree is a prefix. */
  branchPath: string;
  /** Set for a source system's API key: it may send that system's records only. */
  sourceSystem?: SourceSystem;
}

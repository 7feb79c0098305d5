export enum Role {
  FRONTLINE = 'frontline',
  UNDERWRITING = 'underwriting',
  MARKETING = 'marketing',
  STEWARD = 'steward',
  INGEST = 'ingest',
  ADMIN = 'admin',
}

export const ROLES: readonly Role[] = Object.values(Role);

/** Who is calling: from a verified token, never from request arguments. */
export interface Caller {
  subject: string;
  role: Role;
  branchCode: string;
}

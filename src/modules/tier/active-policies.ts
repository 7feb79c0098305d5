import type { Pool } from 'pg';
import type { EntitlementPolicyDocument } from '../entitlement/policy/document';
import type { TierPolicyDocument } from './policy/document';
import { PolicyKind } from './policy-version.entity';

export interface ActiveVersion<D> {
  id: string;
  version: number;
  document: D;
}

/**
 * The active rule versions, held in memory because every profile read and eligibility
 * decision needs them. This process refreshes them when it activates a version; the
 * tier worker's tick refreshes them too, which bounds how long another instance's
 * activation goes unseen here.
 */
export class ActivePolicies {
  private current: {
    tier?: ActiveVersion<TierPolicyDocument>;
    entitlement?: ActiveVersion<EntitlementPolicyDocument>;
  } = {};

  constructor(private readonly pool: Pool) {}

  get tier(): ActiveVersion<TierPolicyDocument> | undefined {
    return this.current.tier;
  }

  get entitlement(): ActiveVersion<EntitlementPolicyDocument> | undefined {
    return this.current.entitlement;
  }

  async refresh(): Promise<void> {
    const { rows } = await this.pool.query<{
      id: string;
      kind: PolicyKind;
      version: number;
      document: unknown;
    }>(`select id, kind, version, document from policy_version where status = 'ACTIVE'`);
    const of = (kind: PolicyKind) => rows.find((row) => row.kind === kind);
    const tier = of(PolicyKind.TIER);
    const entitlement = of(PolicyKind.ENTITLEMENT);
    this.current = {
      tier: tier && { ...tier, document: tier.document as TierPolicyDocument },
      entitlement: entitlement && {
        ...entitlement,
        document: entitlement.document as EntitlementPolicyDocument,
      },
    };
  }
}

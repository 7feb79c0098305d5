import type { Pool } from 'pg';
import type { EntitlementRuleSetDocument } from '../entitlement/rule-set/document';
import type { TierRuleSetDocument } from './rule-set/document';
import { RuleSetKind } from './rule-set-version.entity';

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
export class ActiveRuleSets {
  private current: {
    tier?: ActiveVersion<TierRuleSetDocument>;
    entitlement?: ActiveVersion<EntitlementRuleSetDocument>;
  } = {};

  constructor(private readonly pool: Pool) {}

  get tier(): ActiveVersion<TierRuleSetDocument> | undefined {
    return this.current.tier;
  }

  get entitlement(): ActiveVersion<EntitlementRuleSetDocument> | undefined {
    return this.current.entitlement;
  }

  async refresh(): Promise<void> {
    const { rows } = await this.pool.query<{
      id: string;
      kind: RuleSetKind;
      version: number;
      document: unknown;
    }>(`select id, kind, version, document from rule_set_version where status = 'ACTIVE'`);
    const of = (kind: RuleSetKind) => rows.find((row) => row.kind === kind);
    const tier = of(RuleSetKind.TIER);
    const entitlement = of(RuleSetKind.ENTITLEMENT);
    this.current = {
      tier: tier && { ...tier, document: tier.document as TierRuleSetDocument },
      entitlement: entitlement && {
        ...entitlement,
        document: entitlement.document as EntitlementRuleSetDocument,
      },
    };
  }
}

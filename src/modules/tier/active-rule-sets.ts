import type { Pool } from 'pg';
import type { EntitlementRuleSetDocument } from '../entitlement/rule-set/document';
import type { TierRuleSetDocument } from './rule-set/document';
import { RuleSetKind } from './rule-set-version.entity';

export interface ActiveVersion<D> {
  id: string;
  version: number;
  document: D;
}

/** The channel on which an activation is announced, at its commit, to every instance. */
export const RULE_SET_CHANNEL = 'cif_hub_rule_set_activated';

type Queryable = Pick<Pool, 'query'>;

interface Current {
  tier?: ActiveVersion<TierRuleSetDocument>;
  entitlement?: ActiveVersion<EntitlementRuleSetDocument>;
}

/**
 * The active rule versions, held in memory because every profile read and eligibility
 * decision needs them. Every instance refreshes them when an activation is announced
 * (RULE_SET_CHANNEL, see app.ts), whether it runs the tier worker or not; what writes under
 * the rules (a recompute, an eligibility decision) checks them inside its own transaction
 * with `activeIn`, so it never acts on a version that is no longer active there.
 */
export class ActiveRuleSets {
  private current: Current = {};
  private everHeld: string[] = [];
  /** Versions loaded so far, by id: a version's document never changes once active. */
  private readonly versions = new Map<string, ActiveVersion<unknown>>();

  constructor(private readonly pool: Pool) {}

  get tier(): ActiveVersion<TierRuleSetDocument> | undefined {
    return this.current.tier;
  }

  get entitlement(): ActiveVersion<EntitlementRuleSetDocument> | undefined {
    return this.current.entitlement;
  }

  /**
   * Every tier code of a version active now or before: the tiers a customer may have held on
   * some day, which a question about the past may name (a tier a rule change dropped).
   */
  get tiersEverHeld(): readonly string[] {
    return this.everHeld;
  }

  async refresh(db: Queryable = this.pool): Promise<void> {
    const { rows } = await db.query<{
      id: string;
      kind: RuleSetKind;
      version: number;
      document: unknown;
    }>(`select id, kind, version, document from rule_set_version where status = 'ACTIVE'`);
    const held = await db.query<{ code: string }>(
      `select distinct t->>'code' as code from rule_set_version v,
         jsonb_array_elements(v.document->'tiers') t
       where v.kind = 'TIER' and v.status <> 'DRAFT' and jsonb_typeof(v.document->'tiers') = 'array'`,
    );
    this.everHeld = held.rows.map((row) => row.code);
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

  /**
   * The versions active as `db` (a transaction) sees them, without changing what this
   * process holds: a transaction's view may be older than what the listener loaded. One
   * index lookup of the ids; a document is loaded once per version (versions never change).
   *
   * With `share`, the active rows are locked FOR SHARE until the transaction ends: an
   * activation (which updates them) then waits for the transaction, or the transaction for
   * the activation, so nothing is written under a version retired meanwhile.
   */
  async activeIn(db: Queryable, options: { share?: boolean } = {}): Promise<Current> {
    const { rows } = await db.query<{ kind: RuleSetKind; id: string }>(
      `select kind, id from rule_set_version where status = 'ACTIVE'
       ${options.share ? 'for share' : ''}`,
    );
    const missing = rows.filter((row) => !this.versions.has(row.id)).map((row) => row.id);
    if (missing.length) {
      const loaded = await db.query<{ id: string; version: number; document: unknown }>(
        'select id, version, document from rule_set_version where id = any($1::uuid[])',
        [missing],
      );
      for (const version of loaded.rows) this.versions.set(version.id, version);
    }
    const of = <D>(kind: RuleSetKind) => {
      const id = rows.find((row) => row.kind === kind)?.id;
      return id === undefined ? undefined : (this.versions.get(id) as ActiveVersion<D>);
    };
    return {
      tier: of<TierRuleSetDocument>(RuleSetKind.TIER),
      entitlement: of<EntitlementRuleSetDocument>(RuleSetKind.ENTITLEMENT),
    };
  }
}

import type { Pool, PoolClient } from 'pg';
import { ConflictError } from '../../graphql/errors';
import type { TierRuleSetDocument } from './rule-set/document';
import {
  evaluationQuery,
  metricsOf,
  recomputeTiers,
  type RecomputeResult,
  type TierRuleSet,
} from './tier-engine';
import type { ActiveRuleSets } from './active-rule-sets';
import { RuleSetKind } from './rule-set-version.entity';

/** Why a tier was recomputed, as recorded on the assignment. */
export enum RecomputeCause {
  CHANGE = 'CHANGE',
  SCHEDULE = 'SCHEDULE',
  ACTIVATION = 'ACTIVATION',
}

export interface TransitionCount {
  fromTier: string | null;
  toTier: string;
  branchCode: string | null;
  customers: number;
}

export async function inTransaction<T>(
  pool: Pool,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}

/** Tiers: recomputing them after changes, nightly and on activation, and simulating drafts. */
export class TierService {
  constructor(
    private readonly pool: Pool,
    private readonly ruleSets: ActiveRuleSets,
  ) {}

  private activeTierRuleSet(): TierRuleSet {
    const tier = this.ruleSets.tier;
    if (!tier)
      throw new Error('no tier rule set is active: call ensureActiveRuleSets() at start-up');
    return tier;
  }

  /**
   * Recomputes up to `limit` queued customers in one transaction that also takes them off
   * the queue: if the process dies midway, the transaction rolls back and they stay queued.
   * Rows another worker holds are skipped, so several instances can drain together.
   */
  async drainQueue(limit = 500): Promise<number> {
    const ruleSet = this.activeTierRuleSet();
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ customer_id: string }>(
        `delete from tier_recompute_queue where customer_id in (
           select customer_id from tier_recompute_queue order by enqueued_at
           limit $1 for update skip locked)
         returning customer_id`,
        [limit],
      );
      if (!rows.length) return 0;
      await recomputeTiers(client, {
        ruleSet,
        metrics: metricsOf('c.id = any($1::uuid[])'),
        values: [rows.map((r) => r.customer_id)],
        cause: RecomputeCause.CHANGE,
        now: new Date(),
      });
      return rows.length;
    });
  }

  /**
   * Recomputes every active customer under the active tier rule set: time passing alone moves
   * tiers ("claim-free for 36 months"), so this runs nightly. The metrics of everyone come
   * from one statement (each table read once), then classes and assignments are written
   * a chunk of customers per transaction. Queue entries older than the run are covered.
   */
  async recomputeAll(
    options: {
      chunkSize?: number;
      /** Connections writing chunks side by side: the machine's cores are the limit. */
      parallel?: number;
      onProgress?: (done: number, total: number, step: string) => void;
    } = {},
  ): Promise<RecomputeResult> {
    const ruleSet = this.activeTierRuleSet();
    const chunkSize = options.chunkSize ?? 50_000;
    const startedAt = new Date();
    // A regular (unlogged) table, not a temporary one: every writer connection reads it.
    const table = `tier_recompute_metrics_${process.pid}_${startedAt.getTime()}`;
    const parallel = options.parallel ?? 2;
    try {
      await this.pool.query(
        `create unlogged table ${table} as select * from ${metricsOf('true')} m`,
      );
      const total = (await this.pool.query(`select count(*)::int as n from ${table}`)).rows[0]
        .n as number;
      options.onProgress?.(total, total, 'metrics');
      await this.pool.query(`create index on ${table} (customer_id)`);
      const { rows: bounds } = await this.pool.query<{ id: string }>(
        `select customer_id as id from (select customer_id, row_number() over (order by customer_id) as n
         from ${table}) c where (n - 1) % $1 = 0 order by 1`,
        [chunkSize],
      );
      const chunks = bounds.map(({ id }, i) => ({ from: id, to: bounds[i + 1]?.id }));
      const result: RecomputeResult = { evaluated: 0, changed: 0 };
      const writer = async () => {
        for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
          const { from, to } = chunk;
          const written = await inTransaction(this.pool, (client) =>
            recomputeTiers(client, {
              ruleSet,
              metrics: `(select * from ${table} where customer_id >= $1::uuid${to ? ' and customer_id < $2::uuid' : ''})`,
              values: to ? [from, to] : [from],
              cause: RecomputeCause.SCHEDULE,
              now: startedAt,
            }),
          );
          result.evaluated += written.evaluated;
          result.changed += written.changed;
          options.onProgress?.(result.evaluated, total, 'customers');
        }
      };
      await Promise.all(Array.from({ length: parallel }, writer));
      await this.pool.query('delete from tier_recompute_queue where enqueued_at <= $1', [
        startedAt,
      ]);
      return result;
    } finally {
      await this.pool.query(`drop table if exists ${table}`);
    }
  }

  /**
   * What activating `document` would do, without writing: how many customers would move
   * from each current tier to each new one (per branch when asked).
   */
  async simulate(document: TierRuleSetDocument, byBranch: boolean): Promise<TransitionCount[]> {
    const draft: TierRuleSet = { id: '00000000-0000-0000-0000-000000000000', version: 0, document };
    const { rows } = await this.pool.query<TransitionCount>(
      `select a.tier as "fromTier", e.tier as "toTier",
         ${byBranch ? 'b.code' : 'null::text'} as "branchCode", count(*)::int as customers
       from (${evaluationQuery(draft, metricsOf('true'))}) e
       left join tier_assignment a on a.customer_id = e.customer_id and a.valid_to is null
       ${byBranch ? 'join branch b on b.id = e.branch_id' : ''}
       group by 1, 2, 3 order by 1 nulls first, 2, 3`,
    );
    return rows;
  }

  /**
   * Makes a validated draft the active tier rule set and recomputes every customer under it,
   * all in one transaction: no reader sees the new version with the old tiers.
   */
  async activate(versionId: string): Promise<RecomputeResult> {
    const result = await inTransaction(this.pool, async (client) => {
      const now = new Date();
      const ruleSet = await activateVersion(client, RuleSetKind.TIER, versionId, now);
      return recomputeTiers(client, {
        ruleSet: ruleSet as TierRuleSet,
        metrics: metricsOf('true'),
        values: [],
        cause: RecomputeCause.ACTIVATION,
        now,
      });
    });
    await this.ruleSets.refresh();
    return result;
  }
}

/**
 * Retires the active version of `kind` and activates the draft `versionId`, under a lock
 * so that two activations cannot both win. Returns the activated version.
 */
export async function activateVersion(
  client: PoolClient,
  kind: RuleSetKind,
  versionId: string,
  now: Date,
): Promise<{ id: string; version: number; document: unknown }> {
  await client.query(`select pg_advisory_xact_lock(hashtext('rule_set_version'))`);
  await client.query(
    `update rule_set_version set status = 'RETIRED', retired_at = $2, updated_at = $2
     where kind = $1 and status = 'ACTIVE'`,
    [kind, now],
  );
  const { rows } = await client.query<{ id: string; version: number; document: unknown }>(
    `update rule_set_version set status = 'ACTIVE', activated_at = $3, updated_at = $3
     where id = $1 and kind = $2 and status = 'DRAFT' returning id, version, document`,
    [versionId, kind, now],
  );
  if (!rows.length) {
    throw new ConflictError(`rule set version ${versionId} is not a ${kind} draft any more`, {
      field: 'id',
      rule: 'NOT_A_DRAFT',
    });
  }
  return rows[0];
}

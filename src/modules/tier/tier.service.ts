import type { Pool, PoolClient } from 'pg';
import { ConflictError } from '../../graphql/errors';
import type { BusinessClock } from '../../time/clock';
import type { TierRuleSetDocument } from './rule-set/document';
import {
  evaluationQuery,
  metricsOf,
  recomputeTiers,
  type RecomputeResult,
  type TierRuleSet,
} from './tier-engine';
import { RULE_SET_CHANNEL, type ActiveRuleSets } from './active-rule-sets';
import { RuleSetKind } from './rule-set-version.entity';
import { TIER_SWITCH } from './tier-switch';

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

/** A transaction on a connection of `pool`, committed when `fn` resolves. */
export async function inTransaction<T>(
  pool: Pool,
  fn: (client: PoolClient) => Promise<T>,
  isolation: 'read committed' | 'repeatable read' = 'read committed',
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(`begin isolation level ${isolation}`);
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (error) {
    // A connection that cannot even roll back is not given back to the pool; the error
    // the caller sees is the one that failed the transaction.
    await client.query('rollback').catch((cause: Error) => (broken = cause));
    throw error;
  } finally {
    client.release(broken);
  }
}

/** A serialization failure, a deadlock, or two recomputes opening a customer's first row. */
const CONCURRENT_WRITE = new Set(['40001', '40P01', '23505']);
/** lock_not_available: a lock wait ran past `lock_timeout`. */
const LOCK_TIMEOUT = '55P03';
const codeOf = (error: unknown) => (error as { code?: string }).code ?? '';
const isConcurrentWrite = (error: unknown) => CONCURRENT_WRITE.has(codeOf(error));

type Queryable = Pick<PoolClient, 'query'>;

/**
 * The metrics of every active customer as of `day`, into `table`, and the snapshot taken
 * just before they were read: older than the one that read them, so that anything the
 * snapshot does not see is treated as possibly unseen by the metrics too.
 */
async function snapshotMetrics(
  db: Queryable,
  table: string,
  day: string,
  options: { temporary: boolean },
): Promise<{ snapshot: string; total: number }> {
  const [{ snapshot }] = (
    await db.query<{ snapshot: string }>('select pg_current_snapshot()::text as snapshot')
  ).rows;
  await db.query(
    // A regular (unlogged) table when several connections write from it.
    `create ${options.temporary ? 'temp' : 'unlogged'} table ${table}
     ${options.temporary ? 'on commit drop' : ''} as select * from ${metricsOf('true', day)} m`,
  );
  await db.query(`create index on ${table} (customer_id)`);
  const [{ n }] = (await db.query<{ n: number }>(`select count(*)::int as n from ${table}`)).rows;
  return { snapshot, total: n };
}

/** Chunks of `size` customers of a metrics table, as customer id ranges. */
async function chunksOf(
  db: Queryable,
  table: string,
  size: number,
): Promise<{ sql: string; values: string[] }[]> {
  const { rows } = await db.query<{ id: string }>(
    `select customer_id as id from (select customer_id, row_number() over (order by customer_id) as n
     from ${table}) c where (n - 1) % $1 = 0 order by 1`,
    [size],
  );
  return rows.map(({ id }, i) => {
    const to = rows[i + 1]?.id;
    return {
      sql: `(select * from ${table} where customer_id >= $1::uuid${to ? ' and customer_id < $2::uuid' : ''})`,
      values: to ? [id, to] : [id],
    };
  });
}

/** What tier work reports as it goes (metrics, in the hub). */
export interface TierObserver {
  recomputed(cause: RecomputeCause, customers: number): void;
  finished(job: 'batch' | 'full' | 'activation', seconds: number): void;
  progress(job: 'full' | 'activation', ratio: number): void;
}

const NO_OBSERVER: TierObserver = {
  recomputed: () => undefined,
  finished: () => undefined,
  progress: () => undefined,
};

const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

/** Tiers: recomputing them after changes, nightly and on activation, and simulating drafts. */
export class TierService {
  constructor(
    private readonly pool: Pool,
    private readonly ruleSets: ActiveRuleSets,
    private readonly clock: BusinessClock,
    private readonly options: {
      /**
       * How long a queue batch waits for a lock held by a full run or an activation before
       * it gives up until the next tick: well below `deadlock_timeout` (1 s by default), so
       * that in a lock cycle the batch, not the long job, is the one that yields. 0 waits.
       */
      workerLockTimeoutMs?: number;
      observer?: TierObserver;
    } = {},
  ) {
    this.observer = options.observer ?? NO_OBSERVER;
  }

  private readonly observer: TierObserver;

  /**
   * Recomputes up to `limit` queued customers in one transaction that also takes them off
   * the queue: if the process dies midway, the transaction rolls back and they stay queued.
   * Rows another worker holds are skipped, so several instances can drain together.
   *
   * Repeatable read: the entries, the rules and the metrics come from one snapshot, and a
   * row that a concurrent recompute wrote after it makes this one fail and retry rather
   * than overwrite newer figures with older ones. A change to a queued customer waits for
   * the transaction holding its entry, then queues it again (see the queue triggers).
   *
   * Returns how many customers it recomputed; 0 also when a long job holds what it needs
   * (the queue keeps the work for the next tick).
   */
  async drainQueue(limit = 500): Promise<number> {
    const lockTimeout = this.options.workerLockTimeoutMs ?? 200;
    const started = process.hrtime.bigint();
    for (let attempt = 1; ; attempt += 1) {
      try {
        const drained = await inTransaction(
          this.pool,
          async (client) => {
            await client.query(`set local lock_timeout = ${Math.trunc(lockTimeout)}`);
            // The rules active in this transaction, whatever this process last heard, held
            // so that no activation retires them before this batch commits.
            const { tier } = await this.ruleSets.activeIn(client, { share: true });
            const { rows } = await client.query<{ customer_id: string }>(
              `delete from tier_recompute_queue where customer_id in (
                 select customer_id from tier_recompute_queue order by enqueued_at
                 limit $1 for update skip locked)
               returning customer_id`,
              [limit],
            );
            if (!rows.length) return 0;
            await recomputeTiers(client, {
              ruleSet: required(tier),
              metrics: metricsOf('c.id = any($1::uuid[])', this.clock.today()),
              values: [rows.map((r) => r.customer_id)],
              cause: RecomputeCause.CHANGE,
              now: this.clock.now(),
            });
            return rows.length;
          },
          'repeatable read',
        );
        if (drained) {
          this.observer.recomputed(RecomputeCause.CHANGE, drained);
          this.observer.finished('batch', seconds(started));
        }
        return drained;
      } catch (error) {
        if (codeOf(error) === LOCK_TIMEOUT) return 0;
        if (attempt >= 5 || !isConcurrentWrite(error)) throw error;
      }
    }
  }

  /**
   * Recomputes every active customer under the active tier rule set: time passing alone
   * moves tiers ("claim-free for 36 months"), so this runs nightly. The metrics of everyone
   * come from one statement (each table read once), then assignments are written a chunk
   * of customers per transaction, beside the worker: a customer changed or recomputed
   * after the metrics snapshot is left to the queue, and only the queue entries the
   * snapshot saw are taken off.
   */
  async recomputeAll(
    options: {
      chunkSize?: number;
      /** Connections writing chunks side by side: the machine's cores are the limit. */
      parallel?: number;
      /** Awaited: a caller may hold the run between its steps. */
      onProgress?: (done: number, total: number, step: string) => void | Promise<void>;
    } = {},
  ): Promise<RecomputeResult> {
    const started = process.hrtime.bigint();
    const ruleSet = required((await this.ruleSets.activeIn(this.pool)).tier);
    const table = `tier_recompute_metrics_${process.pid}_${Date.now()}`;
    const parallel = options.parallel ?? 2;
    // One connection for the run's own statements, without the serving statement timeout:
    // the metrics of a million customers take half a minute.
    const main = await this.pool.connect();
    await main.query('set statement_timeout = 0');
    // One full run at a time, held by this connection: a run killed midway leaves its
    // metrics table behind, and the next run drops every one it finds.
    const { rows: held } = await main.query<{ ok: boolean }>(
      `select pg_try_advisory_lock(hashtext('tier_recompute_all')) as ok`,
    );
    if (!held[0].ok) {
      main.release();
      throw new ConflictError('another full tier recompute is running', {
        field: 'recompute',
        rule: 'RECOMPUTE_RUNNING',
      });
    }
    const { rows: leftovers } = await main.query<{ name: string }>(
      `select tablename as name from pg_tables
       where schemaname = current_schema() and tablename like 'tier\\_recompute\\_metrics\\_%'`,
    );
    for (const { name } of leftovers) await main.query(`drop table if exists "${name}"`);
    try {
      const { snapshot, total } = await snapshotMetrics(main, table, this.clock.today(), {
        temporary: false,
      });
      await options.onProgress?.(total, total, 'metrics');
      const chunks = await chunksOf(main, table, options.chunkSize ?? 50_000);
      const result: RecomputeResult = { evaluated: 0, changed: 0 };
      const writeChunk = (chunk: (typeof chunks)[number]) =>
        inTransaction(this.pool, async (client) => {
          await client.query('set local statement_timeout = 0');
          // Held, so that an activation waits for this chunk or this chunk for it.
          const { tier } = await this.ruleSets.activeIn(client, { share: true });
          if (tier?.id !== ruleSet.id) {
            throw new ConflictError(
              `tier rule set v${tier?.version ?? '?'} was activated during the recompute, and recomputed everyone`,
              { field: 'ruleSet', rule: 'ACTIVATED_MEANWHILE' },
            );
          }
          return recomputeTiers(client, {
            ruleSet,
            metrics: chunk.sql,
            values: chunk.values,
            cause: RecomputeCause.SCHEDULE,
            now: this.clock.now(),
            snapshot,
          });
        });
      let failed = false;
      const writer = async () => {
        for (let chunk = chunks.shift(); chunk && !failed; chunk = chunks.shift()) {
          for (let attempt = 1; ; attempt += 1) {
            try {
              const written = await writeChunk(chunk);
              result.evaluated += written.evaluated;
              result.changed += written.changed;
              this.observer.recomputed(RecomputeCause.SCHEDULE, written.evaluated);
              this.observer.progress('full', total ? result.evaluated / total : 1);
              break;
            } catch (error) {
              if (attempt < 3 && isConcurrentWrite(error)) continue;
              failed = true;
              throw error;
            }
          }
          await options.onProgress?.(result.evaluated, total, 'customers');
        }
      };
      // Every writer has stopped before the table they read is dropped.
      const writers = await Promise.allSettled(Array.from({ length: parallel }, writer));
      const failure = writers.find((w): w is PromiseRejectedResult => w.status === 'rejected');
      if (failure) throw failure.reason;
      await main.query(
        `delete from tier_recompute_queue q
         where pg_visible_in_snapshot(q.enqueued_xid, $1::pg_snapshot)
           and exists (select 1 from ${table} m where m.customer_id = q.customer_id)`,
        [snapshot],
      );
      await settle(main, { vacuum: true });
      this.observer.finished('full', seconds(started));
      return result;
    } finally {
      const cleaned = await main
        .query(`drop table if exists ${table}`)
        .then(() => main.query('reset statement_timeout'))
        .then(() => main.query(`select pg_advisory_unlock(hashtext('tier_recompute_all'))`))
        .then(
          () => undefined,
          (error: Error) => error,
        );
      main.release(cleaned);
    }
  }

  /** After an activation has committed: see `settle`. */
  async settleActivation(): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query('set local statement_timeout = 0');
      await settle(client);
    });
  }

  /**
   * Sums the segment counts back to one row per key: every statement that moves customers
   * between tiers, branches, statuses or consent appends rows there, and a segment's total
   * reads all of its keys' rows. The tier worker runs it on each tick.
   */
  async foldSegmentCounts(): Promise<void> {
    await this.pool.query('select segment_count_fold()');
  }

  /**
   * What activating `document` would do, without writing: how many customers of the branch
   * `branchPath` and those under it would move from each current tier to each new one (per
   * branch when asked). Counts hold to the caller's scope, as the tier summaries do.
   */
  async simulate(
    document: TierRuleSetDocument,
    byBranch: boolean,
    branchPath: string,
  ): Promise<TransitionCount[]> {
    const draft: TierRuleSet = { id: '00000000-0000-0000-0000-000000000000', version: 0, document };
    const inScope = `c.branch_id in (select id from branch where path = $1 or path like $1 || '.%')`;
    const { rows } = await this.pool.query<TransitionCount>(
      `select a.tier as "fromTier", e.tier as "toTier",
         ${byBranch ? 'b.code' : 'null::text'} as "branchCode", count(*)::int as customers
       from (${evaluationQuery(draft, metricsOf(inScope, this.clock.today()))}) e
       left join tier_assignment a on a.customer_id = e.customer_id and a.valid_to is null
       ${byBranch ? 'join branch b on b.id = e.branch_id' : ''}
       group by 1, 2, 3 order by 1 nulls first, 2, 3`,
      [branchPath],
    );
    return rows;
  }

  /**
   * Makes the draft `versionId` the active tier rule set and recomputes every customer under
   * it, in the caller's transaction: no reader sees the new version with the old tiers, and
   * a failure leaves the old version active. `onProgress` runs after each chunk.
   */
  async activateIn(
    client: PoolClient,
    versionId: string,
    options: {
      chunkSize?: number;
      onProgress?: (done: number, total: number) => Promise<void>;
    } = {},
  ): Promise<RecomputeResult> {
    const started = process.hrtime.bigint();
    await client.query('set local statement_timeout = 0');
    const now = this.clock.now();
    const ruleSet = (await activateVersion(
      client,
      RuleSetKind.TIER,
      versionId,
      now,
    )) as TierRuleSet;
    const table = 'tier_activation_metrics';
    const { snapshot, total } = await snapshotMetrics(client, table, this.clock.today(), {
      temporary: true,
    });
    await options.onProgress?.(0, total);
    const result: RecomputeResult = { evaluated: 0, changed: 0 };
    const skipped: string[] = [];
    for (const chunk of await chunksOf(client, table, options.chunkSize ?? 50_000)) {
      const written = await recomputeTiers(client, {
        ruleSet,
        metrics: chunk.sql,
        values: chunk.values,
        cause: RecomputeCause.ACTIVATION,
        now,
        snapshot,
      });
      result.evaluated += written.evaluated;
      result.changed += written.changed;
      skipped.push(...written.skipped);
      this.observer.progress('activation', total ? result.evaluated / total : 1);
      await options.onProgress?.(result.evaluated, total);
    }
    // Customers changed after the snapshot are recomputed from current figures here, while
    // their open rows are locked: after the switch, nobody is on the old rules. (Recomputes
    // by others wait for the switch: they hold the active version FOR SHARE.)
    if (skipped.length) {
      const fresh = await recomputeTiers(client, {
        ruleSet,
        metrics: metricsOf('c.id = any($1::uuid[])', this.clock.today()),
        values: [skipped],
        cause: RecomputeCause.ACTIVATION,
        now,
      });
      result.evaluated += fresh.evaluated;
      result.changed += fresh.changed;
    }
    await switchAt(client, versionId, now, this.clock);
    this.observer.recomputed(RecomputeCause.ACTIVATION, result.evaluated);
    this.observer.finished('activation', seconds(started));
    return result;
  }
}

/**
 * Dates an activation at its switch. Its rows were written as it went, stamped with its
 * start (`began`), and readers saw the old tiers until it commits: left so, the history
 * would say the new tiers held while decisions were still being made on the old ones (an
 * activation takes about a minute at a million customers). So the new periods open, the
 * periods they end close, and the versions activate and retire at the switch, the
 * transaction's last moment, dated once the decisions in flight are recorded (TIER_SWITCH).
 */
async function switchAt(
  client: PoolClient,
  versionId: string,
  began: Date,
  clock: BusinessClock,
): Promise<void> {
  await client.query(`select pg_advisory_xact_lock(${TIER_SWITCH})`);
  const switched = clock.now();
  if (switched <= began) return;
  await client.query(
    `with opened as (
       update tier_assignment set valid_from = $3
       where rule_set_version_id = $1 and cause = $4 and valid_from = $2
       returning customer_id)
     update tier_assignment a set valid_to = $3
     from opened where a.customer_id = opened.customer_id and a.valid_to = $2`,
    [versionId, began, switched, RecomputeCause.ACTIVATION],
  );
  await client.query(
    `update rule_set_version set
       activated_at = case when id = $1 and activated_at = $2 then $3 else activated_at end,
       retired_at = case when retired_at = $2 then $3 else retired_at end,
       updated_at = $3
     where kind = $4 and (id = $1 or retired_at = $2)`,
    [versionId, began, switched, RuleSetKind.TIER],
  );
}

const SETTLED_TABLES = 'tier_assignment, customer, segment_count';

/**
 * After tiers were recomputed for everyone: the segment counts folded, and the statistics
 * of what changed taken again. Autovacuum's analyze may not have run yet, and plans made on
 * the statistics of before (current tiers all empty after a load, say) read a segment's
 * every customer: a page took 0.7-1.6 s until an ANALYZE. Where autovacuum is off, a full
 * run (`vacuum`, outside a transaction) also vacuums: each run left a row version behind
 * for every customer whose tier changed, and segment pages waded through them (241,000 dead
 * rows beside 216,000 live ones after a few runs took pages from 378 to 212 a second).
 */
async function settle(db: Queryable, options: { vacuum?: boolean } = {}): Promise<void> {
  await db.query('select segment_count_fold()');
  if (options.vacuum) {
    const { rows } = await db.query<{ on: boolean }>(
      `select current_setting('autovacuum')::boolean as on`,
    );
    if (!rows[0].on) {
      await db.query(`vacuum (analyze) ${SETTLED_TABLES}`);
      return;
    }
  }
  await db.query(`analyze ${SETTLED_TABLES}`);
}

const required = (tier: TierRuleSet | undefined): TierRuleSet => {
  if (!tier) throw new Error('no tier rule set is active: call ensureActiveRuleSets() at start-up');
  return tier;
};

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
  // A version never retires before it was activated, even on a clock set back.
  const [{ at }] = (
    await client.query<{ at: Date }>(
      `select greatest($2::timestamptz, max(activated_at)) as at from rule_set_version
       where kind = $1 and status = 'ACTIVE'`,
      [kind, now],
    )
  ).rows;
  await client.query(
    `update rule_set_version set status = 'RETIRED', retired_at = $2, updated_at = $2
     where kind = $1 and status = 'ACTIVE'`,
    [kind, at],
  );
  const { rows } = await client.query<{ id: string; version: number; document: unknown }>(
    `update rule_set_version set status = 'ACTIVE', activated_at = $3, updated_at = $3
     where id = $1 and kind = $2 and status = 'DRAFT' returning id, version, document`,
    [versionId, kind, at],
  );
  if (!rows.length) {
    throw new ConflictError(`rule set version ${versionId} is not a ${kind} draft any more`, {
      field: 'id',
      rule: 'NOT_A_DRAFT',
    });
  }
  // Delivered to every listening instance when, and only if, this transaction commits.
  await client.query('select pg_notify($1, $2)', [RULE_SET_CHANNEL, versionId]);
  return rows[0];
}

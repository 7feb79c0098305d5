import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { AuditAction } from '../audit/audit-event.entity';
import { AuditLog, type AuditActor } from '../audit/audit-log';
import { ConflictError } from '../../graphql/errors';
import type { Logger } from '../../logger';
import type { BusinessClock } from '../../time/clock';
import { validateEntitlementRuleSet } from '../entitlement/rule-set/validate';
import type { ActiveRuleSets } from './active-rule-sets';
import type { TierRuleSetDocument } from './rule-set/document';
import { ActivationState } from './rule-set-activation.entity';
import { RuleSetKind, type RuleSetVersion } from './rule-set-version.entity';
import { activateVersion, type TierService } from './tier.service';

/** The advisory lock space of activation jobs: (JOB_LOCK, job) while a job runs. */
const JOB_LOCK = 7301;
/** (JOB_LOCK, STARTING) serialises the check for a running job with the start of a new one. */
const STARTING = 0;

/**
 * Runs rule set activations as jobs in this process: the request that asks for one gets
 * the job's id at once, and the job's row tells how far it got. The switch is one
 * transaction, and the job's outcome is written in it; the progress is written beside it,
 * on other connections, so that it shows while the switch is still invisible.
 *
 * A job holds a session lock (JOB_LOCK, its id) on its own connection from before its row
 * exists until it has finished: a QUEUED or RUNNING job whose lock is free has no process.
 */
export class RuleSetActivations {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly pool: Pool,
    private readonly tiers: TierService,
    private readonly ruleSets: ActiveRuleSets,
    private readonly clock: BusinessClock,
    private readonly logger: Logger,
    private readonly options: { chunkSize?: number } = {},
  ) {}

  /**
   * Records the job and starts it; the version must be a valid draft (checked before). One
   * activation runs at a time: another one is refused with CONFLICT while it runs.
   */
  async start(
    actor: AuditActor,
    version: Pick<RuleSetVersion, 'id' | 'note'>,
    along?: Pick<RuleSetVersion, 'id' | 'note'>,
  ): Promise<string> {
    const [versionId, alongWith] = [version.id, along?.id];
    await this.failAbandoned();
    const id = randomUUID();
    const client = await this.pool.connect();
    try {
      await client.query('select pg_advisory_lock($1, hashtext($2))', [JOB_LOCK, id]);
      await client.query('begin');
      await client.query('select pg_advisory_xact_lock($1, $2)', [JOB_LOCK, STARTING]);
      const busy = await client.query<{ id: string }>(
        `select id from rule_set_activation where state in ('QUEUED', 'RUNNING') limit 1`,
      );
      if (busy.rowCount) {
        throw new ConflictError(
          `activation ${busy.rows[0].id} is still running; follow it with ruleSetActivation`,
          { field: 'id', rule: 'ACTIVATION_RUNNING' },
        );
      }
      await client.query(
        `insert into rule_set_activation
           (id, rule_set_version_id, along_with_id, requested_by, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $5)`,
        [id, versionId, alongWith ?? null, `${actor.subject} (${actor.role})`, this.clock.now()],
      );
      await new AuditLog(this.clock).record(client, actor, {
        action: AuditAction.RULE_SET_ACTIVATION,
        target: { type: 'RuleSetVersion', id: versionId },
        // Why, in the drafts' own words (kept masked when they were saved).
        purpose: [...new Set([version.note, ...(along ? [along.note] : [])])].join('\n'),
        details: { activation: id, ...(alongWith && { alongWith }) },
      });
      await client.query('commit');
    } catch (error) {
      await this.release(client, id, true);
      throw error;
    }
    const job = this.run(id, [versionId, ...(alongWith ? [alongWith] : [])], client).finally(
      async () => {
        await this.release(client, id, false);
        this.running.delete(job);
      },
    );
    this.running.add(job);
    return id;
  }

  /**
   * Marks FAILED the jobs whose process died with them (their lock is free). Their
   * transaction rolled back with the process, so the old version is still active.
   */
  async failAbandoned(): Promise<number> {
    const { rowCount } = await this.pool.query(
      `update rule_set_activation set state = 'FAILED', finished_at = $1, updated_at = $1,
         error = 'the process running it stopped before it finished'
       where id in (select id from rule_set_activation where state in ('QUEUED', 'RUNNING'))
         and pg_try_advisory_xact_lock(${JOB_LOCK}, hashtext(id::text))`,
      [this.clock.now()],
    );
    return rowCount ?? 0;
  }

  /** Resolves when the jobs this process runs have finished (shutdown, tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.running]);
  }

  private async release(client: PoolClient, id: string, rollback: boolean): Promise<void> {
    let broken: Error | undefined;
    try {
      if (rollback) await client.query('rollback');
      await client.query('select pg_advisory_unlock($1, hashtext($2))', [JOB_LOCK, id]);
    } catch (error) {
      broken = error as Error;
    }
    client.release(broken);
  }

  /** Switches `versionIds` (one, or one of each kind) in one transaction. */
  private async run(id: string, versionIds: string[], client: PoolClient): Promise<void> {
    const progress = (set: string, values: unknown[]) =>
      this.pool.query(`update rule_set_activation set ${set}, updated_at = $2 where id = $1`, [
        id,
        this.clock.now(),
        ...values,
      ]);
    let committed = false;
    try {
      await progress(`state = '${ActivationState.RUNNING}', started_at = $2`, []);
      await client.query('begin');
      // Activations of either kind, one at a time (activateVersion takes it too).
      await client.query(`select pg_advisory_xact_lock(hashtext('rule_set_version'))`);
      const { rows } = await client.query<{ id: string; kind: RuleSetKind; document: unknown }>(
        'select id, kind, document from rule_set_version where id = any($1::uuid[])',
        [versionIds],
      );
      const of = (kind: RuleSetKind) => rows.find((row) => row.kind === kind);
      await this.checkKinds(
        client,
        of(RuleSetKind.TIER)?.document,
        of(RuleSetKind.ENTITLEMENT)?.document,
      );
      // Entitlements first: the tiers' recompute is the long part, and both switch at commit.
      const entitlement = of(RuleSetKind.ENTITLEMENT);
      if (entitlement) {
        await activateVersion(client, RuleSetKind.ENTITLEMENT, entitlement.id, this.clock.now());
      }
      const tier = of(RuleSetKind.TIER);
      const result = tier
        ? await this.tiers.activateIn(client, tier.id, {
            chunkSize: this.options.chunkSize,
            onProgress: async (done, total) => {
              await progress('customers_done = $3, customers_total = $4', [done, total]);
            },
          })
        : { evaluated: 0, changed: 0 };
      // The outcome commits with the switch: the job never says otherwise than the rules.
      await client.query(
        `update rule_set_activation set state = '${ActivationState.SUCCEEDED}', finished_at = $2,
           updated_at = $2, customers_done = $3, customers_changed = $4
         where id = $1`,
        [id, this.clock.now(), result.evaluated, result.changed],
      );
      await client.query('commit');
      committed = true;
      this.logger.info('rule set version activated', { job: id, ...result });
      await this.ruleSets.refresh();
      if (tier) {
        await this.tiers.settleActivation().catch((error: unknown) =>
          this.logger.warn('activated; the segment counts and statistics settle later', {
            job: id,
            error: String(error),
          }),
        );
      }
    } catch (error) {
      if (committed) {
        this.logger.error('activated, but could not reload the rules here', {
          job: id,
          error: String(error),
        });
        return;
      }
      await client.query('rollback').catch(() => undefined);
      // The message only: a database error's detail may quote row values.
      const message = error instanceof Error ? error.message : String(error);
      this.logger.error('rule set activation failed; the previous version stays active', {
        job: id,
        error: message,
      });
      await progress(`state = '${ActivationState.FAILED}', finished_at = $2, error = $3`, [
        message,
      ]).catch((cause: unknown) =>
        this.logger.error('could not record a failed activation', {
          job: id,
          error: String(cause),
        }),
      );
    }
  }

  /**
   * Entitlement rules grant services to tiers by code: checked, under the activation lock,
   * against the tiers switched with them or else active in this transaction, so that no
   * activation leaves a grant naming a tier that no longer exists. `tier` and `entitlement`:
   * the documents being switched.
   */
  private async checkKinds(client: PoolClient, tier: unknown, entitlement: unknown): Promise<void> {
    const active = await this.ruleSets.activeIn(client);
    const entitlements = entitlement ?? active.entitlement?.document;
    const tiers = (tier as TierRuleSetDocument | undefined) ?? active.tier?.document;
    if (entitlements === undefined || tiers === undefined) return;
    const check = validateEntitlementRuleSet(
      entitlements,
      tiers.tiers.map((t) => t.code),
    );
    if (!check.ok) {
      const [problem] = check.problems;
      throw new ConflictError(
        `${entitlement === undefined ? 'the active entitlement rules do not fit these tiers' : `these entitlement rules do not fit the ${tier === undefined ? 'active ' : ''}tiers`}: ${problem!.path}: ${problem!.message}`,
        { field: 'id', rule: problem!.rule },
      );
    }
  }
}

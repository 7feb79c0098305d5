import type { Pool } from 'pg';
import type { Caller } from '../../auth/roles';
import type { Logger } from '../../logger';
import type { BusinessClock } from '../../time/clock';
import type { ActiveRuleSets } from './active-rule-sets';
import { ActivationState } from './rule-set-activation.entity';
import { RuleSetKind } from './rule-set-version.entity';
import { activateVersion, inTransaction, type TierService } from './tier.service';

/** The advisory lock space of running activation jobs (the second key is the job's). */
const JOB_LOCK = 7301;

/**
 * Runs rule set activations as jobs in this process: the request that asks for one gets
 * the job's id at once, and the job's row tells how far it got. The switch is one
 * transaction; the progress is written beside it, on other connections, so that it shows
 * while the switch is still invisible.
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

  /** Records the job and starts it; the version must be a valid draft (checked before). */
  async start(caller: Caller, versionId: string): Promise<string> {
    const { rows } = await this.pool.query<{ id: string }>(
      `insert into rule_set_activation (id, rule_set_version_id, requested_by, created_at, updated_at)
       values (gen_random_uuid(), $1, $2, $3, $3) returning id`,
      [versionId, `${caller.subject} (${caller.role})`, this.clock.now()],
    );
    const id = rows[0].id;
    const job = this.run(id, versionId).finally(() => this.running.delete(job));
    this.running.add(job);
    return id;
  }

  /**
   * Marks FAILED the jobs whose process died with them: a running job holds an advisory
   * lock for as long as its transaction, so a job whose lock can be taken has no runner.
   * Its transaction rolled back with the process, so the old version is still active.
   */
  async failAbandoned(): Promise<number> {
    const { rows } = await this.pool.query<{ id: string }>(
      `select id from rule_set_activation where state in ('QUEUED', 'RUNNING')`,
    );
    let failed = 0;
    for (const { id } of rows) {
      failed += await inTransaction(this.pool, async (client) => {
        const free = await client.query<{ free: boolean }>(
          `select pg_try_advisory_xact_lock(${JOB_LOCK}, hashtext($1)) as free`,
          [id],
        );
        if (!free.rows[0].free) return 0;
        const { rowCount } = await client.query(
          `update rule_set_activation set state = 'FAILED', finished_at = $2, updated_at = $2,
             error = 'the process running it stopped before it finished'
           where id = $1 and state in ('QUEUED', 'RUNNING')`,
          [id, this.clock.now()],
        );
        return rowCount ?? 0;
      });
    }
    return failed;
  }

  /** Resolves when the jobs this process runs have finished (shutdown, tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.running]);
  }

  private async run(id: string, versionId: string): Promise<void> {
    const update = (set: string, values: unknown[]) =>
      this.pool.query(`update rule_set_activation set ${set}, updated_at = $2 where id = $1`, [
        id,
        this.clock.now(),
        ...values,
      ]);
    try {
      await update(`state = '${ActivationState.RUNNING}', started_at = $2`, []);
      const result = await inTransaction(this.pool, async (client) => {
        await client.query(`select pg_advisory_xact_lock(${JOB_LOCK}, hashtext($1))`, [id]);
        const { rows } = await client.query<{ kind: RuleSetKind }>(
          'select kind from rule_set_version where id = $1',
          [versionId],
        );
        const { kind } = rows[0];
        if (kind !== RuleSetKind.TIER) {
          await activateVersion(client, kind, versionId, this.clock.now());
          return { evaluated: 0, changed: 0 };
        }
        return this.tiers.activateIn(client, versionId, {
          chunkSize: this.options.chunkSize,
          onProgress: async (done, total) => {
            await update('customers_done = $3, customers_total = $4', [done, total]);
          },
        });
      });
      await this.ruleSets.refresh();
      await update(
        `state = '${ActivationState.SUCCEEDED}', finished_at = $2, customers_done = $3, customers_changed = $4`,
        [result.evaluated, result.changed],
      );
      this.logger.info('rule set version activated', { job: id, ...result });
    } catch (error) {
      // The message only: a database error's detail may quote row values.
      const message = error instanceof Error ? error.message : String(error);
      this.logger.error('rule set activation failed; the previous version stays active', {
        job: id,
        error: message,
      });
      await update(`state = '${ActivationState.FAILED}', finished_at = $2, error = $3`, [
        message,
      ]).catch((cause: unknown) =>
        this.logger.error('could not record a failed activation', {
          job: id,
          error: String(cause),
        }),
      );
    }
  }
}

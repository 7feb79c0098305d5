import { outageOf } from '../../db/outage';
import type { Logger } from '../../logger';
import type { ActiveRuleSets } from './active-rule-sets';
import type { TierService } from './tier.service';

/**
 * Drains the tier recompute queue in the background and keeps the active rule versions
 * fresh. A tick that fails is logged and retried on the next: the queue keeps the work.
 * A database outage is logged as such, once per outage rather than once per tick.
 */
export class TierWorker {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopping = false;
  private unavailable = false;

  constructor(
    private readonly tiers: TierService,
    private readonly ruleSets: ActiveRuleSets,
    private readonly logger: Logger,
  ) {}

  start(intervalMs: number): void {
    this.stopping = false;
    this.timer = setInterval(() => {
      this.running ??= this.tick().finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  /** Takes no new batch; the one in progress commits or rolls back first. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass: refresh the rules, then recompute until the queue is empty or it stops. */
  async tick(): Promise<void> {
    try {
      await this.ruleSets.refresh();
      const batch = 500;
      while (!this.stopping && (await this.tiers.drainQueue(batch)) === batch);
      await this.tiers.foldSegmentCounts();
      if (this.unavailable) this.logger.info('tier worker: the database is back');
      this.unavailable = false;
    } catch (error) {
      const outage = outageOf(error);
      if (outage && this.unavailable) return;
      this.unavailable = !!outage;
      this.logger[outage ? 'warn' : 'error']('tier recompute failed; the queue keeps the work', {
        reason: outage,
        error: String(error),
      });
    }
  }
}

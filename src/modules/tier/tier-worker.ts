import type { Logger } from '../../logger';
import type { ActiveRuleSets } from './active-rule-sets';
import type { TierService } from './tier.service';

/**
 * Drains the tier recompute queue in the background and keeps the active rule versions
 * fresh. A tick that fails is logged and retried on the next: the queue keeps the work.
 */
export class TierWorker {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly tiers: TierService,
    private readonly ruleSets: ActiveRuleSets,
    private readonly logger: Logger,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.running ??= this.tick().finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass: refresh the rules, then recompute until the queue is empty. */
  async tick(): Promise<void> {
    try {
      await this.ruleSets.refresh();
      const batch = 500;
      while ((await this.tiers.drainQueue(batch)) === batch);
    } catch (error) {
      this.logger.error('tier recompute failed; the queue keeps the work', {
        error: String(error),
      });
    }
  }
}

import type { TierService } from '../../src/modules/tier/tier.service';
import type { TestHub } from './test-app';

/**
 * Resolves once `count` sessions of the hub's database wait on a lock, or once `done()`
 * says there is nothing to wait for; fails after 20 s. Asked on the test's own connection,
 * outside any transaction of the test's: pg_stat_activity is a snapshot per transaction.
 */
export async function lockWaits(
  hub: TestHub,
  count: number,
  what: string,
  done: () => boolean = () => false,
): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!done()) {
    const waiting = await hub.sql(
      `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
    );
    if (waiting.length >= count) return;
    if (Date.now() > deadline) throw new Error(`${what}: fewer than ${count} lock waits in 20 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Starts a full recompute and holds it once it has read everyone's metrics: what the test
 * does before `release()` happens after the run's snapshot and before its writes.
 */
export async function heldFullRecompute(
  tiers: TierService,
  chunkSize: number,
): Promise<{ release: () => void; finished: Promise<unknown> }> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let snapshotTaken!: () => void;
  const taken = new Promise<void>((resolve) => (snapshotTaken = resolve));
  const finished = tiers.recomputeAll({
    chunkSize,
    onProgress: async (_done, _total, step) => {
      if (step !== 'metrics') return;
      snapshotTaken();
      await held;
    },
  });
  await Promise.race([taken, finished]);
  return { release, finished };
}

import 'reflect-metadata';
import { createPool } from '../../src/db/pg';
import { ActiveRuleSets } from '../../src/modules/tier/active-rule-sets';
import { TierService } from '../../src/modules/tier/tier.service';
import { BusinessClock } from '../../src/time/clock';

/**
 * A separate process that drains the tier queue of DATABASE_URL, for the test that kills
 * it midway: it says "draining" on stdout, then works until it is killed or done.
 */
async function main() {
  // The hub's business clock and zone, as the app would use.
  const clock = new BusinessClock();
  const pool = createPool(process.env.DATABASE_URL!, 1, clock.zone);
  const ruleSets = new ActiveRuleSets(pool);
  await ruleSets.refresh();
  process.stdout.write('draining\n');
  // It waits on the test's lock for as long as it takes, to be killed there.
  await new TierService(pool, ruleSets, clock, { workerLockTimeoutMs: 0 }).drainQueue();
  process.stdout.write('drained\n');
  await pool.end();
}

void main();

import 'reflect-metadata';
import { Pool } from 'pg';
import { ActiveRuleSets } from '../../src/modules/tier/active-rule-sets';
import { TierService } from '../../src/modules/tier/tier.service';

/**
 * A separate process that drains the tier queue of DATABASE_URL, for the test that kills
 * it midway: it says "draining" on stdout, then works until it is killed or done.
 */
async function main() {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
  const ruleSets = new ActiveRuleSets(pool);
  await ruleSets.refresh();
  process.stdout.write('draining\n');
  await new TierService(pool, ruleSets).drainQueue();
  process.stdout.write('drained\n');
  await pool.end();
}

void main();

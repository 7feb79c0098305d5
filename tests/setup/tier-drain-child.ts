import 'reflect-metadata';
import { Pool } from 'pg';
import { ActivePolicies } from '../../src/modules/tier/active-policies';
import { TierService } from '../../src/modules/tier/tier.service';

/**
 * A separate process that drains the tier queue of DATABASE_URL, for the test that kills
 * it midway: it says "draining" on stdout, then works until it is killed or done.
 */
async function main() {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
  const policies = new ActivePolicies(pool);
  await policies.refresh();
  process.stdout.write('draining\n');
  await new TierService(pool, policies).drainQueue();
  process.stdout.write('drained\n');
  await pool.end();
}

void main();

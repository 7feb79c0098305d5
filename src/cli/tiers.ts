import 'reflect-metadata';
import { Pool } from 'pg';
import { ConfigError, parseConfig } from '../config/config';
import { openDatabase } from '../db/database';
import { ActiveRuleSets } from '../modules/tier/active-rule-sets';
import { ensureActiveRuleSets } from '../modules/tier/rule-set-version.service';
import { TierService } from '../modules/tier/tier.service';
import { progressBar } from './progress';

/**
 * `npm run tiers:recompute`: every active customer's tier under the active tier rule set, as of
 * today, set-based in chunks. Meant for a nightly schedule: time alone moves tiers.
 */
async function main(): Promise<number> {
  const config = parseConfig();
  const database = await openDatabase(config, (m) => console.error(m));
  const pool = new Pool({ connectionString: database.url, max: 3 });
  try {
    const ruleSets = new ActiveRuleSets(pool);
    await ensureActiveRuleSets(pool, ruleSets);
    const started = Date.now();
    const progress = progressBar(process.stderr);
    const result = await new TierService(pool, ruleSets).recomputeAll({
      onProgress: progress,
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `Recomputed ${result.evaluated} customers under tier rule set v${ruleSets.tier!.version}: ` +
        `${result.changed} tier assignments changed, in ${seconds} s`,
    );
    return 0;
  } finally {
    await pool.end();
    await database.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  },
);

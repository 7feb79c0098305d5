import 'reflect-metadata';
import { parseConfig } from '../config/config';
import { openDatabase } from '../db/database';
import { unreachableDatabase } from '../db/unreachable';
import { createPool } from '../db/pg';
import { BusinessClock } from '../time/clock';
import { ActiveRuleSets } from '../modules/tier/active-rule-sets';
import { ensureActiveRuleSets } from '../modules/tier/rule-set-version.service';
import { TierService } from '../modules/tier/tier.service';
import { progressBar } from './progress';
import { runCommand, UsageError } from './run';

/**
 * `npm run tiers:recompute`: every active customer's tier under the active tier rule set, as of
 * the business day, set-based in chunks. Meant for a nightly schedule: time alone moves
 * tiers. Safe beside running hubs: their tier workers and this run never overwrite each
 * other's newer figures.
 */
async function main(argv: string[]): Promise<number> {
  // It takes no arguments: one mistyped (--dry-run, say) would otherwise run the real job.
  if (argv.length) throw new UsageError(`tiers:recompute takes no arguments, got ${argv[0]}`);
  const config = parseConfig();
  const database = await openDatabase(config, (m) => console.error(m));
  const clock = new BusinessClock(config.businessTimeZone);
  const pool = createPool(database.url, 3, clock.zone);
  try {
    const ruleSets = new ActiveRuleSets(pool);
    await ensureActiveRuleSets(pool, ruleSets, clock);
    const started = Date.now();
    const progress = progressBar(process.stderr);
    const result = await new TierService(pool, ruleSets, clock).recomputeAll({
      chunkSize: config.tierChunkSize,
      onProgress: progress,
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `Recomputed ${result.evaluated} customers under tier rule set v${ruleSets.tier!.version}: ` +
        `${result.changed} tier assignments changed, in ${seconds} s`,
    );
    return 0;
  } catch (error) {
    throw unreachableDatabase(error, database.url, config.databaseUrl && 'DATABASE_URL');
  } finally {
    await pool.end();
    await database.stop();
  }
}

runCommand(() => main(process.argv.slice(2)), {
  usage: 'usage: npm run tiers:recompute',
});

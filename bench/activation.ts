import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { createApp } from '../src/app';
import { Role } from '../src/auth/roles';
import { parseConfig } from '../src/config/config';
import { createLogger } from '../src/logger';
import { newPiiKeyring } from '../src/modules/customer/pii-cipher';
import { DEFAULT_TIER_RULE_SET } from '../src/modules/tier/rule-set/default-rule-set';
import { ensureActiveRuleSets } from '../src/modules/tier/rule-set-version.service';
import { BusinessClock } from '../src/time/clock';

/**
 * How long a tier activation takes on an existing database, and what a reader sees
 * meanwhile: creates a draft that lowers the HIGH value threshold, starts its activation as
 * the API does, follows the job's progress, and samples the open assignments' version.
 *
 *   DATABASE_URL=postgres://... npm run bench:activation
 */
async function main(): Promise<void> {
  const config = parseConfig();
  if (!config.databaseUrl) throw new Error('set DATABASE_URL to a seeded database');
  const clock = new BusinessClock(config.businessTimeZone);
  const app = await createApp({
    config,
    clock,
    databaseUrl: config.databaseUrl,
    secrets: {
      jwtSecret: randomBytes(32).toString('hex'),
      piiHashKey: randomBytes(32).toString('hex'),
      piiEncryptionKeys: newPiiKeyring('bench'),
      piiEncryptionKeyId: 'bench',
    },
    logger: createLogger('warn'),
  });
  const { pool, ruleSets, activations } = app.services;
  try {
    await ensureActiveRuleSets(pool, ruleSets, clock);
    const before = ruleSets.tier!;
    const document = structuredClone(DEFAULT_TIER_RULE_SET) as unknown as {
      valueClasses: { code: string; when?: { all: { value: number }[] }[] }[];
    };
    const high = document.valueClasses.find((c) => c.code === 'HIGH')!;
    high.when![0]!.all[0]!.value = high.when![0]!.all[0]!.value === 3000 ? 5000 : 3000;
    const { rows } = await pool.query<{ id: string; version: number }>(
      `insert into rule_set_version (id, kind, version, status, document, note, created_by)
       select gen_random_uuid(), 'TIER', max(version) + 1, 'DRAFT', $1, 'benchmark', 'bench'
       from rule_set_version where kind = 'TIER' returning id, version`,
      [document],
    );
    const draft = rows[0]!;

    const started = Date.now();
    const job = await activations.start(
      { subject: 'bench', role: Role.ADMIN, branchCode: '0000' },
      { id: draft.id, note: 'benchmark' },
    );
    console.log(
      `activation of v${draft.version} accepted in ${Date.now() - started} ms (job ${job})`,
    );
    let readerSawNew = 0;
    let readerSamples = 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, 2000));
      const [state] = (
        await pool.query(
          `select state, customers_total, customers_done from rule_set_activation where id = $1`,
          [job],
        )
      ).rows;
      const [open] = (
        await pool.query(
          `select rule_set_version_id as id from tier_assignment where valid_to is null
           order by customer_id limit 1`,
        )
      ).rows;
      readerSamples += 1;
      if (state.state === 'RUNNING' && open?.id !== before.id) readerSawNew += 1;
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      console.log(
        `${seconds} s: ${state.state} ${state.customers_done}/${state.customers_total ?? '?'}`,
      );
      if (state.state === 'SUCCEEDED' || state.state === 'FAILED') break;
    }
    await activations.idle();
    const [done] = (
      await pool.query(
        `select state, customers_done, customers_changed, error, finished_at - started_at as took
         from rule_set_activation where id = $1`,
        [job],
      )
    ).rows;
    console.log(
      `${done.state}: ${done.customers_done} customers, ${done.customers_changed} changed, ` +
        `in ${((Date.now() - started) / 1000).toFixed(1)} s` +
        (done.error ? `; error: ${done.error}` : ''),
    );
    console.log(
      `reader samples while RUNNING that saw the new version before the switch: ${readerSawNew} of ${readerSamples}`,
    );
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

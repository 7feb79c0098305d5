import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../src/app';
import { Role } from '../src/auth/roles';
import { signToken } from '../src/auth/tokens';
import { parseConfig } from '../src/config/config';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres';
import { createLogger } from '../src/logger';
import { newPiiKeyring } from '../src/modules/customer/pii-cipher';

/**
 * What clients see during a database outage: an embedded PostgreSQL of its own behind the
 * hub (default settings), a steady load of light GraphQL requests, the database stopped for
 * `--outage` seconds and started again. Prints status codes, error codes, the slowest
 * response and how long after the restart the first request succeeded.
 *
 *   npm run bench:outage -- --outage 30 --clients 4
 */
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

async function main(): Promise<void> {
  const outageSeconds = arg('outage', 30);
  const clients = arg('clients', 4);
  const port = arg('port', 54399);
  // One subject under steady load: the per-caller rate limit would answer for the database.
  const config = { ...parseConfig({}), dbPoolSize: 10, rateLimitPerMinute: 0 };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cif-hub-outage-bench-'));
  fs.chmodSync(dir, 0o755);
  const start = () =>
    startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port, database: 'cif_hub' });
  let pg = await start();
  const secrets = {
    jwtSecret: 'x'.repeat(32),
    piiHashKey: 'y'.repeat(32),
    piiEncryptionKeys: newPiiKeyring('bench'),
    piiEncryptionKeyId: 'bench',
  };
  const app = await createApp({
    config,
    databaseUrl: pg.url,
    secrets,
    logger: createLogger('error'),
  });
  await app.migrate();
  // Tokens name an open branch: an organisation of one, the head office.
  await app.services.pool.query(
    `insert into branch (id, code, name, level, path)
     values (gen_random_uuid(), '0000', 'Head office', 'HEAD_OFFICE', '0000')`,
  );
  const url = await app.listen(0, '127.0.0.1');
  const token = signToken(
    secrets.jwtSecret,
    { subject: 'bench', role: Role.ADMIN, branchCode: '0000' },
    3600,
  );

  type Sample = { at: number; status: number; code: string; ms: number };
  const samples: Sample[] = [];
  let running = true;
  const client = async () => {
    while (running) {
      const at = Date.now();
      let status = 0;
      let code = 'ok';
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: '{ ruleSetVersions(kind: TIER) { totalCount } }' }),
        });
        status = response.status;
        const body = (await response.json()) as {
          errors?: { extensions: { code: string; reason?: string } }[];
        };
        const error = body.errors?.[0]?.extensions;
        if (error) code = `${error.code}${error.reason ? `/${error.reason}` : ''}`;
      } catch (error) {
        code = `network: ${String(error)}`;
      }
      samples.push({ at, status, code, ms: Date.now() - at });
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const load = Promise.all(Array.from({ length: clients }, client));

  await new Promise((r) => setTimeout(r, 5_000));
  const down = Date.now();
  await pg.stop();
  console.log(`database stopped; ${outageSeconds} s outage under ${clients} steady clients`);
  await new Promise((r) => setTimeout(r, outageSeconds * 1000));
  const readyDuring = (await fetch(new URL('/readyz', url))).status;
  const liveDuring = (await fetch(new URL('/healthz', url))).status;
  pg = await start();
  const up = Date.now();
  console.log(`database started again after ${((up - down) / 1000).toFixed(1)} s`);
  let recovered: number | undefined;
  while (!recovered && Date.now() - up < 60_000) {
    await new Promise((r) => setTimeout(r, 20));
    recovered = samples.find((s) => s.at >= up && s.status === 200)?.at;
  }
  await new Promise((r) => setTimeout(r, 2_000));
  running = false;
  await load;

  const during = samples.filter((s) => s.at >= down && s.at < up);
  const tally = (list: Sample[], key: (s: Sample) => string) =>
    Object.entries(
      list.reduce<Record<string, number>>(
        (acc, s) => ({ ...acc, [key(s)]: (acc[key(s)] ?? 0) + 1 }),
        {},
      ),
    )
      .map(([k, n]) => `${k}: ${n}`)
      .join(', ');
  const sorted = during.map((s) => s.ms).sort((a, b) => a - b);
  console.log(`requests during the outage: ${during.length}`);
  console.log(`  HTTP status: ${tally(during, (s) => String(s.status))}`);
  console.log(`  codes: ${tally(during, (s) => s.code)}`);
  console.log(
    `  response time: p50 ${sorted[Math.floor(sorted.length / 2)]} ms, p99 ${sorted[Math.floor(sorted.length * 0.99)]} ms, slowest ${sorted[sorted.length - 1]} ms`,
  );
  console.log(`  /healthz ${liveDuring}, /readyz ${readyDuring} during the outage`);
  console.log(
    `first success ${recovered ? `${recovered - up} ms` : 'never (60 s)'} after the database was back; ` +
      `slowest response over the whole run: ${Math.max(...samples.map((s) => s.ms))} ms`,
  );
  await app.close();
  await pg.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

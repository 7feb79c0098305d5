import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { Client } from 'pg';
import { seedDemoData } from '../seeds/demo-data';
import { parseConfig } from '../src/config/config';
import { PiiCipher } from '../src/modules/customer/pii-cipher';
import { createPool } from '../src/db/pg';
import { createDatabase, databaseUrl, startScratchServer } from '../src/db/scratch-server';
import { ActiveRuleSets } from '../src/modules/tier/active-rule-sets';
import { ensureActiveRuleSets } from '../src/modules/tier/rule-set-version.service';
import { TierService } from '../src/modules/tier/tier.service';
import { BusinessClock } from '../src/time/clock';

/** The keys a benchmark's hub runs with (the seed seals and digests with the same). */
export interface BenchSecrets {
  piiHashKey: string;
  piiEncryptionKeys: string;
}

/**
 * Fixed keys: a seeded database is kept between runs, and what one run sealed the next
 * must open. Benchmark data only.
 */
export const BENCH_SECRETS: BenchSecrets = {
  piiHashKey: 'bench-pii-hash-key-0123456789abcdef',
  piiEncryptionKeys: `bench:${createHash('sha256').update('cif-hub bench').digest('base64')}`,
};

export const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

/** A database seeded with `customers` demo customers, made once and kept for later runs. */
export async function seededDatabase(
  customers: number,
  secrets: BenchSecrets,
  onSeeded?: (seconds: number) => void,
): Promise<string> {
  const server = await startScratchServer();
  // v4: names that rarely repeat, as real ones (v3 had a few thousand names in all, each
  // on hundreds of customers); v5: resident IDs with their swap digests. Older seeds are
  // not reused.
  const name = `cif_hub_bench_v5_${customers}`;
  const url = databaseUrl(server.adminUrl, name);
  const client = new Client({ connectionString: server.adminUrl });
  await client.connect();
  const exists = (await client.query('select 1 from pg_database where datname = $1', [name]))
    .rowCount;
  await client.end();
  if (!exists) {
    await createDatabase(server.adminUrl, name);
    await migrate(url);
    const db = new Client({ connectionString: url });
    await db.connect();
    const started = Date.now();
    console.log(`Seeding ${customers} customers into ${name}...`);
    const clock = new BusinessClock(parseConfig().businessTimeZone);
    await seedDemoData(db, {
      customers,
      piiHashKey: secrets.piiHashKey,
      cipher: new PiiCipher(secrets.piiEncryptionKeys, 'bench'),
      today: clock.today(),
      timeZone: clock.zone,
    });
    const seconds = (Date.now() - started) / 1000;
    console.log(`Seeded in ${seconds.toFixed(1)} s`);
    onSeeded?.(seconds);
    await db.end();
  }
  return url;
}

/**
 * Every active customer's tier under the active rule set, as `npm run tiers:recompute`
 * computes it nightly; returns the seconds it took.
 */
export async function computeTiers(url: string): Promise<{ seconds: number; evaluated: number }> {
  const clock = new BusinessClock(parseConfig().businessTimeZone);
  const pool = createPool(url, 3, clock.zone);
  try {
    const ruleSets = new ActiveRuleSets(pool);
    await ensureActiveRuleSets(pool, ruleSets, clock);
    const started = Date.now();
    const { evaluated } = await new TierService(pool, ruleSets, clock).recomputeAll();
    return { seconds: (Date.now() - started) / 1000, evaluated };
  } finally {
    await pool.end();
  }
}

/**
 * VACUUM (ANALYZE) of the whole database; returns the seconds it took. Where autovacuum is
 * off (as on the machines these figures come from), each recompute and ingestion leaves
 * its old row versions behind, and the next run's index scans wade through them: the
 * segment page lost a third of its rate over three runs.
 */
export async function vacuumAnalyze(url: string): Promise<number> {
  const db = new Client({ connectionString: url });
  await db.connect();
  const started = Date.now();
  try {
    await db.query('vacuum (analyze)');
  } finally {
    await db.end();
  }
  return (Date.now() - started) / 1000;
}

/**
 * A copy of a seeded database, for a run that writes to it: every run then starts from the
 * same file. Runs made on the seeded file itself each left their new people in it, and the
 * next run's neighbourhoods grew: throughput fell by a tenth in three runs. `drop()` removes it.
 */
export async function databaseCopy(seededUrl: string, name: string) {
  const server = await startScratchServer();
  const template = new URL(seededUrl).pathname.slice(1);
  await dropDatabase(server.adminUrl, name);
  const admin = new Client({ connectionString: server.adminUrl });
  await admin.connect();
  try {
    // A file copy: the default strategy writes the whole file to the WAL, several times slower.
    await admin.query(`create database "${name}" template "${template}" strategy file_copy`);
  } finally {
    await admin.end();
  }
  return {
    url: databaseUrl(server.adminUrl, name),
    drop: () => dropDatabase(server.adminUrl, name),
  };
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await admin.end();
  }
}

/** A fresh, migrated, empty database; `drop()` removes it. */
export async function emptyDatabase(name: string) {
  const server = await startScratchServer();
  const url = databaseUrl(server.adminUrl, name);
  await dropDatabase(server.adminUrl, name);
  await createDatabase(server.adminUrl, name);
  await migrate(url);
  return { url, drop: () => dropDatabase(server.adminUrl, name) };
}

/** Applies the committed migrations, as the hub does at start. */
export function migrate(url: string) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/cli/migrations.ts', 'up'],
      {
        cwd: path.resolve(__dirname, '..'),
        env: { ...process.env, DATABASE_URL: url },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`migrations exited ${code}`)),
    );
  });
}

/**
 * A port nothing listens on, as the system hands them out: a random one in a fixed range met
 * a broker's (RabbitMQ's 4369) on a machine that runs one.
 */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The hub in production mode in a child process, on a port of its own. With `--cpu-prof` on
 * the benchmark's command line, it writes a V8 CPU profile (open it in Chrome's DevTools)
 * under bench/results/profiles when it stops.
 */
export async function startHub(
  url: string,
  secrets: BenchSecrets,
  env: Record<string, string>,
): Promise<{ endpoint: string; pid: number; stop(): Promise<void> }> {
  const nodeArgs = process.argv.includes('--cpu-prof')
    ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(__dirname, 'results/profiles')]
    : [];
  const port = await freePort();
  const args = [...nodeArgs, '-r', 'ts-node/register/transpile-only', 'src/main.ts'];
  const hub = spawn(process.execPath, args, {
    cwd: path.resolve(__dirname, '..'),
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: url,
      PORT: String(port),
      ...env,
      PII_HASH_KEY: secrets.piiHashKey,
      PII_ENCRYPTION_KEYS: secrets.piiEncryptionKeys,
      LOG_LEVEL: 'warn',
      // One subject at hundreds of requests a second: the per-caller limit is not measured.
      RATE_LIMIT_PER_MINUTE: '0',
      // Recomputing tiers is not what these benchmarks measure.
      TIER_WORKER_INTERVAL_MS: '0',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // Ready when its readiness probe says so (production logs only warnings here). A hub that
  // cannot start (its port taken, say) exits: the benchmark stops, not waits.
  let exited: number | null | undefined;
  hub.once('exit', (code) => (exited = code));
  for (;;) {
    if (exited !== undefined) throw new Error(`the hub exited (${exited}) before it was ready`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    endpoint: `http://127.0.0.1:${port}/graphql`,
    pid: hub.pid!,
    stop: async () => {
      const exited = new Promise((resolve) => hub.once('exit', resolve));
      hub.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Registers a document as trusted (production runs the front line and the feeds on
 * registered documents only) and returns its hash, the name requests give it by.
 */
export async function registerDocument(url: string, name: string, document: string) {
  const hash = createHash('sha256').update(document).digest('hex');
  const registry = new Client({ connectionString: url });
  await registry.connect();
  await registry.query(
    `insert into trusted_document (hash, document, name, registered_by)
     values ($1, $2, $3, 'bench') on conflict (hash) do update set revoked_at = null`,
    [hash, document, name],
  );
  await registry.end();
  return hash;
}

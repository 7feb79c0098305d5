import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { parseConfig } from '../src/config/config';
import { Role } from '../src/auth/roles';
import { startTestIssuer, type TestIssuer } from '../tests/setup/jwks';
import {
  arg,
  BENCH_SECRETS as secrets,
  computeTiers,
  migrate,
  registerDocument,
  seededDatabase,
  startHub,
  vacuumAnalyze,
} from './harness';
import { ingestMix } from './ingestion';
import { SHAPES, type Keys, type Shape } from './shapes';

/**
 * `npm run bench`: the hub against a hand-written raw-SQL baseline (bench/baseline.ts),
 * side by side in one run, on a seeded file of N customers with tiers computed.
 *
 *   npm run bench -- --customers 200000 --connections 16 --seconds 8 --rounds 3
 *
 * For each request shape (bench/shapes.ts) it first checks that both answer the same
 * (deep-equal on --check random keys, or it stops), then alternates rounds of the two
 * servers on the same keys, and prints requests per second, p50 and p99, errors, and
 * the server's and PostgreSQL's CPU per request (from /proc). The segment export and
 * ingestion with matching follow, and the batch jobs are timed. Results go to
 * bench/results/ as JSON and as a Markdown table.
 */

const customers = arg('customers', 200_000);
const connections = arg('connections', 16);
const seconds = arg('seconds', 8);
const rounds = arg('rounds', 3);
const checks = arg('check', 200);
const exportRows = arg('export-rows', 100_000);
const ingestBatches = arg('ingest-batches', 10);
const only = process.argv.includes('--only')
  ? process.argv[process.argv.indexOf('--only') + 1].split(',')
  : undefined;

const CLK_TCK = 100;

/** CPU seconds used so far by these processes (user and system). */
function cpuOf(pids: number[]): Map<number, number> {
  const used = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      used.set(pid, (Number(fields[11]) + Number(fields[12])) / CLK_TCK);
    } catch {
      // Gone meanwhile: a connection closed.
    }
  }
  return used;
}

function postgresPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
      } catch {
        return false;
      }
    });
}

/** Measures the CPU that `pid` and every PostgreSQL process use while `work` runs. */
async function withCpu<T>(pid: number, work: () => Promise<T>) {
  const before = cpuOf([pid, ...postgresPids()]);
  const result = await work();
  const after = cpuOf([pid, ...postgresPids()]);
  let postgres = 0;
  for (const [p, used] of after) if (p !== pid) postgres += used - (before.get(p) ?? 0);
  return { result, server: after.get(pid)! - before.get(pid)!, postgres };
}

interface Server {
  name: 'baseline' | 'hub';
  pid: number;
  /** The URL and body one request of the shape sends. */
  request(shape: Shape, variables: Record<string, unknown>): { url: string; body: string };
  headers(shape: Shape): Record<string, string>;
  /** The `data` of the answer. */
  answer(shape: Shape, variables: Record<string, unknown>): Promise<unknown>;
}

interface Round {
  server: string;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  serverCpuMs: number;
  postgresCpuMs: number;
}

async function startBaseline(url: string, poolSize: number, zone: string) {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', 'bench/baseline.ts', url, String(poolSize), zone],
    { cwd: path.resolve(__dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const endpoint = await new Promise<string>((resolve) =>
    child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())),
  );
  return { endpoint, pid: child.pid!, stop: () => child.kill('SIGTERM') };
}

async function drawKeys(url: string, count: number): Promise<Keys> {
  const db = new Client({ connectionString: url });
  await db.connect();
  const customers = (
    await db.query<{ id: string }>(
      `select id from customer where status = 'ACTIVE' order by random() limit $1`,
      [count],
    )
  ).rows.map((r) => r.id);
  const vehicles = (
    await db.query<{ customer: string; vin: string }>(
      `select distinct on (v.id) pp.customer_id as customer, v.vin
       from (select * from vehicle order by random() limit $1) v
       join policy p on p.vehicle_id = v.id join policy_party pp on pp.policy_id = p.id
       order by v.id, pp.customer_id`,
      [count],
    )
  ).rows;
  // Segments of every tier and province, weighted by their size as a campaign would pick
  // them; about one page in ten is a first page, the others start after a random customer.
  const pages = (
    await db.query<{ tier: string; branch_code: string; after: string | null }>(
      `select a.tier, root.code as branch_code,
         case when random() < 0.1 then null else c.cif_no end as after
       from (select * from customer where status = 'ACTIVE' and marketing_consent
             order by random() limit $1) c
       join tier_assignment a on a.customer_id = c.id and a.valid_to is null
       join branch b on b.id = c.branch_id
       join branch root on root.level = 'PROVINCIAL' and b.path like root.path || '%'`,
      [count],
    )
  ).rows.map((r) => ({
    tier: r.tier,
    branchCode: r.branch_code,
    after: r.after && Buffer.from(JSON.stringify([r.after])).toString('base64url'),
  }));
  await db.end();
  return { customers, vehicles, pages };
}

async function load(server: Server, shape: Shape, keys: Keys, duration: number): Promise<Round> {
  let i = Math.floor(Math.random() * 1e6);
  let errors = 0;
  const first = server.request(shape, shape.variables(keys, 0));
  const {
    result,
    server: serverCpu,
    postgres,
  } = await withCpu(server.pid, () =>
    autocannon({
      url: first.url,
      connections,
      duration,
      method: 'POST',
      headers: server.headers(shape),
      requests: [
        {
          setupRequest: (request: autocannon.Request) => ({
            ...request,
            body: server.request(shape, shape.variables(keys, i++)).body,
          }),
          onResponse: (status: number, body: string) => {
            if (status !== 200 || body.startsWith('{"errors"') || body.includes('"errors":['))
              errors += 1;
          },
        },
      ],
    }),
  );
  const requests = result.requests.total;
  return {
    server: server.name,
    requests,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: errors + result.errors + result.timeouts,
    serverCpuMs: (serverCpu * 1000) / requests,
    postgresCpuMs: (postgres * 1000) / requests,
  };
}

async function honest(shape: Shape, servers: Server[], keys: Keys) {
  for (let i = 0; i < checks; i++) {
    const variables = shape.variables(keys, i);
    const [baseline, hub] = await Promise.all(servers.map((s) => s.answer(shape, variables)));
    if (!isDeepStrictEqual(baseline, hub)) {
      console.error(
        `${shape.name}: the baseline and the hub differ for ${JSON.stringify(variables)}`,
      );
      console.error(`baseline: ${JSON.stringify(baseline)}`);
      console.error(`hub:      ${JSON.stringify(hub)}`);
      process.exit(2);
    }
  }
}

/** Reads NDJSON lines from `url` until `max` rows (or the end); returns them and the time. */
async function readRows(url: string, headers: Record<string, string>, max: number, keep: boolean) {
  const started = process.hrtime.bigint();
  const response = await fetch(url, { headers });
  if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const lines: string[] = [];
  let rows = 0;
  let rest = '';
  while (rows < max) {
    const { done, value } = await reader.read();
    if (done) break;
    const text = rest + decoder.decode(value, { stream: true });
    const parts = text.split('\n');
    rest = parts.pop()!;
    for (const line of parts) {
      if (line.startsWith('{"end"')) continue;
      rows += 1;
      if (keep && rows <= max) lines.push(line);
    }
  }
  await reader.cancel().catch(() => undefined);
  return {
    lines,
    rows: Math.min(rows, max),
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}

const rssMiB = (pid: number) => {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
};

/** The segment export from both servers: checked equal on its first pages, then timed. */
async function exports(
  targets: { name: string; pid: number; url: string; headers: Record<string, string> }[],
) {
  const [a, b] = await Promise.all(targets.map((t) => readRows(t.url, t.headers, 3000, true)));
  const parse = (lines: string[]) => lines.map((l) => JSON.parse(l) as unknown);
  const differ = [...a.lines, ...b.lines].findIndex(
    (_, i) => !isDeepStrictEqual(parse([a.lines[i] ?? '""']), parse([b.lines[i] ?? '""'])),
  );
  if (!a.lines.length || differ >= 0) {
    throw new Error(
      `segment export: the baseline and the hub differ at row ${differ + 1}\n` +
        `baseline: ${a.lines[differ]}\nhub:      ${b.lines[differ]}`,
    );
  }
  console.log(`segment export: the baseline and the hub agree on the first ${a.lines.length} rows`);
  const results: Record<string, unknown> = {};
  for (const target of [...targets, ...targets]) {
    const before = rssMiB(target.pid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(target.pid))), 100);
    const { result, server, postgres } = await withCpu(target.pid, () =>
      readRows(target.url, target.headers, exportRows, false),
    );
    clearInterval(sampler);
    // The second run of each counts: the first warms caches up.
    results[target.name] = {
      rows: result.rows,
      seconds: result.seconds,
      rowsPerSecond: result.rows / result.seconds,
      rssBeforeMiB: before,
      rssPeakMiB: peak,
      serverCpuSeconds: server,
      postgresCpuSeconds: postgres,
    };
  }
  return results as Record<
    string,
    { rowsPerSecond: number; rssBeforeMiB: number; rssPeakMiB: number; rows: number }
  >;
}

const summary = (runs: Round[]) => {
  const mean = (pick: (r: Round) => number) => runs.reduce((s, r) => s + pick(r), 0) / runs.length;
  return {
    rps: mean((r) => r.rps),
    p50: mean((r) => r.p50),
    p99: mean((r) => r.p99),
    errors: runs.reduce((s, r) => s + r.errors, 0),
    serverCpuMs: mean((r) => r.serverCpuMs),
    postgresCpuMs: mean((r) => r.postgresCpuMs),
  };
};

async function main() {
  const started = Date.now();
  const config = parseConfig();
  const jobs: Record<string, number> = {};
  const url = await seededDatabase(customers, secrets, (s) => (jobs.seedSeconds = s));
  // A kept database may predate a migration that the recompute relies on.
  await migrate(url);
  const tiers = await computeTiers(url);
  jobs.tierRecomputeSeconds = tiers.seconds;
  console.log(`Tiers of ${tiers.evaluated} customers recomputed in ${tiers.seconds.toFixed(1)} s`);
  jobs.vacuumAnalyzeSeconds = await vacuumAnalyze(url);

  const keys = await drawKeys(url, 2000);
  const issuer: TestIssuer = await startTestIssuer();
  const hub = await startHub(url, secrets, issuer.env);
  const baseline = await startBaseline(url, config.dbPoolSize, config.businessTimeZone);
  const tokens = new Map<Role, string>();
  const hashes = new Map<string, string>();
  for (const shape of SHAPES) {
    tokens.set(
      shape.role,
      await issuer.sign({ subject: 'bench', role: shape.role, branchCode: '0000' }),
    );
    hashes.set(shape.name, await registerDocument(url, `Bench_${shape.name}`, shape.document));
  }
  const post = async (target: string, headers: Record<string, string>, body: string) => {
    const response = await fetch(target, { method: 'POST', headers, body });
    return (await response.json()) as { data?: unknown; errors?: unknown };
  };
  const hubServer: Server = {
    name: 'hub',
    pid: hub.pid,
    request: (shape, variables) => ({
      url: hub.endpoint,
      body: JSON.stringify({
        extensions: { persistedQuery: { version: 1, sha256Hash: hashes.get(shape.name) } },
        variables,
      }),
    }),
    headers: (shape) => ({
      'content-type': 'application/json',
      authorization: `Bearer ${tokens.get(shape.role)}`,
    }),
    async answer(shape, variables) {
      const { url: target, body } = this.request(shape, variables);
      const answer = await post(target, this.headers(shape), body);
      return answer.errors ? answer : answer.data;
    },
  };
  const baselineServer: Server = {
    name: 'baseline',
    pid: baseline.pid,
    request: (shape, variables) => ({
      url: `${baseline.endpoint}/${shape.name}`,
      body: JSON.stringify(variables),
    }),
    headers: () => ({ 'content-type': 'application/json' }),
    async answer(shape, variables) {
      const { url: target, body } = this.request(shape, variables);
      const answer = await post(target, this.headers(shape), body);
      return answer.errors ? answer : answer.data;
    },
  };
  const servers = [baselineServer, hubServer];

  const shapes: Record<string, unknown> = {};
  const lines: string[] = [];
  try {
    for (const shape of SHAPES.filter((s) => !only || only.includes(s.name))) {
      await honest(shape, servers, keys);
      console.log(`${shape.label}: the baseline and the hub agree on ${checks} random keys`);
      // Warm-up: JIT, prepared statements, caches.
      for (const server of servers) await load(server, shape, keys, 2);
      const runs: Round[] = [];
      for (let round = 0; round < rounds; round++) {
        for (const server of round % 2 ? [...servers].reverse() : servers) {
          runs.push(await load(server, shape, keys, seconds));
        }
      }
      const base = summary(runs.filter((r) => r.server === 'baseline'));
      const mine = summary(runs.filter((r) => r.server === 'hub'));
      shapes[shape.name] = { label: shape.label, baseline: base, hub: mine, runs };
      const line =
        `| ${shape.label} | ${fmt(base)} | ${fmt(mine)} | **${(mine.rps / base.rps).toFixed(2)}** | ` +
        `${(mine.postgresCpuMs / base.postgresCpuMs).toFixed(2)} |`;
      lines.push(line);
      console.log(line);
    }
    if (!only || only.includes('export')) {
      const hubBase = hub.endpoint.replace(/\/graphql$/, '');
      const result = await exports([
        { name: 'baseline', pid: baseline.pid, url: `${baseline.endpoint}/export`, headers: {} },
        {
          name: 'hub',
          pid: hub.pid,
          url: `${hubBase}/export/customers?format=ndjson`,
          headers: { authorization: `Bearer ${tokens.get(Role.MARKETING)}` },
        },
      ]);
      shapes.export = result;
      const cell = (r: (typeof result)[string]) =>
        `${r.rowsPerSecond.toFixed(0)} rows/s, RSS ${r.rssBeforeMiB.toFixed(0)} → peak ${r.rssPeakMiB.toFixed(0)} MiB`;
      const line =
        `| segment export, ${result.hub.rows.toLocaleString('en')} rows (NDJSON) | ${cell(result.baseline)} | ` +
        `${cell(result.hub)} | **${(result.hub.rowsPerSecond / result.baseline.rowsPerSecond).toFixed(2)}** | |`;
      lines.push(line);
      console.log(line);
    }
  } finally {
    await hub.stop();
    baseline.stop();
    await issuer.close();
  }

  if (!only || only.includes('ingestion')) {
    const ingestion = await ingestMix(url, ingestBatches);
    jobs.ingestionRecordsPerSecond = ingestion.recordsPerSecond;
    console.log(`ingestion with matching: ${ingestion.recordsPerSecond.toFixed(0)} records/s`);
  }

  const result = {
    at: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      memoryGiB: os.totalmem() / 2 ** 30,
    },
    versions: { node: process.version, postgres: await serverVersion(url) },
    customers,
    connections,
    seconds,
    rounds,
    shapes,
    jobs,
    totalSeconds: (Date.now() - started) / 1000,
  };
  const dir = path.resolve(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const stamp = result.at.replace(/[:.]/g, '-');
  fs.writeFileSync(path.join(dir, `${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
  const markdown = [
    `${customers.toLocaleString('en')} customers, ${connections} concurrent clients, ${rounds} alternating rounds of ${seconds} s; ` +
      `${result.machine.cpus} cores (${result.machine.model}), Node ${process.version}, PostgreSQL ${result.versions.postgres}, ` +
      `load generator, hub, baseline and PostgreSQL on one machine; ${result.at.slice(0, 10)}.`,
    '',
    '| shape | raw-SQL baseline | hub | hub / baseline | PostgreSQL CPU hub / baseline |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...lines,
    '',
    `Batch jobs: ${Object.entries(jobs)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', ')}.`,
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'latest.md'), markdown);
  console.log(`\n${markdown}\nwritten to bench/results/${stamp}.json and bench/results/latest.md`);
  process.exit(0);
}

function fmt(s: ReturnType<typeof summary>): string {
  return (
    `${s.rps.toFixed(0)} req/s, p50 ${s.p50.toFixed(0)} ms, p99 ${s.p99.toFixed(0)} ms, ` +
    `${s.errors} errors; CPU/request: server ${s.serverCpuMs.toFixed(2)} ms, PostgreSQL ${s.postgresCpuMs.toFixed(2)} ms`
  );
}

async function serverVersion(url: string) {
  const db = new Client({ connectionString: url });
  await db.connect();
  const { rows } = await db.query<{ v: string }>(`select current_setting('server_version') as v`);
  await db.end();
  return rows[0].v;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { Client } from 'pg';
import { Role } from '../../src/auth/roles';
import { evaluationQuery, metricsOf } from '../../src/modules/tier/tier-engine';
import {
  customerRecord,
  INGEST_CUSTOMERS,
  insertBranches,
  insertPortfolio,
  nextNumber,
} from '../setup/factories';
import { run } from '../setup/process';
import { startTestHub, TEST_SECRETS_ENV, type TestHub } from '../setup/test-app';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

/** The settings of the hub as operations run it: without demo data or tier worker. */
const hubEnv = (databaseUrl: string, port: number) => ({
  DATABASE_URL: databaseUrl,
  HOST: '127.0.0.1',
  PORT: String(port),
  NODE_ENV: 'test',
  SEED_DEMO: 'false',
  TIER_WORKER_INTERVAL_MS: '0',
  ...TEST_SECRETS_ENV,
  LOG_LEVEL: 'info',
});

/** The hub as operations run it, on `databaseUrl`. */
async function startHub(databaseUrl: string, extra: Record<string, string> = {}) {
  const port = await freePort();
  const hub = run('src/main.ts', { ...hubEnv(databaseUrl, port), ...extra });
  return { ...hub, url: `http://127.0.0.1:${port}/graphql` };
}

describe('the hub as a process', () => {
  let hub: TestHub;
  let cifNo: string;

  beforeAll(async () => {
    // An in-process hub makes the database and its data; the processes under test share it.
    hub = await startTestHub();
    await insertBranches(hub);
    [cifNo] = await insertPortfolio(hub, 1, nextNumber() * 1000);
  });
  afterAll(() => hub.close());

  const gql = (url: string, query: string, variables: Record<string, unknown> = {}) =>
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${hub.token(Role.ADMIN)}`,
      },
      body: JSON.stringify({ query, variables }),
    });

  it('stops cleanly on a SIGTERM that arrives during start-up', async () => {
    const process_ = await startHub(hub.databaseUrl);
    await process_.printed(/"message":"starting"/);
    process_.child.kill('SIGTERM');
    const { code } = await process_.exited;
    expect(code).toBe(0);
    expect(process_.output()).toContain('SIGTERM: stopping the hub');
    expect(process_.output()).not.toContain('is ready at');
  }, 60_000);

  it('stops with npm start when npm is sent a SIGTERM, where the shell between them would have left it running', async () => {
    const port = await freePort();
    const npm = spawn('npm', ['start', '--silent'], {
      env: { ...process.env, ...hubEnv(hub.databaseUrl, port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const ready = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      return response?.status === 200;
    };
    /** The hub's process id, from its log line "starting". */
    const hubPid = () =>
      output
        .split('\n')
        .filter((line) => line.includes('"message":"starting"'))
        .map((line) => (JSON.parse(line) as { pid: number }).pid)[0];
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      for (let i = 0; i < 120 && !(await ready()); i++) await pause(500);
      expect(hubPid()).toBeGreaterThan(0);
      npm.kill('SIGTERM');
      for (let i = 0; i < 60 && alive(hubPid()!); i++) await pause(500);
      expect(alive(hubPid()!)).toBe(false);
      expect(await ready()).toBe(false);
      expect(output).toContain('npm stopped: stopping the hub');
    } finally {
      npm.kill('SIGKILL');
      if (hubPid() && alive(hubPid()!)) process.kill(hubPid()!, 'SIGKILL');
    }
  }, 90_000);

  /** The hub on an embedded PostgreSQL of its own; `act` is given the server's process id. */
  async function onEmbeddedPostgres(
    act: (hub: ReturnType<typeof run>, pg: number) => Promise<void>,
  ) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cif-hub-embedded-'));
    // The embedded server runs as an OS user of its own when the tests run as root.
    fs.chmodSync(dataDir, 0o755);
    const env = { ...hubEnv('', await freePort()), DATA_DIR: dataDir };
    const hub_ = run('src/main.ts', { ...env, EMBEDDED_PG_PORT: String(await freePort()) });
    try {
      await hub_.printed(/Press Ctrl-C to stop/, 120_000);
      // The server's postmaster.pid names it on its first line.
      const pid = Number(
        fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0],
      );
      await act(hub_, pid);
    } finally {
      if (hub_.child.exitCode === null) hub_.child.kill('SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }

  it('stops with exit code 1 when its embedded PostgreSQL dies, where it would have failed every request', async () => {
    await onEmbeddedPostgres(async (hub_, pg) => {
      process.kill(pg, 'SIGKILL');
      expect((await hub_.exited).code).toBe(1);
      expect(hub_.output()).toContain(
        '"how":"signal SIGKILL","message":"the embedded PostgreSQL stopped unexpectedly"',
      );
    });
  }, 180_000);

  it('stops cleanly on a Ctrl-C, which its embedded PostgreSQL hears first', async () => {
    await onEmbeddedPostgres(async (hub_, pg) => {
      // A terminal's Ctrl-C signals the whole process group, the server before the hub here.
      process.kill(pg, 'SIGINT');
      // The server gone before the hub's own signal arrives, as a busy machine may have it.
      await new Promise((resolve) => setTimeout(resolve, 500));
      hub_.child.kill('SIGINT');
      expect((await hub_.exited).code).toBe(0);
      expect(hub_.output()).not.toContain('stopped unexpectedly');
    });
  }, 180_000);

  it('finishes a request in flight on SIGTERM, then exits 0', async () => {
    const process_ = await startHub(hub.databaseUrl, { SHUTDOWN_GRACE_MS: '20000' });
    await process_.printed(/is ready at/);
    const blocker = new Client({ connectionString: hub.databaseUrl });
    await blocker.connect();
    await blocker.query('begin');
    await blocker.query('lock table customer in access exclusive mode');
    const slow = gql(
      process_.url,
      'query ($c: String!) { customer(by: { cifNo: $c }) { cifNo } }',
      {
        c: cifNo,
      },
    );
    await new Promise((r) => setTimeout(r, 500));
    process_.child.kill('SIGTERM');
    await process_.printed(/SIGTERM: stopping the hub/);
    await new Promise((r) => setTimeout(r, 300));
    expect(process_.child.exitCode).toBeNull();
    await blocker.query('rollback');
    await blocker.end();
    const response = await slow;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { customer: { cifNo } } });
    expect((await process_.exited).code).toBe(0);
  }, 60_000);

  it('answers a request whose body was still arriving at SIGTERM, in development too', async () => {
    // Apollo stops on a termination signal by itself outside NODE_ENV=test.
    const process_ = await startHub(hub.databaseUrl, {
      NODE_ENV: 'development',
      SHUTDOWN_GRACE_MS: '20000',
    });
    await process_.printed(/is ready at/);
    const body = JSON.stringify({ query: `{ customer(by: { cifNo: "${cifNo}" }) { cifNo } }` });
    const socket = net.connect(Number(new URL(process_.url).port), '127.0.0.1');
    await once(socket, 'connect');
    const answer: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => answer.push(chunk));
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer ${hub.token(Role.ADMIN)}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body.slice(0, 10)}`,
    );
    await pause(300);
    process_.child.kill('SIGTERM');
    await process_.printed(/SIGTERM: stopping the hub/);
    await pause(300);
    socket.write(body.slice(10));
    await once(socket, 'close');
    const response = Buffer.concat(answer).toString();
    expect(response).toMatch(/^HTTP\/1\.1 200/);
    const json = response.slice(response.indexOf('{'), response.lastIndexOf('}') + 1);
    expect(JSON.parse(json)).toEqual({ data: { customer: { cifNo } } });
    expect((await process_.exited).code).toBe(0);
  }, 60_000);

  it('leaves nothing of an ingestion batch killed midway, and takes it whole when resent', async () => {
    const from = nextNumber() * 1000;
    const records = Array.from({ length: 150 }, (_, i) =>
      customerRecord(from + i, { sourceKey: `KILL-${from + i}` }),
    );
    const keys = records.map((r) => r.sourceKey);
    const stored = async () =>
      (
        await hub.sql('select count(*)::int as n from source_record where source_key = any($1)', [
          keys,
        ])
      )[0]!.n;

    const first = await startHub(hub.databaseUrl);
    await first.printed(/is ready at/);
    const sent = gql(first.url, INGEST_CUSTOMERS, { records }).catch(() => undefined);
    // Killed while the batch's transaction is open and has written.
    for (let waited = 0; ; waited += 20) {
      const writing = await hub.sql(
        `select 1 from pg_stat_activity where datname = current_database()
         and backend_xid is not null and pid <> pg_backend_pid()`,
      );
      if (writing.length) break;
      if (waited > 20_000) throw new Error('the batch never started writing');
      await new Promise((r) => setTimeout(r, 20));
    }
    first.child.kill('SIGKILL');
    await first.exited;
    await sent;
    expect(await stored()).toBe(0);

    const second = await startHub(hub.databaseUrl);
    await second.printed(/is ready at/);
    const resent = await gql(second.url, INGEST_CUSTOMERS, { records });
    const result = (await resent.json()) as {
      data: { ingestCustomers: { accepted: number; rejected: number } };
    };
    expect(result.data.ingestCustomers).toMatchObject({ accepted: 150, rejected: 0 });
    expect(await stored()).toBe(150);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 120_000);

  it('refuses an argument the full recompute does not take, npm’s --dry-run too, and recomputes nothing', async () => {
    const before = await hub.sql(`select count(*)::int as n from tier_assignment`);
    const typo = run('src/cli/tiers.ts', { DATABASE_URL: hub.databaseUrl }, ['--dry-run']);
    expect((await typo.exited).code).toBe(2);
    expect(typo.output()).toContain('tiers:recompute takes no arguments, got --dry-run');
    // Without `--`, npm keeps the flag for itself and says so only in the environment.
    const swallowed = run('src/cli/tiers.ts', {
      DATABASE_URL: hub.databaseUrl,
      npm_config_dry_run: 'true',
      npm_lifecycle_event: 'tiers:recompute',
    });
    expect((await swallowed.exited).code).toBe(2);
    // The full recompute has no dry run: the advice is not to write one.
    expect(swallowed.output()).toContain(
      'npm took --dry-run for itself, and npm run tiers:recompute has no dry run: nothing was done',
    );
    expect(await hub.sql(`select count(*)::int as n from tier_assignment`)).toEqual(before);
  });

  it('refuses to seed demo data into a database that holds data, in one line', async () => {
    const before = await hub.sql(`select count(*)::int as n from customer`);
    const seed = run('src/cli/seed.ts', { ...TEST_SECRETS_ENV, DATABASE_URL: hub.databaseUrl });
    expect((await seed.exited).code).toBe(1);
    expect(seed.output().trim().split('\n').pop()).toBe(
      'The database already has customers or branches: seed an empty database',
    );
    expect(seed.output()).not.toMatch(/\n\s+at /);
    expect(await hub.sql(`select count(*)::int as n from customer`)).toEqual(before);
  }, 60_000);

  it('says in one line, naming the setting, that a command cannot reach its database', async () => {
    const nowhere = `postgres://postgres@127.0.0.1:${await freePort()}/nowhere`;
    for (const [script, args] of [
      ['src/cli/tiers.ts', []],
      ['src/cli/seed.ts', []],
      ['src/cli/pii-rotate.ts', []],
      ['src/cli/api-keys.ts', ['list']],
    ] as const) {
      const command = run(script, { ...TEST_SECRETS_ENV, DATABASE_URL: nowhere }, [...args]);
      expect([script, (await command.exited).code]).toEqual([script, 1]);
      expect([script, command.output().trim()]).toEqual([
        script,
        expect.stringMatching(
          /^Cannot use the database at 127\.0\.0\.1:\d+\/nowhere \(DATABASE_URL\): connect ECONNREFUSED [\d.:]+$/,
        ),
      ]);
    }
  }, 60_000);

  it('says in one line which setting a command cannot use, and exits 1', async () => {
    for (const [script, args] of [
      ['src/cli/tiers.ts', []],
      ['src/cli/seed.ts', []],
      ['src/cli/pii-rotate.ts', []],
      ['src/cli/api-keys.ts', ['list']],
      ['src/cli/branches.ts', ['examples/branches.csv']],
    ] as const) {
      const command = run(
        script,
        { ...TEST_SECRETS_ENV, DATABASE_URL: hub.databaseUrl, DB_POOL_SIZE: 'many' },
        [...args],
      );
      expect([script, (await command.exited).code]).toEqual([script, 1]);
      expect([script, command.output().trim()]).toEqual([
        script,
        'Invalid configuration:\n  - DB_POOL_SIZE must be an integer from 1 to 200, got "many"',
      ]);
    }
  }, 60_000);

  it('recomputes every tier when a full recompute killed midway is run again', async () => {
    await insertPortfolio(hub, 200, nextNumber() * 1000);
    const env = { DATABASE_URL: hub.databaseUrl, TIER_CHUNK_SIZE: '10' };
    // Every customer past the first 30 held here, so that the run stops midway however fast
    // the machine: killed once its chunks wait for them. Killed at its first line of
    // progress, a run of 350 customers sometimes ended first.
    const holder = new Client({ connectionString: hub.databaseUrl });
    await holder.connect();
    let first: ReturnType<typeof run>;
    try {
      await holder.query('begin');
      await holder.query(
        `select id from customer
         where id > (select id from customer order by id offset 29 limit 1) order by id for update`,
      );
      first = run('src/cli/tiers.ts', env);
      for (;;) {
        // Asked on another connection: a transaction sees one snapshot of pg_stat_activity.
        const [{ n }] = await hub.sql<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity
           where datname = current_database() and wait_event_type = 'Lock'`,
        );
        if (n > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      first.child.kill('SIGKILL');
      await first.exited;
    } finally {
      await holder.query('rollback');
      await holder.end();
    }
    expect(first.output()).not.toMatch(/Recomputed/);

    const second = run('src/cli/tiers.ts', env);
    expect((await second.exited).code).toBe(0);
    expect(second.output()).toMatch(/Recomputed \d+ customers/);

    const ruleSet = hub.app.services.ruleSets.tier!;
    const fresh = await hub.sql(
      `select customer_id, tier from (${evaluationQuery(ruleSet, metricsOf('true', hub.clock.today()))}) e
       order by customer_id`,
    );
    const open = await hub.sql(
      'select customer_id, tier from tier_assignment where valid_to is null order by customer_id',
    );
    expect(open).toEqual(fresh);
    expect(
      await hub.sql(
        `select tablename from pg_tables where tablename like 'tier\\_recompute\\_metrics\\_%'`,
      ),
    ).toEqual([]);
    const [{ n }] = await hub.sql(
      `select count(*)::int as n from (select customer_id from tier_assignment where valid_to is null
       group by customer_id having count(*) > 1) d`,
    );
    expect(n).toBe(0);
  }, 120_000);
});

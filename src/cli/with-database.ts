import {
  createDatabase,
  databaseUrl,
  dropDatabase,
  startScratchServer,
} from '../db/scratch-server';

/** Runs `fn` on a fresh, empty database that is dropped afterwards. */
export async function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const server = await startScratchServer();
  const name = `cif_hub_cli_${process.pid}`;
  try {
    await createDatabase(server.adminUrl, name);
    try {
      return await fn(databaseUrl(server.adminUrl, name));
    } finally {
      await dropDatabase(server.adminUrl, name);
    }
  } finally {
    await server.stop();
  }
}

import path from 'node:path';
import type { Config } from '../config/config';
import { startEmbeddedPostgres } from './embedded-postgres';

/**
 * The database a process works on: DATABASE_URL, or the embedded PostgreSQL under the data
 * folder (started here and stopped by `stop`). The hub and its CLI tools share this.
 */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'embeddedPostgresPort'>,
  log: (message: string) => void,
  options: { ownSignals?: boolean; onExit?: (how: string) => void } = {},
): Promise<{ url: string; embedded: boolean; stop: () => Promise<void> }> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false, stop: async () => {} };
  log(`No DATABASE_URL: starting the embedded PostgreSQL in ${config.dataDir}`);
  const server = await startEmbeddedPostgres({
    dir: path.join(config.dataDir, 'pg'),
    port: config.embeddedPostgresPort,
    database: 'cif_hub',
    ownSignals: options.ownSignals,
    onExit: options.onExit,
  });
  return { url: server.url, embedded: true, stop: server.stop };
}

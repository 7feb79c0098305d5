import { dropDatabase, type ScratchServer } from '../../src/db/scratch-server';
import { TEMPLATE } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as Record<string, unknown>).cifTestServer as ScratchServer;
  await dropDatabase(server.adminUrl, TEMPLATE);
  await server.stop();
}

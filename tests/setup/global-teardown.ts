import { dropDatabase, type ScratchServer } from '../../src/db/scratch-server';
import { templateName } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as Record<string, unknown>).cifTestServer as ScratchServer;
  await dropDatabase(server.adminUrl, templateName());
  await server.stop();
}

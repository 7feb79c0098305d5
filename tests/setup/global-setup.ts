import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { createDatabase, databaseUrl, startScratchServer } from '../../src/db/scratch-server';

/** One template per run, so that two runs on one server (a developer's and CI's) never meet. */
export const templateName = (): string => process.env.CIF_TEST_TEMPLATE!;

/**
 * One server for the run and one migrated template database; each test file then clones
 * the template (a file copy, ~0.1 s) instead of migrating its own.
 */
export default async function globalSetup(): Promise<void> {
  const server = await startScratchServer();
  process.env.CIF_TEST_TEMPLATE = `cif_hub_test_template_${process.pid}`;
  const TEMPLATE = templateName();
  await createDatabase(server.adminUrl, TEMPLATE);
  // In a child process: MikroORM started in Jest's global setup leaves metadata that the
  // test files' separate realm then trips over (mikro-orm issue #3783).
  execFileSync(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', 'src/cli/migrations.ts', 'up'],
    {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, DATABASE_URL: databaseUrl(server.adminUrl, TEMPLATE) },
      stdio: 'ignore',
    },
  );
  process.env.CIF_TEST_ADMIN_URL = server.adminUrl;
  (globalThis as Record<string, unknown>).cifTestServer = server;
}

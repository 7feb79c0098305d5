import { startEmbeddedPostgres } from '../../src/db/embedded-postgres';

/**
 * An embedded PostgreSQL in a process of its own, for tests that stop and start a database
 * (Jest's module system cannot load the ESM-only package itself). Prints the URL once up;
 * stops the server and exits on SIGTERM.
 *
 *   node -r ts-node/register/transpile-only tests/setup/embedded-pg-child.ts <dir> <port>
 */
async function main() {
  const [dir, port] = process.argv.slice(2);
  const server = await startEmbeddedPostgres({
    dir: dir!,
    port: Number(port),
    database: 'cif_hub',
  });
  process.on('SIGTERM', () => {
    void server.stop().finally(() => process.exit(0));
  });
  process.stdout.write(`${server.url}\n`);
}

void main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});

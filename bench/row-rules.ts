import 'reflect-metadata';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { Role } from '../src/auth/roles';
import { startTestIssuer } from '../tests/setup/jwks';
import {
  arg,
  BENCH_SECRETS as secrets,
  registerDocument,
  seededDatabase,
  startHub,
} from './harness';
import { SHAPES } from './shapes';

/**
 * The price of row rules on the front-line profile: seeds a database (once; it is kept for later runs),
 * starts the hub in a child process and loads it over loopback with autocannon.
 *
 *   npm run bench:row-rules -- --customers 200000 --connections 16 --seconds 30 --branch-scope
 *
 * With --branch-scope it prices the row rules (src/auth/rows.ts): on the customers of the
 * largest city branch, it alternates rounds of a head-office token (no row rule applies)
 * and of the city's own token (every customer, policy, claim and vehicle read is checked
 * against the branch subtree), same hub, same keys, same answers.
 */

const customers = arg('customers', 200_000);
const connections = arg('connections', 16);
const seconds = arg('seconds', 30);
const rounds = arg('rounds', 3);
const branchScope = process.argv.includes('--branch-scope');

const PROFILE = SHAPES.find((s) => s.name === 'profile')!.document;

async function main() {
  const url = await seededDatabase(customers, secrets);
  const db = new Client({ connectionString: url });
  await db.connect();
  const city = branchScope
    ? (
        await db.query<{ code: string }>(
          `select b.code from customer c join branch b on b.id = c.branch_id
           where b.level = 'CITY' group by b.code order by count(*) desc limit 1`,
        )
      ).rows[0]!.code
    : undefined;
  const ids = (
    await db.query<{ id: string }>(
      `select c.id from customer c join branch b on b.id = c.branch_id
       where $1::text is null or b.code = $1 order by random() limit 5000`,
      [city ?? null],
    )
  ).rows.map((r) => r.id);
  await db.end();

  // Production verifies tokens against an identity provider's JWKS: a local one stands in.
  const issuer = await startTestIssuer();
  const hub = await startHub(url, secrets, issuer.env);
  const tokens = new Map<string, string>();
  for (const branchCode of city ? ['0000', city] : ['0000']) {
    tokens.set(
      branchCode,
      await issuer.sign({ subject: 'bench', role: Role.FRONTLINE, branchCode }),
    );
  }
  // In production the front line runs registered documents only, named by hash.
  const hash = await registerDocument(url, 'FrontLineProfile', PROFILE);
  let i = 0;
  const options = (token: string) => ({
    url: hub.endpoint,
    connections,
    duration: seconds,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    requests: [
      {
        // A different customer on every request, so no cache along the way flatters the figure.
        setupRequest: (request: autocannon.Request) => ({
          ...request,
          body: JSON.stringify({
            extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
            variables: { id: ids[i++ % ids.length] },
          }),
        }),
      },
    ],
  });
  const results = new Map<string, autocannon.Result[]>();
  for (const [branchCode, token] of tokens) {
    // Warm-up: JIT, prepared statements, caches.
    await autocannon({ ...options(token), duration: 5 });
    results.set(branchCode, []);
  }
  for (let round = 0; round < (city ? rounds : 1); round += 1) {
    for (const [branchCode, token] of tokens) {
      results.get(branchCode)!.push(await autocannon(options(token)));
    }
  }
  await hub.stop();
  for (const [branchCode, runs] of results) {
    const mean = (pick: (r: autocannon.Result) => number) =>
      runs.reduce((sum, r) => sum + pick(r), 0) / runs.length;
    const scope = city
      ? branchCode === '0000'
        ? ', head-office token'
        : `, token of ${branchCode}`
      : '';
    console.log(
      `front-line profile${scope}, ${customers} customers${city ? ` (keys of ${city})` : ''}, ` +
        `${connections} connections, ${runs.length} x ${seconds} s: ` +
        `${mean((r) => r.requests.average).toFixed(0)} req/s, p50 ${mean((r) => r.latency.p50).toFixed(0)} ms, ` +
        `p99 ${mean((r) => r.latency.p99).toFixed(0)} ms, ` +
        `${runs.reduce((n, r) => n + r.non2xx, 0)} non-2xx, ${runs.reduce((n, r) => n + r.errors, 0)} errors`,
    );
  }
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

import http from 'node:http';
import net from 'node:net';
import { Client } from 'pg';
import { Role } from '../../src/auth/roles';
import {
  customerRecord,
  insertBranches,
  insertPortfolio,
  mobile,
  nextNumber,
  residentId,
} from '../setup/factories';
import { createApp } from '../../src/app';
import { MikroORM } from '@mikro-orm/postgresql';
import { migrateExisting, MissingDatabaseError } from '../../src/db/migrate';
import { ormOptions } from '../../src/db/orm.config';
import { createPool } from '../../src/db/pg';
import { createDatabase, databaseUrl, dropDatabase } from '../../src/db/scratch-server';
import { Readiness } from '../../src/observability/probes';
import type { Logger } from '../../src/logger';
import { startTestHub, TEST_SECRETS, type TestHub } from '../setup/test-app';

const PROFILE = `query Profile($by: CustomerLookup!) {
  customer(by: $by) { cifNo name contactPoints { value } policies { totalCount } } }`;

/** POSTs a GraphQL request as the front line, with the headers given. */
async function post(
  hub: TestHub,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  const started = Date.now();
  const response = await fetch(hub.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${hub.token(Role.FRONTLINE, '3201')}`,
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as {
    data?: Record<string, unknown>;
    errors?: { message: string; extensions: Record<string, unknown> }[];
  };
  return { response, body, ms: Date.now() - started };
}

/** Holds an exclusive lock on `table` until released: every statement reading it waits. */
async function lockTable(hub: TestHub, table: string) {
  const client = new Client({ connectionString: hub.databaseUrl });
  await client.connect();
  await client.query('begin');
  await client.query(`lock table ${table} in access exclusive mode`);
  return async () => {
    await client.query('rollback');
    await client.end();
  };
}

describe('running the hub in production', () => {
  describe('probes, request logs and metrics', () => {
    let hub: TestHub;
    let cifNo: string;
    let n: number;

    beforeAll(async () => {
      hub = await startTestHub();
      await insertBranches(hub);
      n = nextNumber() * 1000;
      [cifNo] = await insertPortfolio(hub, 1, n);
      await hub.app.services.tiers.drainQueue();
    });
    afterAll(() => hub.close());

    it('answers liveness without the database, and readiness when it is migrated', async () => {
      const live = await fetch(new URL('/healthz', hub.url));
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({ status: 'ok' });
      const ready = await fetch(new URL('/readyz', hub.url));
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready' });
    });

    it('reports a database whose migrations are behind as not ready', async () => {
      const [last] = await hub.sql(
        `delete from mikro_orm_migrations where id = (select max(id) from mikro_orm_migrations)
         returning name, executed_at`,
      );
      try {
        const ready = await fetch(new URL('/readyz', hub.url));
        expect(ready.status).toBe(503);
        expect(await ready.json()).toEqual({ status: 'unavailable', reason: 'MIGRATIONS_PENDING' });
      } finally {
        await hub.sql('insert into mikro_orm_migrations (name, executed_at) values ($1, $2)', [
          last!.name,
          last!.executed_at,
        ]);
      }
    });

    it('is not ready on a database that takes no writes, as a standby after a failover', async () => {
      const url = new URL(hub.databaseUrl);
      url.searchParams.set('options', '-c default_transaction_read_only=on');
      const probe = createPool(url.toString(), 1, undefined, { poolWaitMs: 1_000 });
      try {
        expect(await new Readiness(probe, hub.app.orm).check()).toEqual({
          ready: false,
          reason: 'DATABASE_UNAVAILABLE',
        });
      } finally {
        await probe.end();
      }
    });

    it('calls a database that never answers its own probe connection unavailable, not busy', async () => {
      // Accepts connections and says nothing: a frozen PostgreSQL, as a client sees one.
      const frozen = net.createServer((socket) => socket.on('data', () => undefined));
      await new Promise<void>((resolve) => frozen.listen(0, '127.0.0.1', resolve));
      const { port } = frozen.address() as net.AddressInfo;
      const probe = createPool(`postgres://cif@127.0.0.1:${port}/cif`, 1, undefined, {
        poolWaitMs: 300,
        queryTimeoutMs: 400,
      });
      try {
        const readiness = new Readiness(probe, hub.app.orm);
        // Two at once: the second waits for the probe's one connection, held by the first.
        const started = Date.now();
        expect(await Promise.all([readiness.check(), readiness.check()])).toEqual([
          { ready: false, reason: 'DATABASE_UNAVAILABLE' },
          { ready: false, reason: 'DATABASE_UNAVAILABLE' },
        ]);
        expect(Date.now() - started).toBeLessThan(2_000);
      } finally {
        await probe.end().catch(() => undefined);
        frozen.close();
      }
    });

    it('returns a correlation id on every response, the caller’s own when given', async () => {
      const given = await post(hub, PROFILE, { by: { cifNo } }, { 'x-request-id': 'ops-4711' });
      expect(given.response.headers.get('x-request-id')).toBe('ops-4711');
      for (const path of ['/healthz', '/readyz', '/metrics', '/export/customers', '/nowhere']) {
        const response = await fetch(new URL(path, hub.url));
        expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      }
      // Not a plain token: replaced rather than echoed into logs.
      const odd = await post(hub, PROFILE, { by: { cifNo } }, { 'x-request-id': 'a b\tc' });
      expect(odd.response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      // A mobile or an ID number as a correlation id would reach the logs and the audit log;
      // a UUID keeps its digits.
      const uuid = '550e8400-e29b-41d4-a716-4466554400ab';
      for (const [id, kept] of [
        ['13912345678', false],
        ['138-0013-8000', false],
        ['claim-320508195312151031', false],
        ['00000000-0000-0000-0000-013800138000', false],
        [uuid, true],
      ] as const) {
        const res = await post(hub, PROFILE, { by: { cifNo } }, { 'x-request-id': id });
        const answered = res.response.headers.get('x-request-id');
        expect(answered === id).toBe(kept);
        expect(answered).toMatch(/^[0-9a-f-]{36}$/);
        if (!kept) expect(JSON.stringify(hub.logs)).not.toContain(id);
      }
    });

    it('logs and counts an operation whose name carries a digit run as other', async () => {
      const named = PROFILE.replace(/^query Profile/, 'query Lookup_139_8765_4321');
      expect(named).not.toBe(PROFILE);
      await post(hub, named, { by: { cifNo } }, { 'x-request-id': 'log-check-3' });
      await new Promise((r) => setTimeout(r, 50));
      const [line] = hub.logs.filter((l) => l.fields?.requestId === 'log-check-3');
      expect(line!.fields).toMatchObject({ operation: 'other', status: 200 });
      expect(JSON.stringify(hub.logs)).not.toContain('139_8765_4321');
    });

    it('names an operation that failed validation by its name, not as anonymous', async () => {
      await post(
        hub,
        'query Broken($d: NoSuchType) { __typename }',
        {},
        {
          'x-request-id': 'log-check-invalid',
        },
      );
      await new Promise((r) => setTimeout(r, 50));
      const [line] = hub.logs.filter((l) => l.fields?.requestId === 'log-check-invalid');
      expect(line!.fields).toMatchObject({
        operation: 'Broken',
        status: 400,
        outcome: 'BAD_USER_INPUT',
      });
    });

    it('logs one line per request with who, what, how long and how it ended, and no personal data', async () => {
      const record = customerRecord(n);
      const number = residentId(n);
      const requestId = 'log-check-1';
      const res = await post(
        hub,
        PROFILE,
        { by: { identityDocument: { type: 'RESIDENT_ID', number } } },
        { 'x-request-id': requestId },
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.customer).not.toBeNull();
      await new Promise((r) => setTimeout(r, 50));
      const lines = hub.logs.filter((l) => l.fields?.requestId === requestId);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        level: 'info',
        message: 'request',
        fields: {
          requestId,
          method: 'POST',
          route: 'graphql',
          operation: 'Profile',
          role: 'frontline',
          branch: '3201',
          status: 200,
          outcome: 'ok',
        },
      });
      expect(lines[0]!.fields!.durationMs).toEqual(expect.any(Number));
      const everything = JSON.stringify(hub.logs);
      for (const secret of [number, mobile(n), record.name, 'Bearer']) {
        expect(everything).not.toContain(secret);
      }
    });

    it('logs a refused request with its code', async () => {
      const response = await fetch(hub.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'log-check-2' },
        body: JSON.stringify({
          query: PROFILE,
          variables: { by: { cifNo } },
          operationName: 'Profile',
        }),
      });
      expect(response.status).toBe(401);
      await new Promise((r) => setTimeout(r, 50));
      expect(hub.logs.filter((l) => l.fields?.requestId === 'log-check-2')).toEqual([
        expect.objectContaining({
          fields: expect.objectContaining({ status: 401, outcome: 'UNAUTHENTICATED' }),
        }),
      ]);
    });

    it("logs a request for an answer in a type the hub does not give as the caller's error", async () => {
      const response = await fetch(hub.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/html',
          authorization: `Bearer ${hub.token(Role.ADMIN)}`,
          'x-request-id': 'log-check-406',
        },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(response.status).toBe(406);
      await new Promise((r) => setTimeout(r, 50));
      expect(hub.logs.filter((l) => l.fields?.requestId === 'log-check-406')).toEqual([
        expect.objectContaining({
          fields: expect.objectContaining({ status: 406, outcome: 'BAD_USER_INPUT' }),
        }),
      ]);
    });

    it('logs and counts a request the client gave up on before its answer as aborted, not as answered', async () => {
      // A caller with a credential whose body never completes, and who then goes away.
      const request = http.request(hub.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': 100,
          authorization: `Bearer ${hub.token(Role.FRONTLINE)}`,
          'x-request-id': 'log-check-aborted',
        },
      });
      request.on('error', () => undefined);
      request.write('{"query": "{ __typename }"');
      await new Promise((r) => setTimeout(r, 200));
      request.destroy();
      let logged: (typeof hub.logs)[number][] = [];
      for (let waited = 0; !logged.length && waited < 50; waited += 1) {
        await new Promise((r) => setTimeout(r, 20));
        logged = hub.logs.filter((l) => l.fields?.requestId === 'log-check-aborted');
      }
      expect(logged).toEqual([
        expect.objectContaining({
          fields: expect.objectContaining({ status: 499, outcome: 'ABORTED', aborted: true }),
        }),
      ]);
    });

    it('logs and counts a request the client gave up on while it ran under its operation’s name', async () => {
      // A rename waits on a row lock held by another session; the client leaves meanwhile.
      const holder = new Client({ connectionString: hub.databaseUrl });
      await holder.connect();
      try {
        await holder.query('begin');
        await holder.query(`select 1 from branch where code = '0000' for update`);
        const leaving = new AbortController();
        const sent = fetch(hub.url, {
          method: 'POST',
          signal: leaving.signal,
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${hub.token(Role.ADMIN)}`,
            'x-request-id': 'log-check-left',
          },
          body: JSON.stringify({
            query: `mutation LeftWaiting { renameBranch(input: { code: "0000", name: "Head office" }) { code } }`,
            operationName: 'LeftWaiting',
          }),
        }).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 300));
        leaving.abort();
        await sent;
        let logged: (typeof hub.logs)[number][] = [];
        for (let waited = 0; !logged.length && waited < 50; waited += 1) {
          await new Promise((r) => setTimeout(r, 20));
          logged = hub.logs.filter((l) => l.fields?.requestId === 'log-check-left');
        }
        expect(logged).toEqual([
          expect.objectContaining({
            fields: expect.objectContaining({
              operation: 'LeftWaiting',
              status: 499,
              outcome: 'ABORTED',
            }),
          }),
        ]);
      } finally {
        await holder.query('rollback');
        await holder.end();
      }
    });

    it('logs a connection that fails idle as no request’s, though one opened it', async () => {
      const own = await startTestHub();
      try {
        const res = await fetch(own.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${own.token(Role.FRONTLINE)}`,
            'x-request-id': 'log-check-opened',
          },
          body: JSON.stringify({ query: PROFILE, variables: { by: { cifNo: 'C0000000000' } } }),
        });
        expect(res.status).toBe(200);
        expect(own.logs.some((l) => l.fields?.requestId === 'log-check-opened')).toBe(true);
        await own.sql(
          `select pg_terminate_backend(pid) from pg_stat_activity
           where datname = current_database() and pid <> pg_backend_pid()`,
        );
        let failed: (typeof own.logs)[number][] = [];
        for (let waited = 0; !failed.length && waited < 50; waited += 1) {
          await new Promise((r) => setTimeout(r, 20));
          failed = own.logs.filter((l) => l.message === 'idle connection failed');
        }
        expect(failed.length).toBeGreaterThan(0);
        expect(failed.map((l) => l.fields?.requestId)).toEqual(failed.map(() => undefined));
      } finally {
        await own.close();
      }
    });

    it('refuses a caller without a credential before reading its body', async () => {
      // The body's first bytes are sent and the rest held back: the answer comes anyway.
      const status = await new Promise<number>((resolve, reject) => {
        const request = http.request(hub.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': 4 * 1024 * 1024 },
        });
        request.on('response', (response) => {
          resolve(response.statusCode!);
          request.destroy();
        });
        request.on('error', reject);
        request.write('{"query": "{ __typename }", "padding": "');
      });
      expect(status).toBe(401);
    });

    it('exposes Prometheus metrics with bounded labels', async () => {
      await post(hub, PROFILE, { by: { cifNo } });
      await post(hub, 'query Broken { nothing }', {});
      await post(hub, `query Way${'x'.repeat(80)} { __typename }`, {});
      const response = await fetch(new URL('/metrics', hub.url));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await response.text();
      for (const series of [
        'cif_hub_graphql_requests_total{operation="Profile",outcome="ok"}',
        'cif_hub_graphql_request_duration_seconds_bucket',
        'cif_hub_graphql_errors_total{code="BAD_USER_INPUT"}',
        'cif_hub_http_requests_total{route="graphql",status="200"}',
        'cif_hub_db_pool_connections{pool="read",state="idle"}',
        'cif_hub_db_pool_connections{pool="orm",state="in_use"}',
        'cif_hub_db_query_duration_seconds_bucket',
        'cif_hub_ingestion_records_total',
        'cif_hub_tier_recompute_queue_depth',
        'cif_hub_tier_recomputed_customers_total',
        'cif_hub_tier_recompute_duration_seconds_bucket',
        'cif_hub_process_cpu_seconds_total',
      ]) {
        expect(text).toContain(series);
      }
      expect(text).toContain('operation="other"');
      expect(text).not.toMatch(/Wayxxxx|nothing/);
    });
  });

  describe('time limits', () => {
    let cifNo: string;
    const limited = async (config: Record<string, number>) => {
      const hub = await startTestHub({ config });
      await insertBranches(hub);
      [cifNo] = await insertPortfolio(hub, 1, nextNumber() * 1000);
      return hub;
    };
    const expectUnavailable = (
      res: Awaited<ReturnType<typeof post>>,
      reason: string | string[],
      withinMs: number,
    ) => {
      expect(res.response.status).toBe(503);
      expect(res.response.headers.get('retry-after')).toBe('5');
      expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      expect([reason].flat()).toContain(res.body.errors![0]!.extensions.reason);
      expect(res.ms).toBeLessThan(withinMs);
    };

    it('ends a statement that runs past the statement timeout with SERVICE_UNAVAILABLE', async () => {
      const hub = await limited({ statementTimeoutMs: 300, requestTimeoutMs: 3_000 });
      // Under libfaketime (CI's moved-clock run) PostgreSQL's own timers never fire; there
      // the hub's own wait for an answer (2 s past the statement timeout, before the
      // request timeout) is what ends it, and that is what the test expects.
      await hub.sql('set statement_timeout = 100');
      const timed = await hub.sql('select pg_sleep(0.5)').then(
        () => false,
        (error: { code?: string }) => error.code === '57014',
      );
      await hub.sql('reset statement_timeout');
      const release = await lockTable(hub, 'customer');
      try {
        expectUnavailable(
          await post(hub, PROFILE, { by: { cifNo } }),
          // A server too busy to cancel in time meets the hub's own wait first.
          timed ? ['STATEMENT_TIMEOUT', 'DATABASE_UNAVAILABLE'] : 'DATABASE_UNAVAILABLE',
          5_000,
        );
      } finally {
        await release();
        await hub.close();
      }
    });

    it('answers a request that runs past the request timeout, and stays alive', async () => {
      const hub = await limited({ statementTimeoutMs: 3_000, requestTimeoutMs: 300 });
      const release = await lockTable(hub, 'customer');
      try {
        expectUnavailable(await post(hub, PROFILE, { by: { cifNo } }), 'REQUEST_TIMEOUT', 2_500);
        expect((await fetch(new URL('/healthz', hub.url))).status).toBe(200);
      } finally {
        await release();
      }
      const after = await post(hub, PROFILE, { by: { cifNo } });
      expect(after.body.data!.customer).toMatchObject({ cifNo });
      await hub.close();
    });

    it('refuses a request no connection frees up for, and keeps its probes answering', async () => {
      const hub = await limited({
        dbPoolSize: 1,
        dbPoolWaitMs: 200,
        statementTimeoutMs: 10_000,
        requestTimeoutMs: 10_000,
      });
      const release = await lockTable(hub, 'customer');
      try {
        // The one connection of the read pool waits on the lock...
        const first = post(hub, PROFILE, { by: { cifNo } });
        await new Promise((r) => setTimeout(r, 200));
        // ...so the next request finds none.
        expectUnavailable(await post(hub, PROFILE, { by: { cifNo } }), 'POOL_EXHAUSTED', 3_000);
        const started = Date.now();
        expect((await fetch(new URL('/healthz', hub.url))).status).toBe(200);
        expect((await fetch(new URL('/readyz', hub.url))).status).toBe(200);
        expect(Date.now() - started).toBeLessThan(1_000);
        await release();
        expect((await first).body.data!.customer).toMatchObject({ cifNo });
      } finally {
        await release().catch(() => undefined);
        await hub.close();
      }
    });
  });

  it('stops what still runs when the shutdown grace ends: it rolls back, and the hub closes in time', async () => {
    const owner = await startTestHub();
    await insertBranches(owner);
    const hub = await startTestHub({
      sharing: owner,
      config: {
        shutdownGraceMs: 300,
        statementTimeoutMs: 60_000,
        requestTimeoutMs: 120_000,
        // One connection: the second rename waits for it, and gets it from the stopped first.
        dbPoolSize: 1,
        dbPoolWaitMs: 20_000,
      },
    });
    const holder = new Client({ connectionString: owner.databaseUrl });
    await holder.connect();
    try {
      const [{ name }] = await owner.sql<{ name: string }>(
        `select name from branch where code = '3201'`,
      );
      await holder.query('begin');
      await holder.query(`select 1 from branch where code = '3201' for update`);
      // The renames wait for the row or for a connection; the shutdown comes meanwhile.
      const renames = ['改名', '再改'].map((to) =>
        hub
          .gql(`mutation { renameBranch(input: { code: "3201", name: "${to}" }) { name } }`)
          .catch((error: Error) => error),
      );
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      await hub.app.close();
      expect(Date.now() - started).toBeLessThan(3_000);
      for (const answer of await Promise.all(renames)) {
        if (!(answer instanceof Error)) {
          expect(answer.errors![0]!.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
        }
      }
      await holder.query('rollback');
      // Nothing was left to commit once the lock was freed.
      await new Promise((r) => setTimeout(r, 300));
      expect(await owner.sql(`select name from branch where code = '3201'`)).toEqual([{ name }]);
    } finally {
      await holder.end();
      await hub.close();
      await owner.close();
    }
  });

  it('lets replicas that start together on an empty database take turns migrating it', async () => {
    const adminUrl = process.env.CIF_TEST_ADMIN_URL!;
    const name = `cif_hub_t_replicas_${process.pid}_${Date.now()}`;
    await createDatabase(adminUrl, name);
    const url = databaseUrl(adminUrl, name);
    const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
    const replicas = await Promise.all(
      [1, 2].map(() =>
        createApp({
          // A pool of one: the migration lock must not hold the connection the work needs.
          config: { dbPoolSize: 1, maxBodyBytes: 1024 * 1024, env: 'test' },
          databaseUrl: url,
          secrets: TEST_SECRETS,
          logger: silent,
        }),
      ),
    );
    try {
      await Promise.all(replicas.map((replica) => replica.migrate()));
      const applied = await replicas[0]!.services.pool.query(
        'select name, count(*)::int as n from mikro_orm_migrations group by name having count(*) > 1',
      );
      expect(applied.rows).toEqual([]);
      const ready = await replicas[1]!.services.pool.query(
        `select count(*)::int as n from rule_set_version where status = 'ACTIVE'`,
      );
      expect(ready.rows[0].n).toBe(2);
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
      await dropDatabase(adminUrl, name);
    }
  });

  it('answers 503 DATABASE_UNAVAILABLE while its database is gone, as readiness says', async () => {
    const gone = await startTestHub({ config: { env: 'production' } });
    try {
      await dropDatabase(
        process.env.CIF_TEST_ADMIN_URL!,
        new URL(gone.databaseUrl).pathname.slice(1),
      );
      const response = await fetch(gone.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${gone.token(Role.FRONTLINE)}`,
        },
        body: JSON.stringify({ query: '{ customer(by: { cifNo: "C0000000001" }) { cifNo } }' }),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      const body = (await response.json()) as { errors: { extensions: unknown }[] };
      expect(body.errors[0]!.extensions).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        reason: 'DATABASE_UNAVAILABLE',
      });
      const ready = await fetch(new URL('/readyz', gone.url));
      expect(ready.status).toBe(503);
    } finally {
      await gone.close();
    }
  });

  it('never creates the database DATABASE_URL names: a missing one fails the start', async () => {
    const adminUrl = process.env.CIF_TEST_ADMIN_URL!;
    const name = `cif_hub_t_missing_${process.pid}_${Date.now()}`;
    const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
    const app = await createApp({
      config: { dbPoolSize: 2, maxBodyBytes: 1024 * 1024, env: 'production' },
      databaseUrl: databaseUrl(adminUrl, name),
      secrets: TEST_SECRETS,
      logger: silent,
    });
    try {
      await expect(app.migrate()).rejects.toMatchObject({ code: '3D000' });
    } finally {
      await app.close();
    }
    // Nor do the commands that migrate before their work (a loader's dry run among them).
    const orm = await MikroORM.init(ormOptions(databaseUrl(adminUrl, name), 1));
    try {
      await expect(migrateExisting(orm)).rejects.toThrow(
        new MissingDatabaseError(
          `The database "${name}" does not exist: create it (createdb ${name}), or correct DATABASE_URL`,
        ),
      );
    } finally {
      await orm.close();
    }
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      const found = await admin.query('select 1 from pg_database where datname = $1', [name]);
      expect(found.rowCount).toBe(0);
    } finally {
      await admin.end();
    }
  });
});

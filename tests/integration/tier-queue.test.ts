import { spawn } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import {
  autoPolicyRecord,
  cifNumbers,
  reportedClaimRecord,
  customerRecord,
  INGEST_CLAIMS,
  INGEST_CUSTOMERS,
  INGEST_POLICIES,
  insertBranches,
} from '../setup/factories';
import { startTestHub, type TestHub } from '../setup/test-app';

const year = new Date().getUTCFullYear();
const openTier = async (hub: TestHub) =>
  (await hub.sql(`select tier from tier_assignment where valid_to is null`)).map((r) => r.tier);

describe('the tier recompute queue', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
    const customers = await hub.gql(INGEST_CUSTOMERS, { records: [customerRecord(1)] });
    const [cif] = await cifNumbers(hub, [customers.data!.ingestCustomers.records[0].id]);
    await hub.gql(INGEST_POLICIES, {
      records: [
        autoPolicyRecord(1, cif, { effectiveDate: `${year}-01-01`, expiryDate: `${year}-12-31` }),
      ],
    });
    await hub.app.services.tiers.drainQueue();
  });
  afterAll(() => hub.close());

  it('loses no recompute when the worker dies in the middle of one', async () => {
    expect(await openTier(hub)).toEqual(['BLUE']);
    const claim = await hub.gql(INGEST_CLAIMS, {
      records: [reportedClaimRecord(1, 'PCA00000001', `${year}-06-01`, '20000.00')],
    });
    expect(claim.data!.ingestClaims.accepted).toBe(1);
    // The claim was committed with its queue entry: nothing has recomputed yet.
    expect(await hub.sql('select reason from tier_recompute_queue')).toEqual([{ reason: 'claim' }]);

    // Hold the assignments so the worker blocks inside its transaction, then kill it there.
    const blocker = new Client({ connectionString: hub.databaseUrl });
    await blocker.connect();
    await blocker.query('begin');
    await blocker.query('lock table tier_assignment in share row exclusive mode');
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'tests/setup/tier-drain-child.ts'],
      {
        cwd: path.resolve(__dirname, '../..'),
        env: { ...process.env, DATABASE_URL: hub.databaseUrl },
        stdio: 'ignore',
      },
    );
    const exited = new Promise((resolve) => child.on('exit', resolve));
    for (let waited = 0; ; waited += 100) {
      // Asked outside the blocker's transaction: pg_stat_activity is a snapshot per transaction.
      const waiting = await hub.sql(
        `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
      );
      if (waiting.length) break;
      if (waited > 20_000) throw new Error('the worker never reached the lock');
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    await exited;
    await blocker.query('rollback');
    await blocker.end();

    expect(await hub.sql('select reason from tier_recompute_queue')).toEqual([{ reason: 'claim' }]);
    expect(await openTier(hub)).toEqual(['BLUE']);
    await hub.app.services.tiers.drainQueue();
    expect(await openTier(hub)).toEqual(['WATCH']);
    expect(await hub.sql('select 1 from tier_recompute_queue')).toEqual([]);
  });

  it('drains it in the background once started', async () => {
    await hub.gql(INGEST_CUSTOMERS, {
      records: [
        customerRecord(1, {
          sourceKey: 'PA-1b',
          contactPoints: [{ kind: 'EMAIL', value: 'new@example.cn' }],
        }),
      ],
    });
    expect((await hub.sql('select 1 from tier_recompute_queue')).length).toBe(1);
    hub.app.worker.start(50);
    for (
      let waited = 0;
      (await hub.sql('select 1 from tier_recompute_queue')).length;
      waited += 50
    ) {
      if (waited > 10_000) throw new Error('the worker did not drain the queue');
      await new Promise((r) => setTimeout(r, 50));
    }
    await hub.app.worker.stop();
  });
});

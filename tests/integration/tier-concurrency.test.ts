import { Client } from 'pg';
import { metricsOf, evaluationQuery } from '../../src/modules/tier/tier-engine';
import { TierService } from '../../src/modules/tier/tier.service';
import { insertBranches, insuredCustomer, insertPortfolio, nextNumber } from '../setup/factories';
import { startTestHub, type TestHub } from '../setup/test-app';
import { heldFullRecompute, lockWaits } from '../setup/waiting';

describe('tier recomputes beside concurrent changes', () => {
  let hub: TestHub;
  const clients: Client[] = [];

  beforeAll(async () => {
    hub = await startTestHub({ tierChunkSize: 25 });
    await insertBranches(hub);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
  });
  afterAll(() => hub.close());

  /** A connection of the test's own, as another application writing to the database. */
  const connect = async () => {
    const client = new Client({ connectionString: hub.databaseUrl });
    await client.connect();
    clients.push(client);
    return client;
  };

  /** A customer with a verified mobile and a policy, recomputed. */
  const newCustomer = async () => {
    const { id } = await insuredCustomer(hub);
    expect(await verifiedContact(id)).toBe(true);
    return id;
  };
  const verifiedContact = async (customerId: string) =>
    (
      await hub.sql(
        `select (metrics->>'verifiedContact')::boolean as v from tier_assignment
         where customer_id = $1 and valid_to is null`,
        [customerId],
      )
    )[0]?.v;
  /** The same change the contact-centre makes: its verification of the mobile failed. */
  const failMobile = (db: Pick<Client, 'query'>, customerId: string) =>
    db.query(
      `update contact_point set verification_status = 'FAILED'
       where customer_id = $1 and kind = 'MOBILE'`,
      [customerId],
    );
  /** Queues the customer through a committed change that moves nothing. */
  const touch = (customerId: string) =>
    hub.sql(`update contact_point set updated_at = updated_at where customer_id = $1`, [
      customerId,
    ]);

  it('recomputes a change that was uncommitted while the worker ran', async () => {
    const customer = await newCustomer();
    await touch(customer);
    const change = await connect();
    await change.query('begin');
    await failMobile(change, customer);
    // The worker runs while the change is uncommitted: it must not take the customer off.
    await hub.app.services.tiers.drainQueue();
    await change.query('commit');
    expect(
      await hub.sql('select 1 from tier_recompute_queue where customer_id = $1', [customer]),
    ).toHaveLength(1);
    await hub.app.services.tiers.drainQueue();
    expect(await verifiedContact(customer)).toBe(false);
  });

  it('recomputes a change made while the worker held the customer', async () => {
    const customer = await newCustomer();
    await touch(customer);
    // Hold the assignments, so that a worker that waits for locks stops inside its
    // transaction.
    const blocker = await connect();
    await blocker.query('begin');
    await blocker.query('lock table tier_assignment in share row exclusive mode');
    const { pool, ruleSets, clock } = hub.app.services;
    const patient = new TierService(pool, ruleSets, clock, { workerLockTimeoutMs: 0 });
    const draining = patient.drainQueue();
    await lockWaits(hub, 1, 'the worker');
    const change = await connect();
    await change.query('begin');
    const changing = failMobile(change, customer);
    await lockWaits(hub, 2, 'the change');
    await blocker.query('rollback');
    await draining;
    await changing;
    await change.query('commit');
    expect(await verifiedContact(customer)).toBe(true);
    await hub.app.services.tiers.drainQueue();
    expect(await verifiedContact(customer)).toBe(false);
  });

  it('lets the full recompute keep neither stale figures nor the queue entries it did not see', async () => {
    const recomputed = await newCustomer();
    const waiting = await newCustomer();
    const full = await heldFullRecompute(hub.app.services.tiers, 5);
    // After the full run read its metrics: one change recomputed by the worker at once,
    // one left in the queue.
    await failMobile(hub.app.services.pool, recomputed);
    await hub.app.services.tiers.drainQueue();
    expect(await verifiedContact(recomputed)).toBe(false);
    await failMobile(hub.app.services.pool, waiting);
    full.release();
    await full.finished;

    expect(await verifiedContact(recomputed)).toBe(false);
    expect(
      await hub.sql('select reason from tier_recompute_queue where customer_id = $1', [waiting]),
    ).toEqual([{ reason: 'contact' }]);
    await hub.app.services.tiers.drainQueue();
    expect(await verifiedContact(waiting)).toBe(false);
  });

  it('keeps a worker result that equals the old figures when the full run read older ones', async () => {
    const customer = await newCustomer();
    // A change the full run's snapshot sees...
    await failMobile(hub.app.services.pool, customer);
    const full = await heldFullRecompute(hub.app.services.tiers, 5);
    // ...undone after it: the worker's figures equal the open row's, so it changes nothing.
    await hub.sql(
      `update contact_point set verification_status = 'VERIFIED'
       where customer_id = $1 and kind = 'MOBILE'`,
      [customer],
    );
    await hub.app.services.tiers.drainQueue();
    expect(await verifiedContact(customer)).toBe(true);
    full.release();
    await full.finished;
    expect(await verifiedContact(customer)).toBe(true);
  });

  it('ends where a recompute from scratch would when the worker and the full run overlap', async () => {
    await insertPortfolio(hub, 120, nextNumber() * 1000);
    await hub.app.services.tiers.drainQueue(10_000);
    const ids = (
      await hub.sql<{ id: string }>(`select customer_id as id from tier_assignment
      where valid_to is null order by customer_id`)
    ).map((r) => r.id);
    const changing = async () => {
      // Changes keep arriving while both run: every third customer loses its verification.
      for (const id of ids.filter((_, i) => i % 3 === 0)) {
        await failMobile(hub.app.services.pool, id);
        if (Math.random() < 0.3) await hub.app.services.tiers.drainQueue(7);
      }
    };
    const worker = async (stop: Promise<unknown>) => {
      let done = false;
      void stop.finally(() => (done = true));
      while (!done) {
        await hub.app.services.tiers.drainQueue(5);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const both = Promise.all([hub.app.services.tiers.recomputeAll({ chunkSize: 10 }), changing()]);
    await Promise.all([both, worker(both)]);
    await hub.app.services.tiers.drainQueue(10_000);

    const ruleSet = hub.app.services.ruleSets.tier!;
    const fresh = await hub.sql<{ customer_id: string; tier: string; metrics: unknown }>(
      `select customer_id, tier, metrics_json as metrics from (${evaluationQuery(
        ruleSet,
        metricsOf('true', hub.clock.today()),
      )}) e order by customer_id`,
    );
    const open = await hub.sql<{ customer_id: string; tier: string; metrics: unknown }>(
      `select customer_id, tier, metrics from tier_assignment where valid_to is null
       order by customer_id`,
    );
    expect(open).toEqual(fresh);
    expect(await hub.sql('select 1 from tier_recompute_queue')).toEqual([]);
  });
});

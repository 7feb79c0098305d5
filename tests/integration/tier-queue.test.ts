import { spawn } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import { addDays } from '../../src/time/clock';
import { Role } from '../../src/auth/roles';
import {
  autoPolicyRecord,
  cifNumbers,
  coverFrom,
  customerRecord,
  INGEST_CLAIMS,
  INGEST_CUSTOMERS,
  INGEST_POLICIES,
  INGEST_RISK_SCORES,
  insertBranches,
  insuredCustomer,
  nextNumber,
  nextNumbers,
  reportedClaimRecord,
  riskScoreRecord,
} from '../setup/factories';
import { startTestHub, type TestHub } from '../setup/test-app';
import { lockWaits } from '../setup/waiting';

describe('the tier recompute queue', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
  });
  afterAll(() => hub.close());

  const newCustomer = () => insuredCustomer(hub);
  const openTier = async (customer: { id: string }) =>
    (
      await hub.sql(
        `select tier from tier_assignment where customer_id = $1 and valid_to is null`,
        [customer.id],
      )
    ).map((r) => r.tier);
  const queued = (customer: { id: string }) =>
    hub.sql('select reason from tier_recompute_queue where customer_id = $1', [customer.id]);

  it('loses no recompute when the worker dies in the middle of one', async () => {
    const customer = await newCustomer();
    expect(await openTier(customer)).toEqual(['BLUE']);
    const claim = await hub.gql(INGEST_CLAIMS, {
      records: [
        reportedClaimRecord(
          nextNumber(),
          customer.policyNo,
          addDays(hub.clock.today(), -10),
          '20000.00',
        ),
      ],
    });
    expect(claim.data!.ingestClaims.accepted).toBe(1);
    // The claim was committed with its queue entry: nothing has recomputed yet.
    expect(await queued(customer)).toEqual([{ reason: 'claim' }]);

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
    try {
      await lockWaits(hub, 1, 'the worker');
    } finally {
      child.kill('SIGKILL');
      await exited;
      await blocker.query('rollback');
      await blocker.end();
    }

    expect(await queued(customer)).toEqual([{ reason: 'claim' }]);
    expect(await openTier(customer)).toEqual(['BLUE']);
    // PostgreSQL ends the killed worker's session only when it next reads from its socket,
    // after the statement it was blocked in: until then that session holds the entry it took,
    // and a worker skips it (as the next tick would pick it up).
    for (const deadline = Date.now() + 20_000; ;) {
      const free = await hub.sql(
        `select 1 from tier_recompute_queue where customer_id = $1 for update skip locked`,
        [customer.id],
      );
      if (free.length) break;
      if (Date.now() > deadline) throw new Error('the killed worker kept its queue entry for 20 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    await hub.app.services.tiers.drainQueue();
    expect(await openTier(customer)).toEqual(['WATCH']);
    expect(await queued(customer)).toEqual([]);
  });

  it("queues the customers of a claim's old policy when the claim moves to another", async () => {
    const [before, after] = [await newCustomer(), await newCustomer()];
    const n = nextNumber();
    const claim = (policyNo: string) =>
      reportedClaimRecord(n, policyNo, addDays(hub.clock.today(), -10), '20000.00');
    expect(
      (await hub.gql(INGEST_CLAIMS, { records: [claim(before.policyNo)] })).data!.ingestClaims
        .accepted,
    ).toBe(1);
    await hub.app.services.tiers.drainQueue();
    expect(await openTier(before)).toEqual(['WATCH']);
    // The source system corrects the policy the claim was on.
    const moved = await hub.gql(INGEST_CLAIMS, { records: [claim(after.policyNo)] });
    expect(moved.data!.ingestClaims.records[0].status).toBe('UPDATED');
    expect(await queued(before)).toEqual([{ reason: 'claim' }]);
    expect(await queued(after)).toEqual([{ reason: 'claim' }]);
    await hub.app.services.tiers.drainQueue();
    expect(await openTier(before)).toEqual(['BLUE']);
    expect(await openTier(after)).toEqual(['WATCH']);
  });

  it('queues both customers when a record moves to another with the policy roles and scores naming it', async () => {
    const n = nextNumbers(2);
    // X holds two records of one resident ID; a policy and a HIGH score name the app's.
    const app = { sourceSystem: 'APP', sourceKey: `APP-${n}` };
    const ingested = await hub.gql(INGEST_CUSTOMERS, {
      records: [customerRecord(n), customerRecord(n, app), customerRecord(n + 1)],
    });
    const [x, , y] = ingested.data!.ingestCustomers.records as { id: string }[];
    const policy = autoPolicyRecord(n, '', {
      effectiveDate: addDays(hub.clock.today(), -100),
      expiryDate: addDays(hub.clock.today(), 264),
      parties: [{ role: 'POLICYHOLDER', customer: app }],
    });
    expect(
      (await hub.gql(INGEST_POLICIES, { records: [policy] })).data!.ingestPolicies.accepted,
    ).toBe(1);
    const score = riskScoreRecord(n, { customer: app }, { stage: 'UNDERWRITING' });
    expect(
      (await hub.gql(INGEST_RISK_SCORES, { records: [score] })).data!.ingestRiskScores.accepted,
    ).toBe(1);
    await hub.app.services.tiers.drainQueue();
    expect([await openTier(x!), await openTier(y!)]).toEqual([['WATCH'], ['BLUE']]);
    // The app re-sends its record as Y's person: it goes to Y, the policy role and the
    // score with it.
    const moved = await hub.gql(INGEST_CUSTOMERS, { records: [customerRecord(n + 1, app)] });
    expect(moved.data!.ingestCustomers.records[0]).toMatchObject({ status: 'UPDATED', id: y!.id });
    expect(await queued(x!)).toHaveLength(1);
    expect(await queued(y!)).toHaveLength(1);
    await hub.app.services.tiers.drainQueue();
    expect([await openTier(x!), await openTier(y!)]).toEqual([['BLUE'], ['WATCH']]);
  });

  it('queues a customer whose source stops sending its verified mobile', async () => {
    const customer = await newCustomer();
    const verified = async () =>
      (
        await hub.sql(
          `select metrics->'verifiedContact' as verified from tier_assignment
           where customer_id = $1 and valid_to is null`,
          [customer.id],
        )
      ).map((r) => r.verified);
    expect(await verified()).toEqual([true]);
    await hub.gql(INGEST_CUSTOMERS, {
      records: [customerRecord(customer.n, { contactPoints: [] })],
    });
    expect(await queued(customer)).toHaveLength(1);
    await hub.app.services.tiers.drainQueue();
    expect(await verified()).toEqual([false]);
  });

  it("queues the claim's holder a score was committed for after the claim moved to them", async () => {
    const [before, after] = [await newCustomer(), await newCustomer()];
    const n = nextNumber();
    const claim = reportedClaimRecord(
      n,
      before.policyNo,
      addDays(hub.clock.today(), -10),
      '100.00',
    );
    expect((await hub.gql(INGEST_CLAIMS, { records: [claim] })).data!.ingestClaims.accepted).toBe(
      1,
    );
    await hub.app.services.tiers.drainQueue();
    // A claims batch moves the claim to the other customer's policy, and a HIGH score on the
    // claim is written while that move is still open: the score's insert reads the claim on
    // its old policy. The move commits, and the new holder's tier is recomputed before the
    // score commits (held here behind the audit log, which every batch writes last).
    const [move, audit] = [
      new Client({ connectionString: hub.databaseUrl }),
      new Client({ connectionString: hub.databaseUrl }),
    ];
    await Promise.all([move.connect(), audit.connect()]);
    let scored: Promise<unknown> | undefined;
    const waitingFor = async (relation: string) => {
      for (let tries = 0; tries < 500; tries++) {
        const [{ waiting }] = await hub.sql<{ waiting: number }>(
          `select count(*)::int as waiting from pg_locks
           where not granted and relation = $1::regclass`,
          [relation],
        );
        if (waiting > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`nothing waits for ${relation}`);
    };
    try {
      await audit.query('begin');
      await audit.query('lock table audit_event in share mode');
      await move.query('begin');
      await move.query(
        `update claim set policy_id = (select id from policy where policy_no = $1)
         where claim_no = $2`,
        [after.policyNo, claim.claimNo],
      );
      const score = riskScoreRecord(
        n,
        { claimNo: claim.claimNo },
        { scoredAt: hub.clock.now().toISOString() },
      );
      scored = hub.gql(INGEST_RISK_SCORES, { records: [score] });
      // The score's queue entry for the old holder waits for the move's.
      await lockWaits(hub, 1, 'the score batch');
      await move.query('commit');
      await waitingFor('audit_event');
      await hub.app.services.tiers.drainQueue();
      expect(await openTier(after)).toEqual(['BLUE']);
    } finally {
      await move.query('rollback').catch(() => undefined);
      await audit.query('commit');
      await Promise.all([move.end(), audit.end()]);
    }
    expect(await scored).toMatchObject({ data: { ingestRiskScores: { accepted: 1 } } });
    await hub.app.services.tiers.drainQueue();
    expect(await openTier(after)).toEqual(['STANDARD']);
  });

  const claimCount = async (customer: { id: string }) =>
    (
      await hub.sql(
        `select metrics->'claimCount36m' as claims from tier_assignment
         where customer_id = $1 and valid_to is null`,
        [customer.id],
      )
    ).map((r) => r.claims);

  /**
   * Runs `change` (a merge, a policy batch), then a claims batch whose last record is on
   * `heldPolicy`, so that the change commits first, the worker takes its turn, and only then
   * the claims commit: each batch waits before its commit behind the audit log (which every
   * batch writes last), and the claims' last record behind `heldPolicy`, held here.
   */
  async function changeThenClaims(
    heldPolicy: string,
    change: () => Promise<unknown>,
    claims: object[],
  ): Promise<{ changed: unknown; claimed: Promise<unknown> }> {
    const [audit, policy] = [
      new Client({ connectionString: hub.databaseUrl }),
      new Client({ connectionString: hub.databaseUrl }),
    ];
    await Promise.all([audit.connect(), policy.connect()]);
    try {
      await audit.query('begin');
      await audit.query('lock table audit_event in share mode');
      await policy.query('begin');
      await policy.query('select 1 from policy where policy_no = $1 for update', [heldPolicy]);
      const changed = change();
      await lockWaits(hub, 1, 'the change');
      const claimed = hub.gql(INGEST_CLAIMS, { records: claims });
      // A batch that fails (or gets through) instead of waiting says so at once.
      let answered = false;
      void claimed.finally(() => (answered = true));
      await lockWaits(hub, 2, 'the change and the claims');
      await audit.query('commit');
      const done = await changed;
      await lockWaits(hub, 1, 'the claims', () => answered);
      await hub.app.services.tiers.drainQueue();
      return { changed: done, claimed };
    } finally {
      await audit.query('rollback').catch(() => undefined);
      await policy.query('commit');
      await Promise.all([audit.end(), policy.end()]);
    }
  }

  it("queues, once committed, the holder a claim's policy passed to in a merge while the claim was written", async () => {
    const [x, y, z] = [await newCustomer(), await newCustomer(), await newCustomer()];
    const [cifZ] = await cifNumbers(hub, [z.id]);
    const n = nextNumbers(2);
    const day = addDays(hub.clock.today(), -10);
    // A claim on X's policy (Z the claimant, so nothing of it names X) written while X is
    // merged into Y.
    const { changed, claimed } = await changeThenClaims(
      z.policyNo,
      () =>
        hub.gql(
          `mutation ($s: ID!, $a: ID!) { mergeCustomers(survivorId: $s, absorbedId: $a, reason: "one person") { id } }`,
          { s: y.id, a: x.id },
          Role.STEWARD,
        ),
      [
        { ...reportedClaimRecord(n, x.policyNo, day, '50000.00'), claimant: { cifNo: cifZ } },
        reportedClaimRecord(n + 1, z.policyNo, day, '100.00'),
      ],
    );
    expect(changed).toMatchObject({ data: { mergeCustomers: { id: expect.any(String) } } });
    expect(await claimed).toMatchObject({ data: { ingestClaims: { accepted: 2 } } });
    await hub.app.services.tiers.drainQueue();
    expect(await claimCount(y)).toEqual([1]);
  });

  const passTo = {
    'a policy batch': async (a: { n: number }, b: { id: string }) => {
      const [cifB] = await cifNumbers(hub, [b.id]);
      return hub.gql(INGEST_POLICIES, {
        records: [autoPolicyRecord(a.n, cifB!, coverFrom(hub.clock.today(), 100))],
      });
    },
    'a merge': (a: { id: string }, b: { id: string }) =>
      hub.gql(
        `mutation ($s: ID!, $a: ID!) { mergeCustomers(survivorId: $s, absorbedId: $a, reason: "one person") { id } }`,
        { s: b.id, a: a.id },
        Role.STEWARD,
      ),
  };

  it.each(Object.keys(passTo) as (keyof typeof passTo)[])(
    "queues the holder a claim's old policy passed to in %s while the claim moved off it",
    async (how) => {
      const [a, b, c, z] = [
        await newCustomer(),
        await newCustomer(),
        await newCustomer(),
        await newCustomer(),
      ];
      const [cifZ] = await cifNumbers(hub, [z.id]);
      const n = nextNumbers(2);
      const day = addDays(hub.clock.today(), -10);
      // Z the claimant, so that nothing of the claim names A: the change does not touch it.
      const claim = (policyNo: string) => ({
        ...reportedClaimRecord(n, policyNo, day, '50000.00'),
        claimant: { cifNo: cifZ },
      });
      expect(
        (await hub.gql(INGEST_CLAIMS, { records: [claim(a.policyNo)] })).data!.ingestClaims
          .accepted,
      ).toBe(1);
      await hub.app.services.tiers.drainQueue();
      // A's policy passes to B while the claim moves to C's policy.
      const { changed, claimed } = await changeThenClaims(z.policyNo, () => passTo[how](a, b), [
        claim(c.policyNo),
        reportedClaimRecord(n + 1, z.policyNo, day, '100.00'),
      ]);
      expect(changed).not.toHaveProperty('errors');
      expect(await claimed).toMatchObject({ data: { ingestClaims: { accepted: 2 } } });
      expect(
        await hub.sql(
          `select pp.customer_id from policy_party pp join policy p on p.id = pp.policy_id
           where p.policy_no = $1 and pp.role = 'POLICYHOLDER'`,
          [a.policyNo],
        ),
      ).toEqual([{ customer_id: b.id }]);
      await hub.app.services.tiers.drainQueue();
      expect([await claimCount(b), await claimCount(c)]).toEqual([[0], [1]]);
    },
  );

  it('updates a claim that a merge handed to the survivor while the claims batch was written', async () => {
    const [a, b, z] = [await newCustomer(), await newCustomer(), await newCustomer()];
    const n = nextNumbers(2);
    const day = addDays(hub.clock.today(), -10);
    expect(
      (
        await hub.gql(INGEST_CLAIMS, {
          records: [reportedClaimRecord(n, a.policyNo, day, '50000.00')],
        })
      ).data!.ingestClaims.accepted,
    ).toBe(1);
    // A, the claimant, is merged into B while the claim's registration is written: the
    // batch read the claim before the merge handed it to B.
    const { changed, claimed } = await changeThenClaims(z.policyNo, () => passTo['a merge'](a, b), [
      {
        ...reportedClaimRecord(n, a.policyNo, day, '50000.00'),
        status: 'REGISTERED',
        registeredAt: `${addDays(day, 1)}T09:00:00Z`,
      },
      reportedClaimRecord(n + 1, z.policyNo, day, '100.00'),
    ]);
    expect(changed).not.toHaveProperty('errors');
    expect(await claimed).toMatchObject({
      data: { ingestClaims: { accepted: 2, records: [{ status: 'UPDATED' }, {}] } },
    });
    expect(
      await hub.sql(`select status, claimant_id from claim where policy_id = $1`, [
        (await hub.sql(`select id from policy where policy_no = $1`, [a.policyNo]))[0]!.id,
      ]),
    ).toEqual([{ status: 'REGISTERED', claimant_id: b.id }]);
  });

  it('updates a claim moved twice, by a merge and its undoing, while the claims batch was written', async () => {
    const [a, b] = [await newCustomer(), await newCustomer()];
    const n = nextNumber();
    const day = addDays(hub.clock.today(), -10);
    const first = reportedClaimRecord(n, a.policyNo, day, '50000.00');
    expect((await hub.gql(INGEST_CLAIMS, { records: [first] })).data!.ingestClaims.accepted).toBe(
      1,
    );
    // The batch reads the claim, then waits for A's policy: held by one connection, then by
    // a second queued behind the batch, so that the record's second reading waits as well.
    // A merge moves the claim to B before the first writing, its undoing back to A before
    // the second.
    const [holder, second] = [
      new Client({ connectionString: hub.databaseUrl }),
      new Client({ connectionString: hub.databaseUrl }),
    ];
    await Promise.all([holder.connect(), second.connect()]);
    const hold = (c: Client) =>
      c.query('select 1 from policy where policy_no = $1 for update', [a.policyNo]);
    try {
      await holder.query('begin');
      await hold(holder);
      const claimed = hub.gql(INGEST_CLAIMS, {
        records: [{ ...first, status: 'REGISTERED', registeredAt: `${addDays(day, 1)}T09:00:00Z` }],
      });
      await lockWaits(hub, 1, 'the claims');
      const merged = await passTo['a merge'](a, b);
      expect(merged).not.toHaveProperty('errors');
      await second.query('begin');
      const held = hold(second);
      await lockWaits(hub, 2, 'the claims and the second holder');
      await holder.query('commit');
      await held;
      await lockWaits(hub, 1, 'the claims, read again');
      const unmerged = await hub.gql(
        `mutation ($m: ID!) { unmergeCustomers(mergeId: $m, reason: "two people") { id } }`,
        { m: merged.data!.mergeCustomers.id },
        Role.STEWARD,
      );
      expect(unmerged).not.toHaveProperty('errors');
      await second.query('commit');
      expect(await claimed).toMatchObject({
        data: { ingestClaims: { accepted: 1, records: [{ status: 'UPDATED' }] } },
      });
    } finally {
      await holder.query('rollback').catch(() => undefined);
      await second.query('rollback').catch(() => undefined);
      await Promise.all([holder.end(), second.end()]);
    }
    expect(
      await hub.sql(
        `select c.status, c.claimant_id from claim c join policy p on p.id = c.policy_id
         where p.policy_no = $1`,
        [a.policyNo],
      ),
    ).toEqual([{ status: 'REGISTERED', claimant_id: a.id }]);
  });

  it('gives a tier to a new customer with nothing but a name and a document, and requeues any change of its golden record', async () => {
    const n = nextNumber();
    const send = (branchCode: string) =>
      hub.gql(INGEST_CUSTOMERS, {
        records: [customerRecord(n, { contactPoints: [], branchCode })],
      });
    const created = await send('3201');
    const customer = { id: created.data!.ingestCustomers.records[0].id as string };
    expect(await queued(customer)).toEqual([{ reason: 'customer' }]);
    await hub.app.services.tiers.drainQueue();
    expect(await openTier(customer)).toEqual(['BLUE']);

    // Its branch's rules decide its tier: a move queues it again.
    await send('3202');
    expect(await queued(customer)).toEqual([{ reason: 'customer' }]);
    await hub.app.services.tiers.drainQueue();

    // So does any change of the golden record: a rule set may read any of its fields.
    await hub.gql(INGEST_CUSTOMERS, {
      records: [customerRecord(n, { contactPoints: [], branchCode: '3202', name: `改名${n}` })],
    });
    expect(await queued(customer)).toEqual([{ reason: 'customer' }]);
  });

  it('drains it in the background once started', async () => {
    const customer = await newCustomer();
    // A second source record of the same person adds a contact: a tier input changed.
    await hub.gql(INGEST_CUSTOMERS, {
      records: [
        customerRecord(customer.n, {
          sourceKey: `PA-${customer.n}b`,
          contactPoints: [{ kind: 'EMAIL', value: `new${customer.n}@example.cn` }],
        }),
      ],
    });
    expect(await queued(customer)).toHaveLength(1);
    hub.app.worker.start(50);
    try {
      for (let waited = 0; (await queued(customer)).length; waited += 50) {
        if (waited > 10_000) throw new Error('the worker did not drain the queue');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await hub.app.worker.stop();
    }
  });
});

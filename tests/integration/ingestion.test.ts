import { Role } from '../../src/auth/roles';
import { addDays } from '../../src/time/clock';
import { PiiHasher } from '../../src/modules/customer/pii-hasher';
import {
  autoPolicyRecord,
  claimRecord,
  customerRecord,
  INGEST_CLAIMS,
  INGEST_CUSTOMERS,
  INGEST_POLICIES,
  INGEST_RISK_SCORES,
  ingestPortfolio,
  insertBranches,
  insertPortfolio,
  nextNumber,
  nextNumbers,
  reportedClaimRecord,
  residentId,
  riskScoreRecord,
  plate,
  vin,
} from '../setup/factories';
import { countStatements } from '../setup/statements';
import { createClient } from '../../src/db/pg';
import { startTestHub, TEST_SECRETS, type TestHub } from '../setup/test-app';

const counts = (hub: TestHub) =>
  hub.sql(`select
    (select count(*) from customer)::int as customers,
    (select count(*) from identity_document)::int as documents,
    (select count(*) from contact_point)::int as contacts,
    (select count(*) from source_record)::int as sources,
    (select count(*) from policy)::int as policies,
    (select count(*) from policy_party)::int as parties,
    (select count(*) from vehicle)::int as vehicles,
    (select count(*) from claim)::int as claims,
    (select count(*) from risk_score)::int as scores,
    (select max(updated_at) from customer) as last_customer_update,
    (select max(updated_at) from policy) as last_policy_update`);

/** The rows each table gained from `before` to `after` (both read by `counts`). */
const gained = (before: Record<string, any>, after: Record<string, any>) =>
  Object.fromEntries(
    Object.entries(after)
      .filter(([, n]) => typeof n === 'number')
      .map(([table, n]) => [table, n - before[table]]),
  );

describe('ingestion from source systems', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
  });
  afterAll(() => hub.close());

  it('writes batches of other policies for the same holders and new cars, and of other claims on the same policies, sent at once in opposite orders', async () => {
    const holders = 20;
    const n = nextNumbers(holders * 5);
    const cifs = await insertPortfolio(hub, holders, n);
    const deadlocks = async () =>
      (
        await hub.sql<{ n: number }>(
          `select deadlocks::int as n from pg_stat_database where datname = current_database()`,
        )
      )[0]!.n;
    const before = await deadlocks();
    const atOnce = (mutation: string, batches: object[][]) =>
      Promise.all(
        batches.map((records, b) =>
          hub.gql(mutation, { records: b % 2 ? records.reverse() : records }),
        ),
      );
    const accepted = (responses: { data?: any; errors?: unknown }[], field: string) =>
      responses.map((r) => r.errors ?? r.data[field].accepted);

    // Another policy for each holder, each on a new car the three batches share.
    const policies = await atOnce(
      INGEST_POLICIES,
      [1, 2, 3].map((b) =>
        cifs.map((cifNo, i) =>
          autoPolicyRecord(n + holders * b + i, cifNo, {
            vehicle: {
              vin: vin(n + holders * 4 + i),
              plate: plate(n + holders * 4 + i),
              use: 'FAMILY_PRIVATE',
            },
          }),
        ),
      ),
    );
    expect(accepted(policies, 'ingestPolicies')).toEqual([holders, holders, holders]);
    // Claims of three accidents on each of the portfolio's policies.
    const claims = await atOnce(
      INGEST_CLAIMS,
      [1, 2, 3].map((b) =>
        cifs.map((_, i) => claimRecord(n + holders * b + i, autoPolicyRecord(n + i, '').policyNo)),
      ),
    );
    expect(accepted(claims, 'ingestClaims')).toEqual([holders, holders, holders]);
    expect(await deadlocks()).toBe(before);
  });

  it('checks a claim against the period its policy is being given, not the one it is losing', async () => {
    const n = nextNumber();
    const created = await hub.gql(INGEST_CUSTOMERS, { records: [customerRecord(n)] });
    const [{ cif_no: cifNo }] = await hub.sql('select cif_no from customer where id = $1', [
      created.data!.ingestCustomers.records[0].id,
    ]);
    const policy = autoPolicyRecord(n, cifNo, {
      effectiveDate: '2025-01-01',
      expiryDate: '2025-12-31',
      status: 'EXPIRED',
    });
    expect(
      (await hub.gql(INGEST_POLICIES, { records: [policy] })).data!.ingestPolicies.accepted,
    ).toBe(1);
    // Another writer has the policy start later, and has not committed yet.
    const writer = createClient(hub.databaseUrl);
    await writer.connect();
    try {
      await writer.query('begin');
      await writer.query(`update policy set effective_date = '2025-06-01' where policy_no = $1`, [
        policy.policyNo,
      ]);
      let done = false;
      const claim = hub
        .gql(INGEST_CLAIMS, {
          records: [reportedClaimRecord(nextNumber(), policy.policyNo, '2025-03-01', '800.00')],
        })
        .finally(() => (done = true));
      for (let waited = 0; !done && waited < 100; waited += 1) {
        const [blocked] = await hub.sql(
          `select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like '%policy%'`,
        );
        if (blocked) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await writer.query('commit');
      const [outcome] = (await claim).data!.ingestClaims.records;
      expect(outcome).toMatchObject({
        status: 'REJECTED',
        errors: [expect.objectContaining({ field: 'accidentAt', rule: 'OUTSIDE_COVER' })],
      });
    } finally {
      await writer.end();
    }
  });

  it('changes nothing when the same batches are sent twice', async () => {
    const [n, m] = [nextNumber(), nextNumber()];
    const initial = await counts(hub);
    const customers = [customerRecord(n), customerRecord(m)];
    const first = await hub.gql(INGEST_CUSTOMERS, { records: customers });
    expect(first.data!.ingestCustomers.records.map((r: { status: string }) => r.status)).toEqual([
      'CREATED',
      'CREATED',
    ]);
    const [{ cif_no: cif1 }] = await hub.sql(`select cif_no from customer where id = $1`, [
      first.data!.ingestCustomers.records[0].id,
    ]);
    const batches: [string, unknown[]][] = [
      [INGEST_POLICIES, [autoPolicyRecord(n, cif1)]],
      [INGEST_CLAIMS, [claimRecord(n, autoPolicyRecord(n, cif1).policyNo)]],
      [
        INGEST_RISK_SCORES,
        [
          riskScoreRecord(n, { claimNo: claimRecord(n, '').claimNo }),
          riskScoreRecord(n, { vin: vin(n) }, { sourceKey: `RS-${n}-VIN` }),
        ],
      ],
    ];
    for (const [mutation, records] of batches) {
      const res = await hub.gql(mutation, { records });
      expect(Object.values(res.data!)[0]).toMatchObject({ accepted: records.length, rejected: 0 });
    }
    const before = await counts(hub);

    // The second with its contact points listed the other way round: the same record.
    const resent = [
      customers[0],
      { ...customers[1], contactPoints: [...customers[1]!.contactPoints].reverse() },
    ];
    const again = await hub.gql(INGEST_CUSTOMERS, { records: resent });
    expect(again.data!.ingestCustomers.records.map((r: { status: string }) => r.status)).toEqual([
      'UNCHANGED',
      'UNCHANGED',
    ]);
    // The policy with its parties the other way round, its VIN in lower case and newEnergy
    // said false: the same content.
    const policy = batches[0]![1][0] as ReturnType<typeof autoPolicyRecord>;
    batches[0]![1][0] = {
      ...policy,
      parties: [...policy.parties].reverse(),
      vehicle: { ...policy.vehicle, vin: policy.vehicle.vin.toLowerCase(), newEnergy: false },
    };
    for (const [mutation, records] of batches) {
      const res = await hub.gql(mutation, { records });
      const result = Object.values(res.data!)[0] as { records: { status: string }[] };
      expect(result.records.map((r) => r.status)).toEqual(records.map(() => 'UNCHANGED'));
    }
    expect(await counts(hub)).toEqual(before);
    expect(gained(initial[0]!, before[0]!)).toEqual({
      customers: 2,
      documents: 2,
      contacts: 4,
      sources: 2,
      policies: 1,
      parties: 2,
      vehicles: 1,
      claims: 1,
      scores: 2,
    });
  });

  it('answers a record repeated in one batch as a retry, and judges a key again after a rejected record', async () => {
    const [n, m, k] = [nextNumber(), nextNumber(), nextNumber()];
    const res = await hub.gql(INGEST_CUSTOMERS, {
      records: [
        customerRecord(n),
        customerRecord(n),
        customerRecord(m, { name: 'bad\u0000name' }),
        customerRecord(m),
        customerRecord(k),
        customerRecord(k, { name: `其他${k}` }),
      ],
    });
    const records = res.data!.ingestCustomers.records as {
      status: string;
      id: string | null;
      errors: { field: string; rule: string }[];
    }[];
    expect(records.map((r) => [r.status, r.errors.map((e) => `${e.field} ${e.rule}`)])).toEqual([
      ['CREATED', []],
      ['UNCHANGED', []],
      ['REJECTED', ['name CONTROL_CHARACTER']],
      ['CREATED', []],
      ['CREATED', []],
      ['REJECTED', ['sourceKey DUPLICATE_KEY']],
    ]);
    expect(records[1]!.id).toBe(records[0]!.id);
    expect(res.data!.ingestCustomers).toMatchObject({ accepted: 4, rejected: 2 });
    expect(
      await hub.sql(
        `select source_key, name from source_record where source_key = any($1)
        order by length(source_key), source_key`,
        [[n, m, k].map((x) => `PA-${x}`)],
      ),
    ).toEqual([n, m, k].map((x) => ({ source_key: `PA-${x}`, name: customerRecord(x).name })));
  });

  it('answers a policy or claim repeated in one batch as a retry, and refuses other content under its number', async () => {
    const n = nextNumber();
    const [cifNo] = await ingestPortfolio(hub, 1, n);
    const [p, q] = [nextNumber(), nextNumber()];
    const policies = await hub.gql(INGEST_POLICIES, {
      records: [
        autoPolicyRecord(p, cifNo!),
        autoPolicyRecord(p, cifNo!),
        autoPolicyRecord(q, cifNo!, { premium: '-1.00' }),
        autoPolicyRecord(q, cifNo!),
        autoPolicyRecord(q, cifNo!, { status: 'CANCELLED' }),
      ],
    });
    const outcome = (r: { status: string; errors: { field: string; rule: string }[] }) => [
      r.status,
      r.errors.map((e) => `${e.field} ${e.rule}`),
    ];
    expect(policies.data!.ingestPolicies.records.map(outcome)).toEqual([
      ['CREATED', []],
      ['UNCHANGED', []],
      ['REJECTED', ['premium NON_NEGATIVE']],
      ['CREATED', []],
      ['REJECTED', ['policyNo DUPLICATE_KEY']],
    ]);
    const { policyNo } = autoPolicyRecord(q, cifNo!);
    expect(await hub.sql(`select status from policy where policy_no = $1`, [policyNo])).toEqual([
      { status: 'IN_FORCE' },
    ]);
    const c = nextNumber();
    const claims = await hub.gql(INGEST_CLAIMS, {
      records: [
        claimRecord(c, policyNo),
        claimRecord(c, policyNo),
        claimRecord(c, policyNo, { reserve: '1.00' }),
      ],
    });
    expect(claims.data!.ingestClaims.records.map(outcome)).toEqual([
      ['CREATED', []],
      ['UNCHANGED', []],
      ['REJECTED', ['claimNo DUPLICATE_KEY']],
    ]);
  });

  it('links a second source record with the same identity document to the same customer', async () => {
    const n = nextNumber();
    const first = await hub.gql(INGEST_CUSTOMERS, { records: [customerRecord(n)] });
    const [{ cif_no: cifNo }] = await hub.sql(`select cif_no from customer where id = $1`, [
      first.data!.ingestCustomers.records[0].id,
    ]);
    const res = await hub.gql(INGEST_CUSTOMERS, {
      records: [
        customerRecord(n, {
          sourceSystem: 'CALL_CENTRE',
          sourceKey: '95510-77',
          contactPoints: [],
        }),
      ],
    });
    const [outcome] = res.data!.ingestCustomers.records;
    // A new source record, joined to the customer that holds its document.
    expect(outcome).toMatchObject({
      status: 'CREATED',
      id: first.data!.ingestCustomers.records[0].id,
    });
    const rows = await hub.sql(
      `select c.cif_no, count(s.*)::int as sources from customer c join source_record s on s.customer_id = c.id
       where c.id = $1 group by c.cif_no`,
      [outcome.id],
    );
    expect(rows).toEqual([{ cif_no: cifNo, sources: 2 }]);
  });

  it("dates a customer and what it holds by the hub's clock, the database's set aside", async () => {
    // The hub's clock a day behind the database's: every row is dated by the hub's.
    const made = new Date(Date.now() - 86_400_000);
    const changed = new Date(made.getTime() + 60_000);
    const n = nextNumber();
    try {
      hub.clock.set(made);
      const first = await hub.gql(INGEST_CUSTOMERS, { records: [customerRecord(n)] });
      const id = first.data!.ingestCustomers.records[0].id as string;
      hub.clock.set(changed);
      await hub.gql(INGEST_CUSTOMERS, {
        records: [
          customerRecord(n, {
            name: '王改名',
            contactPoints: [{ kind: 'EMAIL', value: `new${n}@example.cn` }],
          }),
        ],
      });
      const dates = await hub.sql<{ what: string; created_at: Date; updated_at: Date }>(
        `select 'customer' as what, created_at, updated_at from customer where id = $1
         union all select 'record', created_at, updated_at from source_record where customer_id = $1
         union all select 'document', created_at, updated_at from identity_document where customer_id = $1
         union all select 'contact ' || kind, created_at, updated_at from contact_point where customer_id = $1
         order by 1`,
        [id],
      );
      expect(dates).toEqual([
        { what: 'contact EMAIL', created_at: changed, updated_at: changed },
        { what: 'customer', created_at: made, updated_at: changed },
        { what: 'document', created_at: made, updated_at: made },
        { what: 'record', created_at: made, updated_at: changed },
      ]);
    } finally {
      hub.clock.set(undefined);
    }
  });

  it('plans the statements of a record upsert once, not at every request', async () => {
    const upsert = (n: number) =>
      countStatements(() => hub.gql(INGEST_CUSTOMERS, { records: [customerRecord(n)] }));
    const first = await upsert(nextNumber());
    const second = await upsert(nextNumber());
    for (const run of [first, second]) {
      expect(run.result.data!.ingestCustomers.records[0].status).toBe('CREATED');
    }
    // Every statement with parameters is a named prepared statement, which the second
    // request reuses: parsing and planning them anew took longer than running them.
    expect(second.unprepared).toEqual([]);
    expect(second.prepared.length).toBeGreaterThanOrEqual(10);
    expect(second.prepared.filter((name) => !first.prepared.includes(name))).toEqual([]);
  });

  it('reports how long customer batches wait for the matching locks and hold them', async () => {
    const count = async (phase: string) => {
      const text = await (await fetch(new URL('/metrics', hub.url))).text();
      const line = text
        .split('\n')
        .find((l) =>
          l.startsWith(
            `cif_hub_ingestion_matching_lock_seconds_count{phase="${phase}",scope="keys"}`,
          ),
        );
      return Number(line?.split(' ')[1] ?? 0);
    };
    const before = { wait: await count('wait'), held: await count('held') };
    const res = await hub.gql(INGEST_CUSTOMERS, {
      records: [customerRecord(nextNumber()), customerRecord(nextNumber())],
    });
    expect(res.data!.ingestCustomers.accepted).toBe(2);
    // One batch, one lock: the records are matched and written together.
    expect({ wait: await count('wait'), held: await count('held') }).toEqual({
      wait: before.wait + 1,
      held: before.held + 1,
    });
  });

  it('keeps the values an updated record still carries, drops the others and takes new ones', async () => {
    const n = nextNumber();
    const identifiers = () =>
      hub.sql<{ id: string; kind: string; verified_at: Date | null }>(
        `select si.id, si.kind, si.verified_at from source_identifier si
         join source_record sr on sr.id = si.source_record_id
         where sr.source_system = 'POLICY_ADMIN' and sr.source_key = $1 order by si.kind`,
        [`PA-${n}`],
      );
    const contacts = (customerId: string) =>
      hub.sql<{ kind: string; verified_at: Date | null }>(
        `select kind, verified_at from contact_point where customer_id = $1 order by kind`,
        [customerId],
      );
    const first = await hub.gql(INGEST_CUSTOMERS, { records: [customerRecord(n)] });
    const customerId = first.data!.ingestCustomers.records[0].id as string;
    const before = await identifiers();
    expect(before.map((i) => i.kind)).toEqual(['EMAIL', 'MOBILE', 'RESIDENT_ID']);
    const [mobile] = customerRecord(n).contactPoints;

    // The e-mail goes, an address comes, the mobile's verification is renewed.
    const resent = customerRecord(n, {
      contactPoints: [
        { ...mobile, verifiedAt: '2026-06-01T08:00:00Z' },
        { kind: 'ADDRESS', value: `江苏省南京市中山路${n}号` },
      ],
    });
    const second = await hub.gql(INGEST_CUSTOMERS, { records: [resent] });
    expect(second.data!.ingestCustomers.records[0]).toMatchObject({
      status: 'UPDATED',
      id: customerId,
    });
    const after = await identifiers();
    expect(after.map((i) => i.kind)).toEqual(['ADDRESS', 'MOBILE', 'RESIDENT_ID']);
    const kept = (rows: typeof before, kind: string) => rows.find((i) => i.kind === kind)!;
    expect(kept(after, 'RESIDENT_ID').id).toBe(kept(before, 'RESIDENT_ID').id);
    expect(kept(after, 'MOBILE').id).toBe(kept(before, 'MOBILE').id);
    expect(kept(after, 'MOBILE').verified_at).toEqual(new Date('2026-06-01T08:00:00Z'));
    expect(await contacts(customerId)).toEqual([
      { kind: 'ADDRESS', verified_at: null },
      { kind: 'MOBILE', verified_at: new Date('2026-06-01T08:00:00Z') },
    ]);
  });

  it('reads one contact listed twice in a record by its verification, whichever listing comes first', async () => {
    const n = nextNumber();
    const [mobile] = customerRecord(n).contactPoints;
    const number = mobile!.value;
    const spaced = `${number.slice(0, 3)} ${number.slice(3, 7)} ${number.slice(7)}`;
    const sms = { ...mobile, verifiedAt: '2026-02-01T00:00:00Z' };
    const inPerson = {
      ...sms,
      verificationMethod: 'IN_PERSON',
      verifiedAt: '2026-06-01T00:00:00Z',
    };
    const failed = { ...sms, verificationStatus: 'FAILED', verifiedAt: '2026-07-01T00:00:00Z' };
    const verification = async (contactPoints: object[]) => {
      const res = await hub.gql(INGEST_CUSTOMERS, {
        records: [customerRecord(n, { contactPoints })],
      });
      const [outcome] = res.data!.ingestCustomers.records;
      const [point] = await hub.sql(
        `select verification_status, verification_method from contact_point
         where customer_id = $1 and kind = 'MOBILE'`,
        [outcome.id],
      );
      return { status: outcome.status, ...point };
    };
    const unverified = { kind: 'MOBILE', value: spaced };
    const smsStands = { verification_status: 'VERIFIED', verification_method: 'SMS' };
    expect(await verification([sms, unverified])).toEqual({ status: 'CREATED', ...smsStands });
    expect(await verification([unverified, sms])).toEqual({ status: 'UNCHANGED', ...smsStands });
    // A later check in person does not hide the proof of reach; a later failure does.
    expect(await verification([inPerson, sms])).toMatchObject(smsStands);
    expect(await verification([sms, inPerson])).toEqual({ status: 'UNCHANGED', ...smsStands });
    expect(await verification([failed, sms])).toMatchObject({
      verification_status: 'FAILED',
    });
    expect(await verification([sms, failed])).toMatchObject({
      status: 'UNCHANGED',
      verification_status: 'FAILED',
    });
  });

  it('rejects bad records with every reason and accepts the rest of the batch', async () => {
    const [b, g, o] = [nextNumber(), nextNumber(), nextNumber()];
    // A region code starting with 0 (a typo in the check character alone is kept: matching.test.ts).
    const badId = '0' + residentId(b).slice(1);
    const res = await hub.gql(INGEST_CUSTOMERS, {
      records: [
        customerRecord(b, {
          identityDocuments: [{ type: 'RESIDENT_ID', number: badId }],
          contactPoints: [{ kind: 'MOBILE', value: '1234' }],
        }),
        customerRecord(g),
        customerRecord(o, { kind: 'ORGANISATION', gender: 'MALE', branchCode: '9999' }),
      ],
    });
    const [bad, good, org] = res.data!.ingestCustomers.records;
    expect(res.data!.ingestCustomers).toMatchObject({ accepted: 1, rejected: 2 });
    expect(good.status).toBe('CREATED');
    expect(bad.status).toBe('REJECTED');
    expect(bad.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'identityDocuments[0].number', rule: 'ID_REGION' }),
        expect.objectContaining({ field: 'contactPoints[0].value', rule: 'MOBILE_FORMAT' }),
      ]),
    );
    expect(org.errors.map((e: { field: string; rule: string }) => `${e.field} ${e.rule}`)).toEqual(
      expect.arrayContaining(['kind ORGANISATION_ATTRIBUTES', 'branchCode UNKNOWN_BRANCH']),
    );
    expect(
      await hub.sql(`select 1 from source_record where source_key in ($1, $2)`, [
        `PA-${b}`,
        `PA-${o}`,
      ]),
    ).toEqual([]);
  });

  it('rejects a policy or claim that names an unknown customer or policy', async () => {
    const policy = await hub.gql(INGEST_POLICIES, {
      records: [autoPolicyRecord(nextNumber(), 'C0000009999')],
    });
    expect(policy.data!.ingestPolicies.records[0]).toMatchObject({
      status: 'REJECTED',
      errors: [
        { field: 'parties[0].customer', rule: 'UNKNOWN_CUSTOMER' },
        { field: 'parties[1].customer', rule: 'UNKNOWN_CUSTOMER' },
      ],
    });
    const claim = await hub.gql(INGEST_CLAIMS, { records: [claimRecord(nextNumber(), 'PNOPE')] });
    expect(claim.data!.ingestClaims.records[0]).toMatchObject({
      status: 'REJECTED',
      errors: [{ field: 'policyNo', rule: 'UNKNOWN_POLICY' }],
    });
  });

  it('checks amounts, periods and stage order', async () => {
    // A known customer and policy, so that only the rules under test can fail.
    const n = nextNumber();
    const [cifNo] = await ingestPortfolio(hub, 1, n);
    const res = await hub.gql(INGEST_POLICIES, {
      records: [
        autoPolicyRecord(nextNumber(), cifNo!, { premium: '-1.00' }),
        autoPolicyRecord(nextNumber(), cifNo!, { expiryDate: '2025-12-31', vehicle: null }),
      ],
    });
    expect(
      res.data!.ingestPolicies.records.map((r: { errors: { field: string; rule: string }[] }) =>
        r.errors.map((e) => `${e.field} ${e.rule}`).sort(),
      ),
    ).toEqual([['premium NON_NEGATIVE'], ['expiryDate PERIOD_ORDER', 'vehicle REQUIRED']]);
    const claim = await hub.gql(INGEST_CLAIMS, {
      records: [
        claimRecord(nextNumber(), autoPolicyRecord(n, '').policyNo, {
          surveyedAt: '2026-05-10T23:00:00Z',
          registeredAt: '2026-05-11T09:00:00Z',
          status: 'CLOSED',
        }),
      ],
    });
    expect(
      claim.data!.ingestClaims.records[0].errors.map(
        (e: { field: string; rule: string }) => `${e.field} ${e.rule}`,
      ),
    ).toEqual(['surveyedAt STAGE_ORDER', 'closedAt REQUIRED']);
  });

  it('accepts a policy whose status its period contradicts on the business day, with a warning', async () => {
    const n = nextNumber();
    const [cifNo] = await ingestPortfolio(hub, 1, n);
    const today = hub.clock.today();
    const period = (from: number, to: number) => ({
      effectiveDate: addDays(today, from),
      expiryDate: addDays(today, to),
    });
    const records = [
      autoPolicyRecord(nextNumber(), cifNo!, period(-365, -1)),
      autoPolicyRecord(nextNumber(), cifNo!, { ...period(-365, 0), status: 'EXPIRED' }),
      autoPolicyRecord(nextNumber(), cifNo!, { ...period(-365, -1), status: 'EXPIRED' }),
      autoPolicyRecord(nextNumber(), cifNo!, period(-364, 0)),
      autoPolicyRecord(nextNumber(), cifNo!, { ...period(-400, -30), status: 'PENDING' }),
      autoPolicyRecord(nextNumber(), cifNo!, period(1, 365)),
      autoPolicyRecord(nextNumber(), cifNo!, { ...period(1, 365), status: 'PENDING' }),
    ];
    const warned = (res: { data?: any }) =>
      res.data!.ingestPolicies.records.map(
        (r: { status: string; warnings: { field: string; rule: string }[] }) => [
          r.status,
          r.warnings.map((w) => `${w.field} ${w.rule}`),
        ],
      );
    const ingest = INGEST_POLICIES.replace('errors {', 'warnings { field rule } errors {');
    expect(warned(await hub.gql(ingest, { records }))).toEqual([
      ['CREATED', ['status STATUS_PERIOD']],
      ['CREATED', ['status STATUS_PERIOD']],
      ['CREATED', []],
      ['CREATED', []],
      ['CREATED', ['status STATUS_PERIOD']],
      ['CREATED', ['status STATUS_PERIOD']],
      ['CREATED', []],
    ]);
    // A resend is told again: the source still says it.
    expect(warned(await hub.gql(ingest, { records: records.slice(0, 1) }))).toEqual([
      ['UNCHANGED', ['status STATUS_PERIOD']],
    ]);
    // Cancelled, then in force again: a reinstatement or a late older message, told.
    const running = records[3]!;
    expect(
      warned(await hub.gql(ingest, { records: [{ ...running, status: 'CANCELLED' }] })),
    ).toEqual([['UPDATED', []]]);
    expect(warned(await hub.gql(ingest, { records: [running] }))).toEqual([
      ['UPDATED', ['status CANCELLATION_DROPPED']],
    ]);
  });

  it("keeps a claim's status and stages in agreement, and tells the caller of a stage dropped or a claim left outside its policy's period", async () => {
    const n = nextNumber();
    const [cifNo] = await ingestPortfolio(hub, 1, n);
    const { policyNo } = autoPolicyRecord(n, cifNo!);
    const outcome = (r: {
      status: string;
      errors: { field: string; rule: string }[];
      warnings: { field: string; rule: string }[];
    }) => [r.status, [...r.errors, ...r.warnings].map((e) => `${e.field} ${e.rule}`).sort()];
    const ingestClaims = INGEST_CLAIMS.replace('errors {', 'warnings { field rule } errors {');
    const at = (day: string) => `2026-05-${day}T10:00:00Z`;
    const claims = await hub.gql(ingestClaims, {
      records: [
        claimRecord(nextNumber(), policyNo, {
          status: 'REPORTED',
          registeredAt: null,
          surveyedAt: null,
          paidAt: at('20'),
          paidAmount: '100.00',
          closedAt: at('21'),
        }),
        claimRecord(nextNumber(), policyNo, { status: 'PAID', paidAmount: '0', paidAt: at('20') }),
        // Paid in advance (垫付), before assessment; a survey skipped.
        claimRecord(nextNumber(), policyNo, {
          status: 'SURVEYED',
          surveyedAt: null,
          fastTrack: 'SURVEY_FREE',
          advancePayment: true,
          paidAt: at('20'),
          paidAmount: '2000.00',
        }),
        claimRecord(nextNumber(), policyNo, { paidAt: at('20'), paidAmount: '2000.00' }),
        claimRecord(nextNumber(), policyNo, { status: 'REJECTED', closedAt: at('21') }),
        // Paid in advance, then assessed and approved: the payment came first, as it does.
        claimRecord(nextNumber(), policyNo, {
          status: 'APPROVED',
          advancePayment: true,
          paidAt: at('20'),
          paidAmount: '2000.00',
          assessedAt: at('21'),
          approvedAt: at('22'),
        }),
        // ...but never before the claim was registered.
        claimRecord(nextNumber(), policyNo, {
          status: 'SURVEYED',
          advancePayment: true,
          paidAt: '2026-05-11T08:00:00Z',
          paidAmount: '2000.00',
        }),
      ],
    });
    expect(claims.data!.ingestClaims.records.map(outcome)).toEqual([
      ['REJECTED', ['closedAt STATUS_STAGE', 'paidAt STATUS_STAGE']],
      ['REJECTED', ['paidAmount STATUS_STAGE']],
      ['CREATED', []],
      ['REJECTED', ['paidAt STATUS_STAGE']],
      ['CREATED', []],
      ['CREATED', []],
      ['REJECTED', ['paidAt STAGE_ORDER']],
    ]);

    // The portfolio's claim, paid and closed, then sent again as only reported.
    const paid = claimRecord(n, policyNo, {
      assessedAt: at('12'),
      approvedAt: at('13'),
      paidAt: at('14'),
      paidAmount: '2800.00',
      closedAt: at('15'),
      status: 'CLOSED',
    });
    const reported = claimRecord(n, policyNo, {
      registeredAt: null,
      surveyedAt: null,
      status: 'REPORTED',
    });
    const sent = async (record: object) =>
      outcome((await hub.gql(ingestClaims, { records: [record] })).data!.ingestClaims.records[0]);
    expect(await sent(paid)).toEqual(['UPDATED', []]);
    expect(await sent(reported)).toEqual([
      'UPDATED',
      [
        'approvedAt STAGE_DROPPED',
        'assessedAt STAGE_DROPPED',
        'closedAt STAGE_DROPPED',
        'paidAmount STAGE_DROPPED',
        'paidAt STAGE_DROPPED',
        'registeredAt STAGE_DROPPED',
        'surveyedAt STAGE_DROPPED',
      ],
    ]);
    // Withdrawn, then the older message of its registration; paid, then an older payment.
    const other = (overrides: Record<string, unknown>) =>
      claimRecord(n + 1_000_000, policyNo, overrides);
    expect(await sent(other({ status: 'WITHDRAWN' }))).toEqual(['CREATED', []]);
    expect(await sent(other({ status: 'SURVEYED' }))).toEqual([
      'UPDATED',
      ['status STAGE_DROPPED'],
    ]);
    const payment = (amount: string, day: string) =>
      other({
        status: 'PAID',
        assessedAt: at('12'),
        approvedAt: at('13'),
        paidAt: at(day),
        paidAmount: amount,
      });
    expect(await sent(payment('3000.00', '20'))).toEqual(['UPDATED', []]);
    expect(await sent(payment('1000.00', '14'))).toEqual(['UPDATED', ['paidAmount STAGE_DROPPED']]);

    // Its policy's period corrected to end before the accident: the claim stays, and a
    // retry of it is still a retry.
    const policies = await hub.gql(
      INGEST_POLICIES.replace('errors {', 'warnings { field rule } errors {'),
      { records: [autoPolicyRecord(n, cifNo!, { expiryDate: '2026-05-01', status: 'EXPIRED' })] },
    );
    expect(outcome(policies.data!.ingestPolicies.records[0])).toEqual([
      'UPDATED',
      ['expiryDate CLAIMS_OUTSIDE_PERIOD'],
    ]);
    expect(await sent(reported)).toEqual(['UNCHANGED', []]);
  });

  it('never overwrites a risk score: a changed resend under the same key is rejected', async () => {
    // The portfolio scores claim n under the key RS-P<n>-CLAIM.
    const n = nextNumber();
    await ingestPortfolio(hub, 1, n);
    const { claimNo } = claimRecord(n, '');
    const res = await hub.gql(INGEST_RISK_SCORES, {
      records: [
        riskScoreRecord(n, { claimNo }, { sourceKey: `RS-P${n}-CLAIM`, score: '99' }),
        // The same values written otherwise: a retry.
        riskScoreRecord(
          n,
          { claimNo },
          {
            sourceKey: `RS-P${n}-CLAIM`,
            score: '072.50',
            firedRules: [{ code: 'R017', description: 'reported after 21:00', weight: '30.00' }],
          },
        ),
      ],
    });
    expect(res.data!.ingestRiskScores.records).toMatchObject([
      { status: 'REJECTED', errors: [{ rule: 'IMMUTABLE' }] },
      { status: 'UNCHANGED', errors: [] },
    ]);
    expect(
      await hub.sql(`select score::text from risk_score where source_key = $1`, [`RS-P${n}-CLAIM`]),
    ).toEqual([{ score: '72.50' }]);
  });

  it('reads a claim resent with its optional fields spelt out as their defaults as the same claim', async () => {
    const n = nextNumber();
    await ingestPortfolio(hub, 1, n);
    const sent = claimRecord(n, autoPolicyRecord(n, '').policyNo);
    const spelt = {
      ...sent,
      paidAmount: '0.00',
      injury: false,
      advancePayment: false,
      directSettlement: false,
      complaints: 0,
    };
    const statuses = async (record: Record<string, unknown>) =>
      (await hub.gql(INGEST_CLAIMS, { records: [record] })).data!.ingestClaims.records.map(
        (r: { status: string }) => r.status,
      );
    expect(await statuses(spelt)).toEqual(['UNCHANGED']);
    expect(await statuses(sent)).toEqual(['UNCHANGED']);
    // A value other than the default is a change.
    expect(await statuses({ ...sent, complaints: 1 })).toEqual(['UPDATED']);
  });

  it('reads the rules a score fired as a set: another order is the same score, one rule twice none', async () => {
    const n = nextNumber();
    await ingestPortfolio(hub, 1, n);
    const { claimNo } = claimRecord(n, '');
    const rules = [
      { code: 'R017', description: 'reported after 21:00', weight: '30' },
      { code: 'R003', description: 'new policy', weight: '12' },
    ];
    const score = (k: number, firedRules: typeof rules) =>
      riskScoreRecord(k, { claimNo }, { sourceKey: `RS-SET-${n}-${k}`, firedRules });
    const first = await hub.gql(INGEST_RISK_SCORES, { records: [score(1, rules)] });
    expect(first.data!.ingestRiskScores.records).toMatchObject([{ status: 'CREATED' }]);
    const again = await hub.gql(INGEST_RISK_SCORES, {
      records: [
        score(1, [...rules].reverse()),
        score(2, [rules[0]!, rules[0]!, rules[1]!, rules[0]!, rules[1]!]),
      ],
    });
    expect(again.data!.ingestRiskScores.records).toMatchObject([
      { status: 'UNCHANGED', errors: [] },
      {
        status: 'REJECTED',
        // Each repeat, each naming the item it repeats.
        errors: [
          {
            field: 'firedRules[1].code',
            rule: 'DUPLICATE_CODE',
            message: expect.stringContaining('firedRules[0]'),
          },
          {
            field: 'firedRules[3].code',
            rule: 'DUPLICATE_CODE',
            message: expect.stringContaining('firedRules[0]'),
          },
          {
            field: 'firedRules[4].code',
            rule: 'DUPLICATE_CODE',
            message: expect.stringContaining('firedRules[2]'),
          },
        ],
      },
    ]);
  });

  it('leaves a policy or a claim to the source system that keeps it', async () => {
    const n = nextNumber();
    const [cifNo] = await ingestPortfolio(hub, 1, n);
    const policy = autoPolicyRecord(n, cifNo!, { sourceSystem: 'CLAIMS', status: 'CANCELLED' });
    const claim = claimRecord(n, policy.policyNo, { sourceSystem: 'POLICY_ADMIN' });
    const refused = [
      (await hub.gql(INGEST_POLICIES, { records: [policy] })).data!.ingestPolicies,
      (await hub.gql(INGEST_CLAIMS, { records: [claim] })).data!.ingestClaims,
    ];
    for (const outcome of refused) {
      expect(outcome.records[0]).toMatchObject({
        status: 'REJECTED',
        errors: [{ field: 'sourceSystem', rule: 'KEPT_BY_ANOTHER_SYSTEM' }],
      });
    }
    expect(
      await hub.sql(
        `select p.status, p.source_system as policy_by, c.source_system as claim_by
         from policy p join claim c on c.policy_id = p.id where p.policy_no = $1`,
        [policy.policyNo],
      ),
    ).toEqual([{ status: 'IN_FORCE', policy_by: 'POLICY_ADMIN', claim_by: 'CLAIMS' }]);
  });

  it("takes an administrator's records from the head office only: a branch's would write other branches' records it then reads", async () => {
    const n = nextNumbers(2);
    const m = n + 1;
    const [cifNo] = await ingestPortfolio(hub, 1, n);
    const policy = autoPolicyRecord(m, cifNo!, { branchCode: '3202' });
    const sent = {
      [INGEST_CUSTOMERS]: [customerRecord(m, { branchCode: '3202' })],
      [INGEST_POLICIES]: [policy],
      [INGEST_CLAIMS]: [claimRecord(m, policy.policyNo)],
      [INGEST_RISK_SCORES]: [riskScoreRecord(m, { customer: { cifNo } })],
    };
    const before = await counts(hub);
    for (const [query, records] of Object.entries(sent)) {
      const body = await hub.gql(query, { records }, Role.ADMIN, '3201');
      expect(body.data).toBeNull();
      expect(body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'HEAD_OFFICE' });
      expect(body.errors![0]!.message).toContain('branch 3201');
    }
    expect(Object.values(gained(before, await counts(hub))).every((rows) => rows === 0)).toBe(true);
    // The same records from the head office's administrator, as from a source system's key.
    for (const [query, records] of Object.entries(sent)) {
      const result = Object.values((await hub.gql(query, { records }, Role.ADMIN)).data!)[0];
      expect(result).toMatchObject({ accepted: 1, rejected: 0 });
    }
  });

  it('writes a record whole or not at all when the database refuses part of it', async () => {
    // A rule only the database knows, failing on the last row the record writes.
    const hasher = new PiiHasher(TEST_SECRETS.piiHashKey);
    const refusedHash = hasher.digest('EMAIL', 'refused@example.cn').toString('hex');
    await hub.sql(`create function refuse_test_contact() returns trigger language plpgsql as $$
      begin
        if new.value_hash = '\\x${refusedHash}'::bytea then
          raise exception 'refused' using errcode = 'check_violation', constraint = 'contact_point_test_rule';
        end if;
        return new;
      end $$`);
    await hub.sql(
      `create trigger refuse_test_contact before insert on contact_point for each row execute function refuse_test_contact()`,
    );
    try {
      const [before, r, after] = [nextNumber(), nextNumber(), nextNumber()];
      const refused = customerRecord(r, {
        contactPoints: [{ kind: 'EMAIL', value: 'refused@example.cn' }],
      });
      const res = await hub.gql(INGEST_CUSTOMERS, {
        records: [customerRecord(before), refused, customerRecord(after)],
      });
      expect(res.data!.ingestCustomers.records.map((r: { status: string }) => r.status)).toEqual([
        'CREATED',
        'REJECTED',
        'CREATED',
      ]);
      expect(res.data!.ingestCustomers.records[1].errors).toEqual([
        {
          field: 'contact_point_test_rule',
          rule: 'CHECK',
          message: 'breaks the database rule contact_point_test_rule',
        },
      ]);
      expect(
        await hub.sql(`select 1 from source_record where source_key = $1`, [`PA-${r}`]),
      ).toEqual([]);
      const docs = await hub.sql(
        `select count(*)::int as n from identity_document where number_hash = $1`,
        [hasher.digest('RESIDENT_ID', residentId(r))],
      );
      expect(docs).toEqual([{ n: 0 }]);
      expect(
        await hub.sql(
          `select source_key from source_record where source_key in ($1, $2) order by 1`,
          [`PA-${before}`, `PA-${after}`],
        ),
      ).toEqual([`PA-${before}`, `PA-${after}`].sort().map((key) => ({ source_key: key })));
    } finally {
      await hub.sql('drop trigger refuse_test_contact on contact_point');
    }
  });

  it('names every value of a batch that is not of its type, a field left out or unknown by its name, and writes none', async () => {
    const from = nextNumbers(5);
    const ns = [0, 1, 2, 3, 4].map((i) => from + i);
    const [good, wrongKind, nameless, unknownField, noSuchDay] = ns.map((n) => customerRecord(n));
    delete (nameless as { name?: string }).name;
    const res = await hub.gql(INGEST_CUSTOMERS, {
      records: [
        good,
        { ...wrongKind, kind: 'PERSON' },
        nameless,
        { ...unknownField, nickname: 'Xiao Wang' },
        { ...noSuchDay, birthDate: '1985-02-30' },
      ],
    });
    expect(res.errors).toHaveLength(1);
    const { extensions } = res.errors![0]!;
    // The first in `field` and `rule`, as before; all of them in `problems`.
    expect(extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'records[1].kind',
      rule: 'VARIABLE_TYPE',
    });
    const problems = extensions.problems as { field: string; rule: string; message: string }[];
    expect(problems.map(({ field, rule }) => ({ field, rule }))).toEqual([
      { field: 'records[1].kind', rule: 'VARIABLE_TYPE' },
      { field: 'records[2].name', rule: 'VARIABLE_TYPE' },
      { field: 'records[3].nickname', rule: 'VARIABLE_TYPE' },
      { field: 'records[4].birthDate', rule: 'DATE_FORMAT' },
    ]);
    expect(problems.every((p) => p.message.includes(p.field))).toBe(true);
    expect(
      await hub.sql(`select 1 from source_record where source_key = any($1)`, [
        ns.map((n) => customerRecord(n).sourceKey),
      ]),
    ).toEqual([]);
  });

  it('quotes no name a batch put where it does not belong: a field, or a key of its own', async () => {
    const n = nextNumbers(2);
    const [shifted, keyed] = [n, n + 1].map((k) => customerRecord(k));
    // A spreadsheet's columns one off, and a record keyed by its customer's name.
    const res = await hub.gql(INGEST_CUSTOMERS, {
      records: [
        { ...shifted, birthDate: '欧阳娜娜', gender: '欧阳娜娜' },
        { ...keyed, 欧阳娜娜: { name: '欧阳娜娜' } },
      ],
    });
    expect(res.errors).toHaveLength(1);
    const problems = res.errors![0]!.extensions.problems as { field: string; rule: string }[];
    expect(problems.map(({ field, rule }) => ({ field, rule }))).toEqual([
      { field: 'records[0].gender', rule: 'VARIABLE_TYPE' },
      { field: 'records[0].birthDate', rule: 'DATE_FORMAT' },
      { field: 'records[1]', rule: 'VARIABLE_TYPE' },
    ]);
    expect(JSON.stringify(res)).not.toMatch(/欧阳|歐陽|Ouyang/i);
  });

  it('refuses batches over 1,000 records and callers without the ingest role', async () => {
    const big = await hub.gql(INGEST_CUSTOMERS, {
      records: Array.from({ length: 1001 }, (_, i) => customerRecord(1000 + i)),
    });
    expect(big.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'records',
      rule: 'BATCH_SIZE',
    });
    const n = nextNumber();
    const frontline = await hub.gql(
      INGEST_CUSTOMERS,
      { records: [customerRecord(n)] },
      Role.FRONTLINE,
    );
    expect(frontline.errors![0].extensions.code).toBe('FORBIDDEN');
    const ingest = await hub.gql(INGEST_CUSTOMERS, { records: [customerRecord(n)] }, Role.INGEST);
    expect(ingest.data!.ingestCustomers.accepted).toBe(1);
  });
});

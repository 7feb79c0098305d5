import { Role } from '../../src/auth/roles';
import { addDays, addYears } from '../../src/time/clock';
import {
  autoPolicyRecord,
  claimRecord,
  customerRecord,
  INGEST_CLAIMS,
  INGEST_CUSTOMERS,
  INGEST_POLICIES,
  INGEST_RISK_SCORES,
  insertBranches,
  nextNumber,
  nextNumbers,
  riskScoreRecord,
  vin,
} from '../setup/factories';
import { createClient } from '../../src/db/pg';
import { startTestHub, type TestHub } from '../setup/test-app';

const HISTORY = `{
  asOf claimCount1y claimCount3y claimCount5y claimFreeYears lastAccidentDate
  writtenPremium earnedPremium paid incurred lifetimeLossRatio
  policyYears { year policyCount writtenPremium earnedPremium claimCount paid incurred lossRatio }
}`;

describe('underwriting risk history', () => {
  let hub: TestHub;
  let cifNo: string;

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
    const customers = await hub.gql(INGEST_CUSTOMERS, { records: [customerRecord(1)] });
    [{ cif_no: cifNo }] = await hub.sql('select cif_no from customer where id = $1', [
      customers.data!.ingestCustomers.records[0].id,
    ]);
    // Three policy years on one car: a closed claim in 2023, an open and a rejected one in 2025.
    const policy = (n: number, year: number, premium: string, status: string, renews?: string) =>
      autoPolicyRecord(n, cifNo, {
        vehicle: { vin: vin(1), plate: '苏A00001', use: 'FAMILY_PRIVATE' },
        effectiveDate: `${year}-01-01`,
        expiryDate: `${year}-12-31`,
        premium,
        status,
        renewsPolicyNo: renews,
      });
    const policies = await hub.gql(INGEST_POLICIES, {
      records: [
        policy(1, 2023, '1000.00', 'EXPIRED'),
        policy(2, 2025, '2000.00', 'EXPIRED', 'PCA00000001'),
        policy(3, 2026, '3650.00', 'IN_FORCE', 'PCA00000002'),
      ],
    });
    expect(policies.data!.ingestPolicies.rejected).toBe(0);
    const at = (day: string, hour: string) => `${day}T${hour}:00:00Z`;
    const claims = await hub.gql(INGEST_CLAIMS, {
      records: [
        claimRecord(1, 'PCA00000001', {
          accidentAt: at('2023-06-01', '08'),
          reportedAt: at('2023-06-01', '09'),
          registeredAt: at('2023-06-01', '10'),
          surveyedAt: at('2023-06-02', '10'),
          assessedAt: at('2023-06-03', '10'),
          approvedAt: at('2023-06-04', '10'),
          paidAt: at('2023-06-05', '10'),
          closedAt: at('2023-06-06', '10'),
          status: 'CLOSED',
          reserve: '600.00',
          paidAmount: '500.00',
        }),
        claimRecord(2, 'PCA00000002', {
          accidentAt: at('2025-03-01', '08'),
          reportedAt: at('2025-03-01', '09'),
          registeredAt: null,
          surveyedAt: null,
          status: 'REPORTED',
          reserve: '800.00',
        }),
        claimRecord(3, 'PCA00000002', {
          accidentAt: at('2025-04-01', '08'),
          reportedAt: at('2025-04-01', '09'),
          registeredAt: null,
          surveyedAt: null,
          status: 'REJECTED',
          reserve: '100.00',
        }),
      ],
    });
    expect(claims.data!.ingestClaims.rejected).toBe(0);
    const scores = await hub.gql(INGEST_RISK_SCORES, {
      records: [
        riskScoreRecord(
          1,
          { customer: { cifNo } },
          {
            stage: 'UNDERWRITING',
            modelVersion: 'v2',
            score: '40',
            level: 'MEDIUM',
            scoredAt: '2025-01-01T00:00:00Z',
          },
        ),
        riskScoreRecord(
          2,
          { customer: { cifNo } },
          {
            stage: 'UNDERWRITING',
            modelVersion: 'v3',
            score: '20',
            level: 'LOW',
            scoredAt: '2026-01-01T00:00:00Z',
          },
        ),
      ],
    });
    expect(scores.data!.ingestRiskScores.rejected).toBe(0);
  });
  afterAll(() => hub.close());

  it('states claim counts, claim-free years, earned premium and loss ratio of a customer as of a date', async () => {
    const res = await hub.gql(
      `{ customer(by: { cifNo: "${cifNo}" }) { riskHistory(asOf: "2026-07-01") ${HISTORY} } }`,
      {},
      Role.UNDERWRITING,
    );
    expect(res.errors).toBeUndefined();
    // Earned: 1000 + 2000 + 3650 x 182/365 = 4820.00; incurred: 500 paid + 800 reserve (the rejected claim counts nothing).
    expect(res.data!.customer.riskHistory).toEqual({
      asOf: '2026-07-01',
      claimCount1y: 0,
      claimCount3y: 1,
      claimCount5y: 2,
      claimFreeYears: 1,
      lastAccidentDate: '2025-03-01',
      writtenPremium: '6650.00',
      earnedPremium: '4820.00',
      paid: '500.00',
      incurred: '1300.00',
      lifetimeLossRatio: '0.2697',
      policyYears: [
        {
          year: 2023,
          policyCount: 1,
          writtenPremium: '1000.00',
          earnedPremium: '1000.00',
          claimCount: 1,
          paid: '500.00',
          incurred: '500.00',
          lossRatio: '0.5000',
        },
        {
          year: 2025,
          policyCount: 1,
          writtenPremium: '2000.00',
          earnedPremium: '2000.00',
          claimCount: 1,
          paid: '0.00',
          incurred: '800.00',
          lossRatio: '0.4000',
        },
        {
          year: 2026,
          policyCount: 1,
          writtenPremium: '3650.00',
          earnedPremium: '1820.00',
          claimCount: 0,
          paid: '0.00',
          incurred: '0.00',
          lossRatio: '0.0000',
        },
      ],
    });
  });

  it("states each claim's incurred amount in money form, nothing for the rejected one", async () => {
    const res = await hub.gql(
      `{ customer(by: { cifNo: "${cifNo}" }) { claims { nodes { claimNo status incurred } } } }`,
      {},
      Role.UNDERWRITING,
    );
    const incurred = Object.fromEntries(
      res.data!.customer.claims.nodes.map((c: { status: string; incurred: string }) => [
        c.status,
        c.incurred,
      ]),
    );
    expect(incurred).toEqual({ CLOSED: '500.00', REPORTED: '800.00', REJECTED: '0.00' });
  });

  it('answers an earlier date from the same records', async () => {
    const res = await hub.gql(
      `{ customer(by: { cifNo: "${cifNo}" }) { riskHistory(asOf: "2024-12-31") { claimCount5y claimFreeYears earnedPremium incurred } } }`,
      {},
      Role.UNDERWRITING,
    );
    expect(res.data!.customer.riskHistory).toEqual({
      claimCount5y: 1,
      claimFreeYears: 1,
      earnedPremium: '1000.00',
      incurred: '500.00',
    });
  });

  it('counts a claim as it stood on the date: open with its reserve before its payment and closing', async () => {
    const on = async (asOf: string) =>
      (
        await hub.gql(
          `{ customer(by: { cifNo: "${cifNo}" }) { riskHistory(asOf: "${asOf}") { paid incurred } } }`,
          {},
          Role.UNDERWRITING,
        )
      ).data!.customer.riskHistory;
    // The 2023 claim: reserve 600 from its accident on 1 June, 500 paid on 5 June, closed on the 6th.
    expect(await on('2023-06-04')).toEqual({ paid: '0.00', incurred: '600.00' });
    expect(await on('2023-06-05')).toEqual({ paid: '500.00', incurred: '600.00' });
    expect(await on('2023-06-06')).toEqual({ paid: '500.00', incurred: '500.00' });
  });

  it('counts claim-free years of the NCD from the cover that followed a lapse', async () => {
    const created = await hub.gql(INGEST_CUSTOMERS, { records: [customerRecord(4)] });
    const [{ cif_no: holder }] = await hub.sql('select cif_no from customer where id = $1', [
      created.data!.ingestCustomers.records[0].id,
    ]);
    const car = { vin: vin(94), plate: '苏A00094', use: 'FAMILY_PRIVATE' };
    const period = (n: number, from: string, to: string) =>
      autoPolicyRecord(n, holder, {
        vehicle: car,
        effectiveDate: from,
        expiryDate: to,
        status: 'EXPIRED',
      });
    const ingested = await hub.gql(INGEST_POLICIES, {
      records: [
        period(94, '2018-01-01', '2018-12-31'),
        // Three years and a half without cover, then a year renewed the day after it ended.
        period(95, '2022-06-01', '2023-05-31'),
        period(96, '2023-06-01', '2024-05-31'),
      ],
    });
    expect(ingested.data!.ingestPolicies.accepted).toBe(3);
    const res = await hub.gql(
      `{ vehicle(vin: "${vin(94)}") { riskHistory(asOf: "2024-01-15") { claimFreeYears ncdLevel ncdCoefficient } } }`,
      {},
      Role.UNDERWRITING,
    );
    // Claim-free since the first cover, but a discount for the one year of unbroken cover.
    expect(res.data!.vehicle.riskHistory).toEqual({
      claimFreeYears: 6,
      ncdLevel: -1,
      ncdCoefficient: '0.80',
    });
  });

  it('counts a lapse after more than 90 days without cover, the same whether the cover resumed or not', async () => {
    // Two years of cover ending on 31 December 2023; one car resumes after 90 days without
    // cover (1 January to 30 March 2024), the other after 91.
    const ncdAfterGap = async (resumed: string) => {
      // Clear of the numbers this file's fixtures use.
      const n = 7000 + nextNumber();
      const created = await hub.gql(INGEST_CUSTOMERS, { records: [customerRecord(n)] });
      const [{ cif_no: holder }] = await hub.sql('select cif_no from customer where id = $1', [
        created.data!.ingestCustomers.records[0].id,
      ]);
      const car = {
        vin: vin(n),
        plate: `苏B${String(n).slice(-5).padStart(5, '0')}`,
        use: 'FAMILY_PRIVATE',
      };
      const period = (m: number, from: string, to: string) =>
        autoPolicyRecord(m, holder, {
          vehicle: car,
          effectiveDate: from,
          expiryDate: to,
          status: 'EXPIRED',
        });
      const ingested = await hub.gql(INGEST_POLICIES, {
        records: [
          period(n, '2022-01-01', '2022-12-31'),
          period(7000 + nextNumber(), '2023-01-01', '2023-12-31'),
          period(7000 + nextNumber(), resumed, addDays(addYears(resumed, 1), -1)),
        ],
      });
      expect(ingested.data!.ingestPolicies.accepted).toBe(3);
      const level = async (asOf: string) =>
        (
          await hub.gql(
            `{ customer(by: { cifNo: "${holder}" }) { riskHistory(asOf: "${asOf}") { ncdLevel } } }`,
            {},
            Role.UNDERWRITING,
          )
        ).data!.customer.riskHistory.ncdLevel;
      // On the 90th day without cover, and after cover resumed.
      return [await level('2024-03-30'), await level('2024-05-01')];
    };
    // Two claim-free years kept: -2. Lapsed: new to auto cover, 0.
    expect(await ncdAfterGap('2024-03-31')).toEqual([-2, -2]);
    expect(await ncdAfterGap('2024-04-01')).toEqual([-2, 0]);
  });

  it('gives new auto cover, not the best discount, to cover that never ran or ended long ago', async () => {
    const created = await hub.gql(INGEST_CUSTOMERS, {
      records: [customerRecord(7), customerRecord(8)],
    });
    const ids = created.data!.ingestCustomers.records.map((r: { id: string }) => r.id);
    const holders = await hub.sql<{ cif_no: string }>(
      'select cif_no from customer where id = any($1) order by array_position($1, id)',
      [ids],
    );
    const car = (n: number) => ({ vin: vin(n), plate: `苏A000${n}`, use: 'FAMILY_PRIVATE' });
    const ingested = await hub.gql(INGEST_POLICIES, {
      records: [
        // A policy cancelled before it ran: no cover at all.
        autoPolicyRecord(97, holders[0]!.cif_no, {
          vehicle: car(97),
          effectiveDate: '2024-01-01',
          expiryDate: '2024-12-31',
          status: 'CANCELLED',
        }),
        // One year of cover, years ago.
        autoPolicyRecord(98, holders[1]!.cif_no, {
          vehicle: car(98),
          effectiveDate: '2019-01-01',
          expiryDate: '2019-12-31',
          status: 'EXPIRED',
        }),
      ],
    });
    expect(ingested.data!.ingestPolicies.accepted).toBe(2);
    for (const { cif_no: cifNo } of holders) {
      const res = await hub.gql(
        `{ customer(by: { cifNo: "${cifNo}" }) { riskHistory(asOf: "2025-06-01") { ncdLevel ncdCoefficient } } }`,
        {},
        Role.UNDERWRITING,
      );
      expect(res.data!.customer.riskHistory).toEqual({ ncdLevel: 0, ncdCoefficient: '1.00' });
    }
  });

  it('states the no-claims discount level on each date, from the claims of the last year and the claim-free years before', async () => {
    const ncd = async (asOf: string) => {
      const res = await hub.gql(
        `{ customer(by: { cifNo: "${cifNo}" }) { riskHistory(asOf: "${asOf}") { ncdLevel ncdCoefficient } }
           vehicle(vin: "${vin(1)}") { riskHistory(asOf: "${asOf}") { ncdLevel ncdCoefficient } } }`,
        {},
        Role.UNDERWRITING,
      );
      expect(res.errors).toBeUndefined();
      // The customer's one car: the same discount either way.
      expect(res.data!.vehicle.riskHistory).toEqual(res.data!.customer.riskHistory);
      return res.data!.customer.riskHistory;
    };
    // Before the first cover, none; new to auto cover, 1.00.
    expect(await ncd('2022-12-31')).toEqual({ ncdLevel: null, ncdCoefficient: null });
    expect(await ncd('2023-03-01')).toEqual({ ncdLevel: 0, ncdCoefficient: '1.00' });
    // The claim of June 2023 in the last year: still 0. A year after it, the car had had no
    // cover since 2023 ended (a lapse): new to auto cover again, 0.
    expect(await ncd('2023-12-31')).toEqual({ ncdLevel: 0, ncdCoefficient: '1.00' });
    expect(await ncd('2024-06-01')).toEqual({ ncdLevel: 0, ncdCoefficient: '1.00' });
    // March 2025's claim (April's was rejected, and counts nothing).
    expect(await ncd('2025-12-31')).toEqual({ ncdLevel: 0, ncdCoefficient: '1.00' });
    expect(await ncd('2026-03-01')).toEqual({ ncdLevel: -1, ncdCoefficient: '0.80' });
  });

  it('goes from 0.50 after four claim-free years to 2.00 at five claims in the last year, on any date', async () => {
    const today = hub.clock.today();
    const [customer] = (await hub.gql(INGEST_CUSTOMERS, { records: [customerRecord(2)] })).data!
      .ingestCustomers.records;
    const [{ cif_no: holder }] = await hub.sql<{ cif_no: string }>(
      'select cif_no from customer where id = $1',
      [customer.id],
    );
    const policyNo = 'PCA00000020';
    const cover = await hub.gql(INGEST_POLICIES, {
      records: [
        autoPolicyRecord(20, holder, {
          vehicle: { vin: vin(2), plate: '苏A00002', use: 'FAMILY_PRIVATE' },
          effectiveDate: addDays(today, -5 * 366),
          expiryDate: addDays(today, 30),
          status: 'IN_FORCE',
        }),
      ],
    });
    expect(cover.data!.ingestPolicies.rejected).toBe(0);
    const level = async () => {
      const res = await hub.gql(
        `{ customer(by: { cifNo: "${holder}" }) { riskHistory { ncdLevel ncdCoefficient } } }`,
        {},
        Role.UNDERWRITING,
      );
      return res.data!.customer.riskHistory;
    };
    expect(await level()).toEqual({ ncdLevel: -4, ncdCoefficient: '0.50' });
    // A claim closed with nothing paid (零结案) is no claim to the NCD.
    const day = addDays(today, -40);
    const zero = await hub.gql(INGEST_CLAIMS, {
      records: [
        claimRecord(190, policyNo, {
          accidentAt: `${day}T02:00:00Z`,
          reportedAt: `${day}T03:00:00Z`,
          registeredAt: null,
          surveyedAt: null,
          closedAt: `${addDays(day, 3)}T03:00:00Z`,
          status: 'CLOSED',
          reserve: '0.00',
          paidAmount: '0.00',
        }),
      ],
    });
    expect(zero.data!.ingestClaims.records[0]).toMatchObject({ errors: [] });
    expect(await level()).toEqual({ ncdLevel: -4, ncdCoefficient: '0.50' });
    const claims = async (from: number, count: number) => {
      const res = await hub.gql(INGEST_CLAIMS, {
        records: Array.from({ length: count }, (_, i) => {
          const at = `${addDays(today, -10 - i)}T02:00:00Z`;
          return claimRecord(200 + from + i, policyNo, {
            accidentAt: at,
            reportedAt: at,
            registeredAt: null,
            surveyedAt: null,
            status: 'REPORTED',
            reserve: '100.00',
          });
        }),
      });
      expect(res.data!.ingestClaims.rejected).toBe(0);
    };
    await claims(0, 2);
    expect(await level()).toEqual({ ncdLevel: 1, ncdCoefficient: '1.20' });
    await claims(2, 4);
    expect(await level()).toEqual({ ncdLevel: 4, ncdCoefficient: '2.00' });
  });

  it('counts no claim-free years, nor tenure, from cover that never ran (cancelled or pending)', async () => {
    const created = await hub.gql(INGEST_CUSTOMERS, {
      records: [customerRecord(9), customerRecord(10)],
    });
    const holders = await hub.sql<{ cif_no: string }>(
      'select cif_no from customer where id = any($1) order by cif_no',
      [created.data!.ingestCustomers.records.map((r: { id: string }) => r.id)],
    );
    const today = hub.clock.today();
    const policies = await hub.gql(INGEST_POLICIES, {
      records: ['CANCELLED', 'PENDING'].map((status, i) =>
        autoPolicyRecord(80 + i, holders[i]!.cif_no, {
          vehicle: { vin: vin(80 + i), plate: `苏A000${80 + i}`, use: 'FAMILY_PRIVATE' },
          effectiveDate: addDays(today, -800),
          expiryDate: addDays(today, -436),
          status,
        }),
      ),
    });
    expect(policies.data!.ingestPolicies.rejected).toBe(0);
    await hub.app.services.tiers.drainQueue();
    // Written premium is the tier's: a cancelled policy's is not written, a pending one's is.
    for (const [i, { cif_no }] of holders.entries()) {
      const res = await hub.gql(
        `{ customer(by: { cifNo: "${cif_no}" }) { riskHistory { claimFreeYears writtenPremium }
            tier { metrics { claimFreeMonths tenureMonths } } } }`,
        {},
        Role.UNDERWRITING,
      );
      expect(res.data!.customer).toEqual({
        riskHistory: { claimFreeYears: 0, writtenPremium: i === 0 ? '0.00' : '4280.50' },
        tier: { metrics: { claimFreeMonths: 0, tenureMonths: 0 } },
      });
    }
  });

  /** The CIF number of customer record `n`, ingested. */
  const holderOf = async (n: number) => {
    const created = await hub.gql(INGEST_CUSTOMERS, { records: [customerRecord(n)] });
    const [{ cif_no: cifNo }] = await hub.sql<{ cif_no: string }>(
      'select cif_no from customer where id = $1',
      [created.data!.ingestCustomers.records[0].id],
    );
    return cifNo;
  };

  it('finds by plate the car that carries it now, whatever was written last', async () => {
    const holder = await holderOf(11);
    const today = hub.clock.today();
    const car = (n: number, plate: string, start: number, overrides: object = {}) =>
      autoPolicyRecord(n, holder, {
        // Numbers no other test of this file gives a policy (renewals name 90 to 92).
        policyNo: `PLT${n}`,
        vehicle: { vin: vin(n), plate, use: 'FAMILY_PRIVATE' },
        effectiveDate: addDays(today, start),
        expiryDate: addDays(today, start + 364),
        ...overrides,
      });
    const plateOf = async (key: string) =>
      (await hub.gql(`{ vehicle(${key}) { vin plate } }`, {}, Role.UNDERWRITING)).data!.vehicle;
    const send = async (...records: object[]) =>
      expect(
        (await hub.gql(INGEST_POLICIES, { records })).data!.ingestPolicies.records.flatMap(
          (r: { errors: { field: string; rule: string }[] }) => r.errors,
        ),
      ).toEqual([]);
    // The owner keeps the plate for a new car; then the old car's policy is corrected.
    await send(car(90, '苏A09090', -300));
    await send(car(91, '苏A09090', -30));
    await send(
      car(90, '苏A09090', -300, {
        vehicle: { vin: vin(90), plate: '苏A09090', use: 'NON_OPERATING' },
      }),
    );
    expect(await plateOf('plate: "苏A09090"')).toEqual({ vin: vin(91), plate: '苏A09090' });
    // A compulsory and a commercial policy of one car from one day, in either order: the
    // later number describes it.
    const pair = (n: number, first: string, second: string) => [
      car(n, first, -10, { policyNo: `PCC${n}A`, line: 'COMPULSORY_AUTO' }),
      car(n, second, -10, { policyNo: `PCC${n}B` }),
    ];
    const [a, b] = pair(92, '苏A09201', '苏A09202');
    await send(a!);
    await send(b!);
    const [c, d] = pair(93, '苏A09301', '苏A09302');
    await send(d!);
    await send(c!);
    expect(await plateOf(`vin: "${vin(92)}"`)).toMatchObject({ plate: '苏A09202' });
    expect(await plateOf(`vin: "${vin(93)}"`)).toMatchObject({ plate: '苏A09302' });
  });

  it('gives a car to the customer insuring it today, not to a buyer whose policy starts next week', async () => {
    const [seller, buyer] = [await holderOf(13), await holderOf(14)];
    const today = hub.clock.today();
    const policy = (holder: string, policyNo: string, plate: string, start: number) =>
      autoPolicyRecord(196, holder, {
        policyNo,
        vehicle: { vin: vin(196), plate, use: 'FAMILY_PRIVATE' },
        effectiveDate: addDays(today, start),
        expiryDate: addDays(today, start + 364),
        ...(start > 0 && { status: 'PENDING' }),
      });
    const sent = await hub.gql(INGEST_POLICIES, {
      records: [
        policy(seller, 'PSL00000096', '苏A09600', -100),
        policy(buyer, 'PBY00000096', '苏B09601', 7),
      ],
    });
    expect(sent.data!.ingestPolicies.rejected).toBe(0);
    const read = async () =>
      (
        await hub.gql(
          `{ byVin: customer(by: { vin: "${vin(196)}" }) { cifNo }
             byOld: customer(by: { plate: "苏A09600" }) { cifNo }
             car: vehicle(vin: "${vin(196)}") { plate }
             seller: customer(by: { policyNo: "PSL00000096" }) {
               policies { nodes { vehicle { plate } } } } }`,
          {},
          Role.UNDERWRITING,
        )
      ).data!;
    expect(await read()).toEqual({
      byVin: { cifNo: seller },
      byOld: { cifNo: seller },
      car: { plate: '苏A09600' },
      seller: { policies: { nodes: [{ vehicle: { plate: '苏A09600' } }] } },
    });
    // A car with no policy started yet is the first to start's: of a compulsory policy from
    // next week and a commercial one a fortnight later, the compulsory one.
    const ahead = await hub.gql(INGEST_POLICIES, {
      records: [7, 14].map((start) =>
        autoPolicyRecord(197, buyer, {
          policyNo: `PAH${start}0000097`,
          vehicle: { vin: vin(197), plate: `苏B0970${start % 10}`, use: 'FAMILY_PRIVATE' },
          effectiveDate: addDays(today, start),
          expiryDate: addDays(today, start + 364),
          status: 'PENDING',
        }),
      ),
    });
    expect(ahead.data!.ingestPolicies.rejected).toBe(0);
    expect(
      (await hub.gql(`{ vehicle(vin: "${vin(197)}") { plate } }`, {}, Role.UNDERWRITING)).data,
    ).toEqual({ vehicle: { plate: '苏B09707' } });
    // Once the buyer's policy has started, the car is theirs, under its new plate.
    hub.clock.set(hub.clock.instantAt(addDays(today, 8), '12:00:00'));
    try {
      expect(await read()).toMatchObject({
        byVin: { cifNo: buyer },
        byOld: null,
        car: { plate: '苏B09601' },
      });
    } finally {
      hub.clock.set(undefined);
    }
  });

  it('counts money paid on a claim later withdrawn as paid and incurred, though not the claim', async () => {
    const holder = await holderOf(12);
    const today = hub.clock.today();
    const policyNo = 'PWD00000095';
    const policy = await hub.gql(INGEST_POLICIES, {
      records: [
        autoPolicyRecord(95, holder, {
          policyNo,
          vehicle: { vin: vin(95), plate: '苏A09500', use: 'FAMILY_PRIVATE' },
          effectiveDate: addDays(today, -100),
          expiryDate: addDays(today, 264),
        }),
      ],
    });
    expect(policy.data!.ingestPolicies.rejected).toBe(0);
    const day = addDays(today, -20);
    const claims = await hub.gql(INGEST_CLAIMS, {
      records: [
        claimRecord(95, policyNo, {
          accidentAt: `${day}T02:00:00Z`,
          reportedAt: `${day}T03:00:00Z`,
          registeredAt: null,
          surveyedAt: null,
          advancePayment: true,
          paidAt: `${day}T05:00:00Z`,
          paidAmount: '300.00',
          status: 'WITHDRAWN',
        }),
      ],
    });
    expect(claims.data!.ingestClaims.rejected).toBe(0);
    const res = await hub.gql(
      `{ customer(by: { cifNo: "${holder}" }) { riskHistory { claimCount1y paid incurred }
          claims { nodes { paidAmount } } } }`,
      {},
      Role.UNDERWRITING,
    );
    expect(res.data!.customer).toEqual({
      riskHistory: { claimCount1y: 0, paid: '300.00', incurred: '300.00' },
      claims: { nodes: [{ paidAmount: '300.00' }] },
    });
  });

  it('gives the same history for the vehicle, found by VIN or plate', async () => {
    for (const key of [`vin: "${vin(1)}"`, 'plate: "苏A00001"']) {
      const res = await hub.gql(
        `{ vehicle(${key}) { vin riskHistory(asOf: "2026-07-01") { claimCount5y incurred lifetimeLossRatio } } }`,
        {},
        Role.UNDERWRITING,
      );
      expect(res.data!.vehicle).toEqual({
        vin: vin(1),
        riskHistory: { claimCount5y: 2, incurred: '1300.00', lifetimeLossRatio: '0.2697' },
      });
    }
  });

  it('lists the score history with model versions, newest first, and the latest per stage', async () => {
    const res = await hub.gql(
      `{ customer(by: { cifNo: "${cifNo}" }) {
          riskScores(stage: [UNDERWRITING]) { totalCount nodes { modelVersion score level scoredAt } }
          latestRiskScores { stage modelVersion level } } }`,
      {},
      Role.UNDERWRITING,
    );
    expect(res.data!.customer.riskScores).toEqual({
      totalCount: 2,
      nodes: [
        { modelVersion: 'v3', score: '20.00', level: 'LOW', scoredAt: '2026-01-01T00:00:00.000Z' },
        {
          modelVersion: 'v2',
          score: '40.00',
          level: 'MEDIUM',
          scoredAt: '2025-01-01T00:00:00.000Z',
        },
      ],
    });
    expect(res.data!.customer.latestRiskScores).toEqual([
      { stage: 'UNDERWRITING', modelVersion: 'v3', level: 'LOW' },
    ]);
  });

  it('lists the score history of a claim and of a vehicle too, not their latest alone', async () => {
    const [claim] = await hub.sql<{ claim_no: string; accident_at: Date }>(
      `select c.claim_no, c.accident_at from claim c join policy p on p.id = c.policy_id
       join vehicle v on v.id = p.vehicle_id where v.vin = $1 order by c.accident_at limit 1`,
      [vin(1)],
    );
    const after = (hours: number) =>
      new Date(claim!.accident_at.getTime() + hours * 3_600_000).toISOString();
    const key = `HIST-${nextNumber()}`;
    const scores = await hub.gql(INGEST_RISK_SCORES, {
      records: [
        riskScoreRecord(
          1,
          { claimNo: claim!.claim_no },
          { sourceKey: `${key}-1`, modelVersion: 'c1', scoredAt: after(1) },
        ),
        riskScoreRecord(
          2,
          { claimNo: claim!.claim_no },
          { sourceKey: `${key}-2`, modelVersion: 'c2', scoredAt: after(2) },
        ),
        riskScoreRecord(
          3,
          { vin: vin(1) },
          { sourceKey: `${key}-3`, modelVersion: 'v1', scoredAt: after(1) },
        ),
        riskScoreRecord(
          4,
          { vin: vin(1) },
          { sourceKey: `${key}-4`, modelVersion: 'v2', scoredAt: after(2) },
        ),
      ],
    });
    expect(scores.data!.ingestRiskScores.rejected).toBe(0);
    const res = await hub.gql(
      `{ vehicle(vin: "${vin(1)}") { riskScores(stage: [REPORT]) { nodes { modelVersion } } }
         customer(by: { cifNo: "${cifNo}" }) { claims(first: 50) { nodes { claimNo
           riskScores { nodes { modelVersion } } } } } }`,
      {},
      Role.UNDERWRITING,
    );
    expect(res.errors).toBeUndefined();
    const versions = (nodes: { modelVersion: string }[]) => nodes.map((n) => n.modelVersion);
    expect(versions(res.data!.vehicle.riskScores.nodes)).toEqual(
      expect.arrayContaining(['v2', 'v1']),
    );
    expect(versions(res.data!.vehicle.riskScores.nodes).indexOf('v2')).toBeLessThan(
      versions(res.data!.vehicle.riskScores.nodes).indexOf('v1'),
    );
    const scored = res.data!.customer.claims.nodes.find(
      (c: { claimNo: string }) => c.claimNo === claim!.claim_no,
    );
    expect(versions(scored.riskScores.nodes).slice(0, 2)).toEqual(['c2', 'c1']);
  });

  it('follows renewals back through the policy chain', async () => {
    const res = await hub.gql(
      '{ customer(by: { policyNo: "PCA00000003" }) { policies(first: 1) { nodes { policyNo renews { policyNo renews { policyNo renews { policyNo } } } } } } }',
      {},
      Role.UNDERWRITING,
    );
    expect(res.data!.customer.policies.nodes[0]).toEqual({
      policyNo: 'PCA00000003',
      renews: { policyNo: 'PCA00000002', renews: { policyNo: 'PCA00000001', renews: null } },
    });
  });

  it('refuses a renewal that does not run forward in time: of itself, of a later policy, or overtaking its renewal', async () => {
    const resend = async (n: number, overrides: Record<string, unknown>) => {
      const res = await hub.gql(INGEST_POLICIES, {
        records: [
          autoPolicyRecord(n, cifNo, {
            vehicle: { vin: vin(1), plate: '苏A00001', use: 'FAMILY_PRIVATE' },
            status: 'EXPIRED',
            ...overrides,
          }),
        ],
      });
      const [outcome] = res.data!.ingestPolicies.records;
      return { status: outcome.status, errors: outcome.errors.map((e: any) => [e.field, e.rule]) };
    };
    const year = (y: number) => ({ effectiveDate: `${y}-01-01`, expiryDate: `${y}-12-31` });
    expect(await resend(1, { ...year(2023), renewsPolicyNo: 'PCA00000001' })).toEqual({
      status: 'REJECTED',
      errors: [['renewsPolicyNo', 'RENEWAL_ORDER']],
    });
    // Nor moved to a later year at once: its stored start is not the one it would have.
    expect(await resend(1, { ...year(2024), renewsPolicyNo: 'PCA00000001' })).toEqual({
      status: 'REJECTED',
      errors: [['renewsPolicyNo', 'RENEWAL_ORDER']],
    });
    // A number not stored yet renews itself the same way: not an unknown policy.
    expect(await resend(90, { ...year(2023), renewsPolicyNo: 'PCA00000090' })).toEqual({
      status: 'REJECTED',
      errors: [['renewsPolicyNo', 'RENEWAL_ORDER']],
    });
    expect(await resend(1, { ...year(2023), renewsPolicyNo: 'PCA00000003' })).toEqual({
      status: 'REJECTED',
      errors: [['renewsPolicyNo', 'RENEWAL_ORDER']],
    });
    // Policies of their own, numbered apart from every other test's.
    const k = 8000 + nextNumbers(4);
    const fresh = (n: number, overrides: Record<string, unknown>) =>
      autoPolicyRecord(n, cifNo, {
        vehicle: {
          vin: vin(n),
          plate: `苏D${String(n % 100_000).padStart(5, '0')}`,
          use: 'FAMILY_PRIVATE',
        },
        status: 'EXPIRED',
        ...overrides,
      });
    const numberOf = (n: number) => fresh(n, {}).policyNo;
    // Two new policies of one batch renewing each other: neither is an unknown policy.
    const loop = await hub.gql(INGEST_POLICIES, {
      records: [
        fresh(k, { ...year(2023), renewsPolicyNo: numberOf(k + 1) }),
        fresh(k + 1, { ...year(2023), renewsPolicyNo: numberOf(k) }),
      ],
    });
    expect(loop.data!.ingestPolicies.records).toMatchObject(
      [k + 1, k].map((renewed) => ({
        status: 'REJECTED',
        errors: [
          {
            field: 'renewsPolicyNo',
            rule: 'RENEWAL_ORDER',
            message: `renews ${numberOf(renewed)}, which this batch has renewing this policy in turn: renewals run forward in time`,
          },
        ],
      })),
    );
    // A renewal of a policy the batch refused is unknown, and told why.
    const orphan = await hub.gql(INGEST_POLICIES, {
      records: [
        fresh(k + 3, { ...year(2024), renewsPolicyNo: numberOf(k + 2) }),
        fresh(k + 2, { ...year(2023), parties: [] }),
      ],
    });
    expect(orphan.data!.ingestPolicies.records).toMatchObject([
      {
        status: 'REJECTED',
        errors: [
          {
            field: 'renewsPolicyNo',
            rule: 'UNKNOWN_POLICY',
            message:
              'no policy with this number is known: record 1 of this batch, with it, was rejected',
          },
        ],
      },
      { status: 'REJECTED' },
    ]);
    // Policy 2 moved to the year of policy 3, which renews it.
    expect(
      await resend(2, { ...year(2026), premium: '2000.00', renewsPolicyNo: 'PCA00000001' }),
    ).toEqual({ status: 'REJECTED', errors: [['effectiveDate', 'RENEWAL_ORDER']] });
    const [chain] = await hub.sql(
      `select p.effective_date::text as starts, r.policy_no as renews from policy p
       left join policy r on r.id = p.renews_id where p.policy_no in ('PCA00000001', 'PCA00000002')
       order by p.policy_no`,
    );
    expect(chain).toEqual({ starts: '2023-01-01', renews: null });
  });

  it('holds renewals forward in time when two writers move the two ends at once', async () => {
    // Two holders: nothing else of theirs (their tier queue rows) makes one writer wait.
    const others = await hub.gql(INGEST_CUSTOMERS, {
      records: [customerRecord(5), customerRecord(6)],
    });
    const holders = await hub.sql<{ cif_no: string }>(
      'select cif_no from customer where id = any($1) order by cif_no',
      [others.data!.ingestCustomers.records.map((r: { id: string }) => r.id)],
    );
    const year = (n: number, y: number) =>
      autoPolicyRecord(n, holders[n % 2]!.cif_no, {
        vehicle: { vin: vin(n), plate: `苏A000${n}`, use: 'FAMILY_PRIVATE' },
        effectiveDate: `${y}-01-01`,
        expiryDate: `${y}-12-31`,
        status: 'EXPIRED',
      });
    const ingested = await hub.gql(INGEST_POLICIES, { records: [year(91, 2023), year(92, 2025)] });
    expect(ingested.data!.ingestPolicies.accepted).toBe(2);
    const id = (n: number) => `(select id from policy where policy_no = 'PCA000000${n}')`;
    const [first, second] = [createClient(hub.databaseUrl), createClient(hub.databaseUrl)];
    await Promise.all([first.connect(), second.connect()]);
    const {
      rows: [{ pid }],
    } = await second.query<{ pid: number }>('select pg_backend_pid() as pid');
    try {
      // Each alone is a renewal forward in time; together, a loop.
      await first.query('begin');
      await first.query(`update policy set renews_id = ${id(91)} where policy_no = 'PCA00000092'`);
      await second.query('begin');
      const moved = second.query(
        `update policy set effective_date = '2027-01-01', expiry_date = '2027-12-31',
           renews_id = ${id(92)} where policy_no = 'PCA00000091'`,
      );
      let done = false;
      const settled = moved.then(
        () => 'stored',
        (error: { constraint?: string }) => error.constraint,
      );
      void settled.finally(() => (done = true));
      // The second writer's statement has run, or waits on the first: only then the commit.
      for (let waited = 0; !done && waited < 100; waited += 1) {
        const [activity] = await hub.sql<{ waiting: boolean }>(
          `select wait_event_type = 'Lock' as waiting from pg_stat_activity where pid = $1`,
          [pid],
        );
        if (activity?.waiting) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await first.query('commit');
      expect(await settled).toBe('policy_renewal_order');
    } finally {
      await second.query('rollback');
      await Promise.all([first.end(), second.end()]);
    }
  });

  it('holds renewals forward in time in the database too, for a writer that bypasses ingestion', async () => {
    const id = (n: number) => `(select id from policy where policy_no = 'PCA0000000${n}')`;
    const refused = expect.objectContaining({
      code: '23514',
      constraint: 'policy_renewal_order',
    });
    await expect(
      hub.sql(`update policy set renews_id = id where policy_no = 'PCA00000003'`),
    ).rejects.toEqual(refused);
    // A policy renewed twice: 2026's policy naming 2023's, which 2025's renews.
    await expect(
      hub.sql(`update policy set renews_id = ${id(1)} where policy_no = 'PCA00000003'`),
    ).rejects.toEqual(expect.objectContaining({ code: '23505', constraint: 'policy_renews_once' }));
    await expect(
      hub.sql(`update policy set renews_id = ${id(3)} where policy_no = 'PCA00000002'`),
    ).rejects.toEqual(refused);
    // From the other end: the renewed policy moved to start with the one renewing it.
    await expect(
      hub.sql(
        `update policy set effective_date = '2025-01-01', expiry_date = '2025-12-31'
         where policy_no = 'PCA00000001'`,
      ),
    ).rejects.toEqual(refused);
    // A renewal of an earlier policy is what it should be.
    await hub.sql(`update policy set renews_id = null where policy_no = 'PCA00000002'`);
    await hub.sql(`update policy set renews_id = ${id(1)} where policy_no = 'PCA00000002'`);
  });
});

import { Role } from '../../src/auth/roles';
import {
  autoPolicyRecord,
  cifNumbers,
  claimRecord,
  customerRecord,
  INGEST_CLAIMS,
  INGEST_CUSTOMERS,
  INGEST_POLICIES,
  insertBranches,
  residentId,
} from '../setup/factories';
import { startTestHub, type TestHub } from '../setup/test-app';

/**
 * The hub's clock stands at 00:30 on 1 January 2027 in Beijing, which is still 31 December
 * 2026 in UTC: every rule below gives another answer if a day is counted in UTC.
 */
const NOW = '2027-01-01T00:30:00+08:00';

describe('business days are Beijing days', () => {
  let hub: TestHub;
  let n = 7000;
  const bj = (local: string) => `${local}+08:00`;

  async function customerWithPolicy(policy: Record<string, unknown>) {
    n += 1;
    const customers = await hub.gql(INGEST_CUSTOMERS, {
      records: [
        customerRecord(n, {
          marketingConsent: { given: true, at: bj('2026-01-05T10:00:00'), channel: 'APP' },
        }),
      ],
    });
    const [cifNo] = await cifNumbers(hub, [customers.data!.ingestCustomers.records[0].id]);
    const record = autoPolicyRecord(n, cifNo, policy);
    const policies = await hub.gql(INGEST_POLICIES, { records: [record] });
    expect(policies.data!.ingestPolicies.rejected).toBe(0);
    return { cifNo, policyNo: record.policyNo as string };
  }

  async function claim(policyNo: string, accidentAt: string) {
    n += 1;
    const res = await hub.gql(INGEST_CLAIMS, {
      records: [
        claimRecord(n, policyNo, {
          accidentAt,
          reportedAt: accidentAt,
          registeredAt: null,
          surveyedAt: null,
          status: 'REPORTED',
        }),
      ],
    });
    return res.data!.ingestClaims.records[0] as { status: string; errors: { rule: string }[] };
  }

  async function segment(filter: Record<string, unknown>): Promise<string[]> {
    const res = await hub.gql(
      `query ($filter: MarketingCustomerFilter) {
        marketingCustomers(filter: $filter, first: 100) { nodes { cifNo } } }`,
      { filter },
      Role.MARKETING,
    );
    expect(res.errors).toBeUndefined();
    return res.data!.marketingCustomers.nodes.map((c: { cifNo: string }) => c.cifNo);
  }

  beforeAll(async () => {
    hub = await startTestHub();
    hub.clock.set(NOW);
    await insertBranches(hub);
  });
  afterAll(() => hub.close());

  describe('the claim cover check', () => {
    let policyNo: string;
    beforeAll(async () => {
      ({ policyNo } = await customerWithPolicy({
        effectiveDate: '2027-01-01',
        expiryDate: '2027-12-31',
      }));
      // After the cover ended: an accident is reported once it has happened.
      hub.clock.set('2028-01-02T09:00:00+08:00');
    });
    afterAll(() => hub.clock.set(NOW));

    it('accepts an accident at 00:30 Beijing time on the first day of cover', async () => {
      expect((await claim(policyNo, bj('2027-01-01T00:30:00'))).errors).toEqual([]);
    });

    it('rejects one at 23:30 Beijing time on the day before cover starts', async () => {
      const outcome = await claim(policyNo, bj('2026-12-31T23:30:00'));
      expect(outcome.status).toBe('REJECTED');
      expect(outcome.errors.map((e) => e.rule)).toContain('OUTSIDE_COVER');
    });

    it('accepts one at 23:30 Beijing time on the day of expiry', async () => {
      expect((await claim(policyNo, bj('2027-12-31T23:30:00'))).errors).toEqual([]);
    });

    it('rejects one at 00:30 Beijing time on the day after expiry', async () => {
      const outcome = await claim(policyNo, bj('2028-01-01T00:30:00'));
      expect(outcome.errors.map((e) => e.rule)).toContain('OUTSIDE_COVER');
    });
  });

  it('counts "expiring within N days" from the Beijing day', async () => {
    // Expired yesterday in Beijing, though "today" in UTC.
    const expired = await customerWithPolicy({
      effectiveDate: '2026-01-01',
      expiryDate: '2026-12-31',
    });
    // 30 days ahead in Beijing, 31 in UTC.
    const inThirty = await customerWithPolicy({
      effectiveDate: '2026-02-01',
      expiryDate: '2027-01-31',
    });
    const found = await segment({ expiringWithinDays: 30 });
    expect(found).toContain(inThirty.cifNo);
    expect(found).not.toContain(expired.cifNo);
    expect(await segment({ expiringWithinDays: 29 })).not.toContain(inThirty.cifNo);
  });

  it('counts "claims within N days" from the start of the Beijing day', async () => {
    const customer = await customerWithPolicy({
      effectiveDate: '2026-01-01',
      expiryDate: '2026-12-31',
    });
    // 23:30 Beijing on 1 December is 31 days back from 1 January in Beijing, 30 in UTC.
    expect((await claim(customer.policyNo, bj('2026-12-01T23:30:00'))).errors).toEqual([]);
    expect(await segment({ hasClaims: true, claimsWithinDays: 30 })).not.toContain(customer.cifNo);
    expect(await segment({ hasClaims: true, claimsWithinDays: 31 })).toContain(customer.cifNo);
  });

  it('takes by default the claims of the 12 months the tier counts', async () => {
    const covering = { effectiveDate: '2025-06-01', expiryDate: '2026-05-31' };
    // A year ago to the day (1 January 2026, Beijing) is outside claimCount12m; the day after
    // is inside.
    const [outside, inside] = [
      await customerWithPolicy(covering),
      await customerWithPolicy(covering),
    ];
    expect((await claim(outside.policyNo, bj('2026-01-01T12:00:00'))).errors).toEqual([]);
    expect((await claim(inside.policyNo, bj('2026-01-02T00:10:00'))).errors).toEqual([]);
    const found = await segment({ hasClaims: true });
    expect(found).toContain(inside.cifNo);
    expect(found).not.toContain(outside.cifNo);
    await hub.app.services.tiers.drainQueue();
    const counts = await hub.gql(
      `{ a: customer(by: { cifNo: "${outside.cifNo}" }) { tier { metrics { claimCount12m } } }
         b: customer(by: { cifNo: "${inside.cifNo}" }) { tier { metrics { claimCount12m } } } }`,
      {},
      Role.UNDERWRITING,
    );
    expect(counts.data).toEqual({
      a: { tier: { metrics: { claimCount12m: 0 } } },
      b: { tier: { metrics: { claimCount12m: 1 } } },
    });
  });

  it('counts on a past day only the customers the hub knew that day, by its clock', async () => {
    const total = async (day: string) => {
      const res = await hub.gql(
        `query ($day: LocalDate!) { tierSegmentSummary(asOf: $day) { customers } }`,
        { day },
        Role.MARKETING,
      );
      expect(res.errors).toBeUndefined();
      return (res.data!.tierSegmentSummary as { customers: number }[]).reduce(
        (sum, row) => sum + row.customers,
        0,
      );
    };
    const before = await total('2026-12-31');
    // Made at 00:30 on 1 January in Beijing (31 December in UTC), whatever the database's
    // own clock says.
    await customerWithPolicy({ effectiveDate: '2026-06-01', expiryDate: '2027-05-31' });
    expect(await total('2026-12-31')).toBe(before);
  });

  it('counts the risk-history windows in Beijing days, across the turn of the year', async () => {
    const customer = await customerWithPolicy({
      effectiveDate: '2025-06-01',
      expiryDate: '2026-05-31',
    });
    // The last day outside the 12 months up to 1 January 2027, and the first inside.
    await claim(customer.policyNo, bj('2026-01-01T23:30:00'));
    await claim(customer.policyNo, bj('2026-01-02T00:30:00'));
    const res = await hub.gql(
      `query ($cifNo: String!) { customer(by: { cifNo: $cifNo }) {
        riskHistory { asOf claimCount1y claimCount3y } } }`,
      { cifNo: customer.cifNo },
      Role.UNDERWRITING,
    );
    expect(res.data!.customer.riskHistory).toEqual({
      asOf: '2027-01-01',
      claimCount1y: 1,
      claimCount3y: 2,
    });
  });

  describe('in a hub that keeps days in another zone', () => {
    let utc: TestHub;
    beforeAll(async () => {
      utc = await startTestHub({ config: { businessTimeZone: 'UTC' } });
      // A past day, so that the day in Beijing has come by any machine's clock too.
      utc.clock.set('2025-06-01T00:30:00+08:00');
      await insertBranches(utc);
    });
    afterAll(() => utc.close());

    it('refuses a resident ID born on a day that has come in Beijing but not in its zone', async () => {
      // 1 June 2025 in Beijing; 31 May in UTC, the hub's business day.
      const ingest = (birth: string) =>
        utc.gql(INGEST_CUSTOMERS, {
          records: [
            customerRecord(n, {
              sourceKey: `UTC-${birth}`,
              identityDocuments: [{ type: 'RESIDENT_ID', number: residentId(n, birth) }],
              // Nothing dated after the hub's day.
              contactPoints: [],
              marketingConsent: undefined,
            }),
          ],
        });
      n += 1;
      const born = await ingest('20250601');
      expect(born.data!.ingestCustomers.records[0]).toMatchObject({
        status: 'REJECTED',
        errors: [
          expect.objectContaining({ field: 'identityDocuments[0].number', rule: 'ID_BIRTH_DATE' }),
        ],
      });
      expect((await ingest('20250531')).data!.ingestCustomers.records[0].status).toBe('CREATED');
    });
  });
});

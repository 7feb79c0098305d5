import { Role } from '../../src/auth/roles';
import {
  autoPolicyRecord,
  cifNumbers,
  claimRecord,
  coverFrom,
  customerRecord,
  INGEST_CLAIMS,
  INGEST_CUSTOMERS,
  INGEST_POLICIES,
  insertBranches,
  nextNumber,
  plate,
  vin,
} from '../setup/factories';
import { startTestHub, type GraphQLResponse, type TestHub } from '../setup/test-app';

/**
 * Row rules at every depth: branch scope for every role, consent for marketing, relations
 * marketing may not follow. Customers: A in Nanjing (3201, consenting) holding a policy on
 * which B in Hangzhou (3301, not consenting) is insured, with a claim; C in Wuxi (3202,
 * consenting) alone.
 */
describe('who sees which records, wherever they appear', () => {
  let hub: TestHub;
  let a: string, b: string, c: string;
  let policyNo: string;
  let vinA: string;

  const as = async (role: Role, branch: string, query: string, variables = {}) => {
    const response = await fetch(hub.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${hub.token(role, branch)}`,
      },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, ...((await response.json()) as object) } as GraphQLResponse;
  };
  const exportAs = async (role: Role, branch: string) => {
    const url = `${hub.url.replace('/graphql', '/export/customers')}?format=ndjson`;
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${hub.token(role, branch)}` },
    });
    const lines = (await response.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    return {
      total: Number(response.headers.get('x-total-count')),
      cifs: lines.filter((l) => l.customer).map((l) => l.customer.cifNo as string),
    };
  };

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
    const [na, nb, nc] = [nextNumber() * 2, nextNumber() * 2 + 1, nextNumber() * 2];
    const ingested = await hub.gql(INGEST_CUSTOMERS, {
      records: [
        customerRecord(na, { branchCode: '3201' }),
        customerRecord(nb, { branchCode: '3301' }),
        customerRecord(nc, { branchCode: '3202', name: '=1+2' }),
      ],
    });
    [a, b, c] = await cifNumbers(
      hub,
      ingested.data!.ingestCustomers.records.map((r: { id: string }) => r.id),
    );
    const policy = autoPolicyRecord(na, a, {
      parties: [
        { role: 'POLICYHOLDER', customer: { cifNo: a } },
        { role: 'INSURED', customer: { cifNo: b } },
      ],
    });
    policyNo = policy.policyNo;
    vinA = vin(na);
    await hub.gql(INGEST_POLICIES, { records: [policy] });
    await hub.gql(INGEST_CLAIMS, { records: [claimRecord(na, policyNo)] });
  });
  afterAll(() => hub.close());

  const lookup = (cif: string) => `{ customer(by: { cifNo: "${cif}" }) { cifNo name } }`;

  it('answers a lookup outside the branch exactly as one of a customer that does not exist', async () => {
    const inside = await as(Role.STEWARD, '3201', lookup(a));
    expect(inside.data!.customer.cifNo).toBe(a);
    const outside = await as(Role.STEWARD, '3201', lookup(b));
    const missing = await as(Role.STEWARD, '3201', lookup('C9999999999'));
    expect(outside).toEqual(missing);
    expect(outside.data!.customer).toBeNull();
    // The province sees its cities; the head office sees everyone.
    expect((await as(Role.FRONTLINE, '3200', lookup(c))).data!.customer.cifNo).toBe(c);
    expect((await as(Role.FRONTLINE, '0000', lookup(b))).data!.customer.cifNo).toBe(b);
  });

  it('hides a party of another branch nested under a policy, and its claims through it', async () => {
    const query = `{ customer(by: { cifNo: "${a}" }) {
      policies { totalCount nodes { policyNo parties { role customer { cifNo } } } }
      claims { totalCount nodes { claimNo claimant { cifNo } } } } }`;
    const nanjing = await as(Role.FRONTLINE, '3201', query);
    expect(nanjing.errors).toBeUndefined();
    const parties = nanjing.data!.customer.policies.nodes[0].parties;
    expect(parties).toEqual([
      { role: 'POLICYHOLDER', customer: { cifNo: a } },
      { role: 'INSURED', customer: null },
    ]);
    // From Hangzhou, B's policy is seen through B, and A is the one hidden.
    const hangzhou = await as(
      Role.UNDERWRITING,
      '3301',
      `{ customer(by: { cifNo: "${b}" }) { policies { totalCount nodes { parties { customer { cifNo } } } } } }`,
    );
    expect(hangzhou.data!.customer.policies.totalCount).toBe(1);
    expect(
      hangzhou.data!.customer.policies.nodes[0].parties.map(
        (p: { customer: { cifNo: string } | null }) => p.customer?.cifNo ?? null,
      ),
    ).toEqual([null, b]);
    // Wuxi sees neither the policy nor the vehicle on it.
    const vehicle = await as(Role.FRONTLINE, '3202', `{ vehicle(vin: "${vinA}") { use } }`);
    expect(vehicle.data!.vehicle).toBeNull();
    const vehicleNanjing = await as(Role.FRONTLINE, '3201', `{ vehicle(vin: "${vinA}") { use } }`);
    expect(vehicleNanjing.data!.vehicle).toEqual({ use: 'FAMILY_PRIVATE' });
  });

  it('finds by a key that names customers of two branches the one the caller sees, not null', async () => {
    const today = hub.clock.today();
    // Even, as A's and C's: B's numbers are odd (beforeAll).
    const [nk, nl] = [nextNumber() * 2, nextNumber() * 2];
    const shared = `139${String(nk).padStart(8, '0')}`;
    const withMobile = (n: number, branchCode: string, verified: boolean) =>
      customerRecord(n, {
        branchCode,
        contactPoints: [
          verified
            ? {
                kind: 'MOBILE',
                value: shared,
                verificationStatus: 'VERIFIED',
                verificationMethod: 'SMS',
                verifiedAt: '2026-03-01T08:00:00Z',
              }
            : { kind: 'MOBILE', value: shared },
        ],
      });
    // Nanjing's K holds the number unverified; Hangzhou's L verified it.
    const ingested = await hub.gql(INGEST_CUSTOMERS, {
      records: [withMobile(nk, '3201', false), withMobile(nl, '3301', true)],
    });
    const [k, l] = await cifNumbers(
      hub,
      ingested.data!.ingestCustomers.records.map((r: { id: string }) => r.id),
    );
    // L's car had the plate; K's newer car carries it now, and K bought L's old car too.
    const sharedPlate = plate(nl);
    const policies = [
      autoPolicyRecord(nl, l!, {
        ...coverFrom(today, 700),
        status: 'EXPIRED',
        vehicle: { vin: vin(nl), plate: sharedPlate, use: 'FAMILY_PRIVATE' },
      }),
      autoPolicyRecord(nk, k!, {
        ...coverFrom(today, 10),
        vehicle: { vin: vin(nk), plate: sharedPlate, use: 'FAMILY_PRIVATE' },
      }),
      autoPolicyRecord(nextNumber() * 2, k!, {
        ...coverFrom(today, 20),
        vehicle: { vin: vin(nl), use: 'FAMILY_PRIVATE' },
      }),
    ];
    expect(
      (await hub.gql(INGEST_POLICIES, { records: policies })).data!.ingestPolicies.accepted,
    ).toBe(3);
    const query = `query ($mobile: String!, $plate: String!, $vin: String!) {
      byMobile: customer(by: { mobile: $mobile }) { cifNo }
      byPlate: customer(by: { plate: $plate }) { cifNo }
      byVin: customer(by: { vin: $vin }) { cifNo }
      vehicle(plate: $plate) { vin } }`;
    const variables = { mobile: shared, plate: sharedPlate, vin: vin(nl) };
    expect((await as(Role.FRONTLINE, '3201', query, variables)).data).toEqual({
      byMobile: { cifNo: k },
      byPlate: { cifNo: k },
      byVin: { cifNo: k },
      vehicle: { vin: vin(nk) },
    });
    expect((await as(Role.FRONTLINE, '3301', query, variables)).data).toEqual({
      byMobile: { cifNo: l },
      byPlate: { cifNo: l },
      byVin: { cifNo: l },
      vehicle: { vin: vin(nl) },
    });
  });

  it('shows a car another branch insures now as the caller’s own policies describe it, and finds it by that plate only', async () => {
    const today = hub.clock.today();
    const [no, nn] = [nextNumber() * 2, nextNumber() * 2];
    // O in Nanjing insured the car under its old plate; N in Hangzhou insures it now, re-plated
    // and run as a taxi.
    const ingested = await hub.gql(INGEST_CUSTOMERS, {
      records: [
        customerRecord(no, { branchCode: '3201' }),
        customerRecord(nn, { branchCode: '3301' }),
      ],
    });
    const [o, n] = await cifNumbers(
      hub,
      ingested.data!.ingestCustomers.records.map((r: { id: string }) => r.id),
    );
    const [oldPlate, newPlate] = [plate(no), `浙A${String(nn % 100000).padStart(5, '0')}`];
    const car = vin(no);
    const policies = [
      autoPolicyRecord(no, o!, {
        ...coverFrom(today, 700),
        status: 'EXPIRED',
        vehicle: { vin: car, plate: oldPlate, use: 'FAMILY_PRIVATE' },
      }),
      autoPolicyRecord(nn, n!, {
        ...coverFrom(today, 10),
        vehicle: { vin: car, plate: newPlate, use: 'OPERATING' },
      }),
    ];
    expect(
      (await hub.gql(INGEST_POLICIES, { records: policies })).data!.ingestPolicies.accepted,
    ).toBe(2);
    const query = `query ($old: String!, $new: String!, $vin: String!, $cif: String!) {
      byVin: vehicle(vin: $vin) { plate use }
      byOld: vehicle(plate: $old) { vin }
      byNew: vehicle(plate: $new) { vin }
      holderOld: customer(by: { plate: $old }) { cifNo }
      holderNew: customer(by: { plate: $new }) { cifNo }
      own: customer(by: { cifNo: $cif }) { vehicles { plate use } policies { nodes { vehicle { plate } } } } }`;
    const variables = { old: oldPlate, new: newPlate, vin: car, cif: o };
    expect((await as(Role.FRONTLINE, '3201', query, variables)).data).toEqual({
      byVin: { plate: oldPlate, use: 'FAMILY_PRIVATE' },
      byOld: { vin: car },
      byNew: null,
      holderOld: { cifNo: o },
      holderNew: null,
      own: {
        vehicles: [{ plate: oldPlate, use: 'FAMILY_PRIVATE' }],
        policies: { nodes: [{ vehicle: { plate: oldPlate } }] },
      },
    });
    // The head office sees the car as it is now.
    expect((await as(Role.FRONTLINE, '0000', query, variables)).data).toMatchObject({
      byVin: { plate: newPlate, use: 'OPERATING' },
      byOld: null,
      byNew: { vin: car },
      holderOld: null,
      holderNew: { cifNo: n },
    });
  });

  it('shows marketing only consenting customers of its subtree, in lists, counts, summaries and exports', async () => {
    const list = `{ marketingCustomers(first: 100) { totalCount nodes { cifNo } } }`;
    const ours = (cifs: string[]) => cifs.filter((cif) => [a, b, c].includes(cif)).sort();
    const jiangsu = await as(Role.MARKETING, '3200', list);
    expect(
      ours(jiangsu.data!.marketingCustomers.nodes.map((n: { cifNo: string }) => n.cifNo)),
    ).toEqual([a, c].sort());
    const nanjing = await as(Role.MARKETING, '3201', list);
    expect(nanjing.data!.marketingCustomers.totalCount).toBe(
      (
        await hub.sql(
          `select count(*)::int as n from customer cu join branch br on br.id = cu.branch_id
         where br.path like '0000.3200.3201%' and cu.marketing_consent and cu.status = 'ACTIVE'`,
        )
      )[0].n,
    );
    // B never consented: not even the head office's marketing sees B.
    const country = await as(Role.MARKETING, '0000', list);
    expect(
      ours(country.data!.marketingCustomers.nodes.map((n: { cifNo: string }) => n.cifNo)),
    ).toEqual([a, c].sort());
    // C's tier, for the summary to have rows to show.
    await hub.app.services.tiers.drainQueue();
    const summary = await as(
      Role.MARKETING,
      '3202',
      `{ tierSegmentSummary(byBranch: true) { branchCode customers } }`,
    );
    const rows: { branchCode: string }[] = summary.data!.tierSegmentSummary;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.branchCode === '3202')).toBe(true);
    const exported = await exportAs(Role.MARKETING, '3202');
    expect(exported.cifs).toContain(c);
    expect(exported.cifs).not.toContain(a);
    expect(exported.total).toBe(exported.cifs.length);
  });

  it('exports a formula-looking name as text, not as a formula', async () => {
    const url = `${hub.url.replace('/graphql', '/export/customers')}?format=csv`;
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${hub.token(Role.MARKETING, '3202')}` },
    });
    const row = (await response.text()).split('\n').find((line) => line.includes(c))!;
    expect(row.split(',')[2]).toBe("'=1+2");
  });

  it.each([
    ['policies { nodes { parties { customer { cifNo } } } }', 'Policy.parties'],
    ['claims { totalCount }', 'Customer.claims'],
    ['policies { nodes { claims { totalCount } } }', 'Policy.claims'],
    ['riskScores { totalCount }', 'Customer.riskScores'],
    ['latestRiskScores { score }', 'Customer.latestRiskScores'],
    ['tierHistory { totalCount }', 'Customer.tierHistory'],
    ['tier { tier reasons }', 'TierAssignment.reasons'],
    ['tier { metrics { claimCount36m incurred36m latestRiskLevel } }', 'TierAssignment.metrics'],
    ['tier { riskClass }', 'TierAssignment.riskClass'],
    ['entitlements { service status }', 'Customer.entitlements'],
    ['eligibilityDecisions { totalCount }', 'Customer.eligibilityDecisions'],
    ['vehicles { vin }', 'Vehicle.vin'],
    ['policies { nodes { vehicle { plate } } }', 'Vehicle.plate'],
    ['identityDocuments { type }', 'Customer.identityDocuments'],
  ])('refuses marketing %s at depth', async (selection, field) => {
    const response = await as(
      Role.MARKETING,
      '0000',
      `{ marketingCustomers(first: 5) { nodes { cifNo ${selection} } } }`,
    );
    expect(response.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', field });
    expect(response.data?.marketingCustomers ?? null).toBeNull();
  });

  it('treats a decision on a customer outside the branch as one on a missing customer', async () => {
    const accidentAt = new Date(hub.clock.now().getTime() - 86_400_000).toISOString();
    const decide = `mutation ($id: ID!) { decideEligibility(input: {
      customerId: $id, service: "ON_SITE_SURVEY",
      claim: { accidentAt: "${accidentAt}", singleParty: true, injury: false, amount: "1000.00" } }) { id } }`;
    const [idA] = (
      await hub.sql<{ id: string }>('select id from customer where cif_no = $1', [a])
    ).map((r) => r.id);
    const outside = await as(Role.FRONTLINE, '3301', decide, { id: idA });
    const missing = await as(Role.FRONTLINE, '3301', decide, {
      id: '00000000-0000-4000-8000-000000000000',
    });
    // Alike, naming the argument that named the customer.
    for (const refused of [outside, missing]) {
      expect(refused.errors![0].extensions).toEqual({
        code: 'NOT_FOUND',
        field: 'input.customerId',
      });
    }
    const inside = await as(Role.FRONTLINE, '3201', decide, { id: idA });
    expect(inside.errors).toBeUndefined();
    const audited = await hub.sql(
      `select actor_branch, target_id from audit_event
       where action = 'ELIGIBILITY_DECISION' and details->>'decision' = $1`,
      [inside.data!.decideEligibility.id],
    );
    expect(audited).toEqual([{ actor_branch: '3201', target_id: idA }]);
    const read = `{ eligibilityDecision(id: "${inside.data!.decideEligibility.id}") { id } }`;
    expect((await as(Role.FRONTLINE, '3301', read)).data!.eligibilityDecision).toBeNull();
    expect((await as(Role.FRONTLINE, '3200', read)).data!.eligibilityDecision).not.toBeNull();
  });
});

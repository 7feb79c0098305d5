import { Role } from '../../src/auth/roles';
import { insertBranches, insertPortfolio, recordDecision, vin } from '../setup/factories';
import { countStatements } from '../setup/statements';
import { startTestHub, type TestHub } from '../setup/test-app';

const DEEP_PAGE = `query ($first: Int!) {
  marketingCustomers(first: $first) {
    totalCount
    edges { cursor node {
      cifNo name branch { code parent { code } }
      contactPoints { kind value }
      policies(first: 10) { totalCount nodes { policyNo premium vehicle { plate latestRiskScores { level } }
        claims { nodes { claimNo stages { stage } latestRiskScores { level firedRules { code } } } } } }
      latestRiskScores { stage level firedRules { code weight } }
      riskHistory { claimCount3y lifetimeLossRatio policyYears { year incurred } }
      tier { tier reasons ruleSetVersion { version } metrics { premium12m lossRatio36m } }
      entitlements { service status reasons parameters { maxClaimAmount } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const PROFILES = `query ($a: CustomerLookup!, $b: CustomerLookup!, $c: CustomerLookup!) {
  a: customer(by: $a) { ...profile }
  b: customer(by: $b) { ...profile }
  c: customer(by: $c) { ...profile }
}
fragment profile on Customer {
  cifNo policies { nodes { policyNo parties { customer { cifNo } } } }
  claims { nodes { claimNo } } latestRiskScores { level }
}`;

describe('the read path', () => {
  let hub: TestHub;
  let cifs: string[];

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
    // Written set-based: this file tests reading, and ingesting 100 customers takes 13 s
    // (over 30 s on a busy 2-core machine).
    cifs = await insertPortfolio(hub, 100);
    await hub.app.services.tiers.drainQueue();
  });
  afterAll(() => hub.close());

  it('reads a page of customers with policies, vehicles, claims and scores in one statement, whatever the page size', async () => {
    // The caller's branch is looked up once and then kept for a while (src/auth/): these
    // counts are of what a request costs with the caller already known.
    await hub.gql('{ __typename }', {}, Role.ADMIN);
    for (const first of [10, 100]) {
      const { result, statements } = await countStatements(() =>
        hub.gql(DEEP_PAGE, { first }, Role.ADMIN),
      );
      expect(result.errors).toBeUndefined();
      expect(result.data!.marketingCustomers.edges).toHaveLength(first);
      expect(
        result.data!.marketingCustomers.edges[first - 1].node.policies.nodes[0].claims.nodes,
      ).toHaveLength(1);
      expect(statements).toHaveLength(1);
    }
  });

  it('batches the same lookup under several aliases into one statement', async () => {
    await hub.gql('{ __typename }', {}, Role.FRONTLINE);
    const { result, statements } = await countStatements(() =>
      hub.gql(
        PROFILES,
        { a: { cifNo: cifs[0] }, b: { cifNo: cifs[1] }, c: { cifNo: cifs[2] } },
        Role.FRONTLINE,
      ),
    );
    expect(result.errors).toBeUndefined();
    expect([result.data!.a.cifNo, result.data!.b.cifNo, result.data!.c.cifNo]).toEqual(
      cifs.slice(0, 3),
    );
    expect(statements).toHaveLength(1);
  });

  it('keeps aliases of one field with different arguments apart', async () => {
    const res = await hub.gql(
      `query ($by: CustomerLookup!) { customer(by: $by) {
        inForce: policies(status: [IN_FORCE]) { totalCount }
        expired: policies(status: [EXPIRED]) { totalCount }
        open: claims(open: true) { totalCount }
        closed: claims(open: false) { totalCount } } }`,
      { by: { cifNo: cifs[0] } },
      Role.FRONTLINE,
    );
    expect(res.data!.customer).toEqual({
      inForce: { totalCount: 1 },
      expired: { totalCount: 0 },
      open: { totalCount: 1 },
      closed: { totalCount: 0 },
    });
  });

  /** Every query a client of each kind sends, with the statements it may take at most. */
  const CLIENT_QUERIES: [string, Role, string, (c: string[]) => Record<string, unknown>][] = [
    [
      'the front-line profile',
      Role.FRONTLINE,
      `query ($cifNo: String!) { customer(by: { cifNo: $cifNo }) {
        cifNo name birthDate branch { code } identityDocuments { type number }
        contactPoints { kind value verificationStatus }
        policies(status: [IN_FORCE]) { totalCount nodes { policyNo vehicle { plate } parties { customer { cifNo } } } }
        claims { nodes { claimNo status stages { stage at } } }
        latestRiskScores { stage level firedRules { code weight } }
        tier { tier reasons } entitlements { service status reasons } } }`,
      (c) => ({ cifNo: c[0] }),
    ],
    [
      "a customer's risk history",
      Role.UNDERWRITING,
      `query ($cifNo: String!) { customer(by: { cifNo: $cifNo }) {
        riskHistory { claimCount3y lifetimeLossRatio policyYears { year incurred } }
        riskScores { totalCount nodes { stage score firedRules { code } } } } }`,
      (c) => ({ cifNo: c[1] }),
    ],
    [
      "a vehicle's risk history",
      Role.UNDERWRITING,
      `query ($vin: String!) { vehicle(vin: $vin) { plate use
        riskHistory { claimCount3y policyYears { year } } latestRiskScores { level } } }`,
      () => ({ vin: vin(1) }),
    ],
    [
      'a segment page',
      Role.MARKETING,
      `{ marketingCustomers(first: 50, filter: { tiers: ["STANDARD", "BLUE", "SILVER", "GOLD"] }) {
        totalCount nodes { cifNo tier { tier } policies(status: [IN_FORCE]) { nodes { policyNo } } }
        pageInfo { hasNextPage endCursor } } }`,
      () => ({}),
    ],
    [
      'the tier segment summary',
      Role.MARKETING,
      '{ tierSegmentSummary(byBranch: true) { tier branchCode customers } }',
      () => ({}),
    ],
    [
      'the tier transition summary',
      Role.MARKETING,
      '{ tierTransitionSummary(since: "2020-01-01", byBranch: true) { fromTier toTier customers } }',
      () => ({}),
    ],
  ];

  it.each(CLIENT_QUERIES)('reads %s in one statement', async (_name, role, query, variables) => {
    await hub.gql('{ __typename }', {}, role);
    const { result, statements } = await countStatements(() =>
      hub.gql(query, variables(cifs), role),
    );
    expect(result.errors).toBeUndefined();
    // A lookup found what it looked for (a summary may be empty: nobody's tier moved yet).
    expect(Object.values(result.data!)[0]).not.toBeNull();
    expect(statements).toHaveLength(1);
  });

  it('reads a recorded eligibility decision in one statement', async () => {
    const [{ id }] = await hub.sql<{ id: string }>('select id from customer where cif_no = $1', [
      cifs[2],
    ]);
    const decision = await recordDecision(hub, id);
    const { result, statements } = await countStatements(() =>
      hub.gql(
        `{ eligibilityDecision(id: "${decision}") {
          service allowed reasons { code } tier } }`,
        {},
        Role.FRONTLINE,
      ),
    );
    expect(result.errors).toBeUndefined();
    expect(statements).toHaveLength(1);
  });

  it('exports a segment page in one statement, and audits the export once', async () => {
    await hub.gql('{ __typename }', {}, Role.MARKETING);
    const { result, statements } = await countStatements(async () => {
      const response = await fetch(
        `${hub.url.replace('/graphql', '/export/customers')}?format=ndjson&pageSize=1000`,
        { headers: { authorization: `Bearer ${hub.token(Role.MARKETING)}` } },
      );
      return (await response.text()).trim().split('\n');
    });
    expect(result.length).toBeGreaterThan(1);
    expect(statements.filter((s) => /insert into audit_event/.test(s))).toHaveLength(1);
    expect(statements.filter((s) => !/insert into audit_event/.test(s))).toHaveLength(1);
  });

  it('pages through a connection with cursors, each customer once', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res: any = await hub.gql(
        'query ($after: String) { marketingCustomers(first: 30, after: $after) { edges { node { cifNo } } pageInfo { hasNextPage endCursor } } }',
        { after },
        Role.ADMIN,
      );
      const page = res.data.marketingCustomers;
      seen.push(...page.edges.map((e: { node: { cifNo: string } }) => e.node.cifNo));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual([...cifs].sort());
  });

  it('refuses a page larger than the maximum and a cursor it did not produce', async () => {
    const big = await hub.gql('{ marketingCustomers(first: 101) { totalCount } }', {}, Role.ADMIN);
    expect(big.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', rule: 'PAGE_SIZE' });
    const forged = await hub.gql(
      '{ marketingCustomers(after: "bm9wZQ") { totalCount } }',
      {},
      Role.ADMIN,
    );
    expect(forged.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'CURSOR_FORMAT',
    });
  });
});

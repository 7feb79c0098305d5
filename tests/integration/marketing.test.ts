import { Role } from '../../src/auth/roles';
import { addDays } from '../../src/time/clock';
import {
  autoPolicyRecord,
  cifNumbers,
  claimRecord,
  customerRecord,
  INGEST_CLAIMS,
  INGEST_CUSTOMERS,
  INGEST_POLICIES,
  insertBranches,
} from '../setup/factories';
import { startTestHub, type TestHub } from '../setup/test-app';

const SEGMENT = `query ($filter: MarketingCustomerFilter) {
  marketingCustomers(filter: $filter, first: 100) { totalCount nodes { name } } }`;

describe('marketing segments', () => {
  let hub: TestHub;
  /** The business day `offset` days from today. */
  const day = (offset: number) => addDays(hub.clock.today(), offset);

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
    // Even-numbered customers consent (see the factory).
    const people = [
      {
        n: 2,
        branch: '3201',
        line: 'COMMERCIAL_AUTO',
        channel: 'DEALER',
        expiresIn: 10,
        claim: true,
      },
      {
        n: 4,
        branch: '3202',
        line: 'COMMERCIAL_AUTO',
        channel: 'INDIVIDUAL_AGENT',
        expiresIn: 40,
        claim: false,
      },
      {
        n: 6,
        branch: '3301',
        line: 'COMMERCIAL_AUTO',
        channel: 'DEALER',
        expiresIn: 200,
        claim: false,
      },
      {
        n: 8,
        branch: '3201',
        line: 'ACCIDENT_HEALTH',
        channel: 'DIRECT',
        expiresIn: 20,
        claim: false,
      },
      {
        n: 9,
        branch: '3201',
        line: 'COMMERCIAL_AUTO',
        channel: 'DEALER',
        expiresIn: 10,
        claim: false,
      },
    ];
    const customers = await hub.gql(INGEST_CUSTOMERS, {
      records: people.map((p) => customerRecord(p.n, { branchCode: p.branch })),
    });
    const ids = customers.data!.ingestCustomers.records.map((r: { id: string }) => r.id);
    const cifs = await cifNumbers(hub, ids);
    const policies = await hub.gql(INGEST_POLICIES, {
      records: people.map((p, i) =>
        autoPolicyRecord(p.n, cifs[i], {
          branchCode: p.branch,
          line: p.line,
          channel: p.channel,
          effectiveDate: day(p.expiresIn - 364),
          expiryDate: day(p.expiresIn),
          vehicle: p.line === 'ACCIDENT_HEALTH' ? null : autoPolicyRecord(p.n, '').vehicle,
        }),
      ),
    });
    expect(policies.data!.ingestPolicies.rejected).toBe(0);
    const withClaims = people.filter((p) => p.claim);
    const claims = await hub.gql(INGEST_CLAIMS, {
      records: withClaims.map((p) =>
        claimRecord(p.n, autoPolicyRecord(p.n, '').policyNo, {
          accidentAt: `${day(-30)}T08:00:00Z`,
          reportedAt: `${day(-30)}T09:00:00Z`,
          registeredAt: null,
          surveyedAt: null,
          status: 'REPORTED',
        }),
      ),
    });
    expect(claims.data!.ingestClaims.rejected).toBe(0);
  });
  afterAll(() => hub.close());

  const names = async (filter: Record<string, unknown>, role = Role.MARKETING) => {
    const res = await hub.gql(SEGMENT, { filter }, role);
    expect(res.errors).toBeUndefined();
    const { totalCount, nodes } = res.data!.marketingCustomers;
    expect(totalCount).toBe(nodes.length);
    return nodes.map((n: { name: string }) => n.name);
  };

  it('selects a branch with everything under it', async () => {
    expect(await names({ branchCode: '3200' })).toEqual(['客户2', '客户4', '客户8']);
    expect(await names({ branchCode: '3301' })).toEqual(['客户6']);
  });

  it('refuses a branch code that would select no one: unknown, or outside the caller’s branch', async () => {
    /** The segment of `branchCode` as a marketer of `callerBranch` asks for it. */
    const segment = async (branchCode: string, callerBranch = '0000') => {
      const response = await fetch(hub.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${hub.token(Role.MARKETING, callerBranch)}`,
        },
        body: JSON.stringify({ query: SEGMENT, variables: { filter: { branchCode } } }),
      });
      return (await response.json()) as {
        errors?: { extensions: Record<string, unknown> }[];
        data?: { marketingCustomers: { nodes: { name: string }[] } };
      };
    };
    expect((await segment('3209')).errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'filter.branchCode',
      rule: 'UNKNOWN_BRANCH',
    });
    expect((await segment('3301', '3200')).errors?.[0]?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      field: 'filter.branchCode',
      rule: 'BRANCH_SCOPE',
    });
    await hub.sql(
      `insert into branch (id, code, name, level, parent_id, path, valid_to)
       select gen_random_uuid(), '3299', 'Closed', 'CITY', id, path || '.3299', now()
       from branch where code = '3200' on conflict (code) do nothing`,
    );
    expect((await segment('3299')).errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'filter.branchCode',
      rule: 'BRANCH_CLOSED',
    });
    // Moved under the caller's branch by another process (this one kept the old place): the
    // refusal is decided on the tree as it is, and the segment reads the branch where it is.
    const move = (parent: string) =>
      hub.sql(
        `update branch b set parent_id = p.id, path = p.path || '.3301'
         from branch p where p.code = $1 and b.code = '3301'`,
        [parent],
      );
    // The same request before and after: its compiled statement names the branch, not where
    // it stood.
    expect((await segment('3301')).data!.marketingCustomers.nodes).toEqual([{ name: '客户6' }]);
    await move('3200');
    try {
      expect((await segment('3301')).data!.marketingCustomers.nodes).toEqual([{ name: '客户6' }]);
      const moved = await segment('3301', '3200');
      expect(moved.errors).toBeUndefined();
      expect(moved.data!.marketingCustomers.nodes.map((n) => n.name)).toEqual(['客户6']);
    } finally {
      await move('3300');
    }
    // A branch above the caller's, or its own, selects the caller's part of it.
    for (const code of ['0000', '3200']) {
      const res = await segment(code, '3200');
      expect(res.errors).toBeUndefined();
      expect(res.data!.marketingCustomers.nodes.map((n) => n.name)).toEqual([
        '客户2',
        '客户4',
        '客户8',
      ]);
    }
  });

  it('selects auto policies in force that expire within N days, sold through a channel', async () => {
    expect(await names({ lines: ['COMMERCIAL_AUTO'], expiringWithinDays: 45 })).toEqual([
      '客户2',
      '客户4',
    ]);
    expect(
      await names({ lines: ['COMMERCIAL_AUTO'], expiringWithinDays: 45, channels: ['DEALER'] }),
    ).toEqual(['客户2']);
  });

  it('selects customers with or without claims in a window', async () => {
    expect(await names({ hasClaims: true })).toEqual(['客户2']);
    expect(await names({ hasClaims: true, claimsWithinDays: 7 })).toEqual([]);
    expect(await names({ hasClaims: false, branchCode: '3200' })).toEqual(['客户4', '客户8']);
  });

  it('leaves out customers without consent for marketing, and lets an admin ask for them', async () => {
    expect(await names({ branchCode: '3201', lines: ['COMMERCIAL_AUTO'] })).toEqual(['客户2']);
    expect(
      await names(
        { branchCode: '3201', lines: ['COMMERCIAL_AUTO'], consentGiven: false },
        Role.ADMIN,
      ),
    ).toEqual(['客户9']);
    // null is no condition, as for every other field of the filter, and as no filter.
    const all = await hub.gql(
      `{ marketingCustomers(filter: null, first: 100) { totalCount }
         tierSegmentSummary(filter: null) { customers } }`,
      {},
      Role.MARKETING,
    );
    expect(all.errors).toBeUndefined();
    expect(all.data!.marketingCustomers.totalCount).toBe((await names({})).length);
    expect(
      await names({ branchCode: '3201', lines: ['COMMERCIAL_AUTO'], consentGiven: null }),
    ).toEqual(['客户2']);
    expect(
      await names(
        { branchCode: '3201', lines: ['COMMERCIAL_AUTO'], consentGiven: null },
        Role.ADMIN,
      ),
    ).toEqual(['客户2', '客户9']);
  });

  it('names the field and the rule of a bad filter', async () => {
    const res = await hub.gql(SEGMENT, { filter: { expiringWithinDays: -1 } }, Role.MARKETING);
    expect(res.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'filter.expiringWithinDays',
      rule: 'DAYS_RANGE',
    });
  });

  it('refuses a filter that selects nothing anyone meant: an empty list, a blank branch, a claims window or a tier day alone, a tier no rule has', async () => {
    for (const [filter, field, rule] of [
      [{ tiers: [] }, 'filter.tiers', 'EMPTY_LIST'],
      [{ channels: [] }, 'filter.channels', 'EMPTY_LIST'],
      [{ lines: [] }, 'filter.lines', 'EMPTY_LIST'],
      [{ tierChange: { since: hub.clock.today(), to: [] } }, 'filter.tierChange.to', 'EMPTY_LIST'],
      [{ branchCode: ' ' }, 'filter.branchCode', 'REQUIRED'],
      // A claims window without saying with or without claims: no condition at all.
      [{ claimsWithinDays: 30 }, 'filter.hasClaims', 'REQUIRED'],
      [{ tierAsOf: hub.clock.today() }, 'filter.tiers', 'REQUIRED'],
      [{ tiers: ['GOLD', '张三 GOLDEN'] }, 'filter.tiers[1]', 'UNKNOWN_TIER'],
      [{ tiers: ['GOLDEN'], tierAsOf: hub.clock.today() }, 'filter.tiers[0]', 'UNKNOWN_TIER'],
      // A past day's tiers are those of any version that was active: not a typo.
      [
        { tiers: ['GOLD', 'GLOD'], tierAsOf: addDays(hub.clock.today(), -30) },
        'filter.tiers[1]',
        'UNKNOWN_TIER',
      ],
      [
        { tierChange: { since: hub.clock.today(), from: ['GLOD'] } },
        'filter.tierChange.from[0]',
        'UNKNOWN_TIER',
      ],
      [
        { tierChange: { since: hub.clock.today(), to: ['GOLD', 'DIAMANT'] } },
        'filter.tierChange.to[1]',
        'UNKNOWN_TIER',
      ],
    ] as const) {
      const res = await hub.gql(SEGMENT, { filter }, Role.MARKETING);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field, rule });
      // What the caller typed is named by its place, never repeated.
      expect(res.errors![0]!.message).not.toMatch(/GOLDEN|张三/);
    }
    // The export, which would have written everyone, refuses it too.
    const filter = JSON.stringify({ tiers: [] });
    const exported = await fetch(
      `${hub.url.replace('/graphql', '/export/customers')}?${new URLSearchParams({ format: 'csv', filter })}`,
      { headers: { authorization: `Bearer ${hub.token(Role.MARKETING)}` } },
    );
    expect(exported.status).toBe(400);
  });
});

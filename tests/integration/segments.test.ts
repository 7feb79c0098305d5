import { Client } from 'pg';
import { Role } from '../../src/auth/roles';
import { seedDemoData } from '../../seeds/demo-data';
import { countStatements } from '../setup/statements';
import { startTestHub, TEST_SECRETS, type TestHub } from '../setup/test-app';
import { PiiCipher } from '../../src/modules/customer/pii-cipher';

const TIERS = ['DIAMOND', 'GOLD', 'SILVER', 'BLUE', 'STANDARD', 'WATCH'];

interface Line {
  cursor?: string;
  customer?: {
    cifNo: string;
    tier: { tier: string };
    marketingConsent: boolean;
    contactPoints: { value: string }[];
  };
  end?: boolean;
  exported?: number;
}

describe('marketing segments by tier, on the demo data', () => {
  let hub: TestHub;

  const exportUrl = (params: Record<string, string>) =>
    `${hub.url.replace('/graphql', '/export/customers')}?${new URLSearchParams(params)}`;
  const get = (params: Record<string, string>, role = Role.MARKETING, signal?: AbortSignal) =>
    fetch(exportUrl(params), { headers: { authorization: `Bearer ${hub.token(role)}` }, signal });
  const lines = (text: string): Line[] =>
    text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));

  beforeAll(async () => {
    hub = await startTestHub({ headOffice: false });
    const client = new Client({ connectionString: hub.databaseUrl });
    await client.connect();
    await seedDemoData(client, {
      customers: 3000,
      piiHashKey: TEST_SECRETS.piiHashKey,
      cipher: new PiiCipher(TEST_SECRETS.piiEncryptionKeys, TEST_SECRETS.piiEncryptionKeyId),
      today: hub.clock.today(),
      timeZone: hub.clock.zone,
    });
    await client.end();
    await hub.app.services.tiers.recomputeAll();
  });
  afterAll(() => hub.close());

  it('spans every tier, counted per tier and branch in SQL', async () => {
    const res = await hub.gql('{ tierSegmentSummary { tier customers } }', {}, Role.ADMIN);
    expect(res.errors).toBeUndefined();
    expect(res.data!.tierSegmentSummary.map((r: { tier: string }) => r.tier)).toEqual(TIERS);
    const total = res.data!.tierSegmentSummary.reduce(
      (n: number, r: { customers: number }) => n + r.customers,
      0,
    );
    const [{ n }] = await hub.sql(
      `select count(*)::int as n from customer where status = 'ACTIVE'`,
    );
    expect(total).toBe(n);
    const perBranch = await hub.gql(
      '{ tierSegmentSummary(byBranch: true) { tier branchCode customers } }',
      {},
      Role.ADMIN,
    );
    const gold = perBranch.data!.tierSegmentSummary.filter(
      (r: { tier: string }) => r.tier === 'GOLD',
    );
    expect(gold.reduce((n: number, r: { customers: number }) => n + r.customers, 0)).toBe(
      res.data!.tierSegmentSummary.find((r: { tier: string }) => r.tier === 'GOLD').customers,
    );
  });

  it('filters the customer list by tier, and marketing sees only consenting customers in it', async () => {
    const admin = await hub.gql(
      '{ marketingCustomers(filter: { tiers: ["GOLD"] }) { totalCount } }',
      {},
      Role.ADMIN,
    );
    const marketing = await hub.gql(
      '{ marketingCustomers(filter: { tiers: ["GOLD"] }, first: 100) { totalCount nodes { tier { tier } marketingConsent } } }',
      {},
      Role.MARKETING,
    );
    const { totalCount, nodes } = marketing.data!.marketingCustomers;
    expect(totalCount).toBeGreaterThan(0);
    expect(totalCount).toBeLessThan(admin.data!.marketingCustomers.totalCount);
    expect(
      nodes.every(
        (n: { tier: { tier: string }; marketingConsent: boolean }) =>
          n.tier.tier === 'GOLD' && n.marketingConsent,
      ),
    ).toBe(true);
  });

  it('reads a tier named twice as the tier named once, with the same statement', async () => {
    const read = (tiers: string[]) =>
      countStatements(() =>
        hub.gql(
          `query ($tiers: [String!]) { marketingCustomers(filter: { tiers: $tiers, lines: [MARINE, MARINE] }) { totalCount } }`,
          { tiers },
          Role.ADMIN,
        ),
      );
    await read(['GOLD']);
    const once = await read(['GOLD']);
    const twice = await read(['GOLD', 'GOLD']);
    expect(twice.result.data).toEqual(once.result.data);
    expect(twice.statements).toEqual(once.statements);
  });

  it('exports every customer of a tier segment, as many as its totalCount, with masked contacts', async () => {
    const filter = JSON.stringify({ tiers: ['GOLD'] });
    const count = await hub.gql(
      `query ($f: MarketingCustomerFilter) { marketingCustomers(filter: $f) { totalCount } }`,
      { f: { tiers: ['GOLD'] } },
      Role.MARKETING,
    );
    const response = await get({ filter, pageSize: '100' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const all = lines(await response.text());
    const customers = all.filter((l) => l.customer);
    expect(customers).toHaveLength(count.data!.marketingCustomers.totalCount);
    expect(Number(response.headers.get('x-total-count'))).toBe(customers.length);
    expect(all[all.length - 1]).toEqual({ end: true, exported: customers.length });
    expect(new Set(customers.map((l) => l.customer!.cifNo)).size).toBe(customers.length);
    expect(
      customers.every((l) => l.customer!.tier.tier === 'GOLD' && l.customer!.marketingConsent),
    ).toBe(true);
    expect(
      customers
        .flatMap((l) => l.customer!.contactPoints.map((p) => p.value))
        .every((v) => v.includes('*')),
    ).toBe(true);
  });

  it('resumes after a dropped connection from the last cursor received, missing and repeating nothing', async () => {
    const filter = JSON.stringify({ tiers: ['GOLD', 'SILVER'] });
    const full = lines(await (await get({ filter })).text()).filter((l) => l.customer);

    // Read a little over one page, then drop the connection.
    const controller = new AbortController();
    const partial = await get({ filter, pageSize: '50' }, Role.MARKETING, controller.signal);
    const reader = partial.body!.getReader();
    let text = '';
    while (text.split('\n').length < 80)
      text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const received = lines(text.slice(0, text.lastIndexOf('\n')));

    const resumed = lines(
      await (await get({ filter, after: received[received.length - 1].cursor! })).text(),
    ).filter((l) => l.customer);
    const joined = [...received, ...resumed].map((l) => l.customer!.cifNo);
    expect(joined).toEqual(full.map((l) => l.customer!.cifNo));
  });

  it('exports CSV with a header and the same rows', async () => {
    const filter = JSON.stringify({ tiers: ['DIAMOND'] });
    const csv = (await (await get({ filter, format: 'csv' })).text()).trim().split('\n');
    expect(csv[0]).toBe(
      'cursor,cifNo,name,kind,gender,birthYear,branchCode,branchName,tier,marketingConsent,consentAt,consentChannel,mobile,email',
    );
    const ndjson = lines(await (await get({ filter })).text()).filter((l) => l.customer);
    expect(csv.length - 1).toBe(ndjson.length);
  });

  it('refuses export without a token, to the front line, and for a filter that is not one', async () => {
    expect((await fetch(exportUrl({}))).status).toBe(401);
    expect((await get({}, Role.FRONTLINE)).status).toBe(403);
    const bad = await get({
      filter: JSON.stringify({ tiers: 'GOLD', expiringWithinDays: 'soon' }),
    });
    expect(bad.status).toBe(400);
    expect(
      ((await bad.json()) as { errors: { extensions: object }[] }).errors[0].extensions,
    ).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'filter.expiringWithinDays',
      rule: 'VARIABLE_TYPE',
    });
    // A query parameter is named as sent.
    const forged = await get({ after: 'bm9wZQ' });
    expect(forged.status).toBe(400);
    expect(
      ((await forged.json()) as { errors: { extensions: object }[] }).errors[0].extensions,
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after', rule: 'CURSOR_FORMAT' });
    // Named as the same filter is in a GraphQL variable: the path, and the scalar's own rule.
    for (const [filter, field, rule] of [
      [{ lines: [7] }, 'filter.lines[0]', 'VARIABLE_TYPE'],
      [{ tierAsOf: '2026-02-30' }, 'filter.tierAsOf', 'DATE_FORMAT'],
      [{ tierz: ['GOLD'] }, 'filter.tierz', 'VARIABLE_TYPE'],
      // A list longer than the values it may name: more of them only cost the database.
      [{ lines: Array(7).fill('MARINE') }, 'filter.lines', 'MAX_ITEMS'],
      [
        { tierChange: { since: '2026-01-01', from: Array(101).fill('GOLD') } },
        'filter.tierChange.from',
        'MAX_ITEMS',
      ],
    ] as const) {
      const refused = await get({ filter: JSON.stringify(filter) });
      const graphql = await hub.gql(
        `query ($filter: MarketingCustomerFilter) { marketingCustomers(filter: $filter) { totalCount } }`,
        { filter },
        Role.MARKETING,
      );
      expect([
        ((await refused.json()) as { errors: { extensions: object }[] }).errors[0].extensions,
        graphql.errors![0].extensions,
      ]).toEqual([
        { code: 'BAD_USER_INPUT', field, rule },
        { code: 'BAD_USER_INPUT', field, rule },
      ]);
    }
    // Every wrong field of the filter at once, as for the GraphQL variable.
    const several = await get({ filter: JSON.stringify({ lines: [7], tierAsOf: '2026-02-30' }) });
    const { problems } = ((await several.json()) as { errors: { extensions: any }[] }).errors[0]!
      .extensions;
    expect(problems.map((p: { field: string }) => p.field)).toEqual([
      'filter.lines[0]',
      'filter.tierAsOf',
    ]);
    // A misspelt or repeated parameter would export another segment than the one meant.
    const base = hub.url.replace('/graphql', '/export/customers');
    for (const [query, field, rule] of [
      [`filtre=${encodeURIComponent('{"tiers":["GOLD"]}')}`, 'filtre', 'UNKNOWN_PARAMETER'],
      ['x13912345678=1', 'x[digits]', 'UNKNOWN_PARAMETER'],
      ['filter=%7B%7D&filter=%7B%7D', 'filter', 'REPEATED_PARAMETER'],
      // A page size in plain digits, as GraphQL's Int: not what Number() makes of text.
      ...['1e3', '%2010', '10.0', '0x10', '', '0', '5001'].map(
        (size) => [`pageSize=${size}`, 'pageSize', 'PAGE_SIZE'] as const,
      ),
    ] as const) {
      const refused = await fetch(`${base}?${query}`, {
        headers: { authorization: `Bearer ${hub.token(Role.MARKETING)}` },
      });
      expect(refused.status).toBe(400);
      const body = await refused.text();
      expect(JSON.parse(body).errors[0].extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field,
        rule,
      });
      expect(body).not.toContain('13912345678');
    }
    // Text PostgreSQL cannot store is refused before it reaches it, as in a variable.
    for (const [filter, field, rule] of [
      [{ branchCode: '32\u0000' }, 'filter.branchCode', 'CONTROL_CHARACTER'],
      [{ tiers: ['\ud800'] }, 'filter.tiers[0]', 'LONE_SURROGATE'],
    ] as const) {
      const refused = await get({ filter: JSON.stringify(filter) });
      expect(refused.status).toBe(400);
      expect(
        ((await refused.json()) as { errors: { extensions: object }[] }).errors[0].extensions,
      ).toMatchObject({ code: 'BAD_USER_INPUT', field, rule });
    }
  });

  it('judges a move up or down by the rules it was made under, a tier since renamed included', async () => {
    // A retired version whose worst tier, RED, the active rules renamed WATCH: three customers
    // moved from RED to GOLD (under the active rules), one from GOLD to RED (under the old),
    // and one RED re-issued as WATCH by the rename, which is no move.
    // One instant for the moves and their undoing: a slow run must not leave them behind.
    const now = hub.clock.now();
    const [{ id: retired }] = await hub.sql<{ id: string }>(
      `insert into rule_set_version (id, kind, version, status, document, note, created_by,
         activated_at, retired_at)
       select gen_random_uuid(), 'TIER', max(version) + 100, 'RETIRED',
         jsonb_set(v.document, '{tiers}', (select jsonb_agg(case when t->>'code' = 'WATCH'
           then jsonb_set(t, '{code}', '"RED"') else t end) from jsonb_array_elements(v.document->'tiers') t)),
         'RED before it was WATCH', 'test', $1::timestamptz - interval '2 days', $1::timestamptz - interval '1 day'
       from rule_set_version v where v.kind = 'TIER' and v.status = 'ACTIVE' group by v.document
       returning id`,
      [now],
    );
    const since = hub.clock.today();
    const moves = await hub.sql<{ customer_id: string }>(
      `with chosen as (
         select customer_id, row_number() over (order by customer_id) as n from tier_assignment
         where valid_to is null and tier = 'SILVER' order by customer_id limit 5),
       closed as (
         update tier_assignment ta set valid_to = $2::timestamptz + interval '1 second'
         from chosen where ta.customer_id = chosen.customer_id and ta.valid_to is null
         returning ta.customer_id, ta.valid_to, chosen.n),
       before as (
         insert into tier_assignment (customer_id, rule_set_version_id, tier, risk_class,
           value_class, metrics, reasons, cause, valid_from, valid_to)
         select customer_id, $1, case when n = 4 then 'GOLD' else 'RED' end, 'HIGH_RISK', 'HIGH',
           '{}', '[]', 'CHANGE', valid_to, $2::timestamptz + interval '2 seconds' from closed
         returning customer_id, valid_to, 1 as n)
       insert into tier_assignment (customer_id, rule_set_version_id, tier, risk_class,
         value_class, metrics, reasons, cause, valid_from)
       select b.customer_id, case when c.n = 4 then $1 else $3 end,
         case when c.n <= 3 then 'GOLD' when c.n = 4 then 'RED' else 'WATCH' end, 'QUALITY', 'HIGH',
         '{}', '[]', 'CHANGE', b.valid_to
       from before b join closed c using (customer_id)
       returning customer_id`,
      [retired, now, hub.app.services.ruleSets.tier!.id],
    );
    expect(moves).toHaveLength(5);
    await hub.app.services.ruleSets.refresh();
    const count = async (direction: string, tiers: string) =>
      (
        await hub.gql(
          `{ marketingCustomers(filter: { tierChange: { since: "${since}", ${tiers}${direction ? `, direction: ${direction}` : ''} } }) {
            nodes { id } } }`,
          {},
          Role.ADMIN,
        )
      ).data!.marketingCustomers.nodes.filter((n: { id: string }) =>
        moves.some((m) => m.customer_id === n.id),
      ).length;
    try {
      expect(await count('UP', 'from: ["RED"]')).toBe(3);
      expect(await count('DOWN', 'from: ["RED"]')).toBe(0);
      // SILVER to RED (four: the first step of each but GOLD's) and GOLD to RED.
      expect(await count('DOWN', 'to: ["RED"]')).toBe(5);
      expect(await count('UP', 'to: ["RED"]')).toBe(0);
      expect(await count('', 'from: ["RED"]')).toBe(3);
      const transitions = (
        await hub.gql(
          `{ tierTransitionSummary(since: "${since}") { fromTier toTier customers } }`,
          {},
          Role.ADMIN,
        )
      ).data!.tierTransitionSummary;
      expect(transitions).not.toContainEqual(
        expect.objectContaining({ fromTier: 'RED', toTier: 'WATCH' }),
      );
      expect(transitions).toContainEqual(
        expect.objectContaining({ fromTier: 'RED', toTier: 'GOLD' }),
      );
    } finally {
      await hub.sql(
        `delete from tier_assignment where customer_id = any($1) and valid_from > $2::timestamptz`,
        [moves.map((m) => m.customer_id), now],
      );
      await hub.sql(
        `update tier_assignment set valid_to = null where customer_id = any($1)
         and valid_to > $2::timestamptz`,
        [moves.map((m) => m.customer_id), now],
      );
      await hub.sql(`delete from rule_set_version where id = $1`, [retired]);
      await hub.app.services.ruleSets.refresh();
    }
  });

  it('finds customers whose tier moved down since a date, and counts the moves', async () => {
    // Move five GOLD customers down to STANDARD as a recompute would, now by the hub's clock.
    const moved = await hub.sql<{ id: string; customer_id: string }>(
      `
      with moved as (
        update tier_assignment set valid_to = $1 where id in (
          select id from tier_assignment where valid_to is null and tier = 'GOLD' order by customer_id limit 5)
        returning id, customer_id, rule_set_version_id),
      opened as (
        insert into tier_assignment (customer_id, rule_set_version_id, tier, risk_class, value_class, metrics, reasons, cause, valid_from)
        select customer_id, rule_set_version_id, 'STANDARD', 'SUB_HEALTHY', 'HIGH', '{}', '[]', 'CHANGE', $1 from moved)
      select id, customer_id from moved`,
      [hub.clock.now()],
    );
    expect(moved).toHaveLength(5);
    try {
      const today = hub.clock.today();
      const down = await hub.gql(
        `{ marketingCustomers(filter: { tierChange: { since: "${today}", from: ["GOLD"], direction: DOWN } }) { totalCount } }`,
        {},
        Role.ADMIN,
      );
      expect(down.data!.marketingCustomers.totalCount).toBe(5);
      const up = await hub.gql(
        `{ marketingCustomers(filter: { tierChange: { since: "${today}", direction: UP } }) { totalCount } }`,
        {},
        Role.ADMIN,
      );
      expect(up.data!.marketingCustomers.totalCount).toBe(0);
      const moves = await hub.gql(
        `{ tierTransitionSummary(since: "${today}") { fromTier toTier customers } }`,
        {},
        Role.ADMIN,
      );
      expect(moves.data!.tierTransitionSummary).toEqual([
        { fromTier: 'GOLD', toTier: 'STANDARD', customers: 5 },
      ]);
    } finally {
      // The other tests read the seeded tiers: put them back as they were.
      await hub.sql(
        `delete from tier_assignment where customer_id = any($1::uuid[]) and valid_to is null`,
        [moved.map((m) => m.customer_id)],
      );
      await hub.sql(`update tier_assignment set valid_to = null where id = any($1::bigint[])`, [
        moved.map((m) => m.id),
      ]);
    }
  });
});

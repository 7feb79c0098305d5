import { randomUUID } from 'node:crypto';
import { Role } from '../../src/auth/roles';
import { DEFAULT_TIER_RULE_SET } from '../../src/modules/tier/rule-set/default-rule-set';
import { addDays } from '../../src/time/clock';
import {
  autoPolicyRecord,
  cifNumbers,
  customerRecord,
  INGEST_CLAIMS,
  INGEST_CUSTOMERS,
  INGEST_POLICIES,
  INGEST_RISK_SCORES,
  ingestTwoYearCustomer,
  insertBranches,
  nextNumber,
  reportedClaimRecord,
  riskScoreRecord,
  type TwoYearCustomer,
} from '../setup/factories';
import { startTestHub, type TestHub } from '../setup/test-app';
import { activateAndWait } from '../setup/activation';

const TIER = `query ($by: CustomerLookup!) { customer(by: $by) {
  tier { tier riskClass valueClass reasons cause ruleSetVersion { version }
    metrics { premium12m claimCount36m incurred36m lossRatio36m verifiedContact } }
  tierHistory { totalCount nodes { tier validFrom validTo } } } }`;

describe('tier assignments', () => {
  let hub: TestHub;
  let today: string;

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
    today = hub.clock.today();
  });
  afterAll(() => hub.close());

  // Two years of cover, the current policy worth 6,000 CNY: high value, no claim.
  const diamondCustomer = () => ingestTwoYearCustomer(hub, today, { premium: '6000.00' });
  /** A claim reported ten days ago whose reserve is well above the premium earned. */
  const reportCostlyClaim = async (customer: TwoYearCustomer) => {
    const claim = await hub.gql(INGEST_CLAIMS, {
      records: [
        reportedClaimRecord(nextNumber(), customer.policyNo, addDays(today, -10), '9000.00'),
      ],
    });
    expect(claim.data!.ingestClaims.accepted).toBe(1);
  };
  const queued = (customer: TwoYearCustomer) =>
    hub.sql('select reason from tier_recompute_queue where customer_id = $1', [customer.id]);

  it('queues the customer in the transaction that wrote the policies, and explains the tier', async () => {
    const customer = await diamondCustomer();
    expect(await queued(customer)).toHaveLength(1);
    await hub.app.services.tiers.drainQueue();
    expect(await queued(customer)).toHaveLength(0);
    const res = await hub.gql(TIER, { by: { cifNo: customer.cifNo } }, Role.FRONTLINE);
    expect(res.errors).toBeUndefined();
    const { tier } = res.data!.customer;
    expect(tier).toMatchObject({
      tier: 'DIAMOND',
      riskClass: 'QUALITY',
      valueClass: 'HIGH',
      cause: 'CHANGE',
      ruleSetVersion: { version: 1 },
    });
    expect(tier.reasons).toEqual(
      expect.arrayContaining([
        'no claim in 36 months',
        'written premium 6,000 CNY in 12 months (at least 5,000)',
      ]),
    );
    // Money and ratios as Decimal strings, exact to the cent and the basis point.
    expect(tier.metrics).toEqual({
      premium12m: '6000.00',
      claimCount36m: 0,
      incurred36m: '0.00',
      lossRatio36m: '0.0000',
      verifiedContact: true,
    });
  });

  it('counts a mobile as verified only by SMS or call-back, the ways that prove it reaches the customer', async () => {
    const verifiedBy = async (method: string) => {
      const n = nextNumber();
      const [mobile] = customerRecord(n).contactPoints;
      const customer = await ingestTwoYearCustomer(hub, today, {
        premium: '6000.00',
        n,
        customer: { contactPoints: [{ ...mobile, verificationMethod: method }] },
      });
      await hub.app.services.tiers.drainQueue();
      const res = await hub.gql(TIER, { by: { cifNo: customer.cifNo } }, Role.FRONTLINE);
      expect(res.errors).toBeUndefined();
      return res.data!.customer.tier.metrics.verifiedContact;
    };
    expect(await verifiedBy('SMS')).toBe(true);
    expect(await verifiedBy('CALL_BACK')).toBe(true);
    expect(await verifiedBy('IN_PERSON')).toBe(false);
  });

  it('counts no verified contact on a number many customers share, verified or not', async () => {
    const n = nextNumber();
    const [mobile] = customerRecord(n).contactPoints;
    const customer = await ingestTwoYearCustomer(hub, today, {
      premium: '6000.00',
      n,
      customer: { contactPoints: [{ ...mobile, verificationMethod: 'CALL_BACK' }] },
    });
    // The number is a dealer's: five other people's records carry it.
    const others = await hub.gql(INGEST_CUSTOMERS, {
      records: ['赵磊', '钱芳', '孙涛', '周敏', '吴强'].map((name, i) =>
        customerRecord(nextNumber(), {
          sourceSystem: 'DEALER',
          name,
          identityDocuments: [],
          contactPoints: [{ kind: 'MOBILE', value: mobile!.value }],
          sourceKey: `DLR-${n}-${i}`,
        }),
      ),
    });
    expect(others.data!.ingestCustomers.rejected).toBe(0);
    await hub.app.services.tiers.drainQueue();
    const res = await hub.gql(
      `query ($by: CustomerLookup!) { customer(by: $by) {
        contactPoints { kind generic verificationStatus } tier { metrics { verifiedContact } } } }`,
      { by: { cifNo: customer.cifNo } },
      Role.FRONTLINE,
    );
    expect(res.data!.customer.contactPoints).toContainEqual({
      kind: 'MOBILE',
      generic: true,
      verificationStatus: 'VERIFIED',
    });
    expect(res.data!.customer.tier.metrics.verifiedContact).toBe(false);
  });

  it('keeps a proof by SMS through a later check in person, until a later failure', async () => {
    const n = nextNumber();
    const customer = await ingestTwoYearCustomer(hub, today, { premium: '6000.00', n });
    const [mobile] = customerRecord(n).contactPoints;
    const later = async (sourceSystem: string, status: string, method: string, at: string) => {
      const res = await hub.gql(INGEST_CUSTOMERS, {
        records: [
          customerRecord(n, {
            sourceSystem,
            contactPoints: [
              { ...mobile, verificationStatus: status, verificationMethod: method, verifiedAt: at },
            ],
          }),
        ],
      });
      expect(res.data!.ingestCustomers.records[0].id).toBe(customer.id);
      await hub.app.services.tiers.drainQueue();
      const read = await hub.gql(TIER, { by: { cifNo: customer.cifNo } }, Role.FRONTLINE);
      return read.data!.customer.tier.metrics.verifiedContact;
    };
    // The factory's record verified it by SMS on 2026-03-01.
    expect(await later('AGENCY', 'VERIFIED', 'IN_PERSON', '2026-05-01T08:00:00Z')).toBe(true);
    expect(await later('CALL_CENTRE', 'FAILED', 'CALL_BACK', '2026-06-01T08:00:00Z')).toBe(false);
  });

  it('takes the graver of two scores taken at one instant as latest, in the tier and in the profile alike', async () => {
    const customer = await diamondCustomer();
    const at = `${addDays(today, -3)}T02:00:00Z`;
    // One a batch, the grave one between: whatever their order or ids, HIGH is the latest.
    for (const level of ['LOW', 'HIGH', 'MEDIUM']) {
      const scores = await hub.gql(INGEST_RISK_SCORES, {
        records: [
          riskScoreRecord(
            nextNumber(),
            { customer: { cifNo: customer.cifNo } },
            { stage: 'UNDERWRITING', level, scoredAt: at },
          ),
        ],
      });
      expect(scores.data!.ingestRiskScores.accepted).toBe(1);
    }
    await hub.app.services.tiers.drainQueue();
    const res = await hub.gql(
      `{ customer(by: { cifNo: "${customer.cifNo}" }) {
          latestRiskScores { level } riskScores(stage: [UNDERWRITING]) { nodes { level } }
          tier { metrics { latestRiskLevel } } } }`,
      {},
      Role.UNDERWRITING,
    );
    expect(res.data!.customer).toEqual({
      latestRiskScores: [{ level: 'HIGH' }],
      riskScores: { nodes: [{ level: 'HIGH' }, { level: 'MEDIUM' }, { level: 'LOW' }] },
      tier: { metrics: { latestRiskLevel: 'HIGH' } },
    });
  });

  it('recomputes after an ingested claim and keeps the earlier tier answerable for a past date', async () => {
    const customer = await diamondCustomer();
    await hub.app.services.tiers.drainQueue();
    // Backdate the first assignment so that "before the claim" is a date of its own.
    await hub.sql(`update tier_assignment set valid_from = $2 where customer_id = $1`, [
      customer.id,
      hub.clock.instantAt(addDays(today, -60)),
    ]);
    await reportCostlyClaim(customer);
    await hub.app.services.tiers.drainQueue();
    const now = await hub.gql(TIER, { by: { cifNo: customer.cifNo } }, Role.UNDERWRITING);
    expect(now.data!.customer.tier).toMatchObject({
      tier: 'WATCH',
      riskClass: 'HIGH_RISK',
      cause: 'CHANGE',
    });
    expect(now.data!.customer.tier.metrics).toMatchObject({
      claimCount36m: 1,
      incurred36m: '9000.00',
      lossRatio36m: expect.stringMatching(/^\d+\.\d{4}$/),
    });
    expect(now.data!.customer.tier.reasons).toEqual(
      expect.arrayContaining([
        '1 claim in 36 months (at least 1)',
        expect.stringMatching(/^loss ratio \d+(\.\d+)?% above 100%$/),
      ]),
    );
    expect(now.data!.customer.tierHistory.nodes.map((n: { tier: string }) => n.tier)).toEqual([
      'WATCH',
      'DIAMOND',
    ]);
    const before = await hub.gql(
      `{ customer(by: { cifNo: "${customer.cifNo}" }) { tier(asOf: "${addDays(today, -30)}") { tier riskClass } } }`,
      {},
      Role.UNDERWRITING,
    );
    expect(before.data!.customer.tier).toEqual({ tier: 'DIAMOND', riskClass: 'QUALITY' });
    const beforeAny = await hub.gql(
      `{ customer(by: { cifNo: "${customer.cifNo}" }) { tier(asOf: "${addDays(today, -90)}") { tier } } }`,
      {},
      Role.UNDERWRITING,
    );
    expect(beforeAny.data!.customer.tier).toBeNull();
    // A later day's tier or history is not known yet: asked for, it is refused, not guessed.
    const tomorrow = addDays(hub.clock.today(), 1);
    for (const [query, role, field] of [
      // A field's argument is named under its path, and an alias names which one it was.
      [
        `{ customer(by: { cifNo: "${customer.cifNo}" }) { tier(asOf: "${tomorrow}") { tier } } }`,
        Role.UNDERWRITING,
        'customer.tier.asOf',
      ],
      [
        `{ customer(by: { cifNo: "${customer.cifNo}" }) { now: riskHistory { claimCount3y }
             later: riskHistory(asOf: "${tomorrow}") { claimCount3y } } }`,
        Role.UNDERWRITING,
        'customer.later.asOf',
      ],
      [`{ tierSegmentSummary(asOf: "${tomorrow}") { tier customers } }`, Role.MARKETING, 'asOf'],
      [
        `{ marketingCustomers(filter: { tiers: ["DIAMOND"], tierAsOf: "${tomorrow}" }) { totalCount } }`,
        Role.MARKETING,
        'filter.tierAsOf',
      ],
      // Without tiers too: a filter that ignored the day would answer as if it were known.
      [
        `{ marketingCustomers(filter: { tierAsOf: "${tomorrow}" }) { totalCount } }`,
        Role.MARKETING,
        'filter.tierAsOf',
      ],
      [
        `{ marketingCustomers(filter: { tierChange: { since: "${tomorrow}" } }) { totalCount } }`,
        Role.MARKETING,
        'filter.tierChange.since',
      ],
      [
        `{ tierTransitionSummary(since: "${tomorrow}") { fromTier toTier customers } }`,
        Role.MARKETING,
        'since',
      ],
    ] as const) {
      const refused = await hub.gql(query, {}, role);
      expect([query, refused.errors?.[0]?.extensions]).toEqual([
        query,
        expect.objectContaining({ code: 'BAD_USER_INPUT', field, rule: 'FUTURE_DATE' }),
      ]);
    }
  });

  it('answers the tier alone (read from the customer row) as the open assignment, before the first and after a change', async () => {
    const customer = await diamondCustomer();
    const alone = async () => {
      const res = await hub.gql(
        `query ($cifNo: String!) { customer(by: { cifNo: $cifNo }) {
          tier { __typename tier } full: tier { tier cause } } }`,
        { cifNo: customer.cifNo },
        Role.FRONTLINE,
      );
      expect(res.errors).toBeUndefined();
      return res.data!.customer;
    };
    expect(await alone()).toEqual({ tier: null, full: null });
    await hub.app.services.tiers.drainQueue();
    expect(await alone()).toEqual({
      tier: { __typename: 'TierAssignment', tier: 'DIAMOND' },
      full: { tier: 'DIAMOND', cause: 'CHANGE' },
    });
    await reportCostlyClaim(customer);
    await hub.app.services.tiers.drainQueue();
    expect(await alone()).toEqual({
      tier: { __typename: 'TierAssignment', tier: 'WATCH' },
      full: { tier: 'WATCH', cause: 'CHANGE' },
    });
  });

  it('withholds the fast tracks from a high-risk customer with the reason, and keeps standard service', async () => {
    const customer = await diamondCustomer();
    await reportCostlyClaim(customer);
    await hub.app.services.tiers.drainQueue();
    const res = await hub.gql(
      `{ customer(by: { cifNo: "${customer.cifNo}" }) { entitlements { service status reasons parameters { maxClaimAmount } } } }`,
      {},
      Role.FRONTLINE,
    );
    const services = res.data!.customer.entitlements.map((e: { service: string }) => e.service);
    expect(services).toEqual(['ON_SITE_SURVEY', 'ROADSIDE_RESCUE']);
    expect(res.data!.customer.entitlements[0]).toEqual({
      service: 'ON_SITE_SURVEY',
      status: 'GRANTED',
      reasons: ['tier WATCH grants it (entitlement rules v1)'],
      parameters: { maxClaimAmount: null },
    });
  });

  it('earns premium over the same days as the claims it is set against in a loss ratio', async () => {
    const n = nextNumber();
    const customers = await hub.gql(INGEST_CUSTOMERS, { records: [customerRecord(n)] });
    const [cifNo] = await cifNumbers(hub, [customers.data!.ingestCustomers.records[0].id]);
    // The day 12 months back is the one day the window leaves out, as claimCount12m does.
    const [{ left }] = await hub.sql(
      `select ($1::date - interval '12 months')::date::text as left`,
      [today],
    );
    // 60 days of cover at 1 CNY a day, of which the 29 after the left-out day are in the window.
    const policy = autoPolicyRecord(n, cifNo!, {
      effectiveDate: addDays(left, -30),
      expiryDate: addDays(left, 29),
      premium: '60.00',
      status: 'EXPIRED',
    });
    expect(
      (await hub.gql(INGEST_POLICIES, { records: [policy] })).data!.ingestPolicies.accepted,
    ).toBe(1);
    const claims = await hub.gql(INGEST_CLAIMS, {
      records: [
        reportedClaimRecord(nextNumber(), policy.policyNo, left, '1000.00'),
        reportedClaimRecord(nextNumber(), policy.policyNo, addDays(left, 10), '100.00'),
      ],
    });
    expect(claims.data!.ingestClaims.accepted).toBe(2);
    await hub.app.services.tiers.drainQueue();
    const res = await hub.gql(
      `query ($cifNo: String!) { customer(by: { cifNo: $cifNo }) {
        tier { metrics { claimCount12m incurred12m lossRatio12m } } } }`,
      { cifNo },
      Role.UNDERWRITING,
    );
    expect(res.data!.customer.tier.metrics).toEqual({
      claimCount12m: 1,
      incurred12m: '100.00',
      lossRatio12m: '3.4483',
    });
  });

  it('judges a loss ratio as it is, not as shown: one cent over what was earned is over 100%', async () => {
    const n = nextNumber();
    const customers = await hub.gql(INGEST_CUSTOMERS, { records: [customerRecord(n)] });
    const [cifNo] = await cifNumbers(hub, [customers.data!.ingestCustomers.records[0].id]);
    const today = hub.clock.today();
    // 100 days of cover, all earned, well inside the 36 months.
    const policy = autoPolicyRecord(n, cifNo!, {
      effectiveDate: addDays(today, -110),
      expiryDate: addDays(today, -11),
      premium: '100000.00',
      status: 'EXPIRED',
    });
    expect(
      (await hub.gql(INGEST_POLICIES, { records: [policy] })).data!.ingestPolicies.accepted,
    ).toBe(1);
    const claims = await hub.gql(INGEST_CLAIMS, {
      records: [
        reportedClaimRecord(nextNumber(), policy.policyNo, addDays(today, -50), '100000.01'),
      ],
    });
    expect(claims.data!.ingestClaims.accepted).toBe(1);
    await hub.app.services.tiers.drainQueue();
    const res = await hub.gql(
      `query ($cifNo: String!) { customer(by: { cifNo: $cifNo }) {
        tier { riskClass metrics { incurred36m lossRatio36m } } } }`,
      { cifNo },
      Role.UNDERWRITING,
    );
    expect(res.data!.customer.tier).toEqual({
      riskClass: 'HIGH_RISK',
      metrics: { incurred36m: '100000.01', lossRatio36m: '1.0000' },
    });
  });

  it('does not rewrite an active rule set version', async () => {
    await expect(
      hub.sql(
        `update rule_set_version set document = '{}' where status = 'ACTIVE' and kind = 'TIER'`,
      ),
    ).rejects.toThrow(/never change/);
  });
});

describe('tier rule set versions', () => {
  let hub: TestHub;
  const DRAFT = `mutation ($input: RuleSetDraftInput!) { createRuleSetDraft(input: $input) { id version valid problems { path rule message } } }`;

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
    // Premiums from 2,000 to 7,000 CNY over two years of cover: value classes split at 5,000.
    for (let i = 0; i < 6; i += 1) {
      await ingestTwoYearCustomer(hub, hub.clock.today(), {
        premium: `${2000 + i * 1000}.00`,
        branchCode: i % 2 ? '3201' : '3301',
      });
    }
    await hub.app.services.tiers.drainQueue();
  });
  afterAll(() => hub.close());

  it('rejects a draft whose classes overlap or can never match, naming the rule and the problem', async () => {
    const bad = structuredClone(DEFAULT_TIER_RULE_SET) as any;
    bad.valueClasses[0].when.push({ all: [{ metric: 'premium12m', op: '>=', value: 1000 }] });
    bad.valueClasses[1].when = [{ all: [{ metric: 'premium12m', op: '<', value: 3000 }] }];
    bad.riskClasses[0].when.push({
      all: [
        { metric: 'claimCount36m', op: '>', value: 2 },
        { metric: 'claimCount36m', op: '<', value: 3 },
      ],
    });
    const res = await hub.gql(DRAFT, {
      input: { kind: 'TIER', document: bad, note: 'broken on purpose' },
    });
    const { valid, problems } = res.data!.createRuleSetDraft;
    expect(valid).toBe(false);
    const byRule = (rule: string) => problems.filter((p: { rule: string }) => p.rule === rule);
    expect(byRule('FALLBACK')[0].path).toBe('valueClasses');
    expect(byRule('UNREACHABLE')[0]).toMatchObject({ path: 'riskClasses[0].when[1]' });
    expect(byRule('UNREACHABLE')[0].message).toMatch(/claimCount36m > 2 and claimCount36m < 3/);
    const activate = await activateAndWait(hub, res.data!.createRuleSetDraft.id);
    expect(activate.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('simulates a draft without writing, and activation then moves exactly the customers it said', async () => {
    const cheaper = structuredClone(DEFAULT_TIER_RULE_SET) as any;
    const high = cheaper.valueClasses.find((c: { code: string }) => c.code === 'HIGH');
    high.when[0].all[0].value = 3000;
    const draft = await hub.gql(DRAFT, {
      input: { kind: 'TIER', document: cheaper, note: 'High value from 3,000 CNY' },
    });
    expect(draft.data!.createRuleSetDraft).toMatchObject({ valid: true, problems: [] });
    const { version } = draft.data!.createRuleSetDraft;
    const id = draft.data!.createRuleSetDraft.id;
    const before = await hub.sql(
      'select customer_id, tier from tier_assignment where valid_to is null',
    );

    const simulation = await hub.gql(
      `{ simulateTierRuleSet(id: "${id}") { fromTier toTier customers } }`,
    );
    expect(simulation.errors).toBeUndefined();
    expect(
      await hub.sql('select customer_id, tier from tier_assignment where valid_to is null'),
    ).toEqual(before);

    const { job } = await activateAndWait(hub, id);
    expect(job).toMatchObject({ state: 'SUCCEEDED', customersTotal: 6, customersDone: 6 });
    const produced =
      await hub.sql(`select o.tier as "fromTier", n.tier as "toTier", count(*)::int as customers
      from tier_assignment n join tier_assignment o on o.customer_id = n.customer_id and o.valid_to = n.valid_from
      where n.valid_to is null group by 1, 2
      union all select n.tier, n.tier, count(*)::int from tier_assignment n
      where n.valid_to is null and n.cause <> 'ACTIVATION' group by 1, 2 order by 1, 2`);
    expect(simulation.data!.simulateTierRuleSet).toEqual(produced);
    expect(simulation.data!.simulateTierRuleSet).toEqual(
      expect.arrayContaining([{ fromTier: 'SILVER', toTier: 'DIAMOND', customers: 2 }]),
    );

    const versions = await hub.gql(
      '{ ruleSetVersions(kind: TIER) { nodes { version status } } }',
      {},
      Role.FRONTLINE,
    );
    const statuses = versions.data!.ruleSetVersions.nodes;
    expect(statuses[0]).toEqual({ version, status: 'ACTIVE' });
    expect(statuses[statuses.length - 1]).toEqual({ version: 1, status: 'RETIRED' });
  });

  it("answers the simulation per branch, within the caller's scope", async () => {
    const copy = await hub.gql(DRAFT, {
      input: { kind: 'TIER', document: DEFAULT_TIER_RULE_SET, note: 'Back to the default' },
    });
    const res = await hub.gql(
      `{ simulateTierRuleSet(id: "${copy.data!.createRuleSetDraft.id}", byBranch: true) { fromTier toTier branchCode customers } }`,
    );
    const total = res.data!.simulateTierRuleSet.reduce(
      (n: number, t: { customers: number }) => n + t.customers,
      0,
    );
    expect(total).toBe(6);
    expect(
      new Set(res.data!.simulateTierRuleSet.map((t: { branchCode: string }) => t.branchCode)),
    ).toEqual(new Set(['3201', '3301']));
    // A city's administrator counts its own city's customers only, as in the tier summaries.
    const response = await fetch(hub.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${hub.token(Role.ADMIN, '3301')}`,
      },
      body: JSON.stringify({
        query: `{ simulateTierRuleSet(id: "${copy.data!.createRuleSetDraft.id}", byBranch: true) { branchCode customers } }`,
      }),
    });
    const city = ((await response.json()) as { data: any }).data.simulateTierRuleSet as {
      branchCode: string;
      customers: number;
    }[];
    expect(city.length).toBeGreaterThan(0);
    expect(city.every((t) => t.branchCode === '3301')).toBe(true);
    // It may not draft or activate: a rule set re-tiers the whole company; nor follow an
    // activation, whose counts are the whole company's.
    for (const query of [
      `mutation { activateRuleSetVersion(id: "${copy.data!.createRuleSetDraft.id}") { id } }`,
      `{ ruleSetActivation(id: "${randomUUID()}") { customersTotal customersChanged } }`,
      `mutation ($document: JSONObject!) { createRuleSetDraft(input: { kind: TIER, document: $document, note: "city" }) { id } }`,
    ]) {
      const refused = await fetch(hub.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${hub.token(Role.ADMIN, '3301')}`,
        },
        body: JSON.stringify({ query, variables: { document: DEFAULT_TIER_RULE_SET } }),
      });
      const body = (await refused.json()) as { data: unknown; errors: any[] };
      expect(body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'HEAD_OFFICE' });
    }
    expect(city.reduce((n, t) => n + t.customers, 0)).toBe(
      res
        .data!.simulateTierRuleSet.filter((t: { branchCode: string }) => t.branchCode === '3301')
        .reduce((n: number, t: { customers: number }) => n + t.customers, 0),
    );
  });

  it('leaves rule set administration to admins', async () => {
    const res = await hub.gql(
      DRAFT,
      { input: { kind: 'TIER', document: DEFAULT_TIER_RULE_SET, note: 'x' } },
      Role.MARKETING,
    );
    expect(res.errors![0].extensions.code).toBe('FORBIDDEN');
  });
});

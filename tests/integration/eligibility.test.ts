import { Role } from '../../src/auth/roles';
import { addDays } from '../../src/time/clock';
import {
  customerRecord,
  INGEST_CUSTOMERS,
  INGEST_RISK_SCORES,
  ingestTwoYearCustomer,
  insertBranches,
  mobile,
  nextNumber,
  riskScoreRecord,
} from '../setup/factories';
import { startTestHub, type TestHub } from '../setup/test-app';

const DECIDE = `mutation ($input: EligibilityRequest!) { decideEligibility(input: $input) {
  id service allowed tier decidedBy reasons { code text }
  parameters { maxClaimAmount singlePartyOnly noInjury settleWithinHours }
  tierRuleSetVersion { version kind } entitlementRuleSetVersion { version kind } } }`;

describe('eligibility at report time', () => {
  let hub: TestHub;
  let today: string;
  let yesterday: string;
  let scoredOn: string;
  let diamond: string;
  let risky: string;

  // Yesterday at 10:00 in Beijing.
  const claim = (overrides: Record<string, unknown> = {}) => ({
    amount: '3200.00',
    singleParty: true,
    injury: false,
    accidentAt: `${yesterday}T02:00:00Z`,
    accidentPlace: '南京市鼓楼区',
    ...overrides,
  });
  const decide = async (customerId: string, service: string, context = claim()) => {
    const res = await hub.gql(
      DECIDE,
      { input: { customerId, service, claim: context } },
      Role.FRONTLINE,
    );
    expect(res.errors).toBeUndefined();
    return res.data!.decideEligibility;
  };

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
    today = hub.clock.today();
    yesterday = addDays(today, -1);
    scoredOn = addDays(today, -5);
    // Both are high-value customers of two years without a claim...
    diamond = (await ingestTwoYearCustomer(hub, today, { premium: '6000.00' })).id;
    const second = await ingestTwoYearCustomer(hub, today, { premium: '6000.00' });
    risky = second.id;
    // ...but the rule base scored the second one HIGH.
    const scores = await hub.gql(INGEST_RISK_SCORES, {
      records: [
        riskScoreRecord(
          nextNumber(),
          { customer: { cifNo: second.cifNo } },
          { stage: 'UNDERWRITING', scoredAt: hub.clock.instantAt(scoredOn, '10:00') },
        ),
      ],
    });
    expect(scores.data!.ingestRiskScores.accepted).toBe(1);
    await hub.app.services.tiers.drainQueue();
  });
  afterAll(() => hub.close());

  it('allows a document-free claim of exactly 5,000 CNY, single-party, with every reason and the versions used', async () => {
    const decision = await decide(diamond, 'DOCUMENT_FREE_CLAIM', claim({ amount: '5000.00' }));
    expect(decision).toMatchObject({
      service: 'DOCUMENT_FREE_CLAIM',
      allowed: true,
      tier: 'DIAMOND',
      decidedBy: 'test-frontline (frontline)',
      parameters: {
        maxClaimAmount: '5000',
        singlePartyOnly: true,
        noInjury: true,
        settleWithinHours: 24,
      },
      tierRuleSetVersion: { version: 1, kind: 'TIER' },
      entitlementRuleSetVersion: { version: 1, kind: 'ENTITLEMENT' },
    });
    expect(decision.reasons).toEqual([
      { code: 'TIER_GRANTS', text: 'tier DIAMOND grants Document-free claim (免单证)' },
      { code: 'OVER_MAX_AMOUNT_MET', text: 'claim 5,000.00 CNY within the 5,000.00 CNY limit' },
      { code: 'NOT_SINGLE_PARTY_MET', text: 'a single-party accident' },
      { code: 'INJURY_MET', text: 'no one was injured' },
    ]);
  });

  it('denies one fen over 5,000 CNY, a two-party accident and an injury, each with its reason', async () => {
    const over = await decide(diamond, 'DOCUMENT_FREE_CLAIM', claim({ amount: '5000.01' }));
    expect(over.allowed).toBe(false);
    expect(over.reasons).toContainEqual({
      code: 'OVER_MAX_AMOUNT',
      text: 'claim 5,000.01 CNY above the 5,000.00 CNY limit',
    });
    const huge = await decide(diamond, 'DOCUMENT_FREE_CLAIM', claim({ amount: '987654321012.34' }));
    expect(huge.reasons).toContainEqual({
      code: 'OVER_MAX_AMOUNT',
      text: 'claim 987,654,321,012.34 CNY above the 5,000.00 CNY limit',
    });
    const twoParty = await decide(diamond, 'DOCUMENT_FREE_CLAIM', claim({ singleParty: false }));
    expect(twoParty.allowed).toBe(false);
    expect(twoParty.reasons).toContainEqual({
      code: 'NOT_SINGLE_PARTY',
      text: 'only for single-party accidents',
    });
    const injury = await decide(diamond, 'DOCUMENT_FREE_CLAIM', claim({ injury: true }));
    expect(injury.reasons.map((r: { code: string }) => r.code)).toContain('INJURY');
  });

  it('denies a high-value customer with a HIGH risk score every fast track, saying why', async () => {
    for (const service of ['DOCUMENT_FREE_CLAIM', 'SURVEY_FREE_CLAIM', 'FLASH_CLAIM']) {
      const decision = await decide(risky, service, claim({ amount: '800.00' }));
      expect(decision.allowed).toBe(false);
      expect(decision.reasons).toContainEqual({
        code: 'HIGH_RISK_SCORE',
        text: 'the latest risk score is HIGH: fast tracks are withheld whatever the tier',
      });
    }
    const profile = await hub.gql(
      `{ customer(by: { id: "${risky}" }) { tier { tier valueClass reasons } } }`,
      {},
      Role.FRONTLINE,
    );
    expect(profile.data!.customer.tier).toMatchObject({ tier: 'WATCH', valueClass: 'HIGH' });
    expect(profile.data!.customer.tier.reasons).toContain(
      `risk level HIGH from model claims-rules v3 on ${scoredOn}`,
    );
  });

  it('keeps the night-time window in Beijing time', async () => {
    // 13:00 UTC is 21:00 in Beijing; 02:00 UTC is 10:00.
    expect(
      (
        await decide(
          diamond,
          'NIGHT_CLAIMS_SERVICE',
          claim({ accidentAt: `${yesterday}T13:00:00Z` }),
        )
      ).allowed,
    ).toBe(true);
    const day = await decide(
      diamond,
      'NIGHT_CLAIMS_SERVICE',
      claim({ accidentAt: `${yesterday}T02:00:00Z` }),
    );
    expect(day.reasons).toContainEqual({
      code: 'OUTSIDE_HOURS',
      text: 'accident at 10:00, outside 20:00 to 8:00 (Asia/Shanghai)',
    });
  });

  it('records every decision, readable later by id and from the customer', async () => {
    const customer = await ingestTwoYearCustomer(hub, today, { premium: '6000.00' });
    await hub.app.services.tiers.drainQueue();
    await decide(customer.id, 'DOCUMENT_FREE_CLAIM');
    const decision = await decide(customer.id, 'FLASH_CLAIM', claim({ amount: '1500' }));
    const again = await hub.gql(
      `{ eligibilityDecision(id: "${decision.id}") { allowed service reasons { code } } }`,
      {},
      Role.FRONTLINE,
    );
    expect(again.data!.eligibilityDecision).toEqual({
      allowed: decision.allowed,
      service: 'FLASH_CLAIM',
      reasons: decision.reasons.map((r: { code: string }) => ({ code: r.code })),
    });
    const listed = await hub.gql(
      `{ customer(by: { id: "${customer.id}" }) { eligibilityDecisions(first: 1) { totalCount nodes { id } } } }`,
      {},
      Role.FRONTLINE,
    );
    expect(listed.data!.customer.eligibilityDecisions.nodes).toEqual([{ id: decision.id }]);
    expect(listed.data!.customer.eligibilityDecisions.totalCount).toBe(2);
  });

  it('gives the same answer to the same question', async () => {
    const a = await decide(diamond, 'DOCUMENT_FREE_CLAIM');
    const b = await decide(diamond, 'DOCUMENT_FREE_CLAIM');
    expect({ ...a, id: undefined }).toEqual({ ...b, id: undefined });
  });

  it('lifts a risk gate as soon as the data behind it changes, tier unchanged', async () => {
    // A diamond customer whose mobile an SMS verified a month ago...
    const n = nextNumber();
    const sms = {
      kind: 'MOBILE',
      value: mobile(n),
      verificationStatus: 'VERIFIED',
      verificationMethod: 'SMS',
      verifiedAt: hub.clock.instantAt(addDays(today, -30), '10:00'),
    };
    const customer = await ingestTwoYearCustomer(hub, today, {
      premium: '6000.00',
      n,
      customer: { contactPoints: [sms] },
    });
    await hub.app.services.tiers.drainQueue();
    expect((await decide(customer.id, 'DOCUMENT_FREE_CLAIM')).allowed).toBe(true);
    // ...fails a call-back two days ago: document-free claims are withheld...
    const failed = {
      ...sms,
      verificationStatus: 'FAILED',
      verificationMethod: 'CALL_BACK',
      verifiedAt: hub.clock.instantAt(addDays(today, -2), '10:00'),
    };
    await hub.gql(INGEST_CUSTOMERS, { records: [customerRecord(n, { contactPoints: [failed] })] });
    await hub.app.services.tiers.drainQueue();
    const withheld = await decide(customer.id, 'DOCUMENT_FREE_CLAIM');
    expect(withheld.tier).toBe('DIAMOND');
    expect(withheld.reasons.map((r: { code: string }) => r.code)).toContain('NO_VERIFIED_MOBILE');
    // ...until an SMS verifies it again.
    const verified = { ...sms, verifiedAt: hub.clock.instantAt(yesterday, '10:00') };
    await hub.gql(INGEST_CUSTOMERS, {
      records: [customerRecord(n, { contactPoints: [verified] })],
    });
    await hub.app.services.tiers.drainQueue();
    expect((await decide(customer.id, 'DOCUMENT_FREE_CLAIM')).allowed).toBe(true);
  });

  it('names the field and the rule of a bad request', async () => {
    const res = await hub.gql(
      DECIDE,
      { input: { customerId: diamond, service: 'TELEPORT', claim: claim() } },
      Role.FRONTLINE,
    );
    expect(res.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.service',
      rule: 'UNKNOWN_SERVICE',
    });
    const amount = await hub.gql(
      DECIDE,
      {
        input: { customerId: diamond, service: 'FLASH_CLAIM', claim: claim({ amount: '12.345' }) },
      },
      Role.FRONTLINE,
    );
    expect(amount.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.claim.amount',
      rule: 'AMOUNT_FORMAT',
    });
    // The message states every bound, the one broken included.
    const large = await hub.gql(
      DECIDE,
      {
        input: {
          customerId: diamond,
          service: 'FLASH_CLAIM',
          claim: claim({ amount: '1000000000000' }),
        },
      },
      Role.FRONTLINE,
    );
    expect(large.errors![0].message).toMatch(/below 1,000,000,000,000/);
    const marketing = await hub.gql(
      DECIDE,
      { input: { customerId: diamond, service: 'FLASH_CLAIM', claim: claim() } },
      Role.MARKETING,
    );
    expect(marketing.errors![0].extensions.code).toBe('FORBIDDEN');
  });

  it('refuses an accident that has not happened yet, or before 1900, and records nothing', async () => {
    const count = async () =>
      (
        await hub.sql<{ n: number }>(
          'select count(*)::int as n from eligibility_decision where customer_id = $1',
          [diamond],
        )
      )[0]!.n;
    const before = await count();
    const tomorrow = addDays(hub.clock.today(), 1);
    for (const accidentAt of [`${tomorrow}T10:00:00+08:00`, '1899-12-31T10:00:00+08:00']) {
      const res = await hub.gql(
        DECIDE,
        { input: { customerId: diamond, service: 'FLASH_CLAIM', claim: claim({ accidentAt }) } },
        Role.FRONTLINE,
      );
      expect(res.errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.claim.accidentAt',
        rule: 'INSTANT_RANGE',
      });
    }
    expect(await count()).toBe(before);
    // A minute ago is an accident being reported now.
    const now = new Date(hub.clock.now().getTime() - 60_000).toISOString();
    expect(
      (await decide(diamond, 'FLASH_CLAIM', claim({ accidentAt: now }))).allowed,
    ).toBeDefined();
  });

  it('keeps the place of the accident under the field rules of a claim record, and what it says of a person masked', async () => {
    for (const [accidentPlace, rule] of [
      ['南京\n鼓楼', 'CONTROL_CHARACTER'],
      ['路'.repeat(201), 'MAX_LENGTH'],
    ]) {
      const res = await hub.gql(
        DECIDE,
        { input: { customerId: diamond, service: 'FLASH_CLAIM', claim: claim({ accidentPlace }) } },
        Role.FRONTLINE,
      );
      expect(res.errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.claim.accidentPlace',
        rule,
      });
    }
    const decision = await decide(
      diamond,
      'FLASH_CLAIM',
      claim({ accidentPlace: ' 南京 联系人 13912345678 身份证 320100198005050011 ' }),
    );
    const read = await hub.gql(
      `{ eligibilityDecision(id: "${decision.id}") { context } }`,
      {},
      Role.FRONTLINE,
    );
    expect(read.data!.eligibilityDecision.context.accidentPlace).toBe(
      '南京 联系人 [digits] 身份证 [digits]',
    );
  });

  it('says why a customer has no tier: not yet, or never while they are not active', async () => {
    const res = await hub.gql(INGEST_CUSTOMERS, { records: [customerRecord(nextNumber())] });
    const id: string = res.data!.ingestCustomers.records[0].id;
    const noTier = async () =>
      (await decide(id, 'DOCUMENT_FREE_CLAIM')).reasons.filter(
        (r: { code: string }) => r.code === 'NO_TIER',
      );
    expect(await noTier()).toEqual([{ code: 'NO_TIER', text: 'the customer has no tier yet' }]);
    await hub.sql(`update customer set status = 'DECEASED' where id = $1`, [id]);
    expect(await noTier()).toEqual([
      { code: 'NO_TIER', text: 'the customer is DECEASED: only active customers have a tier' },
    ]);
  });
});

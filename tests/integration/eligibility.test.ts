import { Role } from '../../src/auth/roles';
import {
  autoPolicyRecord,
  cifNumbers,
  customerRecord,
  INGEST_CUSTOMERS,
  INGEST_POLICIES,
  INGEST_RISK_SCORES,
  insertBranches,
  riskScoreRecord,
} from '../setup/factories';
import { startTestHub, type TestHub } from '../setup/test-app';

const year = new Date().getUTCFullYear();

const DECIDE = `mutation ($input: EligibilityRequest!) { decideEligibility(input: $input) {
  id service allowed tier decidedBy reasons { code text }
  parameters { maxClaimAmount singlePartyOnly noInjury settleWithinHours }
  tierRuleSetVersion { version kind } entitlementRuleSetVersion { version kind } } }`;

describe('eligibility at report time', () => {
  let hub: TestHub;
  let diamond: string;
  let risky: string;

  const claim = (overrides: Record<string, unknown> = {}) => ({
    amount: '3200.00',
    singleParty: true,
    injury: false,
    accidentAt: `${year}-06-01T02:00:00Z`,
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
    const customers = await hub.gql(INGEST_CUSTOMERS, {
      records: [customerRecord(1), customerRecord(2)],
    });
    [diamond, risky] = customers.data!.ingestCustomers.records.map((r: { id: string }) => r.id);
    const cifs = await cifNumbers(hub, [diamond, risky]);
    // Both are high-value customers of two years without a claim.
    await hub.gql(INGEST_POLICIES, {
      records: cifs.flatMap((cif, i) => [
        autoPolicyRecord(10 + i, cif, {
          effectiveDate: `${year - 2}-01-01`,
          expiryDate: `${year - 2}-12-31`,
          status: 'EXPIRED',
        }),
        autoPolicyRecord(i + 1, cif, {
          premium: '6000.00',
          effectiveDate: `${year}-01-01`,
          expiryDate: `${year}-12-31`,
          vehicle: autoPolicyRecord(10 + i, '').vehicle,
        }),
      ]),
    });
    // ...but the rule base scored the second one HIGH.
    await hub.gql(INGEST_RISK_SCORES, {
      records: [
        riskScoreRecord(
          1,
          { customer: { cifNo: cifs[1] } },
          { stage: 'UNDERWRITING', scoredAt: `${year}-10-02T08:00:00Z` },
        ),
      ],
    });
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
      `risk level HIGH from model claims-rules v3 on ${year}-10-02`,
    );
  });

  it('keeps the night-time window in Beijing time', async () => {
    // 13:00 UTC is 21:00 in Beijing; 02:00 UTC is 10:00.
    expect(
      (
        await decide(
          diamond,
          'NIGHT_CLAIMS_SERVICE',
          claim({ accidentAt: `${year}-06-01T13:00:00Z` }),
        )
      ).allowed,
    ).toBe(true);
    const day = await decide(
      diamond,
      'NIGHT_CLAIMS_SERVICE',
      claim({ accidentAt: `${year}-06-01T02:00:00Z` }),
    );
    expect(day.reasons).toContainEqual({
      code: 'OUTSIDE_HOURS',
      text: 'accident at 10:00, outside 20:00 to 8:00 (Asia/Shanghai)',
    });
  });

  it('records every decision, readable later by id and from the customer', async () => {
    const decision = await decide(diamond, 'FLASH_CLAIM', claim({ amount: '1500' }));
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
      `{ customer(by: { id: "${diamond}" }) { eligibilityDecisions(first: 1) { totalCount nodes { id } } } }`,
      {},
      Role.FRONTLINE,
    );
    expect(listed.data!.customer.eligibilityDecisions.nodes).toEqual([{ id: decision.id }]);
    expect(listed.data!.customer.eligibilityDecisions.totalCount).toBeGreaterThan(5);
  });

  it('gives the same answer to the same question', async () => {
    const a = await decide(diamond, 'DOCUMENT_FREE_CLAIM');
    const b = await decide(diamond, 'DOCUMENT_FREE_CLAIM');
    expect({ ...a, id: undefined }).toEqual({ ...b, id: undefined });
  });

  it('lifts a risk gate as soon as the data behind it changes, tier unchanged', async () => {
    // The diamond customer's mobile fails a call-back: document-free claims are withheld...
    const failed = {
      kind: 'MOBILE',
      value: '13900000001',
      verificationStatus: 'FAILED',
      verificationMethod: 'CALL_BACK',
      verifiedAt: `${year}-11-01T08:00:00Z`,
    };
    await hub.gql(INGEST_CUSTOMERS, { records: [customerRecord(1, { contactPoints: [failed] })] });
    await hub.app.services.tiers.drainQueue();
    const withheld = await decide(diamond, 'DOCUMENT_FREE_CLAIM');
    expect(withheld.tier).toBe('DIAMOND');
    expect(withheld.reasons.map((r: { code: string }) => r.code)).toContain('NO_VERIFIED_MOBILE');
    // ...until an SMS verifies it again.
    const verified = {
      ...failed,
      verificationStatus: 'VERIFIED',
      verificationMethod: 'SMS',
      verifiedAt: `${year}-11-02T08:00:00Z`,
    };
    await hub.gql(INGEST_CUSTOMERS, {
      records: [customerRecord(1, { contactPoints: [verified] })],
    });
    await hub.app.services.tiers.drainQueue();
    expect((await decide(diamond, 'DOCUMENT_FREE_CLAIM')).allowed).toBe(true);
  });

  it('names the field and the rule of a bad request', async () => {
    const res = await hub.gql(
      DECIDE,
      { input: { customerId: diamond, service: 'TELEPORT', claim: claim() } },
      Role.FRONTLINE,
    );
    expect(res.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'service',
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
      field: 'claim.amount',
      rule: 'AMOUNT_FORMAT',
    });
    const marketing = await hub.gql(
      DECIDE,
      { input: { customerId: diamond, service: 'FLASH_CLAIM', claim: claim() } },
      Role.MARKETING,
    );
    expect(marketing.errors![0].extensions.code).toBe('FORBIDDEN');
  });
});

import { DEFAULT_ENTITLEMENT_RULE_SET } from '../../../src/modules/entitlement/rule-set/default-rule-set';
import { validateEntitlementRuleSet } from '../../../src/modules/entitlement/rule-set/validate';
import { DEFAULT_TIER_RULE_SET } from '../../../src/modules/tier/rule-set/default-rule-set';

const TIERS = DEFAULT_TIER_RULE_SET.tiers.map((t) => t.code);

/** The default rule set with one service's parameters replaced. */
function withParameters(code: string, parameters: Record<string, unknown>) {
  const doc = structuredClone(DEFAULT_ENTITLEMENT_RULE_SET);
  const i = doc.services.findIndex((s) => s.code === code);
  doc.services[i]!.parameters = parameters;
  return { doc, path: `services[${i}].parameters` };
}

describe('entitlement rule set validation', () => {
  it('accepts the default rule set', () => {
    expect(validateEntitlementRuleSet(DEFAULT_ENTITLEMENT_RULE_SET, TIERS)).toMatchObject({
      ok: true,
    });
  });

  it.each([
    [
      'a minimum above the maximum',
      'ADVANCE_PAYMENT',
      { minClaimAmount: '10000', maxClaimAmount: '500' },
    ],
    ['an empty hour window', 'NIGHT_CLAIMS_SERVICE', { hoursFrom: 8, hoursTo: 8 }],
  ])('refuses parameters no claim can meet: %s', (_, code, parameters) => {
    const { doc, path } = withParameters(code, parameters);
    const result = validateEntitlementRuleSet(doc, TIERS);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map((p) => [p.path, p.rule])).toEqual([
      [path, 'PARAMETER'],
    ]);
  });

  it('refuses a grant giving half an hour window, a gate code given twice, and one of the hub reason codes', () => {
    const doc = structuredClone(DEFAULT_ENTITLEMENT_RULE_SET);
    const night = doc.grants.findIndex((g) => g.service === 'NIGHT_CLAIMS_SERVICE');
    doc.grants[night]!.parameters = { hoursFrom: 22 };
    const gate = doc.riskGates[0]!;
    doc.riskGates.push({ ...gate }, { ...gate, code: 'TIER_GRANTS' });
    const result = validateEntitlementRuleSet(doc, TIERS);
    const n = DEFAULT_ENTITLEMENT_RULE_SET.riskGates.length;
    expect(!result.ok && result.problems.map((p) => [p.path, p.rule])).toEqual([
      [`grants[${night}].parameters`, 'PARAMETER'],
      [`riskGates[${n}].code`, 'DUPLICATE_CODE'],
      [`riskGates[${n + 1}].code`, 'RESERVED_CODE'],
    ]);
  });

  it('accepts a minimum equal to the maximum and a window across midnight', () => {
    for (const [code, parameters] of [
      ['ADVANCE_PAYMENT', { minClaimAmount: '500', maxClaimAmount: '500.00' }],
      ['NIGHT_CLAIMS_SERVICE', { hoursFrom: 20, hoursTo: 8 }],
    ] as const) {
      expect(validateEntitlementRuleSet(withParameters(code, parameters).doc, TIERS)).toMatchObject(
        {
          ok: true,
        },
      );
    }
  });

  it("refuses a grant whose parameters, over its service's, no claim can meet", () => {
    const doc = structuredClone(DEFAULT_ENTITLEMENT_RULE_SET);
    const i = doc.grants.findIndex((g) => g.service === 'ADVANCE_PAYMENT');
    doc.grants[i]!.parameters = { maxClaimAmount: '5000' };
    const result = validateEntitlementRuleSet(doc, TIERS);
    expect(!result.ok && result.problems).toEqual([
      {
        path: `grants[${i}].parameters`,
        rule: 'PARAMETER',
        message:
          "minClaimAmount 10000 (the service's) is above maxClaimAmount 5000: no claim can meet both",
      },
    ]);
    // A grant overriding the service's minimum with its own is judged by its own.
    doc.grants[i]!.parameters = { minClaimAmount: '3000', maxClaimAmount: '5000' };
    expect(validateEntitlementRuleSet(doc, TIERS)).toMatchObject({ ok: true });
  });

  it('refuses a grant to no tier and a risk gate over no service (EMPTY)', () => {
    const doc = structuredClone(DEFAULT_ENTITLEMENT_RULE_SET);
    doc.grants[0]!.tiers = [];
    doc.riskGates[0]!.services = [];
    const result = validateEntitlementRuleSet(doc, TIERS);
    expect(!result.ok && result.problems.map((p) => [p.path, p.rule])).toEqual([
      ['grants[0].tiers', 'EMPTY'],
      ['riskGates[0].services', 'EMPTY'],
    ]);
  });

  it('masks an ID number or a mobile the document carries in its problems', () => {
    const doc = structuredClone(DEFAULT_ENTITLEMENT_RULE_SET) as unknown as Record<string, any>;
    doc.grants[0].service = '13800138000';
    doc.grants[1].tiers = ['zhang@example.com'];
    doc.riskGates[0]['110105194912310021'] = true;
    const result = validateEntitlementRuleSet(doc, TIERS);
    const text = JSON.stringify(!result.ok && result.problems);
    expect(text).toContain('[digits]');
    expect(text).toContain('[e-mail]');
    expect(text).not.toMatch(/13800138000|zhang@|110105194912310021/);
  });

  it('refuses lists longer than every profile can judge, checking them no further (TOO_LARGE)', () => {
    const doc = structuredClone(DEFAULT_ENTITLEMENT_RULE_SET);
    const [service] = doc.services;
    const [gate] = doc.riskGates;
    doc.services = Array.from({ length: 20_000 }, (_, i) => ({ ...service!, code: `S${i}` }));
    doc.riskGates = [
      { ...gate!, when: Array.from({ length: 13 }, () => gate!.when[0]!) },
      { ...gate!, code: 'ALL_OF_THEM', services: Array(51).fill(service!.code) },
    ];
    doc.grants[0]!.tiers = [...TIERS, TIERS[0]!];
    const result = validateEntitlementRuleSet(doc, TIERS);
    expect(!result.ok && result.problems.map((p) => [p.path, p.rule])).toEqual(
      expect.arrayContaining([
        ['services', 'TOO_LARGE'],
        ['riskGates[0].when', 'TOO_LARGE'],
        ['riskGates[1].services', 'TOO_LARGE'],
        ['grants[0].tiers', 'TOO_LARGE'],
      ]),
    );
    expect(!result.ok && result.problems.find((p) => p.path === 'services')?.message).toBe(
      'services has 20000 entries: at most 50',
    );
    // Checked no further: not 20,000 services' problems, nor an empty list's.
    expect(
      !result.ok && result.problems.some((p) => /^services\[|EMPTY/.test(p.path + p.rule)),
    ).toBe(false);
  });
});

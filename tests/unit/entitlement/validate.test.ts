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
});

import {
  classSql,
  matchedConditionSql,
  reasonTextsSql,
  rowColumn,
  tierSql,
} from '../../../src/modules/tier/rule-set/compile';
import { DEFAULT_TIER_RULE_SET } from '../../../src/modules/tier/rule-set/default-rule-set';
import type { TierRuleSetDocument } from '../../../src/modules/tier/rule-set/document';
import { validateRuleSet } from '../../../src/modules/tier/rule-set/validate';
import { connectMetricsRows, type MetricsRow, type MetricsRows } from './metrics-rows';

const column = rowColumn('m');

/** Class, tier and reasons of each row under `ruleSet`, computed by the compiled SQL alone. */
function evaluate(db: MetricsRows, ruleSet: TierRuleSetDocument, rows: MetricsRow[]) {
  const risk = classSql(ruleSet.riskClasses, column);
  const value = classSql(ruleSet.valueClasses, column);
  return db.select<{ risk: string; value: string; tier: string; reasons: string[] }>(
    { risk, value, tier: tierSql(ruleSet, risk, value), reasons: reasonTextsSql(ruleSet, column) },
    rows,
  );
}

const LATEST_SCORE = {
  latestRiskModel: 'claims-rules',
  latestRiskModelVersion: 'v3',
  latestRiskScoredAt: '2026-10-02',
};

let db: MetricsRows;

beforeAll(async () => {
  db = await connectMetricsRows();
});

afterAll(() => db.close());

describe('the default rule set compiled to SQL', () => {
  it.each<[string, MetricsRow, { risk: string; value: string; tier: string; reasons: string[] }]>([
    [
      'a claim-free, low-risk customer paying 12,480 CNY is DIAMOND',
      {
        premium12m: '12480.00',
        claimFreeMonths: 40,
        worstRiskLevel36m: 'LOW',
        latestRiskLevel: 'LOW',
        ...LATEST_SCORE,
      },
      {
        risk: 'QUALITY',
        value: 'HIGH',
        tier: 'DIAMOND',
        reasons: [
          'no claim in 36 months',
          'claim-free for 40 months (at least 12)',
          'worst risk level LOW in 36 months (at most LOW)',
          'risk level LOW from model claims-rules v3 on 2026-10-02 (at most LOW)',
          'written premium 12,480 CNY in 12 months (at least 5,000)',
        ],
      },
    ],
    [
      'a customer whose claims cost 112% of premium is WATCH',
      { claimCount36m: 2, claimFreeMonths: 5, lossRatio36m: '1.1200' },
      {
        risk: 'HIGH_RISK',
        value: 'LOW',
        tier: 'WATCH',
        reasons: [
          '2 claims in 36 months (at least 1)',
          'loss ratio 112% above 100%',
          'Low value: none of the HIGH rules hold',
        ],
      },
    ],
    [
      'a high-value customer whose latest score is HIGH is WATCH all the same',
      {
        premium12m: '6000.50',
        latestRiskLevel: 'HIGH',
        worstRiskLevel36m: 'HIGH',
        ...LATEST_SCORE,
      },
      {
        risk: 'HIGH_RISK',
        value: 'HIGH',
        tier: 'WATCH',
        reasons: [
          'risk level HIGH from model claims-rules v3 on 2026-10-02',
          'written premium 6,000.50 CNY in 12 months (at least 5,000)',
        ],
      },
    ],
    [
      'a customer with one claim and a loss ratio of 80% is STANDARD',
      { claimCount36m: 1, lossRatio36m: '0.8000', linesHeld: 2, tenureMonths: 24 },
      {
        risk: 'SUB_HEALTHY',
        value: 'HIGH',
        tier: 'STANDARD',
        reasons: [
          '1 claim in 36 months (at least 1 and at most 4)',
          'loss ratio 80% above 75% and at most 100%',
          'never risk-scored (at most MEDIUM)',
          '2 lines of business in force (at least 2)',
          'customer for 24 months (at least 24)',
        ],
      },
    ],
    [
      'a customer of high value by premium and by lines held is told both',
      {
        claimCount36m: 1,
        lossRatio36m: '0.8000',
        linesHeld: 2,
        tenureMonths: 24,
        premium12m: '5650.00',
      },
      {
        risk: 'SUB_HEALTHY',
        value: 'HIGH',
        tier: 'STANDARD',
        reasons: [
          '1 claim in 36 months (at least 1 and at most 4)',
          'loss ratio 80% above 75% and at most 100%',
          'never risk-scored (at most MEDIUM)',
          'written premium 5,650 CNY in 12 months (at least 5,000)',
          '2 lines of business in force (at least 2)',
          'customer for 24 months (at least 24)',
        ],
      },
    ],
    [
      'a claim-free customer once scored HIGH, renewing every year, is STANDARD',
      {
        worstRiskLevel36m: 'HIGH',
        latestRiskLevel: 'MEDIUM',
        ...LATEST_SCORE,
        renewals: 3,
        premium12m: '2500.00',
      },
      {
        risk: 'SUB_HEALTHY',
        value: 'HIGH',
        tier: 'STANDARD',
        reasons: [
          'worst risk level HIGH in 36 months',
          'no claim in 36 months (at most 4)',
          'loss ratio 0% at most 100%',
          'risk level MEDIUM from model claims-rules v3 on 2026-10-02 (at most MEDIUM)',
          '3 renewals in 36 months (at least 3)',
          'written premium 2,500 CNY in 12 months (at least 2,000)',
        ],
      },
    ],
    [
      'a customer with one affordable claim is BLUE, by the fallback',
      { claimCount36m: 1, lossRatio36m: '0.3000', claimFreeMonths: 8 },
      {
        risk: 'HEALTHY',
        value: 'LOW',
        tier: 'BLUE',
        reasons: [
          'Healthy: none of the QUALITY, SUB_HEALTHY, HIGH_RISK rules hold',
          'Low value: none of the HIGH rules hold',
        ],
      },
    ],
    [
      'a claim-free customer of one month is not yet QUALITY',
      { claimFreeMonths: 1, tenureMonths: 1 },
      {
        risk: 'HEALTHY',
        value: 'LOW',
        tier: 'BLUE',
        reasons: [
          'Healthy: none of the QUALITY, SUB_HEALTHY, HIGH_RISK rules hold',
          'Low value: none of the HIGH rules hold',
        ],
      },
    ],
    [
      'a claim-free low-value customer is SILVER',
      {},
      {
        risk: 'QUALITY',
        value: 'LOW',
        tier: 'SILVER',
        reasons: [
          'no claim in 36 months',
          'claim-free for 30 months (at least 12)',
          'no risk score in 36 months (at most LOW)',
          'never risk-scored (at most LOW)',
          'Low value: none of the HIGH rules hold',
        ],
      },
    ],
  ])('%s', async (_name, row, expected) => {
    expect(await evaluate(db, DEFAULT_TIER_RULE_SET, [row])).toEqual([expected]);
  });

  it('evaluates many rows in one statement, each on its own values', async () => {
    const rows = await evaluate(db, DEFAULT_TIER_RULE_SET, [
      { claimCount36m: 5, lossRatio36m: '0.5000' },
      { claimCount36m: 3, lossRatio36m: '0.2000' },
      { claimCount36m: 2, lossRatio36m: '0.2000' },
    ]);
    expect(rows.map((r) => [r.risk, r.reasons[0]])).toEqual([
      ['HIGH_RISK', '5 claims in 36 months (at least 5)'],
      ['SUB_HEALTHY', '3 claims in 36 months (at least 3 and at most 4)'],
      ['HEALTHY', 'Healthy: none of the QUALITY, SUB_HEALTHY, HIGH_RISK rules hold'],
    ]);
  });

  it('treats a null loss ratio as meeting no rule on it, as the validator assumes', async () => {
    // Three claims but nothing earned: SUB_HEALTHY's count rule also bounds the loss ratio.
    const [row] = await evaluate(db, DEFAULT_TIER_RULE_SET, [
      { claimCount36m: 3, lossRatio36m: null, claimFreeMonths: 2 },
    ]);
    expect(row.risk).toBe('HEALTHY');
  });

  it('names the conjunction that matched, null for the fallback', async () => {
    const rows = await db.select<{ risk: number | null; value: number | null }>(
      {
        risk: matchedConditionSql(DEFAULT_TIER_RULE_SET.riskClasses, column),
        value: matchedConditionSql(DEFAULT_TIER_RULE_SET.valueClasses, column),
      },
      [
        { claimCount36m: 2, lossRatio36m: '1.1200', renewals: 4, premium12m: '2100' },
        { claimCount36m: 1, lossRatio36m: '0.1000' },
      ],
    );
    expect(rows).toEqual([
      { risk: 1, value: 2 },
      { risk: null, value: null },
    ]);
  });
});

describe('reasons', () => {
  // One class per metric the default rule set leaves out, so each rendering is seen once.
  const ruleSet: TierRuleSetDocument = {
    riskClasses: [
      {
        code: 'TRIED',
        label: 'Tried',
        when: [
          {
            all: [
              { metric: 'claimCount12m', op: '!=', value: 2 },
              { metric: 'incurred12m', op: '>', value: 1000 },
              { metric: 'incurred36m', op: '<', value: 100000 },
              { metric: 'lossRatio12m', op: '>=', value: 0.635 },
              { metric: 'verifiedContact', op: '=', value: false },
            ],
          },
        ],
        rationale: 'Exercises renderings.',
      },
      { code: 'OTHER', label: "Rest o'f them", rationale: 'A label with a quote.' },
    ],
    valueClasses: [
      {
        code: 'HIGH',
        label: 'High',
        when: [{ all: [{ metric: 'verifiedContact', op: '!=', value: false }] }],
        rationale: 'Exercises the boolean.',
      },
      { code: 'LOW', label: 'Low', rationale: 'Fallback.' },
    ],
    tiers: [{ code: 'ONLY', label: 'Only', rank: 1, rationale: 'One tier for all.' }],
    matrix: [
      { risk: 'TRIED', value: 'HIGH', tier: 'ONLY' },
      { risk: 'TRIED', value: 'LOW', tier: 'ONLY' },
      { risk: 'OTHER', value: 'HIGH', tier: 'ONLY' },
      { risk: 'OTHER', value: 'LOW', tier: 'ONLY' },
    ],
  };

  it('quote the row and the bounds it met, per metric', async () => {
    expect(validateRuleSet(ruleSet)).toMatchObject({ ok: true });
    const rows = await evaluate(db, ruleSet, [
      {
        claimCount12m: 1,
        incurred12m: '1234567.8',
        incurred36m: '2000',
        lossRatio12m: '0.6353',
        verifiedContact: false,
      },
      { verifiedContact: true },
    ]);
    expect(rows.map((r) => r.reasons)).toEqual([
      [
        '1 claim in 12 months (not 2)',
        'incurred claims 1,234,567.80 CNY in 12 months (above 1,000)',
        'incurred claims 2,000 CNY in 36 months (below 100,000)',
        '12-month loss ratio 63.53% at least 63.5%',
        'no verified mobile',
        'Low: none of the HIGH rules hold',
      ],
      ["Rest o'f them: none of the TRIED rules hold", 'verified mobile'],
    ]);
  });
});

describe('a reason at a bound', () => {
  it('shows a loss ratio just over 100% with the decimals that tell it from 100%', async () => {
    const [row] = await evaluate(db, DEFAULT_TIER_RULE_SET, [
      { claimCount36m: 1, lossRatio36m: '1.000006', linesHeld: 1 },
    ]);
    expect(row!.risk).toBe('HIGH_RISK');
    expect(row!.reasons).toContain('loss ratio 100.0006% above 100%');
  });
});

describe('literals', () => {
  it('refuse a threshold that is not a finite number, from an unvalidated document', () => {
    const classes = structuredClone(DEFAULT_TIER_RULE_SET.valueClasses);
    classes[0].when![0].all[0].value = Number.NaN;
    expect(() => classSql(classes, column)).toThrow('not a finite number');
  });

  it('refuse a level outside the fixed set', () => {
    const classes = structuredClone(DEFAULT_TIER_RULE_SET.riskClasses);
    classes[0].when![0].all[2].value = "LOW') or true or ('" as never;
    expect(() => classSql(classes, column)).toThrow('not a risk level');
  });
});

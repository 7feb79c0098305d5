import { DEFAULT_TIER_RULE_SET } from '../../../src/modules/tier/rule-set/default-rule-set';
import type { Comparison, TierRuleSetDocument } from '../../../src/modules/tier/rule-set/document';
import {
  MAX_PROBLEMS,
  validateRuleSet,
  type RuleSetProblem,
} from '../../../src/modules/tier/rule-set/validate';

/** The default rule set changed by `edit` (risk classes QUALITY, HEALTHY, SUB_HEALTHY, HIGH_RISK). */
function variant(edit: (doc: TierRuleSetDocument) => void): TierRuleSetDocument {
  const doc = structuredClone(DEFAULT_TIER_RULE_SET);
  edit(doc);
  return doc;
}

function problemsOf(doc: unknown): RuleSetProblem[] {
  const result = validateRuleSet(doc);
  if (result.ok) throw new Error('expected problems, the rule set validated');
  return result.problems;
}

const is = (metric: string, op: string, value: unknown) => ({ metric, op, value }) as Comparison;

describe('validateRuleSet', () => {
  it.each([
    ['as text', '1', 'TYPE'],
    ['below 1', 0, 'VALUE_RANGE'],
    ['a fraction', 1.5, 'VALUE_RANGE'],
    ['beyond any list of tiers', 1e20, 'VALUE_RANGE'],
  ])('reports a rank %s under its rule', (_name, rank, rule) => {
    const problems = problemsOf(
      variant((doc) => {
        (doc.tiers[0] as { rank: unknown }).rank = rank;
      }),
    );
    expect(problems.filter((p) => p.path === 'tiers[0].rank').map((p) => p.rule)).toEqual([rule]);
  });

  it('refuses an axis too large to check in a moment, and checks no further', () => {
    const problems = problemsOf(
      variant((doc) => {
        const fallback = doc.valueClasses.find((c) => !c.when)!;
        doc.valueClasses = [
          ...Array.from({ length: 200 }, (_, i) => ({
            code: `V${i}`,
            label: `band ${i}`,
            rationale: 'a premium band',
            when: [
              {
                all: Array.from({ length: 20 }, (_, j) =>
                  is('premium12m', j % 2 ? '<' : '>=', i * 100 + j),
                ),
              },
            ],
          })),
          fallback,
        ];
      }),
    );
    expect(problems.filter((p) => p.rule === 'TOO_LARGE')).toEqual([
      expect.objectContaining({ path: 'valueClasses' }),
    ]);
    expect(problems.some((p) => p.rule === 'OVERLAP')).toBe(false);
  });

  it('reports no matrix problems of an axis refused for its size', () => {
    // 800 classes on each axis and no matrix: each pair would be reported missing.
    const classes = (prefix: string) =>
      Array.from({ length: 800 }, (_, i) => ({
        code: `${prefix}${i}`,
        label: `${prefix}${i}`,
        rationale: 'one of many',
      }));
    const problems = problemsOf(
      variant((doc) => {
        doc.riskClasses = classes('R') as typeof doc.riskClasses;
        doc.valueClasses = classes('V') as typeof doc.valueClasses;
        doc.matrix = [];
      }),
    );
    expect(problems.filter((p) => p.rule === 'TOO_LARGE').map((p) => p.path)).toEqual([
      'riskClasses',
      'valueClasses',
    ]);
    expect(problems.some((p) => p.rule === 'MATRIX_MISSING')).toBe(false);
  });

  it(`lists at most ${MAX_PROBLEMS} problems, each naming at most a dozen of the codes defined`, () => {
    // 100 tiers (as many as there are ranks), and 5,000 matrix entries naming tiers that
    // are not among them.
    const problems = problemsOf(
      variant((doc) => {
        doc.tiers = Array.from({ length: 100 }, (_, i) => ({
          code: `T${i}`,
          label: `tier ${i}`,
          rank: i + 1,
          rationale: 'one of many',
        }));
        doc.matrix = Array.from({ length: 5_000 }, (_, i) => ({
          risk: doc.riskClasses[0]!.code,
          value: doc.valueClasses[0]!.code,
          tier: `X${i}`,
        }));
      }),
    );
    expect(problems).toHaveLength(MAX_PROBLEMS + 1);
    expect(problems[MAX_PROBLEMS]).toMatchObject({ rule: 'TOO_MANY_PROBLEMS' });
    const unknown = problems.find((p) => p.rule === 'UNKNOWN_TIER')!;
    expect(unknown.message).toBe(
      'there is no tier X0; the tiers are T0, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, … (100 in all)',
    );
  });

  it('accepts the shipped default rule set as it is', () => {
    expect(validateRuleSet(DEFAULT_TIER_RULE_SET)).toEqual({
      ok: true,
      ruleSet: DEFAULT_TIER_RULE_SET,
    });
  });

  describe('OVERLAP', () => {
    it('reports two classes that can both hold, with an example of whom they share', () => {
      const problems = problemsOf(
        variant((doc) => {
          doc.riskClasses[2].when = [{ all: [is('claimCount36m', '>=', 1)] }];
          doc.riskClasses[3].when = [{ all: [is('lossRatio36m', '>', 1)] }];
        }),
      );
      expect(problems).toContainEqual({
        path: 'riskClasses[3].when[0]',
        rule: 'OVERLAP',
        message:
          'SUB_HEALTHY and HIGH_RISK both match when claimCount36m >= 1 and lossRatio36m > 1 ' +
          '(riskClasses[2].when[0] and riskClasses[3].when[0]); ' +
          'classes of one axis must exclude each other',
      });
    });

    it('does not know that a loss ratio implies a claim, so the rule set must say it', () => {
      const problems = problemsOf(
        variant((doc) => {
          doc.riskClasses[3].when = [{ all: [is('lossRatio36m', '>', 1)] }];
        }),
      );
      expect(problems).toContainEqual(
        expect.objectContaining({
          rule: 'OVERLAP',
          message: expect.stringContaining(
            'QUALITY and HIGH_RISK both match when claimCount36m = 0',
          ),
        }),
      );
    });

    it('sees no overlap where bounds meet without touching, nor through a null ratio', () => {
      const result = validateRuleSet(
        variant((doc) => {
          doc.riskClasses[2].when = [
            { all: [is('claimCount36m', '>=', 1), is('lossRatio36m', '<=', 1)] },
          ];
          doc.riskClasses[3].when = [
            { all: [is('claimCount36m', '>=', 1), is('lossRatio36m', '>', 1)] },
          ];
        }),
      );
      expect(result).toMatchObject({ ok: true });
    });

    it('reads levels in order, NONE below LOW', () => {
      const problems = problemsOf(
        variant((doc) => {
          doc.riskClasses[3].when = [{ all: [is('latestRiskLevel', '<', 'LOW')] }];
        }),
      );
      expect(problems).toContainEqual(
        expect.objectContaining({
          path: 'riskClasses[3].when[0]',
          rule: 'OVERLAP',
          message: expect.stringContaining(
            'QUALITY and HIGH_RISK both match when claimCount36m = 0 and claimFreeMonths >= 12 ' +
              'and worstRiskLevel36m <= LOW and latestRiskLevel = NONE',
          ),
        }),
      );
    });
  });

  describe('UNREACHABLE', () => {
    it('reports a condition no whole number of claims can meet', () => {
      const problems = problemsOf(
        variant((doc) => {
          doc.riskClasses[3].when![2] = {
            all: [is('claimCount36m', '>', 2), is('claimCount36m', '<', 3)],
          };
        }),
      );
      expect(problems).toEqual([
        {
          path: 'riskClasses[3].when[2]',
          rule: 'UNREACHABLE',
          message:
            'HIGH_RISK can never match through this condition: no value of claimCount36m ' +
            'satisfies claimCount36m > 2 and claimCount36m < 3 ' +
            '(counts are whole numbers, never negative)',
        },
      ]);
    });

    it('reports contradictory bounds', () => {
      const problems = problemsOf(
        variant((doc) => {
          doc.riskClasses[3].when![2] = {
            all: [is('claimCount36m', '>=', 3), is('claimCount36m', '<', 2)],
          };
        }),
      );
      expect(problems).toEqual([
        expect.objectContaining({ path: 'riskClasses[3].when[2]', rule: 'UNREACHABLE' }),
      ]);
    });

    it('allows a narrow gap on a ratio, which is a real number', () => {
      const result = validateRuleSet(
        variant((doc) => {
          doc.riskClasses[3].when![1].all.push(is('lossRatio36m', '<', 1.0001));
        }),
      );
      expect(result).toMatchObject({ ok: true });
    });

    it('reports a level above HIGH', () => {
      const problems = problemsOf(
        variant((doc) => {
          doc.riskClasses[3].when![0] = { all: [is('latestRiskLevel', '>', 'HIGH')] };
        }),
      );
      expect(problems).toEqual([
        expect.objectContaining({
          path: 'riskClasses[3].when[0]',
          rule: 'UNREACHABLE',
          message: expect.stringContaining('levels run NONE < LOW < MEDIUM < HIGH'),
        }),
      ]);
    });
  });

  describe('the matrix', () => {
    it('reports a combination without a tier (MATRIX_MISSING)', () => {
      const problems = problemsOf(
        variant((doc) => {
          doc.matrix = doc.matrix.filter((c) => !(c.risk === 'SUB_HEALTHY' && c.value === 'LOW'));
        }),
      );
      expect(problems).toEqual([
        {
          path: 'matrix',
          rule: 'MATRIX_MISSING',
          message: 'no tier for risk class SUB_HEALTHY with value class LOW; add an entry for it',
        },
      ]);
    });

    it('reports a combination mapped twice (MATRIX_DUPLICATE)', () => {
      const problems = problemsOf(
        variant((doc) => {
          doc.matrix.push({ risk: 'QUALITY', value: 'HIGH', tier: 'GOLD' });
        }),
      );
      expect(problems).toEqual([
        {
          path: 'matrix[8]',
          rule: 'MATRIX_DUPLICATE',
          message:
            'risk class QUALITY with value class HIGH is mapped twice (first at matrix[0]); ' +
            'map each combination once',
        },
      ]);
    });

    it('reports unknown classes and tiers, and tiers left unused', () => {
      const problems = problemsOf(
        variant((doc) => {
          doc.matrix[0] = { risk: 'QUALITY', value: 'HIHG', tier: 'PLATINUM' };
        }),
      );
      expect(problems).toEqual([
        {
          path: 'matrix[0].value',
          rule: 'UNKNOWN_CLASS',
          message: 'there is no value class HIHG; the value classes are HIGH, LOW',
        },
        {
          path: 'matrix[0].tier',
          rule: 'UNKNOWN_TIER',
          message:
            'there is no tier PLATINUM; the tiers are DIAMOND, GOLD, SILVER, BLUE, STANDARD, WATCH',
        },
        expect.objectContaining({ path: 'matrix', rule: 'MATRIX_MISSING' }),
        {
          path: 'tiers[0]',
          rule: 'UNUSED_TIER',
          message: 'tier DIAMOND is never assigned: no matrix entry maps to it',
        },
      ]);
    });

    it('reports two tiers of the same rank', () => {
      const problems = problemsOf(
        variant((doc) => {
          doc.tiers[2].rank = 2;
        }),
      );
      expect(problems).toEqual([
        {
          path: 'tiers[2].rank',
          rule: 'DUPLICATE_RANK',
          message: 'SILVER has rank 2 like GOLD; ranks order tiers and must differ',
        },
      ]);
    });
  });

  describe('comparisons', () => {
    it('reports an unknown metric, listing the known ones', () => {
      const problems = problemsOf(
        variant((doc) => {
          doc.riskClasses[3].when![2].all[0] = is('claimCount24m', '>=', 5);
        }),
      );
      expect(problems).toEqual([
        {
          path: 'riskClasses[3].when[2].all[0].metric',
          rule: 'UNKNOWN_METRIC',
          message: expect.stringMatching(
            /^unknown metric "claimCount24m"; the metrics are premium12m, .*verifiedContact$/,
          ),
        },
      ]);
    });

    it('masks a mobile or an e-mail written where a metric or an operator goes', () => {
      const problems = problemsOf(
        variant((doc) => {
          doc.riskClasses[3].when![2].all[0] = is('13800138000', 'zhang@example.com', 5);
        }),
      );
      expect(problems.map((p) => p.message)).toEqual([
        expect.stringMatching(/^unknown metric "\[digits\]"; the metrics are /),
        expect.stringMatching(/^unknown comparison "\[e-mail\]"; use one of /),
      ]);
    });

    it('allows only = and != on a boolean', () => {
      const problems = problemsOf(
        variant((doc) => {
          doc.valueClasses[0].when![0].all.push(is('verifiedContact', '>', false));
        }),
      );
      expect(problems).toEqual([
        {
          path: 'valueClasses[0].when[0].all[1].op',
          rule: 'OP_NOT_ALLOWED',
          message:
            'verifiedContact is true or false, so it can only be compared with = or !=, not >',
        },
      ]);
    });

    it.each([
      [
        'a level that does not exist',
        is('latestRiskLevel', '=', 'EXTREME'),
        'VALUE_TYPE',
        'latestRiskLevel must be compared with one of NONE, LOW, MEDIUM, HIGH, not "EXTREME"',
      ],
      [
        'a fractional count',
        is('claimCount36m', '>=', 2.5),
        'VALUE_TYPE',
        'claimCount36m must be compared with a whole number, e.g. 2, not 2.5',
      ],
      [
        'an amount as text',
        is('premium12m', '>=', '5000'),
        'VALUE_TYPE',
        'premium12m must be compared with an amount in CNY as a number, e.g. 5000, not "5000"',
      ],
      [
        'a negative count',
        is('claimCount36m', '>=', -1),
        'VALUE_RANGE',
        'claimCount36m is never negative, so comparing it with -1 is a mistake',
      ],
      [
        'an amount no customer reaches',
        is('premium12m', '>=', 1e300),
        'VALUE_RANGE',
        'premium12m is compared with 1e+300: at most 1,000,000,000,000 CNY, or no customer ever meets it',
      ],
      [
        'an unknown operator',
        is('claimCount36m', '=>', 1),
        'UNKNOWN_OP',
        'unknown comparison "=>"; use one of < <= > >= = !=',
      ],
    ])('reports %s', (_name, comparison, rule, message) => {
      const problems = problemsOf(
        variant((doc) => {
          doc.riskClasses[3].when![2].all[0] = comparison;
        }),
      );
      expect(problems).toEqual([
        {
          path: `riskClasses[3].when[2].all[0].${rule === 'UNKNOWN_OP' ? 'op' : 'value'}`,
          rule,
          message,
        },
      ]);
    });
  });

  describe('classes', () => {
    it('reports a second fallback class (FALLBACK)', () => {
      const problems = problemsOf(
        variant((doc) => {
          delete doc.riskClasses[2].when;
        }),
      );
      expect(problems).toEqual([
        {
          path: 'riskClasses[2]',
          rule: 'FALLBACK',
          message:
            'HEALTHY and SUB_HEALTHY all omit the when field, ' +
            'but only one class of riskClasses may be the fallback',
        },
      ]);
    });

    it('reports an axis without a fallback class', () => {
      const problems = problemsOf(
        variant((doc) => {
          doc.valueClasses[1].when = [{ all: [is('premium12m', '<', 5000)] }];
        }),
      );
      expect(problems).toContainEqual(
        expect.objectContaining({ path: 'valueClasses', rule: 'FALLBACK' }),
      );
    });

    it('reports duplicate codes, bad codes and an axis of one class', () => {
      const problems = problemsOf(
        variant((doc) => {
          doc.riskClasses[1].code = 'QUALITY';
          doc.tiers[5].code = 'watch list';
          doc.valueClasses = [doc.valueClasses[1]];
        }),
      );
      expect(problems).toEqual(
        expect.arrayContaining([
          {
            path: 'riskClasses[1].code',
            rule: 'DUPLICATE_CODE',
            message: 'class QUALITY is defined twice (first at riskClasses[0])',
          },
          expect.objectContaining({ path: 'tiers[5].code', rule: 'CODE_FORMAT' }),
          expect.objectContaining({ path: 'valueClasses', rule: 'TOO_FEW_CLASSES' }),
        ]),
      );
    });

    it('reports an empty list of tiers and an empty matrix as empty', () => {
      const problems = problemsOf({ riskClasses: [], valueClasses: [], tiers: [], matrix: [] });
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ path: 'tiers', rule: 'EMPTY' }),
          expect.objectContaining({ path: 'matrix', rule: 'EMPTY' }),
        ]),
      );
    });

    it('reports empty conditions, which would match nobody or everybody', () => {
      const problems = problemsOf(
        variant((doc) => {
          doc.riskClasses[0].when = [];
          doc.riskClasses[3].when![0].all = [];
        }),
      );
      expect(problems).toEqual([
        expect.objectContaining({ path: 'riskClasses[0].when', rule: 'EMPTY' }),
        expect.objectContaining({ path: 'riskClasses[3].when[0].all', rule: 'EMPTY' }),
      ]);
    });

    it('reports a label made only of invisible characters as blank: it shows nothing', () => {
      const problems = problemsOf(
        variant((doc) => {
          doc.tiers[0]!.label = '\u200b\u3000\u200b';
        }),
      );
      expect(problems).toEqual([
        expect.objectContaining({ path: 'tiers[0].label', rule: 'EMPTY' }),
      ]);
    });

    it('holds its texts to the rules of free text kept for good', () => {
      const problems = problemsOf(
        variant((doc) => {
          doc.tiers[0]!.label = 'Diamond\u001b[2J';
          doc.tiers[1]!.rationale = 'x'.repeat(1001);
        }),
      );
      expect(problems).toEqual([
        expect.objectContaining({ path: 'tiers[0].label', rule: 'CONTROL_CHARACTER' }),
        expect.objectContaining({ path: 'tiers[1].rationale', rule: 'MAX_LENGTH' }),
      ]);
    });
  });

  describe('the shape', () => {
    it('reports a document that is not an object', () => {
      expect(problemsOf('rules')).toEqual([
        { path: '', rule: 'TYPE', message: 'The rule set must be an object' },
      ]);
    });

    it('reports missing and misspelt fields, all at once', () => {
      const doc = structuredClone(DEFAULT_TIER_RULE_SET) as unknown as Record<string, any>;
      delete doc.tiers;
      doc.riskClasses[0].rationle = doc.riskClasses[0].rationale;
      delete doc.riskClasses[0].rationale;
      doc.matrix = {};
      expect(problemsOf(doc)).toEqual([
        { path: 'tiers', rule: 'REQUIRED', message: 'The rule set needs tiers' },
        { path: 'riskClasses[0].rationale', rule: 'REQUIRED', message: 'A class needs rationale' },
        {
          path: 'riskClasses[0].rationle',
          rule: 'UNKNOWN_FIELD',
          message: 'A class has no field rationle; its fields are code, label, rationale, when',
        },
        { path: 'matrix', rule: 'TYPE', message: 'matrix must be a list' },
      ]);
    });
  });
});

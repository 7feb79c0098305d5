import type { MetricKey, RiskLevelName } from './metrics';

/**
 * A tier rule set as stored in a rule set version: data, so that thresholds change when the
 * business decides, without a release. Validate with `validateRuleSet` before use; nothing
 * else checks.
 */

export const COMPARISON_OPS = ['<', '<=', '>', '>=', '=', '!='] as const;
export type ComparisonOp = (typeof COMPARISON_OPS)[number];

/**
 * One metric against a constant. Thresholds are plain JSON numbers: they are business
 * constants, not money amounts carried through arithmetic. Levels compare on
 * NONE < LOW < MEDIUM < HIGH; booleans only with = and !=. A comparison on a null metric
 * (a loss ratio with nothing earned) is false, as in SQL.
 */
export interface Comparison {
  metric: MetricKey;
  op: ComparisonOp;
  value: number | RiskLevelName | boolean;
}

/** A conjunction: holds when every comparison holds. */
export interface Condition {
  all: Comparison[];
}

/**
 * A class of one axis. The classes of an axis are mutually exclusive, so their order means
 * nothing; a customer is in the class one of whose conditions holds. Exactly one class per
 * axis omits `when` and takes everyone the others leave.
 */
export interface ClassRule {
  code: string;
  label: string;
  /** Any of these conjunctions; absent for the fallback class. */
  when?: Condition[];
  /** Why the class and its thresholds are what they are, for the people who change them. */
  rationale: string;
}

export interface TierRule {
  code: string;
  label: string;
  /** 1 is the best tier; a larger rank is a move down. */
  rank: number;
  rationale: string;
}

export interface MatrixCell {
  risk: string;
  value: string;
  tier: string;
}

export interface TierRuleSetDocument {
  riskClasses: ClassRule[];
  valueClasses: ClassRule[];
  tiers: TierRule[];
  /** The tier of every risk class × value class combination, each exactly once. */
  matrix: MatrixCell[];
}

export type ClassAxis = 'riskClasses' | 'valueClasses';

export const CLASS_AXES: readonly ClassAxis[] = ['riskClasses', 'valueClasses'];

import { maskPersonal } from '../../../logger';
import { namedAtMost } from '../../../messages';
import { freeTextProblem, isBlank } from '../../ingestion/field-rules';
import {
  CLASS_AXES,
  COMPARISON_OPS,
  type ClassAxis,
  type Comparison,
  type ComparisonOp,
  type TierRuleSetDocument,
} from './document';
import { METRICS, METRIC_KEYS, RISK_LEVELS, type MetricKey, type MetricType } from './metrics';
import {
  comparisonText,
  conjunctionRegion,
  domainNote,
  emptyMetric,
  exampleOf,
  intersectRegions,
  type Region,
} from './region';

/** Stable codes: clients and tests key on them, messages may be reworded. */
export type ProblemRule =
  | 'TYPE'
  | 'REQUIRED'
  | 'UNKNOWN_FIELD'
  | 'EMPTY'
  | 'CODE_FORMAT'
  | 'DUPLICATE_CODE'
  | 'UNKNOWN_METRIC'
  | 'UNKNOWN_OP'
  | 'OP_NOT_ALLOWED'
  | 'VALUE_TYPE'
  | 'VALUE_RANGE'
  | 'TOO_FEW_CLASSES'
  | 'FALLBACK'
  | 'UNREACHABLE'
  | 'OVERLAP'
  | 'DUPLICATE_RANK'
  | 'UNKNOWN_CLASS'
  | 'UNKNOWN_TIER'
  | 'MATRIX_MISSING'
  | 'MATRIX_DUPLICATE'
  | 'UNUSED_TIER'
  | 'UNKNOWN_SERVICE'
  | 'DUPLICATE_GRANT'
  | 'PARAMETER'
  | 'RESERVED_CODE'
  | 'TOO_LARGE'
  | 'TOO_MANY_PROBLEMS'
  | 'CONTROL_CHARACTER'
  | 'MAX_LENGTH';

export interface RuleSetProblem {
  /** Where, as a JSON path from the document root, e.g. `riskClasses[2].when[0].all[1]`. */
  path: string;
  rule: ProblemRule;
  message: string;
}

export type RuleSetValidation =
  { ok: true; ruleSet: TierRuleSetDocument } | { ok: false; problems: RuleSetProblem[] };

export type Report = (path: string, rule: ProblemRule, message: string) => void;

/**
 * A Report that adds to `problems`. Problems quote the document's own words (an unknown
 * metric, a code), which an administrator may have filled with a mobile or an ID number:
 * those are masked, as in every message (README, Errors).
 */
export const reportTo =
  (problems: RuleSetProblem[]): Report =>
  (path, rule, message) => {
    if (problems.length > MAX_PROBLEMS) return;
    problems.push(
      problems.length < MAX_PROBLEMS
        ? { path: maskPersonal(path), rule, message: maskPersonal(message) }
        : {
            path: '',
            rule: 'TOO_MANY_PROBLEMS',
            message: `more than ${MAX_PROBLEMS} problems: the first ${MAX_PROBLEMS} are listed`,
          },
    );
  };

/**
 * Problems listed of one document at most: a document of 100 KB with hundreds of classes
 * made over a million (each pair of them missing from the matrix), a 33 MB answer.
 */
export const MAX_PROBLEMS = 500;

export type Json = Record<string, unknown>;

// Codes end up in SQL, URLs and reports; a narrow alphabet keeps them safe and greppable.
const CODE_PATTERN = /^[A-Z][A-Z0-9_]*$/;

/** 'A and B', 'A, B and C'. */
const listText = (items: string[]) =>
  items.length > 1
    ? `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`
    : items.join('');

export const field = (path: string, key: string) => (path ? `${path}.${key}` : key);

export function readObject(
  report: Report,
  value: unknown,
  path: string,
  what: string,
  required: string[],
  optional: string[] = [],
): Json | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    report(path, 'TYPE', `${what} must be an object`);
    return undefined;
  }
  const object = value as Json;
  const known = [...required, ...optional];
  for (const key of required) {
    if (object[key] === undefined) report(field(path, key), 'REQUIRED', `${what} needs ${key}`);
  }
  // Unknown fields are usually typos, and a misspelt `when` would silently make a fallback.
  for (const key of Object.keys(object).filter((k) => !known.includes(k))) {
    report(
      field(path, key),
      'UNKNOWN_FIELD',
      `${what} has no field ${key}; its fields are ${known.join(', ')}`,
    );
  }
  return object;
}

/** Absent values were reported as REQUIRED already, so they pass silently here. */
/** A list, checked no further when longer than `max` (TOO_LARGE). */
export function readArray(
  report: Report,
  value: unknown,
  path: string,
  max = Infinity,
): unknown[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    report(path, 'TYPE', `${path} must be a list`);
    return undefined;
  }
  if (value.length > max) {
    report(path, 'TOO_LARGE', `${path} has ${value.length} entries: at most ${max}`);
    return undefined;
  }
  return value;
}

export function readText(
  report: Report,
  object: Json,
  key: string,
  path: string,
): string | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    report(field(path, key), 'TYPE', `${key} must be text`);
    return undefined;
  }
  // Shown to every role, in the console and the exports, for as long as the version is kept.
  const problem = freeTextProblem(value);
  if (problem) {
    report(field(path, key), problem.rule, `${key} ${problem.message}`);
    return undefined;
  }
  if (isBlank(value)) {
    report(
      field(path, key),
      'EMPTY',
      `${key} must not be blank (invisible characters do not count)`,
    );
    return undefined;
  }
  return value;
}

export function readCode(report: Report, object: Json, path: string): string | undefined {
  const code = readText(report, object, 'code', path);
  if (code === undefined || CODE_PATTERN.test(code)) return code;
  report(
    field(path, 'code'),
    'CODE_FORMAT',
    `code ${JSON.stringify(code)} must be upper-case letters, digits and underscores, ` +
      'starting with a letter (e.g. HIGH_RISK)',
  );
  return undefined;
}

interface ValueRule {
  ops: readonly ComparisonOp[];
  accepts(value: unknown): boolean;
  /** What an author should write, e.g. 'a whole number, e.g. 2'. */
  expected: string;
  nonNegative: boolean;
  /**
   * The largest threshold that still tells customers apart: beyond it no customer is (a
   * premium of 1e300 CNY), and the rule is a typing error the overlap analysis cannot see.
   */
  max?: { value: number; says: string };
}

/**
 * Tiers are ranked 1 (best) to this, each its own rank: a handful in practice, never a
 * float's worth. So no rule set has more tiers, and no list of tier codes need name more.
 */
export const MAX_RANK = 100;

const isFiniteNumber = (value: unknown) => typeof value === 'number' && Number.isFinite(value);

const VALUE_RULES: Record<MetricType, ValueRule> = {
  money: {
    ops: COMPARISON_OPS,
    accepts: isFiniteNumber,
    expected: 'an amount in CNY as a number, e.g. 5000',
    nonNegative: true,
    max: { value: 1e12, says: '1,000,000,000,000 CNY' },
  },
  count: {
    ops: COMPARISON_OPS,
    accepts: (value) => Number.isInteger(value),
    expected: 'a whole number, e.g. 2',
    nonNegative: true,
    max: { value: 100_000, says: '100,000' },
  },
  ratio: {
    ops: COMPARISON_OPS,
    accepts: isFiniteNumber,
    expected: 'a ratio as a number, e.g. 0.8 for 80%',
    nonNegative: true,
    max: { value: 1000, says: '1000 (100,000%)' },
  },
  level: {
    ops: COMPARISON_OPS,
    accepts: (value) => (RISK_LEVELS as readonly unknown[]).includes(value),
    expected: `one of ${RISK_LEVELS.join(', ')}`,
    nonNegative: false,
  },
  boolean: {
    ops: ['=', '!='],
    accepts: (value) => typeof value === 'boolean',
    expected: 'true or false',
    nonNegative: false,
  },
};

function readMetric(report: Report, metric: unknown, path: string): MetricKey | undefined {
  if (typeof metric === 'string' && Object.hasOwn(METRICS, metric)) return metric as MetricKey;
  if (metric !== undefined) {
    report(
      path,
      'UNKNOWN_METRIC',
      `unknown metric ${JSON.stringify(metric)}; the metrics are ${METRIC_KEYS.join(', ')}`,
    );
  }
  return undefined;
}

function readOp(
  report: Report,
  op: unknown,
  metric: MetricKey | undefined,
  path: string,
): ComparisonOp | undefined {
  if (op === undefined) return undefined;
  if (!(COMPARISON_OPS as readonly unknown[]).includes(op)) {
    report(
      path,
      'UNKNOWN_OP',
      `unknown comparison ${JSON.stringify(op)}; use one of ${COMPARISON_OPS.join(' ')}`,
    );
    return undefined;
  }
  const rule = metric && VALUE_RULES[METRICS[metric].type];
  if (!rule || rule.ops.includes(op as ComparisonOp)) return op as ComparisonOp;
  report(
    path,
    'OP_NOT_ALLOWED',
    `${metric} is ${rule.expected}, so it can only be compared with ` +
      `${rule.ops.join(' or ')}, not ${String(op)}`,
  );
  return undefined;
}

function readValue(
  report: Report,
  value: unknown,
  metric: MetricKey,
  path: string,
): Comparison['value'] | undefined {
  if (value === undefined) return undefined;
  const rule = VALUE_RULES[METRICS[metric].type];
  if (!rule.accepts(value)) {
    report(
      path,
      'VALUE_TYPE',
      `${metric} must be compared with ${rule.expected}, not ${JSON.stringify(value)}`,
    );
    return undefined;
  }
  if (rule.nonNegative && (value as number) < 0) {
    report(
      path,
      'VALUE_RANGE',
      `${metric} is never negative, so comparing it with ${String(value)} is a mistake`,
    );
    return undefined;
  }
  if (rule.max && (value as number) > rule.max.value) {
    report(
      path,
      'VALUE_RANGE',
      `${metric} is compared with ${String(value)}: at most ${rule.max.says}, or no customer ever meets it`,
    );
    return undefined;
  }
  return value as Comparison['value'];
}

/** A comparison, or undefined when it is malformed (its problems reported). */
function readComparison(report: Report, raw: unknown, path: string): Comparison | undefined {
  const object = readObject(report, raw, path, 'A comparison', ['metric', 'op', 'value']);
  if (!object) return undefined;
  const metric = readMetric(report, object.metric, field(path, 'metric'));
  const op = readOp(report, object.op, metric, field(path, 'op'));
  const value = metric && readValue(report, object.value, metric, field(path, 'value'));
  return metric && op && value !== undefined ? { metric, op, value } : undefined;
}

export interface ReadCondition {
  path: string;
  all: Comparison[];
  region: Region;
}

interface ReadClass {
  path: string;
  /** For messages: the code, or the path while the code is unusable. */
  name: string;
  code?: string;
  fallback: boolean;
  /** Only the well-formed conditions: malformed ones are reported and cannot be analysed. */
  conditions: ReadCondition[];
}

function readClass(report: Report, raw: unknown, path: string): ReadClass | undefined {
  const object = readObject(report, raw, path, 'A class', ['code', 'label', 'rationale'], ['when']);
  if (!object) return undefined;
  const code = readCode(report, object, path);
  readText(report, object, 'label', path);
  readText(report, object, 'rationale', path);
  const name = code ?? path;
  const whenPath = field(path, 'when');
  const when = readArray(report, object.when, whenPath);
  if (when?.length === 0) {
    report(
      whenPath,
      'EMPTY',
      `${name} has an empty when list, so it never matches; ` +
        'omit the when field to make it the fallback class',
    );
  }
  const conditions = readConditions(report, when ?? [], whenPath, name);
  return { path, name, code, fallback: object.when === undefined, conditions };
}

/**
 * The well-formed conjunctions of a `when` list (the malformed reported, never analysed),
 * each with the region of metric values where it holds. Shared with entitlement gates.
 */
export function readConditions(
  report: Report,
  when: unknown[],
  whenPath: string,
  name: string,
): ReadCondition[] {
  return when.flatMap((rawCondition, i) => {
    const conditionPath = `${whenPath}[${i}]`;
    const condition = readObject(report, rawCondition, conditionPath, 'A condition', ['all']);
    const allPath = field(conditionPath, 'all');
    const all = condition && readArray(report, condition.all, allPath);
    if (!all) return [];
    if (all.length === 0) {
      report(
        allPath,
        'EMPTY',
        `${name} has a condition with no comparisons, which would match every customer`,
      );
      return [];
    }
    const comparisons = all.map((c, j) => readComparison(report, c, `${allPath}[${j}]`));
    return comparisons.every((c) => c !== undefined)
      ? [{ path: conditionPath, all: comparisons, region: conjunctionRegion(comparisons) }]
      : [];
  });
}

/** Reports duplicate codes; returns the first holder of each usable code, in document order. */
function distinctCodes(
  report: Report,
  items: { path: string; code?: string }[],
  what: string,
): { path: string; code: string }[] {
  const first = new Map<string, string>();
  for (const { path, code } of items) {
    if (code === undefined) continue;
    const earlier = first.get(code);
    if (earlier === undefined) first.set(code, path);
    else {
      report(
        field(path, 'code'),
        'DUPLICATE_CODE',
        `${what} ${code} is defined twice (first at ${earlier})`,
      );
    }
  }
  return [...first].map(([code, path]) => ({ code, path }));
}

/** Reports the conditions of a class that can never hold; returns the others. */
export function reachable(
  report: Report,
  c: Pick<ReadClass, 'name' | 'conditions'>,
): ReadCondition[] {
  return c.conditions.filter((condition) => {
    const metric = emptyMetric(condition.region);
    if (metric === undefined) return true;
    const contradiction = condition.all.filter((x) => x.metric === metric).map(comparisonText);
    report(
      condition.path,
      'UNREACHABLE',
      `${c.name} can never match through this condition: no value of ${metric} satisfies ` +
        `${contradiction.join(' and ')} (${domainNote(metric)})`,
    );
    return false;
  });
}

/** One axis: a single fallback, then conditions that never hold, then classes that overlap. */
function checkAxis(report: Report, axis: ClassAxis, classes: ReadClass[]): void {
  const fallbacks = classes.filter((c) => c.fallback);
  if (fallbacks.length === 0) {
    report(
      axis,
      'FALLBACK',
      `${axis} has no fallback class: exactly one class must omit the when field, ` +
        'to take the customers no other class matches',
    );
  }
  for (const extra of fallbacks.slice(1)) {
    report(
      extra.path,
      'FALLBACK',
      `${listText(fallbacks.map((c) => c.name))} all omit the when field, ` +
        `but only one class of ${axis} may be the fallback`,
    );
  }
  const analysed = classes.map((c) => ({ rule: c, conditions: reachable(report, c) }));
  for (const [i, a] of analysed.entries()) {
    for (const b of analysed.slice(i + 1)) {
      for (const x of a.conditions) {
        for (const y of b.conditions) {
          const both = intersectRegions(x.region, y.region);
          if (emptyMetric(both) !== undefined) continue;
          const example = exampleOf(both);
          const whom = example.length ? `when ${example.join(' and ')}` : 'every customer';
          report(
            y.path,
            'OVERLAP',
            `${a.rule.name} and ${b.rule.name} both match ${whom} (${x.path} and ${y.path}); ` +
              'classes of one axis must exclude each other',
          );
        }
      }
    }
  }
}

interface ReadTier {
  path: string;
  code?: string;
  rank?: number;
}

function readTier(report: Report, raw: unknown, path: string): ReadTier | undefined {
  const object = readObject(report, raw, path, 'A tier', ['code', 'label', 'rank', 'rationale']);
  if (!object) return undefined;
  const code = readCode(report, object, path);
  readText(report, object, 'label', path);
  readText(report, object, 'rationale', path);
  const { rank } = object;
  if (rank === undefined) return { path, code };
  if (!Number.isInteger(rank) || (rank as number) < 1 || (rank as number) > MAX_RANK) {
    // A rank that is no number is of the wrong JSON type; a fraction or out of 1..MAX_RANK,
    // out of range.
    report(
      field(path, 'rank'),
      typeof rank === 'number' ? 'VALUE_RANGE' : 'TYPE',
      `rank must be a whole number from 1 (the best tier) to ${MAX_RANK}`,
    );
    return { path, code };
  }
  return { path, code, rank: rank as number };
}

function checkRanks(report: Report, tiers: ReadTier[]): void {
  const byRank = new Map<number, ReadTier>();
  for (const tier of tiers) {
    if (tier.rank === undefined) continue;
    const other = byRank.get(tier.rank);
    if (!other) byRank.set(tier.rank, tier);
    else {
      report(
        field(tier.path, 'rank'),
        'DUPLICATE_RANK',
        `${tier.code ?? tier.path} has rank ${tier.rank} like ${other.code ?? other.path}; ` +
          'ranks order tiers and must differ',
      );
    }
  }
}

/** The usable codes of each list; a list is absent when it was itself unreadable. */
type Known = Partial<Record<ClassAxis | 'tiers', { path: string; code: string }[]>>;

function checkMatrix(report: Report, raw: unknown, known: Known): void {
  const entries = readArray(report, raw, 'matrix');
  if (!entries) return;
  if (entries.length === 0) {
    report('matrix', 'EMPTY', 'matrix must give a tier to each risk class with each value class');
  }
  const mapped = new Map<string, string>();
  const usedTiers = new Set<string>();
  const tierCodes = known.tiers && new Set(known.tiers.map((t) => t.code));
  const key = (risk: string, value: string) => JSON.stringify([risk, value]);
  entries.forEach((entry, i) => {
    const path = `matrix[${i}]`;
    const object = readObject(report, entry, path, 'A matrix entry', ['risk', 'value', 'tier']);
    if (!object) return;
    const risk = readText(report, object, 'risk', path);
    const value = readText(report, object, 'value', path);
    const tier = readText(report, object, 'tier', path);
    const knownClass = (axis: ClassAxis, label: string, code: string | undefined) => {
      const codes = known[axis]?.map((c) => c.code);
      if (code === undefined || !codes || codes.includes(code)) return;
      report(
        field(path, label),
        'UNKNOWN_CLASS',
        `there is no ${label} class ${code}; the ${label} classes are ${namedAtMost(codes)}`,
      );
    };
    knownClass('riskClasses', 'risk', risk);
    knownClass('valueClasses', 'value', value);
    if (tier !== undefined) {
      usedTiers.add(tier);
      if (tierCodes && !tierCodes.has(tier)) {
        report(
          field(path, 'tier'),
          'UNKNOWN_TIER',
          `there is no tier ${tier}; the tiers are ${namedAtMost([...tierCodes])}`,
        );
      }
    }
    if (risk === undefined || value === undefined) return;
    const earlier = mapped.get(key(risk, value));
    if (earlier === undefined) mapped.set(key(risk, value), path);
    else {
      report(
        path,
        'MATRIX_DUPLICATE',
        `risk class ${risk} with value class ${value} is mapped twice (first at ${earlier}); ` +
          'map each combination once',
      );
    }
  });
  for (const { code: risk } of known.riskClasses ?? []) {
    for (const { code: value } of known.valueClasses ?? []) {
      if (mapped.has(key(risk, value))) continue;
      report(
        'matrix',
        'MATRIX_MISSING',
        `no tier for risk class ${risk} with value class ${value}; add an entry for it`,
      );
    }
  }
  for (const tier of known.tiers ?? []) {
    if (usedTiers.has(tier.code)) continue;
    report(
      tier.path,
      'UNUSED_TIER',
      `tier ${tier.code} is never assigned: no matrix entry maps to it`,
    );
  }
}

/**
 * How large an axis may be: checking that its classes exclude each other compares every
 * condition with every other, in this process, and a rule set of hundreds would hold every
 * caller up for seconds. Tiers are a handful of classes of a few comparisons each.
 */
export const AXIS_LIMITS = { classes: 12, comparisons: 48 } as const;

function tooLarge(report: Report, axis: string, classes: ReadClass[]): boolean {
  const comparisons = classes.reduce(
    (sum, c) => sum + c.conditions.reduce((n, condition) => n + condition.all.length, 0),
    0,
  );
  if (classes.length <= AXIS_LIMITS.classes && comparisons <= AXIS_LIMITS.comparisons) {
    return false;
  }
  report(
    axis,
    'TOO_LARGE',
    `${axis} has ${classes.length} classes and ${comparisons} comparisons: at most ` +
      `${AXIS_LIMITS.classes} and ${AXIS_LIMITS.comparisons}`,
  );
  return true;
}

/**
 * Every problem of a tier rule set document at once, or the document typed. Valid means safe
 * to compile to SQL (metrics, operators and values checked), mutually exclusive classes with
 * one fallback per axis, no condition that can never hold, and a complete matrix.
 */
export function validateRuleSet(doc: unknown): RuleSetValidation {
  const problems: RuleSetProblem[] = [];
  const report = reportTo(problems);
  const root = readObject(report, doc, '', 'The rule set', [...CLASS_AXES, 'tiers', 'matrix']);
  if (!root) return { ok: false, problems };
  const known: Known = {};
  for (const axis of CLASS_AXES) {
    const list = readArray(report, root[axis], axis);
    if (!list) continue;
    if (list.length < 2) {
      report(axis, 'TOO_FEW_CLASSES', `${axis} needs at least two classes to tell customers apart`);
    }
    const classes = list.flatMap((raw, i) => readClass(report, raw, `${axis}[${i}]`) ?? []);
    const codes = distinctCodes(report, classes, 'class');
    // An axis refused for its size is not read further, by the matrix neither: each pair
    // of hundreds of classes would be reported missing from it.
    if (tooLarge(report, axis, classes)) continue;
    known[axis] = codes;
    checkAxis(report, axis, classes);
  }
  const tierList = readArray(report, root.tiers, 'tiers');
  if (tierList?.length === 0) report('tiers', 'EMPTY', 'tiers must list at least one tier');
  if (tierList) {
    const tiers = tierList.flatMap((raw, i) => readTier(report, raw, `tiers[${i}]`) ?? []);
    known.tiers = distinctCodes(report, tiers, 'tier');
    checkRanks(report, tiers);
  }
  checkMatrix(report, root.matrix, known);
  return problems.length
    ? { ok: false, problems }
    : { ok: true, ruleSet: doc as TierRuleSetDocument };
}

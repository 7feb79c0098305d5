import type {
  ClassRule,
  Comparison,
  ComparisonOp,
  Condition,
  TierRuleSetDocument,
} from './document';
import { METRICS, RISK_LEVELS, columnName, type ColumnKey, type MetricKey } from './metrics';

/**
 * A tier rule set compiled to PostgreSQL expressions over one metrics row, so that classes,
 * tiers and reasons are computed set-based for any number of customers, and the reasons are
 * written by the same SQL that decided (there is no TypeScript twin to drift from it).
 *
 * Injection: compile only validated documents (`validateRuleSet`). Even so, every literal is
 * made here and nowhere else: numbers must be finite JS numbers and print as SQL numerics,
 * levels must come from the fixed level set, booleans print as true/false, and any text
 * (codes, labels) is a quoted literal with its quotes doubled, which is complete because
 * standard_conforming_strings is on (PostgreSQL's default since 9.1) so backslashes are
 * literal. Metric names never reach SQL; the caller's `column` maps them.
 */

/** The SQL expression of a metric of the row being classified, e.g. `m.premium_12m`. */
export type MetricSql = (metric: MetricKey) => string;

/** Like `MetricSql`, also for the side columns that reasons quote. */
export type ColumnSql = (key: ColumnKey) => string;

/** Columns of a metrics row under `alias`: `rowColumn('m')('premium12m')` is `m.premium_12m`. */
export const rowColumn =
  (alias: string): ColumnSql =>
  (key) =>
    `${alias}.${columnName(key)}`;

export const textLiteral = (text: string) => `'${text.replace(/'/g, "''")}'`;

function numberLiteral(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`not a finite number: ${String(value)}`);
  }
  return String(value);
}

function levelLiteral(value: unknown): string {
  if (!(RISK_LEVELS as readonly unknown[]).includes(value)) {
    throw new Error(`not a risk level: ${String(value)}`);
  }
  return textLiteral(value as string);
}

function booleanLiteral(value: unknown): string {
  if (typeof value !== 'boolean') throw new Error(`not a boolean: ${String(value)}`);
  return String(value);
}

/**
 * Levels compare by position, NONE lowest; an unknown or null level has no position, so every
 * comparison on it is null, i.e. false, like any comparison on null.
 */
const levelOrder = (sql: string) =>
  `array_position(array[${RISK_LEVELS.map(textLiteral).join(', ')}], ${sql})`;

const SQL_OPS: Record<ComparisonOp, string> = {
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
  '=': '=',
  '!=': '<>',
};

/** The threshold of a comparison as a SQL literal of its metric's type. */
function literalSql(c: Comparison): string {
  switch (METRICS[c.metric].type) {
    case 'level':
      return levelLiteral(c.value);
    case 'boolean':
      return booleanLiteral(c.value);
    default:
      return numberLiteral(c.value);
  }
}

/** Both sides of a comparison as SQL: the metric's expression and the threshold. */
function operands(c: Comparison, column: MetricSql): [string, string] {
  return METRICS[c.metric].type === 'level'
    ? [levelOrder(column(c.metric)), levelOrder(literalSql(c))]
    : [column(c.metric), literalSql(c)];
}

// A null metric makes its comparison null, which `case when` treats as false: the SQL
// semantics the validator's overlap analysis assumes.
function conditionSql(condition: Condition, column: MetricSql): string {
  return condition.all
    .map((c) => {
      const [metric, threshold] = operands(c, column);
      return `${metric} ${SQL_OPS[c.op]} ${threshold}`;
    })
    .join(' and ');
}

/** True when any of the conjunctions holds (false, never null, when none does). */
export function conditionsHoldSql(when: Condition[], column: MetricSql): string {
  return `coalesce(${when.map((c) => `(${conditionSql(c, column)})`).join(' or ')}, false)`;
}

/**
 * One `case` branch per conjunction of every class with conditions, then the fallback. The
 * classes exclude each other, so branch order decides nothing but which of a class's own
 * conjunctions `then` is given: the first that holds.
 */
function caseOverConditions(
  classes: ClassRule[],
  column: MetricSql,
  then: (rule: ClassRule, condition: Condition, index: number) => string,
  otherwise: (fallback: ClassRule) => string,
): string {
  const branches = classes.flatMap((rule) =>
    (rule.when ?? []).map(
      (condition, i) => `when ${conditionSql(condition, column)} then ${then(rule, condition, i)}`,
    ),
  );
  const fallback = classes.find((rule) => !rule.when);
  if (!fallback) throw new Error('a validated rule set has a fallback class on every axis');
  return `case\n  ${branches.join('\n  ')}\n  else ${otherwise(fallback)} end`;
}

/** The code of the class of `classes` (one axis) that the row falls in. */
export function classSql(classes: ClassRule[], column: MetricSql): string {
  return caseOverConditions(
    classes,
    column,
    (rule) => textLiteral(rule.code),
    (fallback) => textLiteral(fallback.code),
  );
}

/** Which conjunction matched: its 0-based index in its class's `when`; null for the fallback. */
export function matchedConditionSql(classes: ClassRule[], column: MetricSql): string {
  return caseOverConditions(
    classes,
    column,
    (_rule, _condition, i) => String(i),
    () => 'null',
  );
}

/**
 * The tier code of a risk class and a value class (SQL expressions, each evaluated once).
 * The pair is keyed as 'RISK|VALUE', unambiguous because validated codes have no '|'.
 */
export function tierSql(ruleSet: TierRuleSetDocument, riskSql: string, valueSql: string): string {
  const cells = ruleSet.matrix.map(
    (cell) => `when ${textLiteral(`${cell.risk}|${cell.value}`)} then ${textLiteral(cell.tier)}`,
  );
  return `case (${riskSql}) || '|' || (${valueSql})\n  ${cells.join('\n  ')} end`;
}

// Formatting of values inside reasons, shared by a row's value and the threshold it met, so
// that both always read alike: 12,480 CNY; 112%; 2026-10-02. Money is whole yuan, or yuan
// and fen as amounts are written (6,000.50, never 6,000.5).
const money = (sql: string) =>
  `to_char(${sql}, case when (${sql}) = trunc(${sql}) then 'FM999,999,999,999,990' ` +
  `else 'FM999,999,999,999,990.00' end)`;
/**
 * A ratio as a percentage to 2 decimals; to 4 where 2 would show it equal to a bound it is
 * not (`bounds`, SQL numbers): 1.000006 "above 100%" reads 100.0006%, never 100%.
 */
const percent = (sql: string, bounds: string[] = []) => {
  const near = bounds.length
    ? `${sql} <> all(array[${bounds.join(', ')}]::numeric[])
        and round(${sql}, 4) = any(array[${bounds.join(', ')}]::numeric[])`
    : 'false';
  return `rtrim(to_char(${sql} * 100, case when ${near} then 'FM999,999,999,990.9999'
    else 'FM999,999,999,990.99' end), '.') || '%'`;
};
const whole = (sql: string) => `(${sql})::text`;
const date = (sql: string) => `to_char(${sql}, 'YYYY-MM-DD')`;
const asIs = (sql: string) => sql;

/** "no claim", "1 claim", "3 claims". */
const counted = (sql: string, one: string, many: string) =>
  `case ${sql} when 0 then ${textLiteral(`no ${one}`)} when 1 then ${textLiteral(`1 ${one}`)}` +
  ` else ${whole(sql)} || ${textLiteral(` ${many}`)} end`;

const months = (sql: string) =>
  `case ${sql} when 1 then '1 month' else ${whole(sql)} || ' months' end`;

const phrase = (...parts: string[]) => parts.join(' || ');

interface Rendering {
  /** The row's value in words, as SQL text: "3 claims in 36 months". */
  says(value: string, column: ColumnSql, bounds: string[]): string;
  /** How a threshold prints; absent where the words already state it (booleans). */
  threshold?: (sql: string) => string;
  /** "loss ratio 112% above 100%" rather than "… (above 100%)". */
  inline?: true;
}

const claimsIn = (months: number): Rendering => ({
  says: (v) => phrase(counted(v, 'claim', 'claims'), textLiteral(` in ${months} months`)),
  threshold: whole,
});

const incurredIn = (months: number): Rendering => ({
  says: (v) => phrase(`'incurred claims '`, money(v), textLiteral(` CNY in ${months} months`)),
  threshold: money,
});

/** How each metric reads in a reason: one table for every rule set. */
const RENDERINGS: Record<MetricKey, Rendering> = {
  premium12m: {
    says: (v) => phrase(`'written premium '`, money(v), `' CNY in 12 months'`),
    threshold: money,
  },
  linesHeld: {
    says: (v) => phrase(counted(v, 'line of business', 'lines of business'), `' in force'`),
    threshold: whole,
  },
  tenureMonths: { says: (v) => phrase(`'customer for '`, months(v)), threshold: whole },
  renewals: {
    says: (v) => phrase(counted(v, 'renewal', 'renewals'), `' in 36 months'`),
    threshold: whole,
  },
  claimCount12m: claimsIn(12),
  claimCount36m: claimsIn(36),
  incurred12m: incurredIn(12),
  incurred36m: incurredIn(36),
  lossRatio12m: {
    says: (v, _column, bounds) => phrase(`'12-month loss ratio '`, percent(v, bounds)),
    threshold: percent,
    inline: true,
  },
  // 36 months is the window of the default rule set and of the no-claims discount, so that
  // loss ratio reads without it; the 12-month one says so.
  lossRatio36m: {
    says: (v, _column, bounds) => phrase(`'loss ratio '`, percent(v, bounds)),
    threshold: percent,
    inline: true,
  },
  claimFreeMonths: { says: (v) => phrase(`'claim-free for '`, months(v)), threshold: whole },
  latestRiskLevel: {
    says: (v, column) =>
      `case when ${v} = 'NONE' then 'never risk-scored'` +
      ` else format('risk level %s from model %s %s on %s', ${v}, ${column('latestRiskModel')},` +
      ` ${column('latestRiskModelVersion')}, ${date(column('latestRiskScoredAt'))}) end`,
    threshold: asIs,
  },
  worstRiskLevel36m: {
    says: (v) =>
      `case when ${v} = 'NONE' then 'no risk score in 36 months'` +
      ` else format('worst risk level %s in 36 months', ${v}) end`,
    threshold: asIs,
  },
  verifiedContact: {
    says: (v) => `case when ${v} then 'verified mobile' else 'no verified mobile' end`,
  },
};

const OP_WORDS: Record<Exclude<ComparisonOp, '='>, string> = {
  '>': 'above',
  '>=': 'at least',
  '<': 'below',
  '<=': 'at most',
  '!=': 'not',
};

type Bound = Comparison & { op: keyof typeof OP_WORDS };

/**
 * The reason for one metric of a conjunction that held, naming every bound it met:
 * '3 claims in 36 months (at least 3 and at most 4)', 'loss ratio 112% above 100%'.
 */
function metricReasonSql(metric: MetricKey, comparisons: Comparison[], column: ColumnSql): string {
  const { says, threshold, inline } = RENDERINGS[metric];
  const value = says(
    column(metric),
    column,
    comparisons.map((c) => literalSql(c)),
  );
  // With `=` the row's value is the threshold, so repeating it would say nothing.
  const bounds = threshold
    ? comparisons
        .filter((c): c is Bound => c.op !== '=')
        .map((c) => phrase(textLiteral(`${OP_WORDS[c.op]} `), threshold(literalSql(c))))
    : [];
  if (!bounds.length) return value;
  const met = bounds.join(` || ' and ' || `);
  return inline ? phrase(value, `' '`, met) : phrase(value, `' ('`, met, `')'`);
}

/** One reason per metric of the conjunction, in the order the rule set names them. */
function conditionReasonsSql(condition: Condition, column: ColumnSql): string {
  const metrics = [...new Set(condition.all.map((c) => c.metric))];
  const reasons = metrics.map((metric) =>
    metricReasonSql(
      metric,
      condition.all.filter((c) => c.metric === metric),
      column,
    ),
  );
  return `jsonb_build_array(${reasons.join(', ')})`;
}

/**
 * The reasons of the row's class on one axis: of every conjunction of its class that holds,
 * not only the first, so that what a reason says does not depend on the rules' order.
 */
function axisReasonsSql(classes: ClassRule[], column: ColumnSql): string {
  return caseOverConditions(
    classes,
    column,
    (rule) =>
      rule
        .when!.map(
          (condition) =>
            `case when ${conditionSql(condition, column)} then ${conditionReasonsSql(condition, column)} else '[]'::jsonb end`,
        )
        .join(' || '),
    (fallback) => {
      const others = classes.filter((rule) => rule !== fallback).map((rule) => rule.code);
      const reason = `${fallback.label}: none of the ${others.join(', ')} rules hold`;
      return `jsonb_build_array(${textLiteral(reason)})`;
    },
  );
}

/**
 * A jsonb array of plain-English reasons for the row's risk class, then its value class:
 * one per metric of each conjunction of the class that holds, quoting the row's value and
 * the bounds it met, or for a fallback class its label and the classes whose rules did not
 * hold.
 */
export function reasonTextsSql(ruleSet: TierRuleSetDocument, column: ColumnSql): string {
  const [risk, value] = [ruleSet.riskClasses, ruleSet.valueClasses].map((classes) =>
    axisReasonsSql(classes, column),
  );
  return `(${risk})\n|| (${value})`;
}

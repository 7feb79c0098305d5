/**
 * The metric catalog: everything a tier rule set may compare, as columns of one per-customer
 * metrics row computed in SQL as of a date (`../metrics.sql.ts`). A rule set names metrics
 * by key; the key, not the column, is the contract with rule set authors, so columns can be
 * renamed without touching stored rule set versions. Windows end on and include the date.
 */

/**
 * money: CNY amounts, reals; count: whole numbers; ratio: reals (1.12 = 112%); level: a risk
 * level; boolean: true or false. None is ever negative.
 */
export type MetricType = 'money' | 'count' | 'ratio' | 'level' | 'boolean';

/** Risk levels in order, lowest first: NONE (never scored) ranks below LOW. */
export const RISK_LEVELS = ['NONE', 'LOW', 'MEDIUM', 'HIGH'] as const;
export type RiskLevelName = (typeof RISK_LEVELS)[number];

export interface MetricDefinition {
  type: MetricType;
  unit: string;
  /** Snake-case column of the metrics row. */
  column: string;
  /** What the metric means, for rule set authors, the README and the API docs. */
  definition: string;
}

/** How each metric type is stored in the metrics row. */
export const SQL_TYPES: Record<MetricType, string> = {
  money: 'numeric',
  count: 'integer',
  ratio: 'numeric',
  level: 'text',
  boolean: 'boolean',
};

const CLAIM_WINDOW = (months: number) =>
  `Claims on the customer's policies whose accident fell in the ${months} months up to the ` +
  'date; rejected and withdrawn claims are not counted.';

const INCURRED_WINDOW = (months: number) =>
  `Incurred amount of the claims counted in claimCount${months}m: paid for closed claims, ` +
  'the larger of reserve and paid for open ones.';

const LOSS_RATIO_WINDOW = (months: number) =>
  `The loss ratio of the ${months} months up to the date (not the lifetime one of the ` +
  `risk history): incurred${months}m divided by the premium earned in those ${months} months ` +
  '(pro rata by days of cover; cancelled and pending policies earn nothing). Null when ' +
  'nothing was earned: then no comparison on it holds.';

export const METRICS = {
  premium12m: {
    type: 'money',
    unit: 'CNY',
    column: 'premium_12m',
    definition:
      'Written premium of the policies the customer is a party to whose period started in ' +
      'the 12 months up to the date; cancelled policies excluded.',
  },
  linesHeld: {
    type: 'count',
    unit: 'lines of business',
    column: 'lines_held',
    definition: 'Distinct lines of business among the policies in force on the date.',
  },
  tenureMonths: {
    type: 'count',
    unit: 'months',
    column: 'tenure_months',
    definition:
      "Whole months from the start of the customer's first policy that ran (in force or expired: a cancelled or pending one is no cover) to the date; 0 without one.",
  },
  renewals: {
    type: 'count',
    unit: 'policies',
    column: 'renewals',
    definition:
      'Renewals in the 36 months up to the date: policies that renew an earlier policy and whose period started in those months; cancelled ones excluded.',
  },
  claimCount12m: {
    type: 'count',
    unit: 'claims',
    column: 'claim_count_12m',
    definition: CLAIM_WINDOW(12),
  },
  claimCount36m: {
    type: 'count',
    unit: 'claims',
    column: 'claim_count_36m',
    definition: CLAIM_WINDOW(36),
  },
  incurred12m: {
    type: 'money',
    unit: 'CNY',
    column: 'incurred_12m',
    definition: INCURRED_WINDOW(12),
  },
  incurred36m: {
    type: 'money',
    unit: 'CNY',
    column: 'incurred_36m',
    definition: INCURRED_WINDOW(36),
  },
  lossRatio12m: {
    type: 'ratio',
    unit: 'ratio (1.12 = 112%)',
    column: 'loss_ratio_12m',
    definition: LOSS_RATIO_WINDOW(12),
  },
  lossRatio36m: {
    type: 'ratio',
    unit: 'ratio (1.12 = 112%)',
    column: 'loss_ratio_36m',
    definition: LOSS_RATIO_WINDOW(36),
  },
  claimFreeMonths: {
    type: 'count',
    unit: 'months',
    column: 'claim_free_months',
    definition:
      "Whole months since the accident of the customer's last counted claim, or since their " +
      'first cover began when they have none; 0 without cover.',
  },
  latestRiskLevel: {
    type: 'level',
    unit: 'NONE < LOW < MEDIUM < HIGH',
    column: 'latest_risk_level',
    definition:
      'Level of the latest score whose subject is the customer, scored on or before the date; ' +
      'NONE when never scored. Reasons also name its model, model version and date.',
  },
  worstRiskLevel36m: {
    type: 'level',
    unit: 'NONE < LOW < MEDIUM < HIGH',
    column: 'worst_risk_level_36m',
    definition:
      'Worst level of any score on the customer or on their claims scored in the 36 months ' +
      'up to the date; NONE when there is none.',
  },
  verifiedContact: {
    type: 'boolean',
    unit: 'true or false',
    column: 'verified_contact',
    definition:
      "The customer has a mobile number verified (status VERIFIED) by SMS or call-back: the ways that prove the number reaches the customer. A number shared by many customers (generic: a dealer's) does not count: it reaches whoever answers it.",
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricKey = keyof typeof METRICS;

export const METRIC_KEYS = Object.keys(METRICS) as MetricKey[];

/**
 * Columns of the metrics row that no rule set compares but reasons quote: where the latest
 * risk level came from ("risk level HIGH from model claims-rules v3 on 2026-10-02").
 */
export const SIDE_COLUMNS = {
  latestRiskModel: {
    column: 'latest_risk_model',
    sqlType: 'text',
    definition: 'Model of the score behind latestRiskLevel; null when never scored.',
  },
  latestRiskModelVersion: {
    column: 'latest_risk_model_version',
    sqlType: 'text',
    definition: 'Model version of that score, e.g. v3; null when never scored.',
  },
  latestRiskScoredAt: {
    column: 'latest_risk_scored_at',
    sqlType: 'date',
    definition: 'Date of that score; null when never scored.',
  },
} as const;

export type SideColumnKey = keyof typeof SIDE_COLUMNS;

/** Any column of the metrics row. */
export type ColumnKey = MetricKey | SideColumnKey;

/** Every column of the metrics row with its SQL type, metrics first, in catalog order. */
export const ROW_COLUMNS: readonly { key: ColumnKey; column: string; sqlType: string }[] = [
  ...METRIC_KEYS.map((key) => ({
    key,
    column: METRICS[key].column,
    sqlType: SQL_TYPES[METRICS[key].type],
  })),
  ...(Object.keys(SIDE_COLUMNS) as SideColumnKey[]).map((key) => ({
    key,
    column: SIDE_COLUMNS[key].column,
    sqlType: SIDE_COLUMNS[key].sqlType,
  })),
];

const COLUMN_NAMES = Object.fromEntries(ROW_COLUMNS.map((c) => [c.key, c.column])) as Record<
  ColumnKey,
  string
>;

/** The snake-case column of a metric or side column, e.g. for `m => 'm.' + columnName(m)`. */
export function columnName(key: ColumnKey): string {
  return COLUMN_NAMES[key];
}

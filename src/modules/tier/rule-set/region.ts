import type { Comparison, ComparisonOp } from './document';
import { METRICS, RISK_LEVELS, type MetricKey, type MetricType } from './metrics';

/**
 * The customers a conjunction describes, as one set of values per metric it constrains;
 * a metric it leaves out may take any value. Validation only asks whether such regions are
 * empty, alone (a condition that never holds) or intersected (two classes that both hold),
 * and per-metric sets answer that exactly because every comparison involves one metric.
 * Regions know nothing of how metrics relate (a loss ratio above 1 needs a claim), so a
 * rule set has to state such things outright to be seen as exclusive.
 *
 * Null: a loss ratio is null when nothing was earned, and a comparison on null is false, as
 * in the SQL the rule set compiles to. So once a comparison constrains a metric its set holds
 * no null, and where neither of two conjunctions constrains it null is as good as any value:
 * null never needs representing, and two conditions on lossRatio36m cannot overlap through it.
 */

interface Interval {
  lo: number;
  loOpen: boolean;
  hi: number;
  hiOpen: boolean;
}

/** Disjoint intervals; empty when no value is left. */
type ValueSet = Interval[];

export type Region = ReadonlyMap<MetricKey, ValueSet>;

interface Domain {
  min: number;
  max: number;
  /** Whole values only, so `> 2 and < 3` is empty. */
  integer: boolean;
  /** Why a set can be empty, for the author. */
  note: string;
}

// Levels and booleans are ordered integers here: NONE = 0 … HIGH = 3, false = 0, true = 1.
const DOMAINS: Record<MetricType, Domain> = {
  money: { min: 0, max: Infinity, integer: false, note: 'amounts are never negative' },
  count: { min: 0, max: Infinity, integer: true, note: 'counts are whole numbers, never negative' },
  ratio: { min: 0, max: Infinity, integer: false, note: 'ratios are never negative' },
  level: {
    min: 0,
    max: RISK_LEVELS.length - 1,
    integer: true,
    note: `levels run ${RISK_LEVELS.join(' < ')}`,
  },
  boolean: { min: 0, max: 1, integer: true, note: 'it is either true or false' },
};

const domainOf = (metric: MetricKey) => DOMAINS[METRICS[metric].type];

export const domainNote = (metric: MetricKey) => domainOf(metric).note;

function toNumber(value: Comparison['value']): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') return RISK_LEVELS.indexOf(value);
  return value;
}

function fromNumber(metric: MetricKey, n: number): Comparison['value'] {
  const type = METRICS[metric].type;
  if (type === 'boolean') return n === 1;
  if (type === 'level') return RISK_LEVELS[n];
  return n;
}

export const comparisonText = (c: Comparison) => `${c.metric} ${c.op} ${String(c.value)}`;

const interval = (lo: number, loOpen: boolean, hi: number, hiOpen: boolean): Interval => ({
  lo,
  loOpen,
  hi,
  hiOpen,
});

const isEmpty = (i: Interval) => i.lo > i.hi || (i.lo === i.hi && (i.loOpen || i.hiOpen));

/** Integer metrics keep closed whole-number bounds, which is what makes `> 2 and < 3` empty. */
function tighten(i: Interval): Interval {
  const lo = i.loOpen ? Math.floor(i.lo) + 1 : Math.ceil(i.lo);
  const hi = i.hi === Infinity ? i.hi : i.hiOpen ? Math.ceil(i.hi) - 1 : Math.floor(i.hi);
  return interval(lo, false, hi, hi === Infinity);
}

/** A bound is open when an interval that reaches it excludes it. */
function intersectIntervals(a: Interval, b: Interval): Interval {
  const lo = Math.max(a.lo, b.lo);
  const hi = Math.min(a.hi, b.hi);
  return interval(
    lo,
    (a.lo === lo && a.loOpen) || (b.lo === lo && b.loOpen),
    hi,
    (a.hi === hi && a.hiOpen) || (b.hi === hi && b.hiOpen),
  );
}

function intersectSets(metric: MetricKey, a: ValueSet, b: ValueSet): ValueSet {
  const { integer } = domainOf(metric);
  return a
    .flatMap((x) => b.map((y) => intersectIntervals(x, y)))
    .map((i) => (integer && !isEmpty(i) ? tighten(i) : i))
    .filter((i) => !isEmpty(i));
}

function domainSet(metric: MetricKey): ValueSet {
  const { min, max } = domainOf(metric);
  return [interval(min, false, max, max === Infinity)];
}

const OP_SETS: Record<ComparisonOp, (t: number) => ValueSet> = {
  '<': (t) => [interval(-Infinity, true, t, true)],
  '<=': (t) => [interval(-Infinity, true, t, false)],
  '>': (t) => [interval(t, true, Infinity, true)],
  '>=': (t) => [interval(t, false, Infinity, true)],
  '=': (t) => [interval(t, false, t, false)],
  '!=': (t) => [interval(-Infinity, true, t, true), interval(t, true, Infinity, true)],
};

/** The region of a well-formed conjunction (every comparison valid for its metric). */
export function conjunctionRegion(all: Comparison[]): Region {
  const region = new Map<MetricKey, ValueSet>();
  for (const c of all) {
    const set = OP_SETS[c.op](toNumber(c.value));
    region.set(c.metric, intersectSets(c.metric, region.get(c.metric) ?? domainSet(c.metric), set));
  }
  return region;
}

export function intersectRegions(a: Region, b: Region): Region {
  const region = new Map(a);
  for (const [metric, set] of b) {
    const mine = region.get(metric);
    region.set(metric, mine ? intersectSets(metric, mine, set) : set);
  }
  return region;
}

/** A metric no value of which fits the region, i.e. why it is empty; none if some customer fits. */
export function emptyMetric(region: Region): MetricKey | undefined {
  return [...region].find(([, set]) => set.length === 0)?.[0];
}

/**
 * Comparisons describing one concrete part of a non-empty region (its first interval per
 * metric), e.g. ['claimCount36m >= 1', 'lossRatio36m > 1']; bounds the metric has anyway
 * (counts >= 0) are left out, so an unconstrained region gives none.
 */
export function exampleOf(region: Region): string[] {
  return [...region].flatMap(([metric, [first]]) => {
    const { min, max } = domainOf(metric);
    const text = (op: ComparisonOp, n: number) =>
      comparisonText({ metric, op, value: fromNumber(metric, n) });
    if (first.lo === first.hi) return [text('=', first.lo)];
    return [
      ...(first.lo > min || first.loOpen ? [text(first.loOpen ? '>' : '>=', first.lo)] : []),
      ...(first.hi < max ? [text(first.hiOpen ? '<' : '<=', first.hi)] : []),
    ];
  });
}

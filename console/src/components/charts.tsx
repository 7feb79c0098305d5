import {
  BarElement,
  CategoryScale,
  Chart as ChartJS,
  Legend,
  LinearScale,
  LineElement,
  PointElement,
  Title,
  Tooltip,
} from 'chart.js';
import type { ReactNode } from 'react';
import { Bar, Line } from 'react-chartjs-2';
import { businessDay, businessMinute } from '../time';

ChartJS.register(
  BarElement,
  CategoryScale,
  Legend,
  LinearScale,
  LineElement,
  PointElement,
  Title,
  Tooltip,
);

const PALETTE = ['#3b6fd8', '#d8a23b', '#8a9bb0', '#c8553d', '#5a9e6f', '#8e5bb5', '#3bb0c9'];
export const colour = (i: number) => PALETTE[i % PALETTE.length];

// No animation: a chart is read (and screenshotted) as soon as it is drawn.
const BASE = { animation: false, responsive: true, maintainAspectRatio: false } as const;

export interface Transition {
  fromTier: string | null;
  toTier: string;
  branchCode?: string | null;
  customers: number;
}

/** A customer without a tier yet (never classified) has no current tier. */
const NONE = '(none)';

/** A table of one cell per row and column, its rows and columns headed. */
function CrossTable({
  caption,
  corner,
  rows,
  columns,
  cell,
  className,
}: {
  caption: string;
  corner: string;
  rows: string[];
  columns: string[];
  cell: (row: string, column: string) => ReactNode;
  className?: string;
}) {
  return (
    <table className={className}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{corner}</th>
          {columns.map((c) => (
            <th scope="col" key={c}>
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r}>
            <th scope="row">{r}</th>
            {columns.map((c) => cell(r, c))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Customers moving from each current tier to each new tier: a stacked bar per current tier,
 * and the same numbers as a table, the one screen readers and tests read.
 */
export function TransitionMatrix({
  transitions,
  tiers,
  caption,
}: {
  transitions: Transition[];
  /** Best tier first. */
  tiers: string[];
  caption: string;
}) {
  const known = new Set(tiers);
  const extra = [...new Set(transitions.flatMap((t) => [t.fromTier ?? NONE, t.toTier]))].filter(
    (t) => !known.has(t),
  );
  const order = [...tiers, ...extra];
  const from = order.filter((t) => transitions.some((x) => (x.fromTier ?? NONE) === t));
  const to = order.filter((t) => transitions.some((x) => x.toTier === t));
  const count = (f: string, t: string) =>
    transitions
      .filter((x) => (x.fromTier ?? NONE) === f && x.toTier === t)
      .reduce((n, x) => n + x.customers, 0);
  return (
    <figure className="chart-block" data-testid="transition-matrix">
      <div className="chart">
        <Bar
          options={{
            ...BASE,
            plugins: { title: { display: true, text: caption } },
            scales: {
              x: { stacked: true, title: { display: true, text: 'current tier' } },
              y: { stacked: true, title: { display: true, text: 'customers' } },
            },
          }}
          data={{
            labels: from,
            datasets: to.map((t) => ({
              label: `→ ${t}`,
              data: from.map((f) => count(f, t)),
              backgroundColor: colour(order.indexOf(t)),
            })),
          }}
        />
      </div>
      <CrossTable
        className="matrix"
        caption={`${caption}: customers per current tier (rows) and new tier (columns)`}
        corner={'current \\ new'}
        rows={from}
        columns={to}
        cell={(f, t) => {
          const n = count(f, t);
          return (
            <td
              key={t}
              data-from={f}
              data-to={t}
              data-customers={n}
              className={n && f !== t ? 'moved' : undefined}
            >
              {n}
            </td>
          );
        }}
      />
    </figure>
  );
}

export interface SegmentCount {
  tier: string | null;
  branchCode: string | null;
  customers: number;
}

/** Customers per tier and branch: a stacked bar per branch, and the table beside it. */
export function SegmentChart({ counts, tiers }: { counts: SegmentCount[]; tiers: string[] }) {
  const branches = [...new Set(counts.map((c) => c.branchCode ?? '—'))].sort();
  const present = [...new Set(counts.map((c) => c.tier ?? NONE))];
  const order = [
    ...tiers.filter((t) => present.includes(t)),
    ...present.filter((t) => !tiers.includes(t)),
  ];
  const count = (b: string, t: string) =>
    counts
      .filter((c) => (c.branchCode ?? '—') === b && (c.tier ?? NONE) === t)
      .reduce((n, c) => n + c.customers, 0);
  return (
    <figure className="chart-block" data-testid="segment-summary">
      <div className="chart">
        <Bar
          options={{
            ...BASE,
            plugins: { title: { display: true, text: 'Customers per tier and branch' } },
            scales: { x: { stacked: true }, y: { stacked: true } },
          }}
          data={{
            labels: branches,
            datasets: order.map((t, i) => ({
              label: t,
              data: branches.map((b) => count(b, t)),
              backgroundColor: colour(i),
            })),
          }}
        />
      </div>
      <CrossTable
        caption="Customers per branch (rows) and tier (columns)"
        corner="branch"
        rows={branches}
        columns={order}
        cell={(b, t) => (
          <td key={t} data-branch={b} data-tier={t}>
            {count(b, t)}
          </td>
        )}
      />
    </figure>
  );
}

export interface ScorePoint {
  scoredAt: string;
  score: string;
  stage: string;
  level: string;
}

/** Risk scores over time, one line per scoring stage, and the table of the same points. */
export function RiskHistoryChart({ scores }: { scores: ScorePoint[] }) {
  const sorted = [...scores].sort((a, b) => a.scoredAt.localeCompare(b.scoredAt));
  const days = [...new Set(sorted.map((s) => businessDay(s.scoredAt)))];
  const stages = [...new Set(sorted.map((s) => s.stage))];
  // Per stage, its last score of each business day (the day in the business zone, as the
  // labels are: a score at 04:25 in Beijing is that day's, though UTC says the day before).
  const lines = stages.map((stage) =>
    days.map((d) => {
      const last = sorted.filter((s) => s.stage === stage && businessDay(s.scoredAt) === d).pop();
      return last ? Number(last.score) : null;
    }),
  );
  const plotted = lines.flat().filter((point) => point !== null).length;
  return (
    <figure className="chart-block" data-testid="risk-history">
      <div className="chart">
        <Line
          aria-label={`Risk scores over time: ${plotted} points on ${days.length} days`}
          role="img"
          options={{
            ...BASE,
            plugins: { title: { display: true, text: 'Risk scores over time' } },
            spanGaps: true,
          }}
          data={{
            labels: days,
            datasets: stages.map((stage, i) => ({
              label: stage,
              data: lines[i]!,
              borderColor: colour(i),
              backgroundColor: colour(i),
            })),
          }}
        />
      </div>
      <table>
        <caption>Risk scores, oldest first</caption>
        <thead>
          <tr>
            <th scope="col">scored at</th>
            <th scope="col">stage</th>
            <th scope="col">score</th>
            <th scope="col">level</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((s, i) => (
            <tr key={i}>
              <td>{businessMinute(s.scoredAt)}</td>
              <td>{s.stage}</td>
              <td>{s.score}</td>
              <td>{s.level}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

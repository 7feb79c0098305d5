import { Client } from 'pg';
import { ROW_COLUMNS, type ColumnKey } from '../../../src/modules/tier/rule-set/metrics';

export type MetricsRow = Partial<Record<ColumnKey, string | number | boolean | null>>;

/**
 * An unremarkable customer: low value, claim-free for long enough, never scored. Rows in
 * tests state only what they are about on top of it.
 */
const PLAIN_CUSTOMER: Record<ColumnKey, string | number | boolean | null> = {
  premium12m: '3000.00',
  linesHeld: 1,
  tenureMonths: 30,
  renewals: 1,
  claimCount12m: 0,
  claimCount36m: 0,
  incurred12m: '0.00',
  incurred36m: '0.00',
  lossRatio12m: '0.0000',
  lossRatio36m: '0.0000',
  claimFreeMonths: 30,
  latestRiskLevel: 'NONE',
  worstRiskLevel36m: 'NONE',
  verifiedContact: true,
  latestRiskModel: null,
  latestRiskModelVersion: null,
  latestRiskScoredAt: null,
};

// The jest global setup's server (TEST_DATABASE_URL when set, else an embedded one);
// outside jest, the local PostgreSQL.
const DATABASE_URL =
  process.env.CIF_TEST_ADMIN_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';

export interface MetricsRows {
  /**
   * Evaluates SQL expressions over metrics rows `m` (a typed VALUES list, columns named as
   * the catalog says), one result per row in order: `{ risk: classSql(…) }` → `[{ risk }]`.
   */
  select<T = Record<string, unknown>>(
    expressions: Record<string, string>,
    rows: MetricsRow[],
  ): Promise<T[]>;
  close(): Promise<void>;
}

/** Runs expressions over literal rows only: no table is read, so any database will do. */
export async function connectMetricsRows(): Promise<MetricsRows> {
  const client = new Client({ connectionString: DATABASE_URL });
  await client.connect();
  return {
    async select<T>(expressions: Record<string, string>, rows: MetricsRow[]) {
      const values: unknown[] = [];
      const tuples = rows.map((row, i) => {
        const cells = ROW_COLUMNS.map(({ key, sqlType }) => {
          values.push(key in row ? row[key] : PLAIN_CUSTOMER[key]);
          return `$${values.length}::${sqlType}`;
        });
        return `(${i}, ${cells.join(', ')})`;
      });
      const selected = Object.entries(expressions).map(([name, sql]) => `${sql} as "${name}"`);
      const columns = ROW_COLUMNS.map((c) => c.column).join(', ');
      const result = await client.query(
        `select ${selected.join(',\n')}
         from (values ${tuples.join(',\n')}) as m(row_number, ${columns})
         order by m.row_number`,
        values,
      );
      return result.rows as T[];
    },
    close: () => client.end(),
  };
}

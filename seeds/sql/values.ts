export type SqlValue = string | number | boolean | null;

export function lit(value: SqlValue): string {
  if (value === null) return 'null';
  if (typeof value !== 'string') return String(value);
  return `'${value.replace(/'/g, "''")}'`;
}

/** An SQL array of literals: numeric if every value is a number, text otherwise. */
export function sqlArray(values: readonly SqlValue[]): string {
  const numeric = values.every((v) => typeof v === 'number');
  return `array[${values.map(lit).join(', ')}]${numeric ? '' : '::text[]'}`;
}

export function caseOf(
  expression: string,
  cases: readonly (readonly [SqlValue, SqlValue])[],
): string {
  const whens = cases.map(([when, then]) => `when ${lit(when)} then ${lit(then)}`).join(' ');
  return `(case ${expression} ${whens} end)`;
}

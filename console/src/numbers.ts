/**
 * Amounts and ratios as the screens show them: the hub sends decimals as text (exact), and a
 * reader wants 1,234,567.89 and 8.9%. Display only: nothing is computed from these.
 */
const MONEY = new Intl.NumberFormat('en-US', {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});

/** A CNY amount with thousands grouped and two decimals. */
export const amount = (value: string): string => MONEY.format(Number(value));

const PERCENT = new Intl.NumberFormat('en-US', {
  style: 'percent',
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});

/** A ratio (1.12 is 112%) as a percentage to one decimal, grouped; a dash where there is none. */
export const ratio = (value: string | null): string =>
  value === null ? '—' : PERCENT.format(Number(value));

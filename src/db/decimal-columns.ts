/**
 * The numeric columns' shapes, declared once: the entities' columns are made from them and
 * ingestion checks each value against its column, so that a value the column cannot hold is
 * one record's rejection (MAX_VALUE, DECIMAL_PLACES), never the database's overflow failing
 * the batch, nor a rounding the source did not ask for.
 */
export interface DecimalColumn {
  precision: number;
  scale: number;
}

/** Premiums, reserves and payments, in CNY: up to 999,999,999,999.99. */
export const MONEY: DecimalColumn = { precision: 14, scale: 2 };
/** Sums insured, in CNY: up to 99,999,999,999,999.99. */
export const SUM_INSURED: DecimalColumn = { precision: 16, scale: 2 };
/** Risk scores: up to 999,999.99. */
export const RISK_SCORE: DecimalColumn = { precision: 8, scale: 2 };

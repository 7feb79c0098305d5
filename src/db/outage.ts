import { OptimisticLockError } from '@mikro-orm/core';
import { UnavailableReason } from '../graphql/errors';

/**
 * Tells a retryable database outage from a bug: the errors node-pg, knex (MikroORM's pool)
 * and PostgreSQL raise when the server is down, restarting, overloaded or too slow. An
 * error wrapped by MikroORM keeps the driver's error as `previous` or `cause`.
 */
export function outageOf(error: unknown): UnavailableReason | undefined {
  for (let e = error as Record<string, unknown> | undefined, depth = 0; e && depth < 5; depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    const message = typeof e.message === 'string' ? e.message : '';
    // 57014 query_canceled: our statement_timeout (a cancel by an operator reads the same).
    if (code === '57014') return UnavailableReason.STATEMENT_TIMEOUT;
    // deadlock_detected, serialization_failure: the work was rolled back whole, and a retry
    // once the other writer is done succeeds (untilNoWriteConflict runs it again; a caller
    // is told only once those runs are spent).
    if (code === '40P01' || code === '40001') return UnavailableReason.WRITE_CONFLICT;
    // A row changed by another transaction between its read and its versioned update.
    if (e instanceof OptimisticLockError) return UnavailableReason.WRITE_CONFLICT;
    if (
      /^08/.test(code) || // connection_exception
      ['57P01', '57P02', '57P03', '53300'].includes(code) || // shutdown, crash, starting, too many connections
      // The database gone (dropped, or renamed while restored: invalid_catalog_name,
      // database_dropped), or the hub's login refused (a rotated password): not the
      // caller's request, and over once an operator puts it right.
      ['3D000', '57P04', '28000', '28P01'].includes(code) ||
      // read_only_sql_transaction: a standby, or a primary demoted in a failover, takes no
      // writes until the hub reaches the new primary.
      code === '25006' ||
      // The database closed to connections (ALTER DATABASE ... ALLOW_CONNECTIONS false, or
      // being dropped or restored): 55000 says "not currently accepting connections".
      (code === '55000' && /not currently accepting connections/i.test(message)) ||
      ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(
        code,
      ) ||
      // node-pg's query_timeout: the server took the statement and never answered.
      /Connection terminated|Client has encountered a connection error|connection is closed|Query read timeout/i.test(
        message,
      )
    ) {
      return UnavailableReason.DATABASE_UNAVAILABLE;
    }
    // node-pg's pool and knex's (tarn) when no connection frees up in time.
    if (/timeout exceeded when trying to connect|Timeout acquiring a connection/i.test(message)) {
      return UnavailableReason.POOL_EXHAUSTED;
    }
    e = (e.previous ?? e.cause ?? e.originalError) as Record<string, unknown> | undefined;
  }
  return undefined;
}

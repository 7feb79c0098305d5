import { Client, Pool, type PoolConfig } from 'pg';
import { DEFAULT_BUSINESS_TIME_ZONE, sessionOptions } from '../time/clock';

/** Bounds on a serving process's database work; tools and jobs run without them. */
export interface DbLimits {
  /** PostgreSQL's statement_timeout for every session; jobs lift it for their own work. */
  statementTimeoutMs?: number;
  /** How long a request waits for a free pooled connection before it is refused. */
  poolWaitMs?: number;
  /**
   * For the compiled reads: each prepared statement planned once for all parameter values,
   * and never JIT-compiled. PostgreSQL otherwise kept re-planning the front-line profile
   * (its `unnest($1::uuid[])` keys hide how few rows come): 2.3 ms of planning for 2 ms of
   * execution, against 0.03 ms and 0.4 ms on one generic plan. A generic plan's estimates
   * are wide, so a first segment page was costed above `jit_above_cost` and spent 20 ms of
   * its 26 ms compiling itself. Never for set-based jobs, whose plans depend on their values.
   */
  compiledReads?: boolean;
  /**
   * The sessions' application_name: one per hub instance, so that a shutdown finds the
   * statements its own requests still run (and an operator sees whose they are).
   */
  applicationName?: string;
  /**
   * How long node-pg waits for an answer to a statement, on top of the server's own
   * statement_timeout, which a frozen server never applies.
   */
  queryTimeoutMs?: number;
}

/**
 * node-pg settings for a connection to the hub's database: every session runs in the
 * business time zone, so `current_date` and `::date` of a timestamptz are business days.
 */
export function pgConfig(
  url: string,
  zone = DEFAULT_BUSINESS_TIME_ZONE,
  limits: DbLimits = {},
): PoolConfig {
  const options = sessionOptions(zone, limits.statementTimeoutMs);
  return {
    connectionString: url,
    application_name: limits.applicationName,
    options: limits.compiledReads
      ? `${options} -c plan_cache_mode=force_generic_plan -c jit=off`
      : options,
  };
}

export function createPool(url: string, max: number, zone?: string, limits: DbLimits = {}): Pool {
  const pool = new Pool({
    ...pgConfig(url, zone, limits),
    max,
    ...(limits.poolWaitMs ? { connectionTimeoutMillis: limits.poolWaitMs } : {}),
    ...(limits.queryTimeoutMs ? { query_timeout: limits.queryTimeoutMs } : {}),
  });
  // The pool reports an idle connection's failure as its own 'error'; a checked-out one,
  // between two statements of a transaction, would throw from an unheard 'error' event
  // and end the process when the server goes away. Its next statement fails instead, and
  // the holder releases it as broken.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

export function createClient(
  url: string,
  zone?: string,
  extra: Pick<PoolConfig, 'keepAlive'> = {},
): Client {
  return new Client({ ...pgConfig(url, zone), ...extra });
}

import { Client, Pool, type PoolConfig } from 'pg';
import { DEFAULT_BUSINESS_TIME_ZONE, sessionOptions } from '../time/clock';

/** Bounds on a serving process's database work; tools and jobs run without them. */
export interface DbLimits {
  /** PostgreSQL's statement_timeout for every session; jobs lift it for their own work. */
  statementTimeoutMs?: number;
  /** How long a request waits for a free pooled connection before it is refused. */
  poolWaitMs?: number;
  /**
   * Plan each prepared statement once for all parameter values. PostgreSQL otherwise keeps
   * re-planning a compiled read (its `unnest($1::uuid[])` keys hide how few rows come):
   * 2.3 ms of planning for 2 ms of execution per front-line profile, against 0.03 ms and
   * 0.4 ms on one generic plan. For statements whose best plan does not depend on their
   * values only: never for set-based jobs.
   */
  genericPlans?: boolean;
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
    options: limits.genericPlans ? `${options} -c plan_cache_mode=force_generic_plan` : options,
  };
}

export function createPool(url: string, max: number, zone?: string, limits: DbLimits = {}): Pool {
  const pool = new Pool({
    ...pgConfig(url, zone, limits),
    max,
    ...(limits.poolWaitMs ? { connectionTimeoutMillis: limits.poolWaitMs } : {}),
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

import { Client, Pool, type PoolConfig } from 'pg';
import { DEFAULT_BUSINESS_TIME_ZONE, sessionOptions } from '../time/clock';

/** Bounds on a serving process's database work; tools and jobs run without them. */
export interface DbLimits {
  /** PostgreSQL's statement_timeout for every session; jobs lift it for their own work. */
  statementTimeoutMs?: number;
  /** How long a request waits for a free pooled connection before it is refused. */
  poolWaitMs?: number;
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
  return { connectionString: url, options: sessionOptions(zone, limits.statementTimeoutMs) };
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

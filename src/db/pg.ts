import { Client, Pool, type PoolConfig } from 'pg';
import { DEFAULT_BUSINESS_TIME_ZONE, sessionOptions } from '../time/clock';

/**
 * node-pg settings for a connection to the hub's database: every session runs in the
 * business time zone, so `current_date` and `::date` of a timestamptz are business days.
 */
export function pgConfig(url: string, zone = DEFAULT_BUSINESS_TIME_ZONE): PoolConfig {
  return { connectionString: url, options: sessionOptions(zone) };
}

export function createPool(url: string, max: number, zone?: string): Pool {
  return new Pool({ ...pgConfig(url, zone), max });
}

export function createClient(
  url: string,
  zone?: string,
  extra: Pick<PoolConfig, 'keepAlive'> = {},
): Client {
  return new Client({ ...pgConfig(url, zone), ...extra });
}

import path from 'node:path';
import { parsePiiKeyring } from '../modules/customer/pii-cipher';
import { DEFAULT_BUSINESS_TIME_ZONE, isTimeZone } from '../time/clock';

/** Everything the process reads from its environment, parsed once at start-up. */
export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  /** When absent, an embedded PostgreSQL is started under `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  embeddedPostgresPort: number;
  dbPoolSize: number;
  /** Secrets: required in production, generated and kept under `dataDir` otherwise. */
  jwtSecret?: string;
  piiHashKey?: string;
  /** AES-256-GCM keyring for personal data at rest, "id:base64key,..." (pii-cipher.ts). */
  piiEncryptionKeys?: string;
  /** The keyring's key that new values are encrypted under. */
  piiEncryptionKeyId?: string;
  seedDemo: boolean;
  demoCustomers: number;
  maxBodyBytes: number;
  /** How often the tier worker drains the recompute queue; 0 turns it off. */
  tierWorkerIntervalMs: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** statement_timeout of the hub's sessions, ms; 0 for none. Jobs lift it for themselves. */
  statementTimeoutMs: number;
  /** A GraphQL request running longer is answered with SERVICE_UNAVAILABLE, ms; 0 for none. */
  requestTimeoutMs: number;
  /** How long a request waits for a free database connection, ms. */
  dbPoolWaitMs: number;
  /** How long SIGTERM waits for requests in flight and the tier worker's batch, ms. */
  shutdownGraceMs: number;
  /** Customers per transaction of a full tier recompute or a tier activation. */
  tierChunkSize: number;
  /** IANA zone whose calendar days are business dates (src/time/clock.ts). */
  businessTimeZone: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Record<string, string | undefined>;

/** Parses `env` into a Config, reporting every problem at once rather than the first. */
export function parseConfig(env: Env = process.env): Config {
  const problems: string[] = [];

  const int = (key: string, fallback: number, min: number, max: number): number => {
    const raw = env[key];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${key} must be an integer from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const raw = env[key];
    if (raw === undefined || raw === '') return fallback;
    if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
    problems.push(`${key} must be true or false, got "${raw}"`);
    return fallback;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const raw = env[key];
    if (raw === undefined || raw === '') return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    problems.push(`${key} must be one of ${allowed.join(', ')}, got "${raw}"`);
    return fallback;
  };
  const secret = (key: string): string | undefined => {
    const raw = env[key];
    if (raw === undefined || raw === '') return undefined;
    if (raw.length < 32) problems.push(`${key} must be at least 32 characters long`);
    return raw;
  };

  const nodeEnv = oneOf('NODE_ENV', ['development', 'production', 'test'] as const, 'development');
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  const config: Config = {
    env: nodeEnv,
    host: env.HOST || '127.0.0.1',
    port: int('PORT', 4000, 0, 65535),
    databaseUrl,
    dataDir: path.resolve(env.DATA_DIR || '.data'),
    embeddedPostgresPort: int('EMBEDDED_PG_PORT', 54329, 1024, 65535),
    dbPoolSize: int('DB_POOL_SIZE', 10, 1, 200),
    jwtSecret: secret('JWT_SECRET'),
    piiHashKey: secret('PII_HASH_KEY'),
    ...piiKeyring(env, problems),
    seedDemo: bool('SEED_DEMO', nodeEnv !== 'production'),
    demoCustomers: int('DEMO_CUSTOMERS', 10_000, 0, 10_000_000),
    maxBodyBytes: int('MAX_BODY_BYTES', 5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    tierWorkerIntervalMs: int('TIER_WORKER_INTERVAL_MS', 1000, 0, 3_600_000),
    logLevel: oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, 'info'),
    tierChunkSize: int('TIER_CHUNK_SIZE', 50_000, 1, 10_000_000),
    statementTimeoutMs: int('STATEMENT_TIMEOUT_MS', 30_000, 0, 3_600_000),
    requestTimeoutMs: int('REQUEST_TIMEOUT_MS', 60_000, 0, 3_600_000),
    dbPoolWaitMs: int('DB_POOL_WAIT_MS', 5_000, 1, 600_000),
    shutdownGraceMs: int('SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    businessTimeZone: env.BUSINESS_TIME_ZONE || DEFAULT_BUSINESS_TIME_ZONE,
  };
  if (!isTimeZone(config.businessTimeZone)) {
    problems.push(
      `BUSINESS_TIME_ZONE must be an IANA time zone such as Asia/Shanghai, got "${config.businessTimeZone}"`,
    );
  }
  if (nodeEnv === 'production') {
    if (!config.databaseUrl) problems.push('DATABASE_URL is required in production');
    if (!config.jwtSecret) problems.push('JWT_SECRET is required in production');
    if (!config.piiHashKey) problems.push('PII_HASH_KEY is required in production');
    if (!config.piiEncryptionKeys) problems.push('PII_ENCRYPTION_KEYS is required in production');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * PII_ENCRYPTION_KEYS and the id of its active key (PII_ENCRYPTION_KEY_ID, which may be left
 * out when the keyring holds one key). Problems name the rule, never the key material.
 */
function piiKeyring(
  env: Env,
  problems: string[],
): Pick<Config, 'piiEncryptionKeys' | 'piiEncryptionKeyId'> {
  const keys = env.PII_ENCRYPTION_KEYS || undefined;
  const keyId = env.PII_ENCRYPTION_KEY_ID || undefined;
  if (!keys) {
    if (keyId) problems.push('PII_ENCRYPTION_KEY_ID needs PII_ENCRYPTION_KEYS');
    return {};
  }
  let ids: string[];
  try {
    ids = [...parsePiiKeyring(keys).keys()];
  } catch (error) {
    problems.push(`PII_ENCRYPTION_KEYS: ${(error as Error).message}`);
    return {};
  }
  if (!keyId && ids.length > 1) {
    problems.push('PII_ENCRYPTION_KEY_ID is required when PII_ENCRYPTION_KEYS holds several keys');
  } else if (keyId && !ids.includes(keyId)) {
    problems.push(`PII_ENCRYPTION_KEY_ID must name a key of PII_ENCRYPTION_KEYS, got "${keyId}"`);
  }
  return { piiEncryptionKeys: keys, piiEncryptionKeyId: keyId ?? ids[0] };
}

import path from 'node:path';
import {
  DEFAULT_TOKEN_SETTINGS,
  JWKS_ALGORITHMS,
  type JwksAlgorithm,
  type TokenSettings,
} from '../auth/tokens';
import { parsePiiKeyring } from '../modules/customer/pii-cipher';
import {
  DEFAULT_ROTATION_BATCH_SIZE,
  MAX_ROTATION_BATCH_SIZE,
} from '../modules/customer/pii-rotation';
import { ROLES, Role } from '../auth/roles';
import { LIMIT_SETTINGS, type GraphQLLimits } from '../graphql/limits/settings';
import {
  DEFAULT_PERSONAL_LOOKUPS_PER_MINUTE,
  DEFAULT_RATE_LIMIT_PER_MINUTE,
} from '../http/rate-limit';
import { DEFAULT_PREPARED_STATEMENTS } from '../read/read-session';
import { DEFAULT_BUSINESS_TIME_ZONE, isTimeZone } from '../time/clock';
import {
  DEFAULT_GENERIC_HOLDERS,
  DEFAULT_NAME_POPULATION,
  type MatchSettings,
} from '../modules/matching/settings';
import { DEFAULT_THRESHOLDS } from '../modules/matching/weights';

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
  /**
   * HS256 key of development and test tokens, generated and kept under `dataDir` when not
   * given. Production verifies tokens against a JWKS and refuses it.
   */
  jwtSecret?: string;
  /** Secrets: required in production, generated and kept under `dataDir` otherwise. */
  piiHashKey?: string;
  /** AES-256-GCM keyring for personal data at rest, "id:base64key,..." (pii-cipher.ts). */
  piiEncryptionKeys?: string;
  /** The keyring's key that new values are encrypted under. */
  piiEncryptionKeyId?: string;
  /** Rows per transaction of `npm run pii:rotate` and of sealing legacy values at start-up. */
  piiRotationBatchSize: number;
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
  /** Depth, aliases, directives, tokens, document size, cost (src/graphql/limits). */
  graphqlLimits: GraphQLLimits;
  /** Whether `__schema` and `__type` are answered: by default not in production. */
  introspection: boolean;
  /** The web console's built files, served at /console (console/dist, `npm run console:build`). */
  consoleDir: string;
  /** Requests a minute per caller (token subject, else client address); 0 turns it off. */
  rateLimitPerMinute: number;
  /** Lookups of a customer by an identity number or a mobile a minute per caller; 0: none. */
  personalLookupsPerMinute: number;
  /** Prepared statements the read path keeps on each connection (least recently used go). */
  preparedStatementsPerConnection: number;
  /** Roles that may run registered (trusted) documents only. */
  trustedDocumentRoles: Role[];
  /** How bearer tokens are verified: keys, issuer, audience, lifetime (src/auth/tokens.ts). */
  tokens: TokenSettings;
  /** When source records are one customer (src/modules/ingestion/customer-batch.ts). */
  matching: MatchSettings;
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
    // Written as decimal digits: Number() would also read 0x10, 1e3 and " 8 ".
    const value = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${key} must be an integer from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const num = (key: string, fallback: number, min: number, max: number): number => {
    const raw = env[key];
    if (raw === undefined || raw === '') return fallback;
    const value = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isFinite(value) || value < min || value > max) {
      problems.push(`${key} must be a number from ${min} to ${max}, got "${raw}"`);
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
  } else if (databaseUrl) {
    // Never quoted: it holds the password.
    const problem = databaseUrlProblem(databaseUrl);
    if (problem) problems.push(`DATABASE_URL ${problem}`);
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
    piiRotationBatchSize: int(
      'PII_ROTATION_BATCH_SIZE',
      DEFAULT_ROTATION_BATCH_SIZE,
      1,
      MAX_ROTATION_BATCH_SIZE,
    ),
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
    graphqlLimits: Object.fromEntries(
      Object.entries(LIMIT_SETTINGS).map(([key, setting]) => [
        key,
        int(setting.env, setting.default, setting.min, setting.max),
      ]),
    ) as unknown as GraphQLLimits,
    introspection: bool('GRAPHQL_INTROSPECTION', nodeEnv !== 'production'),
    // Beside the code, as npm run console:build writes it (the image copies it there too).
    consoleDir: path.resolve('console/dist'),
    rateLimitPerMinute: int('RATE_LIMIT_PER_MINUTE', DEFAULT_RATE_LIMIT_PER_MINUTE, 0, 1_000_000),
    personalLookupsPerMinute: int(
      'PERSONAL_LOOKUPS_PER_MINUTE',
      DEFAULT_PERSONAL_LOOKUPS_PER_MINUTE,
      0,
      1_000_000,
    ),
    preparedStatementsPerConnection: int(
      'PREPARED_STATEMENTS_PER_CONNECTION',
      DEFAULT_PREPARED_STATEMENTS,
      0,
      100_000,
    ),
    trustedDocumentRoles: roleList(env, 'TRUSTED_DOCUMENT_ROLES', problems, nodeEnv),
    businessTimeZone: env.BUSINESS_TIME_ZONE || DEFAULT_BUSINESS_TIME_ZONE,
    matching: {
      thresholds: {
        link: num('MATCH_LINK_THRESHOLD', DEFAULT_THRESHOLDS.link, -100, 100),
        review: num('MATCH_REVIEW_THRESHOLD', DEFAULT_THRESHOLDS.review, -100, 100),
        margin: num('MATCH_AMBIGUITY_MARGIN', DEFAULT_THRESHOLDS.margin, 0, 100),
      },
      genericHolders: int('MATCH_GENERIC_HOLDERS', DEFAULT_GENERIC_HOLDERS, 2, 1_000_000),
      namePopulation: int('MATCH_NAME_POPULATION', DEFAULT_NAME_POPULATION, 1, 2_000_000_000),
    },
    tokens: {
      jwksUrl: jwksUrl(env, nodeEnv, problems),
      jwksAlgorithms: jwksAlgorithms(env, problems),
      jwksCooldownMs: int(
        'JWT_JWKS_COOLDOWN_MS',
        DEFAULT_TOKEN_SETTINGS.jwksCooldownMs,
        0,
        3_600_000,
      ),
      issuer: env.JWT_ISSUER || DEFAULT_TOKEN_SETTINGS.issuer,
      audience: env.JWT_AUDIENCE || DEFAULT_TOKEN_SETTINGS.audience,
      maxLifetimeSeconds: int(
        'JWT_MAX_LIFETIME_SECONDS',
        DEFAULT_TOKEN_SETTINGS.maxLifetimeSeconds,
        60,
        30 * 24 * 60 * 60,
      ),
    },
  };
  if (!isTimeZone(config.businessTimeZone)) {
    problems.push(
      `BUSINESS_TIME_ZONE must be an IANA time zone such as Asia/Shanghai, got "${config.businessTimeZone}"`,
    );
  }
  if (config.matching.thresholds.review > config.matching.thresholds.link) {
    problems.push('MATCH_REVIEW_THRESHOLD must not be above MATCH_LINK_THRESHOLD');
  }
  // A request cut before its statement is: the caller hears 503 and the write still commits.
  const { requestTimeoutMs: request, statementTimeoutMs: statement } = config;
  if (request > 0 && statement > 0 && request <= statement) {
    problems.push(
      'REQUEST_TIMEOUT_MS must be above STATEMENT_TIMEOUT_MS (or 0), so that a statement ' +
        'ends before the request that waits for it',
    );
  }
  if (nodeEnv === 'production') {
    if (!config.databaseUrl) problems.push('DATABASE_URL is required in production');
    // Production trusts the insurer's identity provider only, never a secret of its own.
    if (!config.tokens.jwksUrl) problems.push('JWT_JWKS_URL is required in production');
    if (!env.JWT_ISSUER) problems.push('JWT_ISSUER is required in production');
    if (!env.JWT_AUDIENCE) problems.push('JWT_AUDIENCE is required in production');
    if (config.jwtSecret) {
      problems.push(
        'JWT_SECRET must not be set in production: tokens are verified with JWT_JWKS_URL',
      );
    }
    if (!config.piiHashKey) problems.push('PII_HASH_KEY is required in production');
    if (!env.PII_ENCRYPTION_KEYS) problems.push('PII_ENCRYPTION_KEYS is required in production');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** What is wrong with a postgres:// URL, for a message that never quotes it. */
function databaseUrlProblem(url: string): string | undefined {
  if (!URL.canParse(url)) return 'is not a valid URL (a port from 1 to 65535, a host, a path)';
  const { username, password, pathname, hostname } = new URL(url);
  if (!hostname) return 'names no host (postgres://user@host:5432/database)';
  if (pathname.length <= 1) return 'names no database (postgres://user@host:5432/database)';
  try {
    for (const part of [username, password, pathname]) decodeURIComponent(part);
  } catch {
    return 'has a malformed %-escape: write a % in the password as %25';
  }
  return undefined;
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

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * JWT_JWKS_URL: an https:// URL. Plain http:// would let whoever sits on the path hand the
 * hub keys of their own; production allows it only to a loopback address (a local sidecar).
 */
function jwksUrl(env: Env, nodeEnv: Config['env'], problems: string[]): string | undefined {
  const raw = env.JWT_JWKS_URL || undefined;
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`JWT_JWKS_URL must be an https:// URL, got "${raw}"`);
    return undefined;
  }
  const local =
    url.protocol === 'http:' && (nodeEnv !== 'production' || LOOPBACK.has(url.hostname));
  if (url.protocol !== 'https:' && !local) {
    problems.push(
      `JWT_JWKS_URL must be an https:// URL${nodeEnv === 'production' ? ' (http:// only to a loopback address)' : ''}, got "${raw}"`,
    );
  }
  return raw;
}

/** JWT_ALGORITHMS: the ones a JWKS may sign with, comma-separated. */
function jwksAlgorithms(env: Env, problems: string[]): JwksAlgorithm[] {
  const raw = env.JWT_ALGORITHMS;
  if (!raw) return DEFAULT_TOKEN_SETTINGS.jwksAlgorithms;
  const given = raw.split(',').map((a) => a.trim());
  const known = given.filter((a): a is JwksAlgorithm =>
    (JWKS_ALGORITHMS as readonly string[]).includes(a),
  );
  if (known.length !== given.length || known.length === 0) {
    problems.push(`JWT_ALGORITHMS must list some of ${JWKS_ALGORITHMS.join(', ')}, got "${raw}"`);
    return DEFAULT_TOKEN_SETTINGS.jwksAlgorithms;
  }
  return known;
}

/** Front-line apps and source systems run registered documents only, in production. */
export const PRODUCTION_TRUSTED_DOCUMENT_ROLES: readonly Role[] = [Role.FRONTLINE, Role.INGEST];

/** TRUSTED_DOCUMENT_ROLES: roles, comma-separated, or `none`. */
function roleList(env: Env, key: string, problems: string[], nodeEnv: Config['env']): Role[] {
  const raw = env[key]?.trim();
  if (!raw) return nodeEnv === 'production' ? [...PRODUCTION_TRUSTED_DOCUMENT_ROLES] : [];
  if (raw.toLowerCase() === 'none') return [];
  const given = raw.split(',').map((role) => role.trim());
  const unknown = given.filter((role) => !(ROLES as readonly string[]).includes(role));
  if (unknown.length) {
    problems.push(`${key} must list roles among ${ROLES.join(', ')}, or be none; got "${raw}"`);
    return [];
  }
  return given as Role[];
}

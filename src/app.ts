import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type http from 'node:http';
import type { GraphQLSchema } from 'graphql';
import { Authenticator } from './auth/authenticator';
import { BranchDirectory } from './modules/branch/branch-directory';
import { DEFAULT_TOKEN_SETTINGS, TokenVerifier } from './auth/tokens';
import { ConfigError, PRODUCTION_TRUSTED_DOCUMENT_ROLES, type Config } from './config/config';
import type { Secrets } from './config/secrets';
import { ormOptions } from './db/orm.config';
import { createClient, createPool } from './db/pg';
import { BusinessClock } from './time/clock';
import { createApollo } from './graphql/apollo';
import { DEFAULT_LIMITS, type GraphQLLimits } from './graphql/limits';
import {
  CallerRateLimit,
  DEFAULT_PERSONAL_LOOKUPS_PER_MINUTE,
  DEFAULT_RATE_LIMIT_PER_MINUTE,
  PERSONAL_LOOKUPS,
} from './http/rate-limit';
import { TrustedDocuments } from './modules/trusted-document/trusted-documents';
import type { AppServices } from './graphql/context';
import { buildAppSchema } from './graphql/schema';
import { createHttpServer } from './http/server';
import { outsideRequest, type Logger } from './logger';
import { PiiCipher } from './modules/customer/pii-cipher';
import { PiiHasher } from './modules/customer/pii-hasher';
import { DEFAULT_ROTATION_BATCH_SIZE, PiiRotation } from './modules/customer/pii-rotation';
import { PiiSealer } from './modules/customer/pii-sealer';
import { ReadCompiler } from './read/compiler';
import { DEFAULT_PREPARED_STATEMENTS, ReadExecutor } from './read/read-session';
import { ActiveRuleSets, RULE_SET_CHANNEL } from './modules/tier/active-rule-sets';
import { RuleSetActivations } from './modules/tier/rule-set-activation.service';
import { ChannelListener } from './db/notifications';
import { TierService } from './modules/tier/tier.service';
import { Metrics } from './observability/metrics';
import { observeQueries, ormPoolStats, Readiness } from './observability/probes';
import { TierWorker } from './modules/tier/tier-worker';
import { ensureActiveRuleSets } from './modules/tier/rule-set-version.service';
import { DEFAULT_MATCH_SETTINGS } from './modules/matching/settings';
import { migrateExisting } from './db/migrate';

export interface AppOptions {
  config: Pick<Config, 'dbPoolSize' | 'maxBodyBytes' | 'env'> &
    Partial<
      Pick<
        Config,
        | 'businessTimeZone'
        | 'tierChunkSize'
        | 'statementTimeoutMs'
        | 'requestTimeoutMs'
        | 'dbPoolWaitMs'
        | 'shutdownGraceMs'
        | 'tokens'
        | 'piiRotationBatchSize'
        | 'introspection'
        | 'consoleDir'
        | 'rateLimitPerMinute'
        | 'personalLookupsPerMinute'
        | 'preparedStatementsPerConnection'
        | 'trustedDocumentRoles'
        | 'matching'
      >
    > & {
      /** Limits not given keep their defaults (src/graphql/limits/settings.ts). */
      graphqlLimits?: Partial<GraphQLLimits>;
    };
  databaseUrl: string;
  secrets: Secrets;
  logger: Logger;
  /** Business time; defaults to the real time in `config.businessTimeZone`. */
  clock?: BusinessClock;
}

export interface App {
  orm: MikroORM;
  schema: GraphQLSchema;
  services: AppServices;
  server: http.Server;
  worker: TierWorker;
  /** Applies pending migrations and activates the shipped rules where none are active. */
  migrate(): Promise<void>;
  listen(port: number, host: string): Promise<string>;
  close(): Promise<void>;
}

/** How much longer than statement_timeout a serving connection waits for any answer. */
const QUERY_TIMEOUT_GRACE_MS = 2_000;

/** Builds the hub without side effects beyond opening its connection pools. */
export async function createApp(options: AppOptions): Promise<App> {
  const { config, databaseUrl, secrets, logger } = options;
  const clock = options.clock ?? new BusinessClock(config.businessTimeZone);
  const limits = {
    statementTimeoutMs: config.statementTimeoutMs,
    poolWaitMs: config.dbPoolWaitMs,
    applicationName: `cif-hub ${randomBytes(4).toString('hex')}`,
  };
  // A server that stops answering (frozen, or cut off without a reset) never applies its
  // statement_timeout: the request's own connection gives up a little after it would have.
  // Not the jobs' pool, whose tier jobs lift statement_timeout for their long statements.
  const serving = {
    ...limits,
    ...(config.statementTimeoutMs
      ? { queryTimeoutMs: config.statementTimeoutMs + QUERY_TIMEOUT_GRACE_MS }
      : {}),
  };
  const orm = await MikroORM.init(
    // The ORM's own words are the line's message: as a field of the same name they were
    // a second `message` key, which a JSON reader drops.
    ormOptions(databaseUrl, config.dbPoolSize, clock.zone, serving, {
      info: (message) => logger.info(message),
      warn: (message) => logger.warn('database driver', { error: message }),
    }),
  );
  // Pools of plain connections beside MikroORM's: the tier jobs run set-based SQL, and the
  // read path runs named prepared statements on generic plans without JIT (src/db/pg.ts), which the
  // jobs' statements must not get.
  const pool = createPool(databaseUrl, config.dbPoolSize, clock.zone, limits);
  const readPool = createPool(databaseUrl, config.dbPoolSize, clock.zone, {
    ...serving,
    compiledReads: true,
  });
  // Readiness has a connection of its own: a busy pool is not a database outage.
  const probe = createPool(databaseUrl, 1, clock.zone, {
    statementTimeoutMs: 2_000,
    poolWaitMs: 2_000,
    queryTimeoutMs: 2_500,
    applicationName: limits.applicationName,
  });
  const stats = (p: typeof pool) => () => ({
    inUse: p.totalCount - p.idleCount,
    idle: p.idleCount,
    waiting: p.waitingCount,
  });
  const metrics = new Metrics({
    pools: { read: stats(readPool), jobs: stats(pool), orm: () => ormPoolStats(orm) },
    queueDepth: async () =>
      (await probe.query<{ n: number }>('select count(*)::int as n from tier_recompute_queue'))
        .rows[0].n,
  });
  observeQueries(pool, metrics, 'jobs');
  let closing = false;
  let closed: Promise<void> | undefined;
  // On Ctrl-C the embedded PostgreSQL gets the signal too and may drop connections first.
  for (const p of [pool, readPool, probe]) {
    p.on(
      'error',
      (error) =>
        closing ||
        outsideRequest(() => logger.warn('idle connection failed', { error: String(error) })),
    );
  }
  const ruleSets = new ActiveRuleSets(pool);
  const tiers = new TierService(pool, ruleSets, clock, { observer: metrics.tierObserver() });
  const activations = new RuleSetActivations(pool, tiers, ruleSets, clock, logger, {
    chunkSize: config.tierChunkSize,
  });
  // Every instance hears of an activation when it commits, whether it runs the worker or not.
  const activationListener = new ChannelListener({
    url: databaseUrl,
    zone: clock.zone,
    channel: RULE_SET_CHANNEL,
    onNotice: () => ruleSets.refresh(),
    logger,
  });
  await activationListener.start();
  const schema = await buildAppSchema();
  const production = config.env === 'production';
  const graphqlLimits: GraphQLLimits = { ...DEFAULT_LIMITS, ...config.graphqlLimits };
  const branches = new BranchDirectory(orm.em);
  const services: AppServices = {
    clock,
    em: orm.em,
    pool,
    ruleSets,
    tiers,
    activations,
    reads: new ReadExecutor(readPool, new ReadCompiler(schema, orm.getMetadata()), {
      maxPrepared: config.preparedStatementsPerConnection ?? DEFAULT_PREPARED_STATEMENTS,
      timer: () => metrics.querySeconds.startTimer({ pool: 'read' }),
    }),
    trustedDocuments: new TrustedDocuments(pool, schema, graphqlLimits, clock, {
      roles: config.trustedDocumentRoles ?? (production ? PRODUCTION_TRUSTED_DOCUMENT_ROLES : []),
    }),
    matching: config.matching ?? DEFAULT_MATCH_SETTINGS,
    hasher: new PiiHasher(secrets.piiHashKey),
    cipher: new PiiCipher(secrets.piiEncryptionKeys, secrets.piiEncryptionKeyId),
    authenticator: new Authenticator(
      new TokenVerifier(config.tokens ?? DEFAULT_TOKEN_SETTINGS, secrets.jwtSecret, logger),
      orm.em,
      branches,
    ),
    branches,
    personalLookups: new CallerRateLimit(
      config.personalLookupsPerMinute ?? DEFAULT_PERSONAL_LOOKUPS_PER_MINUTE,
      PERSONAL_LOOKUPS,
    ),
    logger,
    metrics,
  };
  const worker = new TierWorker(tiers, ruleSets, logger);
  const introspection = config.introspection ?? !production;
  const apollo = createApollo(schema, logger, metrics, {
    limits: graphqlLimits,
    introspection,
    hideSchemaDetails: production,
  });
  await apollo.start();
  const readiness = new Readiness(probe, orm);
  const server = createHttpServer(apollo, services, {
    maxBodyBytes: config.maxBodyBytes,
    requestTimeoutMs: config.requestTimeoutMs ?? 0,
    schema,
    ready: () => readiness.check(),
    limits: graphqlLimits,
    rateLimit: new CallerRateLimit(config.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE),
    console: {
      dir: config.consoleDir ?? path.resolve('console/dist'),
      explorer: introspection,
      timeZone: clock.zone,
    },
  });

  return {
    orm,
    schema,
    services,
    server,
    worker,
    migrate: async () => {
      // Replicas starting together take turns: the first applies what is pending, the
      // others then find nothing to do. The lock is a session's, so no statement timeout;
      // on a connection of its own, so that a pool of one (DB_POOL_SIZE=1) is left to the
      // work it waits for.
      const lock = createClient(databaseUrl, clock.zone);
      await lock.connect();
      try {
        await lock.query(`select pg_advisory_lock(hashtext('cif_hub_migrations'))`);
        await migrateExisting(orm);
        // Values stored in plain text before encryption at rest are sealed before the hub
        // serves: reads need their masks, and the plain copies must go.
        const rotation = new PiiRotation(pool, new PiiSealer(services.hasher, services.cipher));
        const sealed = await rotation.run({
          batchSize: config.piiRotationBatchSize ?? DEFAULT_ROTATION_BATCH_SIZE,
          legacyOnly: true,
        });
        for (const { table, rows } of sealed) {
          if (rows) logger.info('plain personal values encrypted', { table, rows });
        }
        const problems = await rotation.keyringProblems();
        if (problems.length) throw new ConfigError(problems);
      } finally {
        // Ending the session frees its lock.
        await lock.end().catch(() => undefined);
      }
      await ensureActiveRuleSets(pool, ruleSets, clock);
      const abandoned = await activations.failAbandoned();
      if (abandoned) logger.warn('activation jobs found abandoned, marked FAILED', { abandoned });
    },
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server.address() as AddressInfo;
          resolve(`http://${host === '0.0.0.0' ? 'localhost' : host}:${address.port}/graphql`);
        });
      }),
    // Once, however many ask (a signal during a failed start, a test's own cleanup).
    close: () =>
      (closed ??= (async () => {
        closing = true;
        const grace = config.shutdownGraceMs ?? 10_000;
        const within = <T>(work: Promise<T>) =>
          Promise.race([work, new Promise<void>((r) => setTimeout(r, grace).unref())]);
        // No new connections; requests in flight finish within the grace period, then the
        // connections still open are cut.
        const drained = server.listening
          ? new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeIdleConnections();
            })
          : Promise.resolve();
        // The worker's batch in progress commits or rolls back; it takes no new one.
        const [inTime] = await Promise.all([
          within(drained.then(() => true)),
          within(worker.stop()),
        ]);
        if (!inTime) {
          // What still runs is stopped, so that it rolls back rather than commit after its
          // caller was cut off, and the process ends near the grace period, not when a lock
          // it waits for is freed: a statement is cancelled, a transaction between statements
          // ended. Again until the requests are done (at most 2 s): one that waited for a
          // connection gets it from one stopped, and is stopped in turn. A request so stopped
          // may still answer (503, retryable) before the cut.
          let done = false;
          void drained.then(() => (done = true));
          for (const until = Date.now() + 2_000; !done && Date.now() < until;) {
            await probe
              .query(
                `select count(case when state = 'active' then pg_cancel_backend(pid)
                                 else pg_terminate_backend(pid) end)
                 from pg_stat_activity
                 where application_name = $1 and pid <> pg_backend_pid()
                   and state in ('active', 'idle in transaction')`,
                [limits.applicationName],
              )
              .catch(() => undefined);
            await Promise.race([drained, new Promise<void>((r) => setTimeout(r, 100).unref())]);
          }
        }
        server.closeAllConnections();
        await activationListener.stop();
        await apollo.stop();
        await within(activations.idle());
        await Promise.all([pool.end(), readPool.end(), probe.end()]);
        await orm.close();
      })()),
  };
}

import 'reflect-metadata';
import { Client } from 'pg';
import { seedDemoData } from '../seeds/demo-data';
import { createApp, type App } from './app';
import { ROLES } from './auth/roles';
import { signToken, type TokenSettings } from './auth/tokens';
import { ConfigError, parseConfig, type Config } from './config/config';
import { resolveSecrets } from './config/secrets';
import { openDatabase } from './db/database';
import { EmbeddedPostgresError } from './db/embedded-postgres';
import { unreachableDatabase, UnreachableDatabaseError } from './db/unreachable';
import { CONSOLE_PATH } from './http/console';
import { createLogger } from './logger';

const exampleQuery = (cifNo: string) => `{ customer(by: { cifNo: "${cifNo}" }) {
    cifNo name branch { name }
    tier { tier reasons }
    entitlements { service status reasons }
    identityDocuments { type number }
    policies(status: [IN_FORCE], first: 5) { totalCount nodes { policyNo line expiryDate premium vehicle { plate vin } } }
    claims(first: 5) { nodes { claimNo status stages { stage at } incurred } }
    latestRiskScores { stage level score firedRules { code description } }
    riskHistory { claimCount3y claimFreeYears lifetimeLossRatio }
} }`;

/** A customer worth showing first: one with a vehicle, an open claim and risk scores. */
async function exampleCustomer(app: App): Promise<string | undefined> {
  const { rows } = await app.services.pool.query<{ cif_no: string }>(
    `select c.cif_no from customer c
     join policy_party pp on pp.customer_id = c.id join policy p on p.id = pp.policy_id
     join claim cl on cl.policy_id = p.id
     where p.vehicle_id is not null and cl.status not in ('CLOSED', 'REJECTED', 'WITHDRAWN')
       and exists (select 1 from risk_score rs where rs.customer_id = c.id)
     order by c.cif_no limit 1`,
  );
  return rows[0]?.cif_no;
}

/** A start-up failure a newcomer can act on, said in one line without a stack. */
class StartupFailure extends Error {}

/** Why the hub cannot listen, by the setting that fixes it, when it is a usual reason. */
const LISTEN_FAILURES: Record<string, [why: string, setting: string]> = {
  EADDRINUSE: ['another program uses that port', 'PORT (or HOST)'],
  EACCES: ['not allowed', 'PORT (or HOST)'],
  ENOTFOUND: ['no such host name', 'HOST'],
  EAI_AGAIN: ['the host name could not be looked up', 'HOST'],
  EADDRNOTAVAIL: ['no network interface of this machine has that address', 'HOST'],
};

function listenFailure(error: unknown, config: Config): unknown {
  const { code } = error as { code?: string };
  const known = code ? LISTEN_FAILURES[code] : undefined;
  if (!known) return error;
  return new StartupFailure(
    `Cannot listen on ${config.host}:${config.port} (${code}): ${known[0]}. Set ${known[1]}.`,
  );
}

/**
 * The usual reasons a start fails, named by the setting that fixes them: the database out of
 * reach (its address without the password); listening is listenFailure's.
 */
function startupFailure(error: unknown, config: Config, databaseUrl?: string): unknown {
  if (error instanceof StartupFailure || !databaseUrl) return error;
  const said = unreachableDatabase(error, databaseUrl, config.databaseUrl && 'DATABASE_URL');
  return said instanceof UnreachableDatabaseError ? new StartupFailure(said.message) : error;
}

async function main(): Promise<void> {
  const config = parseConfig();
  const opened: Opened = {};
  try {
    await start(config, opened);
  } catch (error) {
    // An embedded PostgreSQL left running would hold its folder against the next start.
    await opened.app?.close().catch(() => undefined);
    await opened.database?.stop().catch(() => undefined);
    throw startupFailure(error, config, config.databaseUrl ?? opened.database?.url);
  }
}

/** What start-up has opened so far: what a shutdown closes, and a failure names. */
interface Opened {
  database?: Awaited<ReturnType<typeof openDatabase>>;
  app?: App;
}

async function start(config: Config, opened: Opened): Promise<void> {
  const logger = createLogger(config.logLevel);
  const started = Date.now();

  // A signal may come at any moment, start-up included. While starting, it is noted and
  // acted on between steps (a step half done, such as a migration, is not cut); once
  // serving, at once. Either way: stop taking work, finish what is in flight within the
  // grace period, close the pools and the embedded PostgreSQL, exit 0.
  let serving = false;
  let requested: string | undefined;
  let stopping: Promise<never> | undefined;
  // A person reads a development start; production's output is the log, one JSON object a
  // line, which a collector parses.
  const production = config.env === 'production';
  /** Stops; `failed` for a stop the hub did not choose, which a supervisor should see. */
  const shutdown = (signal: string, failed = false): Promise<never> =>
    (stopping ??= (async () => {
      if (production) logger.info('stopping', { signal });
      else {
        console.log(
          `\n${signal}: stopping the hub${opened.database?.embedded ? ' and its PostgreSQL' : ''}...`,
        );
      }
      try {
        await opened.app?.close();
        await opened.database?.stop();
      } catch (error) {
        logger.error('shutdown failed', { error: String(error) });
        process.exit(1);
      }
      process.exit(failed ? 1 : 0);
    })());
  const onSignal = (signal: string) => {
    requested ??= signal;
    if (serving) void shutdown(signal);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  // npm runs the hub through a shell that does not pass a SIGTERM on: npm and the shell
  // stop, and the hub, orphaned, would go on serving and holding its PostgreSQL. Started by
  // npm, the hub stops when the process that started it is gone.
  if (process.env.npm_lifecycle_event) {
    const parent = process.ppid;
    setInterval(() => process.ppid !== parent && onSignal('npm stopped'), 500).unref();
  }
  logger.info('starting', { pid: process.pid });
  /** Awaits a start-up step, hands over what it opened, then honours a signal. */
  const step = async <T>(work: Promise<T>, keep?: (result: T) => void): Promise<T> => {
    const result = await work;
    keep?.(result);
    if (requested) await shutdown(requested);
    return result;
  };

  const database = await step(
    // Its own signal handlers stop the embedded PostgreSQL once requests have drained.
    openDatabase(
      config,
      (message) => (production ? logger.info('database', { message }) : console.log(message)),
      {
        ownSignals: true,
        // Without its database the hub only fails requests: it stops, so that whatever
        // started it sees it stop, and a start makes both again.
        // A Ctrl-C reaches the server too (one process group), which may stop before the
        // hub hears its own SIGINT: a stop asked for within a moment is that, not a death.
        onExit: (how) =>
          setTimeout(() => {
            if (requested || stopping) return;
            logger.error('the embedded PostgreSQL stopped unexpectedly', { how });
            if (serving) void shutdown('embedded PostgreSQL stopped', true);
          }, 1_000).unref(),
      },
    ),
    (d) => (opened.database = d),
  );
  const secrets = resolveSecrets(config);

  const app = await step(
    createApp({ config, databaseUrl: database.url, secrets, logger }),
    (a) => (opened.app = a),
  );
  await step(app.migrate());
  if (config.seedDemo)
    await step(seedIfEmpty(app, database.url, secrets.piiHashKey, config.demoCustomers));
  if (config.tierWorkerIntervalMs > 0) app.worker.start(config.tierWorkerIntervalMs);
  const url = await step(
    app.listen(config.port, config.host).catch((error: unknown) => {
      throw listenFailure(error, config);
    }),
  );
  serving = true;
  if (requested) await shutdown(requested);

  const seconds = Number(((Date.now() - started) / 1000).toFixed(1));
  const consoleUrl = new URL(CONSOLE_PATH + '/', url).href;
  if (production) {
    logger.info('ready', { url, console: consoleUrl, seconds });
  } else {
    console.log(`\ncif-hub is ready at ${url} (${seconds} s)`);
    console.log(`The console: ${consoleUrl} (sign in with a token)`);
    const printed = secrets.jwtSecret
      ? await printDevelopmentTokens(app, secrets.jwtSecret, config.tokens)
      : false;
    const example = await exampleCustomer(app);
    if (printed && example) {
      console.log(`\nTry, with the frontline token:\n${exampleQuery(example)}\n`);
      console.log(`or open ${consoleUrl} and paste a token above.\n`);
    }
    console.log('Press Ctrl-C to stop.');
  }
}

/**
 * A token per role at the head office, as long-lived as tokens may be; false when there is
 * no organisation yet for a token to name.
 */
async function printDevelopmentTokens(
  app: App,
  secret: string,
  rules: TokenSettings,
): Promise<boolean> {
  // Tokens must name an open branch: the demo's head office, or the organisation loaded.
  const { rows } = await app.services.pool.query<{ code: string }>(
    'select code from branch where parent_id is null and valid_to is null',
  );
  const branchCode = rows[0]?.code;
  if (!branchCode) {
    console.log(
      '\nNo organisation yet: load one from a file (npm run branches:load, README "Loading ' +
        'your organisation"), then start again for a token of each role.',
    );
    return false;
  }
  const hours = Number((rules.maxLifetimeSeconds / 3600).toFixed(2));
  console.log(
    `\nDevelopment tokens of branch ${branchCode} (send as Authorization: Bearer <token>), ` +
      `valid ${hours} h (JWT_MAX_LIFETIME_SECONDS):`,
  );
  for (const role of ROLES) {
    const token = signToken(
      secret,
      { subject: `dev-${role}`, role, branchCode },
      rules.maxLifetimeSeconds,
      rules,
    );
    console.log(`  ${role.padEnd(12)} ${token}`);
  }
  return true;
}

/** Demo data on first start, with every customer's tier computed. */
async function seedIfEmpty(
  app: App,
  databaseUrl: string,
  piiHashKey: string,
  customers: number,
): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // An organisation loaded into an empty database (npm run branches:load) is the insurer's
    // own: demo data would have to bring the demo's branches beside it.
    const { rows } = await client.query<{ any: boolean }>(
      'select exists (select 1 from customer) or exists (select 1 from branch) as any',
    );
    if (rows[0].any || customers === 0) return;
    const started = Date.now();
    process.stdout.write(`Seeding ${customers} demo customers (first start only)...`);
    const { clock } = app.services;
    const counts = await seedDemoData(client, {
      customers,
      piiHashKey,
      cipher: app.services.cipher,
      today: clock.today(),
      timeZone: clock.zone,
    });
    const tiers = await app.services.tiers.recomputeAll();
    console.log(
      ` ${counts.customers} customers, ${counts.policies} policies, ${counts.claims} claims, ` +
        `${tiers.changed} tiers in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    await client.end();
  }
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError ||
      error instanceof StartupFailure ||
      error instanceof EmbeddedPostgresError
      ? error.message
      : error,
  );
  process.exit(1);
});

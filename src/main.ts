import 'reflect-metadata';
import path from 'node:path';
import { Client } from 'pg';
import { seedDemoData } from '../seeds/demo-data';
import { createApp } from './app';
import { ConfigError, parseConfig } from './config/config';
import { loadOrCreateSecrets } from './config/secrets';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './db/embedded-postgres';
import { ROLES } from './auth/roles';
import { signToken } from './auth/tokens';
import { createLogger } from './logger';

const EXAMPLE_QUERY = `{ customer(by: { cifNo: "C0000000001" }) {
    cifNo name branch { name }
    identityDocuments { type number }
    policies(status: [IN_FORCE], first: 5) { totalCount nodes { policyNo line expiryDate premium vehicle { plate vin } } }
    claims(first: 5) { nodes { claimNo status stages { stage at } incurred } }
    latestRiskScores { stage level score firedRules { code description } }
    riskHistory { claimCount3y claimFreeYears lossRatio }
} }`;

async function main(): Promise<void> {
  const config = parseConfig();
  const logger = createLogger(config.logLevel);
  const started = Date.now();
  let embedded: EmbeddedPostgresHandle | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    console.log(`No DATABASE_URL: starting the embedded PostgreSQL in ${config.dataDir}`);
    embedded = await startEmbeddedPostgres({
      dir: path.join(config.dataDir, 'pg'),
      port: config.embeddedPostgresPort,
      database: 'cif_hub',
    });
    databaseUrl = embedded.url;
  }
  const stored =
    config.jwtSecret && config.piiHashKey ? undefined : loadOrCreateSecrets(config.dataDir);
  const secrets = {
    jwtSecret: config.jwtSecret ?? stored!.jwtSecret,
    piiHashKey: config.piiHashKey ?? stored!.piiHashKey,
  };

  const app = await createApp({ config, databaseUrl, secrets, logger });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the hub${embedded ? ' and its PostgreSQL' : ''}...`);
    await app.close();
    await embedded?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  await app.migrate();
  if (config.seedDemo) await seedIfEmpty(databaseUrl, secrets.piiHashKey, config.demoCustomers);
  const url = await app.listen(config.port, config.host);

  console.log(`\ncif-hub is ready at ${url} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (config.env !== 'production') {
    console.log('\nDevelopment tokens (send as Authorization: Bearer <token>), valid 30 days:');
    for (const role of ROLES) {
      const token = signToken(
        secrets.jwtSecret,
        { subject: `dev-${role}`, role, branchCode: '0000' },
        '30d',
      );
      console.log(`  ${role.padEnd(12)} ${token}`);
    }
    console.log(`\nTry, with the frontline token:\n${EXAMPLE_QUERY}\n`);
    console.log('Press Ctrl-C to stop.');
  }
}

async function seedIfEmpty(
  databaseUrl: string,
  piiHashKey: string,
  customers: number,
): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ any: boolean }>(
      'select exists (select 1 from customer) as any',
    );
    if (rows[0].any || customers === 0) return;
    const started = Date.now();
    process.stdout.write(`Seeding ${customers} demo customers (first start only)...`);
    const counts = await seedDemoData(client, { customers, piiHashKey });
    console.log(
      ` ${counts.customers} customers, ${counts.policies} policies, ${counts.claims} claims in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    await client.end();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});

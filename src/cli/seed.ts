import 'reflect-metadata';
import path from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { MAX_SEED_CUSTOMERS, seedDemoData } from '../../seeds/demo-data';
import { ConfigError, parseConfig } from '../config/config';
import { loadOrCreateSecrets } from '../config/secrets';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../db/embedded-postgres';
import { ormOptions } from '../db/orm.config';

const USAGE = `usage: npm run seed -- [--customers N]   (1 to ${MAX_SEED_CUSTOMERS}, default 10000)`;

class UsageError extends Error {}

function parseArgs(args: string[]): { customers: number } {
  let customers = 10_000;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    if (flag !== '--customers') throw new UsageError(`unknown argument '${args[i]}'`);
    const raw = inline ?? args[++i];
    if (raw === undefined || !/^\d+$/.test(raw)) {
      throw new UsageError(`--customers needs a whole number, got '${raw ?? ''}'`);
    }
    customers = Number(raw);
    if (customers < 1 || customers > MAX_SEED_CUSTOMERS) {
      throw new UsageError(`--customers must be from 1 to ${MAX_SEED_CUSTOMERS}, got ${raw}`);
    }
  }
  return { customers };
}

/** `[#####-----] 45% customers 450000/1000000`: redrawn in place on a terminal. */
function progressBar(
  stream: NodeJS.WriteStream,
): (done: number, total: number, step: string) => void {
  const width = 20;
  let drawn = 0;
  return (done, total, step) => {
    const ratio = total > 0 ? done / total : 1;
    const filled = Math.round(ratio * width);
    const line =
      `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ` +
      `${Math.floor(ratio * 100)}% ${step} ${done}/${total}`;
    if (stream.isTTY) {
      stream.write(`\r${line.padEnd(drawn)}${done === total ? '\n' : ''}`);
      drawn = done === total ? 0 : line.length;
    } else if (done === total) {
      // Logs get one line per finished step rather than a stream of redraws.
      stream.write(`${line}\n`);
    }
  };
}

async function main(args: string[]): Promise<number> {
  const { customers } = parseArgs(args);
  const config = parseConfig();
  const started = Date.now();
  let embedded: EmbeddedPostgresHandle | undefined;
  let url = config.databaseUrl;
  try {
    if (!url) {
      console.error(`No DATABASE_URL: starting the embedded PostgreSQL in ${config.dataDir}`);
      embedded = await startEmbeddedPostgres({
        dir: path.join(config.dataDir, 'pg'),
        port: config.embeddedPostgresPort,
        database: 'cif_hub',
      });
      url = embedded.url;
    }
    const orm = await MikroORM.init(ormOptions(url, 2));
    try {
      await orm.getMigrator().up();
    } finally {
      await orm.close();
    }
    const piiHashKey = config.piiHashKey ?? loadOrCreateSecrets(config.dataDir).piiHashKey;

    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ count: string }>('select count(*) from customer');
      if (rows[0].count !== '0') {
        console.error(`The database already has ${rows[0].count} customers: not seeding again.`);
        return 1;
      }
      const counts = await seedDemoData(client, {
        customers,
        piiHashKey,
        onProgress: progressBar(process.stderr),
      });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(
        `Seeded ${counts.customers} customers, ${counts.policies} policies, ` +
          `${counts.claims} claims, ${counts.riskScores} risk scores in ${seconds} s`,
      );
      return 0;
    } finally {
      await client.end();
    }
  } finally {
    await embedded?.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n${USAGE}`);
      process.exit(2);
    }
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  },
);

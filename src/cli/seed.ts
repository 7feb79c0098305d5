import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import {
  isCalendarDay,
  MAX_SEED_CUSTOMERS,
  seedDemoData,
  SeedRefusedError,
} from '../../seeds/demo-data';
import { parseConfig } from '../config/config';
import { resolveSecrets } from '../config/secrets';
import { PiiCipher } from '../modules/customer/pii-cipher';
import { openDatabase } from '../db/database';
import { unreachableDatabase } from '../db/unreachable';
import { ormOptions } from '../db/orm.config';
import { BusinessClock } from '../time/clock';
import { progressBar } from './progress';
import { runCommand, UsageError } from './run';
import { migrateExisting } from '../db/migrate';

const DEFAULT_CUSTOMERS = 10_000;
const USAGE =
  `usage: npm run seed -- [--customers N] [--day YYYY-MM-DD]` +
  `  (N from 1 to ${MAX_SEED_CUSTOMERS}, default ${DEFAULT_CUSTOMERS};` +
  ` the day seeded on, default today in the business time zone)`;

interface Args {
  customers: number;
  /** Another seed day, to reproduce a demo seeded then: data are placed relative to it. */
  day?: string;
}

function parseArgs(args: string[]): Args {
  const parsed: Args = { customers: DEFAULT_CUSTOMERS };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    if (flag !== '--customers' && flag !== '--day') {
      throw new UsageError(`unknown argument '${args[i]}'`);
    }
    const raw = inline ?? args[++i];
    if (flag === '--day') {
      if (raw === undefined || !isCalendarDay(raw)) {
        throw new UsageError(`--day needs a calendar date as YYYY-MM-DD, got '${raw ?? ''}'`);
      }
      parsed.day = raw;
      continue;
    }
    if (raw === undefined || !/^\d+$/.test(raw)) {
      throw new UsageError(`--customers needs a whole number, got '${raw ?? ''}'`);
    }
    parsed.customers = Number(raw);
    if (parsed.customers < 1 || parsed.customers > MAX_SEED_CUSTOMERS) {
      throw new UsageError(`--customers must be from 1 to ${MAX_SEED_CUSTOMERS}, got ${raw}`);
    }
  }
  return parsed;
}

async function main(args: string[]): Promise<number> {
  const { customers, day } = parseArgs(args);
  const config = parseConfig();
  const clock = new BusinessClock(config.businessTimeZone);
  const today = day ?? clock.today();
  const started = Date.now();
  const database = await openDatabase(config, (message) => console.error(message));
  const { url } = database;
  try {
    const orm = await MikroORM.init(ormOptions(url, 2));
    try {
      await migrateExisting(orm);
    } finally {
      await orm.close();
    }
    const { piiHashKey, piiEncryptionKeys, piiEncryptionKeyId } = resolveSecrets(config);

    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const counts = await seedDemoData(client, {
        customers,
        piiHashKey,
        cipher: new PiiCipher(piiEncryptionKeys, piiEncryptionKeyId),
        today,
        timeZone: clock.zone,
        onProgress: progressBar(process.stderr),
        connect: async () => {
          const helper = new Client({ connectionString: url });
          await helper.connect();
          return helper;
        },
      });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(
        `Seeded ${counts.customers} customers, ${counts.policies} policies, ` +
          `${counts.claims} claims, ${counts.riskScores} risk scores as of ${today} ` +
          `in ${seconds} s`,
      );
      return 0;
    } finally {
      await client.end();
    }
  } catch (error) {
    throw unreachableDatabase(error, url, config.databaseUrl && 'DATABASE_URL');
  } finally {
    await database.stop();
  }
}

runCommand(() => main(process.argv.slice(2)), {
  usage: USAGE,
  known: [[SeedRefusedError, 1]],
});

import type { Client, ClientBase } from 'pg';
import type { PiiCipher } from '../src/modules/customer/pii-cipher';
import { PiiHasher } from '../src/modules/customer/pii-hasher';
import { PiiSealer } from '../src/modules/customer/pii-sealer';
import type { NameForms } from '../src/modules/matching/names';
import { DEFAULT_BUSINESS_TIME_ZONE, isTimeZone } from '../src/time/clock';
import { detachKeysAndIndexes, SEEDED_TABLES, type Detached } from './load/keys';
import { pipeline, runAll } from './load/pipeline';
import { seedPlan, WORK_TABLES } from './load/plan';
import { chunkSchema, dropAbandonedSchemas, prepareSession, SESSION_TABLES } from './load/session';
import { isCalendarDay } from '../src/time/clock';
import { seedTime } from './sql/seed-time';
import { branchesSql } from './tables/branches';
import { MAX_SEED_CUSTOMERS, nameCustomerWork, sealCustomerWork } from './tables/customers';
import type { RowSet } from './tables/row-set';
import { sourceIdentifierSequenceSql } from './tables/source-identifiers';

/** The database is not empty: the seed would mix demo data with real data. */
export class SeedRefusedError extends Error {}

/*
 * Demo data for a large Chinese P&C insurer, mostly auto business, written set-based: each
 * table is filled by INSERT ... SELECT over a chunk of customer indexes, never row by row.
 * Reference data (branches, names, numbering plans) live in reference/, one generator per
 * table or group of tables in tables/, the SQL they share in sql/, and the load around them
 * (chunks, a helper connection, keys rebuilt after the load) in load/ and here.
 *
 * Deterministic: every value derives from a row's index (hashint8extended seeded per purpose,
 * md5, fixed permutations) and every date and time from the day seeded on, so the same
 * customer count, key and day give byte-identical data on every run, but for ciphertexts:
 * identity numbers and contact values are encrypted in Node, each under a random IV.
 */

export { isCalendarDay, MAX_SEED_CUSTOMERS };

export interface SeedOptions {
  customers: number;
  piiHashKey: string;
  /** Encrypts identity numbers and contact values (the key never enters the database). */
  cipher: PiiCipher;
  /**
   * The business day seeded on, `YYYY-MM-DD`: the business clock's today, so that the demo
   * shows cover in force, recent claims and fresh scores. Policies, claims and scores are
   * placed relative to it; nothing seeded happens after it begins.
   */
  today: string;
  /** The business time zone, whose wall clock the seeded instants follow. */
  timeZone?: string;
  onProgress?: (done: number, total: number, step: string) => void;
  /**
   * Opens another connection to the same database. Given one, the seed works rows out on it
   * while `client` writes the previous chunk, keeping two cores busy; the data are the same.
   */
  connect?: () => Promise<Client>;
}

export interface SeedCounts {
  customers: number;
  policies: number;
  claims: number;
  riskScores: number;
}

const CHUNK_CUSTOMERS = 50_000;

function checkOptions({ customers, today, timeZone }: SeedOptions): void {
  if (!Number.isInteger(customers) || customers < 1 || customers > MAX_SEED_CUSTOMERS) {
    throw new Error(
      `customers must be an integer from 1 to ${MAX_SEED_CUSTOMERS}, got ${customers}`,
    );
  }
  if (!isCalendarDay(today)) {
    throw new Error(`today must be a calendar date as YYYY-MM-DD, got '${today}'`);
  }
  if (timeZone !== undefined && !isTimeZone(timeZone)) {
    throw new Error(`unknown time zone '${timeZone}'`);
  }
}

/**
 * Fills an empty, migrated database with `customers` demo customers and everything that
 * hangs off them, as of the business day `today`, in one transaction on `client`.
 *
 * Given `options.connect`, a helper connection works each chunk out into unlogged tables of
 * schemas of its own while `client` writes the chunk before, one core each; then the
 * transaction commits the rows with their primary and unique keys, and foreign keys that hold
 * for new rows, and the two connections build the other indexes and check the foreign keys
 * on the rows written. Alone, `client` does it all inside its transaction. The data are the
 * same either way.
 */
export async function seedDemoData(client: ClientBase, options: SeedOptions): Promise<SeedCounts> {
  checkOptions(options);
  const total = options.customers;
  const time = seedTime(options.today, options.timeZone ?? DEFAULT_BUSINESS_TIME_ZONE);
  const plan = seedPlan(time);
  const sealer = new PiiSealer(new PiiHasher(options.piiHashKey), options.cipher);
  const names = new Map<string, NameForms>();
  const seeded = await client.query<{ any: boolean }>(
    'select exists (select 1 from customer) or exists (select 1 from branch) as any',
  );
  if (seeded.rows[0].any) {
    throw new SeedRefusedError(
      'The database already has customers or branches: seed an empty database',
    );
  }
  const chunks = Array.from({ length: Math.ceil(total / CHUNK_CUSTOMERS) }, (_, n) => ({
    lo: n * CHUNK_CUSTOMERS + 1,
    hi: Math.min(total, (n + 1) * CHUNK_CUSTOMERS),
  }));
  const {
    rows: [{ pid }],
  } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
  const helper = await options.connect?.();
  const schema = (n: number) => chunkSchema(pid, n);
  const dropSchemas = `drop schema if exists ${chunks.map((_, n) => schema(n)).join(', ')} cascade`;
  const staged = (rows: RowSet, n: number) =>
    helper ? `${schema(n)}.s_rows_${rows.table}` : `s_rows_${rows.table}_${n}`;
  const counts: SeedCounts = { customers: 0, policies: 0, claims: 0, riskScores: 0 };
  const counted: Partial<Record<string, keyof SeedCounts>> = {
    customer: 'customers',
    policy: 'policies',
    claim: 'claims',
    risk_score: 'riskScores',
  };
  const write = async (rows: RowSet, source: string) => {
    const { rowCount } = await client.query(
      `insert into ${rows.table} (${rows.columns}) ${source}`,
    );
    const count = counted[rows.table];
    if (count) counts[count] += rowCount ?? 0;
  };
  const step = (name: string, statements: number) => {
    let done = 0;
    options.onProgress?.(0, statements, name);
    return () => options.onProgress?.(++done, statements, name);
  };

  const work = async (n: number) => {
    const db = helper ?? client;
    if (helper) {
      await helper.query(`create schema ${schema(n)}`);
      await helper.query(`set search_path = ${schema(n)}`);
    } else {
      await client.query(`drop table if exists ${WORK_TABLES.join(', ')}`);
    }
    const create = helper ? 'create unlogged table' : 'create temp table';
    for (const sql of plan.work(create, chunks[n].lo, chunks[n].hi)) await db.query(sql);
    await sealCustomerWork(db, create, sealer);
    await nameCustomerWork(db, create, names);
    for (const sql of plan.sealedWork(create)) await db.query(sql);
    for (const rows of plan.finalRows) {
      await db.query(`${create} ${staged(rows, n)} (${rows.columns}) as ${rows.select}`);
    }
  };
  const writeChunk = async (n: number) => {
    if (helper) await client.query(`set local search_path = ${schema(n)}, public`);
    for (const rows of plan.chunkRows) await write(rows, rows.select);
    options.onProgress?.(chunks[n].hi, total, 'customers');
  };

  options.onProgress?.(0, total, 'customers');
  await client.query('begin');
  let detached: Detached;
  try {
    await prepareSession(client, options.piiHashKey, false);
    detached = await detachKeysAndIndexes(client);
    await client.query(branchesSql(time));
    if (helper) {
      await dropAbandonedSchemas(helper);
      await helper.query('begin');
      await prepareSession(helper, options.piiHashKey, true);
      await helper.query('commit');
      await pipeline(chunks.length, work, writeChunk);
      await client.query('set local search_path to default');
      await helper.query('reset search_path');
    } else {
      for (const n of chunks.keys()) {
        await work(n);
        await writeChunk(n);
      }
    }
    for (const rows of plan.finalRows) {
      const done = step(rows.table, 1);
      await write(
        rows,
        chunks.map((_, n) => `select * from ${staged(rows, n)}`).join(' union all '),
      );
      done();
    }
    // Temporary tables outlive the transaction: the caller's session keeps no key pads.
    const waited = helper
      ? []
      : plan.finalRows.flatMap((rows) => chunks.map((_, n) => staged(rows, n)));
    await client.query(
      `drop table if exists ${[...SESSION_TABLES, ...WORK_TABLES, ...waited].join(', ')}`,
    );
    await runAll(client, detached.keys, step('keys', detached.keys.length));
    await client.query(`select setval('cif_no_seq', ${total})`);
    await client.query(sourceIdentifierSequenceSql(total));
    if (helper) {
      // They hold for every row written from now on; the rows already written are checked
      // after the commit.
      for (const { add } of detached.foreignKeys) await client.query(`${add} not valid`);
    } else {
      const adds = detached.foreignKeys.map(({ add }) => add);
      await runAll(client, detached.indexes, step('indexes', detached.indexes.length));
      await runAll(client, adds, step('foreign keys', adds.length));
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    await helper?.query(dropSchemas).catch(() => undefined);
    await helper?.end();
    throw error;
  }
  const analyze = `analyze ${SEEDED_TABLES.join(', ')}`;
  if (!helper) {
    await runAll(client, [analyze], step('analyze', 1));
    return counts;
  }
  try {
    await helper.query(dropSchemas);
    const validations = detached.foreignKeys.map(({ validate }) => validate);
    const done = step('indexes and foreign keys', detached.indexes.length + 1 + validations.length);
    await Promise.all([
      runAll(client, [...detached.indexes, analyze], done),
      runAll(helper, validations, done),
    ]);
  } finally {
    await helper.end();
  }
  return counts;
}

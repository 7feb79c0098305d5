import 'reflect-metadata';
import { Client } from 'pg';
import { Role } from '../src/auth/roles';
import { PiiCipher } from '../src/modules/customer/pii-cipher';
import type { CustomerRecordInput } from '../src/modules/ingestion/ingestion.input';
import { startTestIssuer } from '../tests/setup/jwks';
import {
  arg,
  BENCH_SECRETS as secrets,
  databaseCopy,
  emptyDatabase,
  registerDocument,
  seededDatabase,
  startHub,
  vacuumAnalyze,
} from './harness';
import { generateLabelledRecords, type LabelledRecord } from './matching/generate';
import { pairwiseScores } from './matching/metrics';

/**
 * Customer ingestion with matching, over HTTP to the hub in production mode, in batches of
 * 1,000 (the API's limit). Two measurements:
 *
 *   npm run bench:ingestion -- --accuracy --records 100000
 *     loads a labelled set of Chinese individuals and organisations with every hard case
 *     (bench/matching/generate.ts) into an empty hub and prints the pairwise precision and
 *     recall of the automatic links, the review queue and the load rate;
 *
 *   npm run bench:ingestion -- --customers 1000000 --batches 60
 *     against a seeded file of that many customers (made once and kept; each run writes to a
 *     copy of it), sends a realistic mix: new people, changed records and unchanged resends
 *     of seeded customers, and duplicates of seeded customers from another source system;
 *     prints the sustained rate and the p50/p99 of single-record upserts. `--feeders 2` sends
 *     two batches at a time, as a source system that does not wait for one answer before
 *     sending the next batch.
 *
 * Both draw their generated records from `--seed` (1 by default).
 */

const INGEST = `mutation ($records: [CustomerRecordInput!]!) {
  ingestCustomers(records: $records) { accepted rejected records { status } } }`;

const BATCH = 1000;

interface Feed {
  endpoint: string;
  token: string;
  /** The registered ingestion document's hash (feeds run registered documents only). */
  hash: string;
}

export async function post({ endpoint, token, hash }: Feed, records: unknown[]) {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
      variables: { records },
    }),
  });
  const body = (await response.json()) as {
    data?: {
      ingestCustomers: { accepted: number; rejected: number; records: { status: string }[] };
    };
    errors?: unknown[];
  };
  if (!body.data) throw new Error(`ingestion failed: ${JSON.stringify(body.errors)}`);
  return body.data.ingestCustomers;
}

export async function feedOf(
  url: string,
  endpoint: string,
  issuer: Awaited<ReturnType<typeof startTestIssuer>>,
): Promise<Feed> {
  return {
    endpoint,
    token: await issuer.sign({ subject: 'bench', role: Role.INGEST, branchCode: '0000' }),
    hash: await registerDocument(url, 'IngestCustomers', INGEST),
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function accuracy(records: number) {
  const people = Math.round((records / 1.27) * 0.9);
  const { records: labelled } = generateLabelledRecords({
    people,
    organisations: Math.round(people / 9),
    seed: arg('seed', 1),
  });
  const db = await emptyDatabase('cif_hub_bench_accuracy');
  const setup = new Client({ connectionString: db.url });
  await setup.connect();
  await setup.query(`insert into branch (id, code, name, level, path)
    values (gen_random_uuid(), '0000', 'Head office', 'HEAD_OFFICE', '0000')`);
  await setup.end();
  const issuer = await startTestIssuer();
  const hub = await startHub(db.url, secrets, issuer.env);
  try {
    const feed = await feedOf(db.url, hub.endpoint, issuer);
    const started = Date.now();
    const outcomes: Record<string, number> = {};
    for (let at = 0; at < labelled.length; at += BATCH) {
      const result = await post(
        feed,
        labelled.slice(at, at + BATCH).map((l) => l.record),
      );
      for (const r of result.records) outcomes[r.status] = (outcomes[r.status] ?? 0) + 1;
      if ((at / BATCH) % 10 === 9) {
        const rate = (at + BATCH) / ((Date.now() - started) / 1000);
        process.stderr.write(`  ${at + BATCH} records, ${rate.toFixed(0)} records/s\n`);
      }
    }
    const seconds = (Date.now() - started) / 1000;
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const rows = (
      await client.query<{ key: string; customer_id: string }>(
        `select source_system || ':' || source_key as key, customer_id from source_record`,
      )
    ).rows;
    const [{ open }] = (
      await client.query<{ open: number }>(
        `select count(*)::int as open from match_review where status = 'OPEN'`,
      )
    ).rows;
    const [{ customers }] = (
      await client.query<{ customers: number }>(
        `select count(*)::int as customers from customer where status = 'ACTIVE'`,
      )
    ).rows;
    await client.end();
    const truth = new Map(labelled.map((l) => [keyOf(l), l.cluster]));
    const scores = pairwiseScores(truth, new Map(rows.map((r) => [r.key, r.customer_id])));
    console.log(
      `accuracy: ${labelled.length} labelled records of ${new Set(truth.values()).size} true ` +
        `customers, loaded in ${seconds.toFixed(1)} s (${(labelled.length / seconds).toFixed(0)} ` +
        `records/s, batches of ${BATCH}, from an empty file)\n` +
        `  outcomes ${JSON.stringify(outcomes)}\n` +
        `  pairwise precision ${scores.precision.toFixed(4)}, recall ${scores.recall.toFixed(4)} ` +
        `(${scores.correctPairs} of ${scores.truePairs} true pairs linked, ` +
        `${scores.predictedPairs} pairs linked)\n` +
        `  ${customers} golden records; review queue ${open} open tasks`,
    );
  } finally {
    await hub.stop();
    await issuer.close();
    await db.drop();
  }
}

const keyOf = (l: LabelledRecord) => `${l.record.sourceSystem}:${l.record.sourceKey}`;

interface Seeded {
  sourceSystem: string;
  sourceKey: string;
  kind: string;
  name: string;
  gender: string | null;
  birthDate: string | null;
  branchCode: string;
  number: string | null;
  type: string | null;
  mobile: string | null;
}

/**
 * `count` seeded customers holding a record (as many as the file holds, if fewer), as their
 * source system would send them again (numbers decrypted): the same ones every run of the
 * file, so that runs compare. The mix goes round a sample short of it, and a customer sent
 * twice would come back as an unchanged resend or a new record by where it fell.
 */
async function seededRecords(url: string, count: number): Promise<Seeded[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const cipher = new PiiCipher(secrets.piiEncryptionKeys, 'bench');
  const rows = (
    await client.query<{
      source_system: string;
      source_key: string;
      kind: string;
      name: string;
      gender: string | null;
      birth_date: string | null;
      branch_code: string;
      type: string | null;
      number_cipher: string | null;
      mobile_cipher: string | null;
    }>(
      `select sr.source_system, sr.source_key, c.kind, c.name, c.gender, c.birth_date::text,
         b.code as branch_code, d.type, d.number_cipher, m.value_cipher as mobile_cipher
       from (select * from customer s tablesample bernoulli (
               least(100, 150.0 * $1::int / greatest(1, (select count(*) from customer)))) repeatable (1)
             where exists (select 1 from source_record r where r.customer_id = s.id)
             limit $1::int) c
       join branch b on b.id = c.branch_id
       join lateral (select * from source_record where customer_id = c.id limit 1) sr on true
       left join lateral (select * from identity_document where customer_id = c.id limit 1) d on true
       left join lateral (select * from contact_point where customer_id = c.id and kind = 'MOBILE'
                          limit 1) m on true`,
      [count],
    )
  ).rows;
  await client.end();
  return rows.map((r) => ({
    sourceSystem: r.source_system,
    sourceKey: r.source_key,
    kind: r.kind,
    name: r.name,
    gender: r.gender,
    birthDate: r.birth_date,
    branchCode: r.branch_code,
    type: r.type,
    number: r.number_cipher ? cipher.decrypt(r.number_cipher) : null,
    mobile: r.mobile_cipher ? cipher.decrypt(r.mobile_cipher) : null,
  }));
}

function asRecord(s: Seeded, overrides: Partial<CustomerRecordInput> = {}): CustomerRecordInput {
  return {
    sourceSystem: s.sourceSystem,
    sourceKey: s.sourceKey,
    kind: s.kind,
    name: s.name,
    ...(s.kind === 'INDIVIDUAL' && s.gender ? { gender: s.gender } : {}),
    ...(s.kind === 'INDIVIDUAL' && s.birthDate ? { birthDate: s.birthDate } : {}),
    branchCode: s.branchCode,
    identityDocuments: s.number ? [{ type: s.type!, number: s.number }] : [],
    contactPoints: s.mobile ? [{ kind: 'MOBILE', value: s.mobile }] : [],
    ...overrides,
  } as CustomerRecordInput;
}

/**
 * Sends `batches` batches of the mix below to a hub on the seeded file at `url`, and, with
 * `singles`, that many single-record upserts one after the other; returns the rates.
 */
export async function ingestMix(url: string, batches: number, singles = 0, feeders = 1) {
  const seeded = await seededRecords(url, batches * BATCH + singles);
  const { records: fresh } = generateLabelledRecords({
    people: Math.round(batches * BATCH * 0.4) + singles,
    organisations: Math.round(batches * BATCH * 0.02),
    seed: arg('seed', 1),
  });
  const issuer = await startTestIssuer();
  const hub = await startHub(url, secrets, issuer.env);
  try {
    const feed = await feedOf(url, hub.endpoint, issuer);
    // The mix of a day's feed: 40% new people (some of them duplicates of each other across
    // sources, as the generator draws them), 20% changed records of known customers, 20%
    // unchanged resends, 20% known customers seen by another source system. A resend is a
    // record the feed sent two batches before: a seeded customer sent again is a change,
    // since the seed stores its records in another form than a source system sends them
    // (the first two batches, which have nothing to resend yet, send those).
    const run = Date.now().toString(36);
    const mix: CustomerRecordInput[][] = [];
    let s = 0;
    let f = 0;
    for (let b = 0; b < batches; b++) {
      const batch: CustomerRecordInput[] = [];
      for (let i = 0; i < BATCH; i++) {
        const slot = i % 5;
        if (slot <= 1 && f < fresh.length) {
          const record = fresh[f++].record;
          batch.push({ ...record, sourceKey: `B${run}-${b}-${record.sourceKey}` });
          continue;
        }
        const known = seeded[s++ % seeded.length];
        if (slot === 2) {
          batch.push(
            asRecord(known, {
              contactPoints: [{ kind: 'EMAIL', value: `changed.${run}.${s}@example.cn` }],
            } as Partial<CustomerRecordInput>),
          );
        } else if (slot === 3) batch.push(b >= 2 ? mix[b - 2]![i - 2]! : asRecord(known));
        else
          batch.push(
            asRecord(known, {
              sourceSystem: 'CLAIMS',
              sourceKey: `CL-${known.sourceKey}`,
            } as Partial<CustomerRecordInput>),
          );
      }
      mix.push(batch);
    }
    // Warm-up: JIT, plans, caches.
    await post(feed, mix[0].slice(0, 100));
    const locksBefore = await matchingLocks(hub.endpoint);
    const outcomes: Record<string, number> = {};
    const started = Date.now();
    let sent = 0;
    let next = 0;
    const feeder = async () => {
      while (next < mix.length) {
        const batch = mix[next++];
        const result = await post(feed, batch);
        for (const r of result.records) outcomes[r.status] = (outcomes[r.status] ?? 0) + 1;
        sent += batch.length;
        if (sent % 10_000 === 0) {
          const rate = sent / ((Date.now() - started) / 1000);
          process.stderr.write(`  ${sent} records, ${rate.toFixed(0)} records/s\n`);
        }
      }
    };
    await Promise.all(Array.from({ length: feeders }, feeder));
    const seconds = (Date.now() - started) / 1000;
    const locksAfter = await matchingLocks(hub.endpoint);
    const perBatch = (phase: 'wait' | 'held') =>
      ((locksAfter[phase].sum - locksBefore[phase].sum) /
        (locksAfter[phase].count - locksBefore[phase].count)) *
      1000;

    const latencies: number[] = [];
    for (let i = 0; i < singles; i++) {
      const known = seeded[(s + i) % seeded.length];
      const record =
        i % 2
          ? asRecord(known, {
              sourceSystem: 'APP',
              sourceKey: `APP-${known.sourceKey}-${run}-${i}`,
            } as Partial<CustomerRecordInput>)
          : { ...fresh[(f + i) % fresh.length].record, sourceKey: `S${i}-${run}` };
      const at = process.hrtime.bigint();
      await post(feed, [record]);
      latencies.push(Number(process.hrtime.bigint() - at) / 1e6);
    }
    latencies.sort((a, b) => a - b);
    return {
      sent,
      seconds,
      recordsPerSecond: sent / seconds,
      outcomes,
      lockWaitMs: perBatch('wait'),
      lockHeldMs: perBatch('held'),
      singleP50: singles ? percentile(latencies, 50) : undefined,
      singleP99: singles ? percentile(latencies, 99) : undefined,
    };
  } finally {
    await hub.stop();
    await issuer.close();
  }
}

/** The hub's matching-lock histogram (its /metrics), summed over scopes, per phase. */
async function matchingLocks(endpoint: string) {
  const text = await (await fetch(new URL('/metrics', endpoint))).text();
  const total = (phase: string, part: 'sum' | 'count') =>
    text
      .split('\n')
      .filter((l) =>
        l.startsWith(`cif_hub_ingestion_matching_lock_seconds_${part}{phase="${phase}"`),
      )
      .reduce((n, l) => n + Number(l.split(' ')[1]), 0);
  const phase = (name: string) => ({ sum: total(name, 'sum'), count: total(name, 'count') });
  return { wait: phase('wait'), held: phase('held') };
}

async function throughput(customers: number, batches: number) {
  const seeded = await seededDatabase(customers, secrets);
  // As autovacuum would have done by now (see vacuumAnalyze); the copy keeps the statistics.
  const vacuumed = await vacuumAnalyze(seeded);
  const started = Date.now();
  const copy = await databaseCopy(seeded, `cif_hub_bench_ingestion_${customers}`);
  const copied = (Date.now() - started) / 1000;
  const feeders = arg('feeders', 1);
  const result = await ingestMix(copy.url, batches, 300, feeders).finally(() => copy.drop());
  console.log(
    `throughput: ${result.sent} records in ${batches} batches of ${BATCH} against ${customers} ` +
      `seeded customers, ${feeders} feeder${feeders > 1 ? 's' : ''}: ` +
      `${result.seconds.toFixed(1)} s, ${result.recordsPerSecond.toFixed(0)} records/s\n` +
      `  outcomes ${JSON.stringify(result.outcomes)}\n` +
      `  matching locks: held ${result.lockHeldMs.toFixed(0)} ms a batch until written, ` +
      `waited for ${result.lockWaitMs.toFixed(0)} ms (means); batches of ${BATCH} lock the whole ` +
      `matching space, so no number of feeders passes ` +
      `${((BATCH / result.lockHeldMs) * 1000).toFixed(0)} records/s\n` +
      `  single-record upsert and resolve (300, sequential): p50 ${result.singleP50!.toFixed(1)} ms, ` +
      `p99 ${result.singleP99!.toFixed(1)} ms\n` +
      `  (VACUUM (ANALYZE) of the seeded file: ${vacuumed.toFixed(1)} s; ` +
      `copied for this run in ${copied.toFixed(1)} s)`,
  );
}

const main = process.argv.includes('--accuracy')
  ? () => accuracy(arg('records', 100_000))
  : () => throughput(arg('customers', 1_000_000), arg('batches', 60));

if (require.main === module)
  main()
    .then(() => process.exit(0))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });

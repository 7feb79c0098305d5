import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { ormOptions } from '../src/db/orm.config';
import { PiiHasher } from '../src/modules/customer/pii-hasher';
import { recomputeGolden } from '../src/modules/golden/survivorship';
import type { CustomerRecordInput } from '../src/modules/ingestion/ingestion.input';
import { DEFAULT_MATCH_SETTINGS } from '../src/modules/matching/settings';
import { startTestIssuer } from '../tests/setup/jwks';
import { arg, BENCH_SECRETS as secrets, databaseCopy, seededDatabase, startHub } from './harness';
import { feedOf, post } from './ingestion';
import { generateLabelledRecords } from './matching/generate';

/**
 * A dealer's mobile on many records (the contact-authenticity case), on a copy of the seeded
 * file: puts one number on `--carriers` records, then
 *
 * - recomputes the golden records of `--customers-touched` of their customers, as a batch
 *   that touches them does, and prints the time of each of `--rounds` recomputes (each
 *   rolled back);
 * - sends the hub, over HTTP, `--batches` batches of `--batch-size` new people each carrying
 *   the number, alternating with as many batches of new people without it, and prints the
 *   median time of a batch each way: the whole ingestion path (generic values, the
 *   neighbourhood, survivorship), where the number weighs on every statement that reads
 *   its carriers.
 *
 *   npm run bench:shared-values -- --customers 1000000 --carriers 5000 --customers-touched 200
 */

/** The dealer's number: digits only, as ingestion stores it. */
const DEALER_MOBILE = '13800138000';

async function main() {
  const seeded = await seededDatabase(arg('customers', 1_000_000), secrets);
  const copy = await databaseCopy(seeded, 'cif_hub_bench_shared_values');
  try {
    const db = new Client({ connectionString: copy.url });
    await db.connect();
    // The number's digest only: survivorship reads digests, never the value.
    const { rows } = await db.query<{ customer_id: string }>(
      `with carriers as (
         insert into source_identifier (source_record_id, kind, value_hash, value_cipher, value_masked)
         select id, 'MOBILE', $3::bytea, 'unused', '138****8000'
         from source_record tablesample system (5) limit $1
         returning source_record_id)
       select sr.customer_id from carriers c join source_record sr on sr.id = c.source_record_id
       limit $2`,
      [
        arg('carriers', 5000),
        arg('customers-touched', 200),
        new PiiHasher(secrets.piiHashKey).digest('MOBILE', DEALER_MOBILE),
      ],
    );
    await db.query('analyze source_identifier');
    await db.end();
    const orm = await MikroORM.init(ormOptions(copy.url, 2));
    try {
      const ids = rows.map((r) => r.customer_id);
      for (let round = 1; round <= arg('rounds', 3); round++) {
        const started = process.hrtime.bigint();
        await orm.em
          .fork()
          .transactional(async (em) => {
            await recomputeGolden(em, ids, {
              ...DEFAULT_MATCH_SETTINGS,
              at: new Date().toISOString(),
            });
            const ms = Number(process.hrtime.bigint() - started) / 1e6;
            console.log(
              `survivorship of ${ids.length} customers sharing one mobile with ` +
                `${arg('carriers', 5000)} records: ${ms.toFixed(1)} ms`,
            );
            throw new RolledBack();
          })
          .catch((error: unknown) => {
            if (!(error instanceof RolledBack)) throw error;
          });
      }
    } finally {
      await orm.close();
    }
    await ingestBatches(copy.url);
  } finally {
    await copy.drop();
  }
}

async function ingestBatches(url: string) {
  const batches = arg('batches', 10);
  const size = arg('batch-size', 200);
  const { records } = generateLabelledRecords({
    // Each person has one to four records: more than the batches need.
    people: 2 * (batches + 1) * size,
    organisations: 0,
    seed: Date.now() % 100_000,
  });
  const run = Date.now().toString(36);
  const fresh = records.map((l, i): CustomerRecordInput => {
    const { contactPoints, ...rest } = l.record;
    return {
      ...rest,
      sourceKey: `SV${run}-${i}`,
      contactPoints: (contactPoints ?? []).filter((c) => c.kind !== 'MOBILE'),
    } as CustomerRecordInput;
  });
  const issuer = await startTestIssuer();
  const hub = await startHub(url, secrets, issuer.env);
  try {
    const feed = await feedOf(url, hub.endpoint, issuer);
    const times = { with: [] as number[], without: [] as number[] };
    let at = 0;
    const send = async (dealer: boolean) => {
      const batch = fresh.slice(at, (at += size)).map((r) => ({
        ...r,
        contactPoints: [
          ...(r.contactPoints ?? []),
          ...(dealer ? [{ kind: 'MOBILE', value: DEALER_MOBILE }] : []),
        ],
      }));
      const started = process.hrtime.bigint();
      const result = await post(feed, batch);
      if (result.rejected > batch.length / 10) throw new Error(`${result.rejected} rejected`);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    // Warm-up: plans, caches.
    await send(true);
    await send(false);
    for (let b = 0; b < batches; b++) {
      times.with.push(await send(true));
      times.without.push(await send(false));
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    console.log(
      `ingestion of ${batches} batches of ${size} new people carrying that mobile: ` +
        `${median(times.with).toFixed(0)} ms a batch (median); ` +
        `of as many without it, alternating: ${median(times.without).toFixed(0)} ms`,
    );
  } finally {
    await hub.stop();
    await issuer.close();
  }
}

class RolledBack extends Error {}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { ormOptions } from '../src/db/orm.config';
import { recomputeGolden } from '../src/modules/golden/survivorship';
import { DEFAULT_MATCH_SETTINGS } from '../src/modules/matching/settings';
import { arg, BENCH_SECRETS as secrets, databaseCopy, seededDatabase } from './harness';

/**
 * Survivorship where a dealer's mobile sits on many records (the contact-authenticity case):
 * on a copy of the seeded file, puts one number on `--carriers` records, then recomputes the
 * golden records of `--customers-touched` of their customers, as a batch that touches them
 * does, and prints the time of each of `--rounds` recomputes (each rolled back).
 *
 *   npm run bench:shared-values -- --customers 1000000 --carriers 5000 --customers-touched 200
 */

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
         select id, 'MOBILE', '\\x0dea1e'::bytea, 'unused', '138****0000'
         from source_record tablesample system (5) limit $1
         returning source_record_id)
       select sr.customer_id from carriers c join source_record sr on sr.id = c.source_record_id
       limit $2`,
      [arg('carriers', 5000), arg('customers-touched', 200)],
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
            await recomputeGolden(em, ids, DEFAULT_MATCH_SETTINGS);
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
  } finally {
    await copy.drop();
  }
}

class RolledBack extends Error {}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { seedDemoData, type SeedCounts } from '../../seeds/demo-data';
import { ormOptions } from '../../src/db/orm.config';
import { createDatabase, databaseUrl, dropDatabase } from '../../src/db/scratch-server';
import { ClaimStatus } from '../../src/modules/claim/claim.enums';
import { IdentityDocumentType } from '../../src/modules/customer/customer.enums';
import { PiiHasher } from '../../src/modules/customer/pii-hasher';
import { LineOfBusiness, SalesChannel } from '../../src/modules/policy/policy.enums';
import { RiskLevel } from '../../src/modules/risk/risk.enums';
import { BusinessClock } from '../../src/time/clock';
import {
  checkCreditCode,
  checkMobile,
  checkPlate,
  checkResidentId,
  checkVin,
} from '../../src/validation';

// TEST_DATABASE_URL, else the server the jest global setup started, else the local one.
const ADMIN_URL =
  process.env.TEST_DATABASE_URL ??
  process.env.CIF_TEST_ADMIN_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';
const KEY = 'seed-test-key-0123456789-abcdefghijklmnopqrstuvwxyz';
const CUSTOMERS = 2_000;
const SEED_TODAY = new BusinessClock().today();

interface Seeded {
  name: string;
  client: Client;
  counts: SeedCounts;
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
}

async function migrated(name: string): Promise<Omit<Seeded, 'counts'>> {
  await createDatabase(ADMIN_URL, name);
  const url = databaseUrl(ADMIN_URL, name);
  const orm = await MikroORM.init(ormOptions(url, 1));
  try {
    await orm.getMigrator().up();
  } finally {
    await orm.close();
  }
  return { name, client: await connect(url) };
}

/** Seeds a new, migrated database, on one connection or (`helped`) two. */
async function seedFresh(
  name: string,
  customers: number,
  piiHashKey: string,
  helped = false,
): Promise<Seeded> {
  const db = await migrated(name);
  const url = databaseUrl(ADMIN_URL, name);
  const counts = await seedDemoData(db.client, {
    customers,
    piiHashKey,
    today: SEED_TODAY,
    connect: helped ? () => connect(url) : undefined,
  });
  return { ...db, counts };
}

async function rows<T>(seeded: { client: Client }, sql: string): Promise<T[]> {
  return (await seeded.client.query(sql)).rows as T[];
}

describe('seeding demo data', () => {
  const databases: Omit<Seeded, 'counts'>[] = [];
  let first: Seeded;
  let helped: Seeded;
  const scratch = (suffix: string) => `cif_hub_seed_test_${process.pid}_${suffix}`;

  beforeAll(async () => {
    first = await seedFresh(scratch('a'), CUSTOMERS, KEY);
    databases.push(first);
    helped = await seedFresh(scratch('b'), CUSTOMERS, KEY, true);
    databases.push(helped);
  }, 120_000);

  afterAll(async () => {
    for (const db of databases) {
      await db.client.end();
      await dropDatabase(ADMIN_URL, db.name);
    }
  });

  it('returns the counts it wrote', async () => {
    const [counts] = await rows<Record<keyof SeedCounts, string>>(
      first,
      `select (select count(*) from customer) as customers,
        (select count(*) from policy) as policies, (select count(*) from claim) as claims,
        (select count(*) from risk_score) as "riskScores"`,
    );
    expect(first.counts.customers).toBe(CUSTOMERS);
    expect(Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)]))).toEqual(
      first.counts,
    );
  });

  it('numbers customers C0000000001 onwards in the order of their ids', async () => {
    const out = await rows<{ misnumbered: string }>(
      first,
      `select count(*) as misnumbered from (
        select cif_no, row_number() over (order by id) as n from customer) c
      where cif_no <> 'C' || lpad(n::text, 10, '0')`,
    );
    expect(out[0].misnumbered).toBe('0');
  });

  it('gives individuals valid resident IDs that agree with their birth date and sex', async () => {
    const ids = await rows<{ number: string; birth_date: string; gender: string }>(
      first,
      `select d.number, to_char(c.birth_date, 'YYYY-MM-DD') as birth_date, c.gender
      from identity_document d join customer c on c.id = d.customer_id
      where d.type = '${IdentityDocumentType.RESIDENT_ID}'`,
    );
    expect(ids.length).toBeGreaterThan(CUSTOMERS * 0.85);
    for (const id of ids) {
      const checked = checkResidentId(id.number);
      expect(checked).toMatchObject({ ok: true, warnings: [] });
      if (checked.ok) {
        expect([checked.value.birthDate, checked.value.gender]).toEqual([id.birth_date, id.gender]);
      }
    }
    expect(new Set(ids.map((id) => id.number)).size).toBe(ids.length);
  });

  it('gives organisations valid credit codes without checksum exceptions', async () => {
    const codes = await rows<{ number: string }>(
      first,
      `select number from identity_document
      where type = '${IdentityDocumentType.UNIFIED_SOCIAL_CREDIT_CODE}'`,
    );
    expect(codes.length).toBeGreaterThan(0);
    for (const { number } of codes) {
      expect(checkCreditCode(number)).toEqual({
        ok: true,
        value: { normalized: number },
        warnings: [],
      });
    }
  });

  it('hashes every document number and contact value as PiiHasher does', async () => {
    const hasher = new PiiHasher(KEY);
    const hashed = await rows<{ kind: string; value: string; hash: Buffer }>(
      first,
      `select type as kind, number as value, number_hash as hash from identity_document
      union all select kind, value, value_hash from contact_point`,
    );
    for (const { kind, value, hash } of hashed) {
      expect(hash.equals(hasher.digest(kind, value))).toBe(true);
    }
  });

  it('derives the same hashes from a key longer than the HMAC block', async () => {
    const longKey = 'k'.repeat(100);
    const small = await seedFresh(scratch('long_key'), 20, longKey);
    databases.push(small);
    const hasher = new PiiHasher(longKey);
    const docs = await rows<{ type: string; number: string; number_hash: Buffer }>(
      small,
      'select type, number, number_hash from identity_document',
    );
    expect(docs).toHaveLength(20);
    for (const doc of docs) {
      expect(doc.number_hash.equals(hasher.digest(doc.type, doc.number))).toBe(true);
    }
  }, 60_000);

  it('writes valid, distinct mobile numbers, one primary mobile per customer', async () => {
    const mobiles = await rows<{ value: string; primary: boolean }>(
      first,
      `select value, "primary" from contact_point where kind = 'MOBILE'`,
    );
    expect(mobiles).toHaveLength(CUSTOMERS);
    for (const mobile of mobiles) {
      expect(checkMobile(mobile.value)).toEqual({
        ok: true,
        value: { normalized: mobile.value },
        warnings: [],
      });
      expect(mobile.primary).toBe(true);
    }
    expect(new Set(mobiles.map((m) => m.value)).size).toBe(CUSTOMERS);
  });

  it('writes valid, distinct VINs and plates', async () => {
    const vehicles = await rows<{ vin: string; plate: string; new_energy: boolean }>(
      first,
      'select vin, plate, new_energy from vehicle',
    );
    expect(vehicles.length).toBeGreaterThan(CUSTOMERS * 0.7);
    for (const vehicle of vehicles) {
      expect(checkVin(vehicle.vin)).toMatchObject({ ok: true });
      expect(checkPlate(vehicle.plate)).toEqual({
        ok: true,
        value: { normalized: vehicle.plate, newEnergy: vehicle.new_energy },
        warnings: [],
      });
    }
    expect(new Set(vehicles.map((v) => v.plate)).size).toBe(vehicles.length);
  });

  it('uses every claim status, line of business, sales channel and risk level', async () => {
    const used = async (table: string, column: string) =>
      (await rows<{ value: string }>(first, `select distinct ${column} as value from ${table}`))
        .map((r) => r.value)
        .sort();
    expect(await used('claim', 'status')).toEqual(Object.values(ClaimStatus).sort());
    expect(await used('policy', 'line')).toEqual(Object.values(LineOfBusiness).sort());
    expect(await used('policy', 'channel')).toEqual(Object.values(SalesChannel).sort());
    expect(await used('risk_score', 'level')).toEqual(Object.values(RiskLevel).sort());
  });

  it('has auto policies in force that expire within 45 days of SEED_TODAY', async () => {
    const [{ expiring }] = await rows<{ expiring: string }>(
      first,
      `select count(*) as expiring from policy
      where status = 'IN_FORCE' and line in ('COMPULSORY_AUTO', 'COMMERCIAL_AUTO')
        and expiry_date between date '${SEED_TODAY}' and date '${SEED_TODAY}' + 45`,
    );
    expect(Number(expiring)).toBeGreaterThan(0);
  });

  it('places claims inside their policy periods and scores them after the report', async () => {
    const [problems] = await rows<{ outside: string; early: string; future: string }>(
      first,
      `select
        (select count(*) from claim c join policy p on p.id = c.policy_id
          where (c.accident_at at time zone 'Asia/Shanghai')::date
            not between p.effective_date and p.expiry_date) as outside,
        (select count(*) from risk_score s join claim c on c.id = s.claim_id
          where s.scored_at < c.reported_at) as early,
        (select count(*) from claim
          where greatest(reported_at, closed_at, paid_at) > timestamptz '${SEED_TODAY} 00:00+08')
          as future`,
    );
    expect(problems).toEqual({ outside: '0', early: '0', future: '0' });
  });

  it('spreads claims over the years, so that 1-, 3- and 5-year counts differ', async () => {
    const [counts] = await rows<{ y1: string; y3: string; y5: string }>(
      first,
      `select ${[1, 3, 5]
        .map(
          (years) => `count(*) filter (where accident_at >
            timestamptz '${SEED_TODAY} 00:00+08' - interval '${years} years') as y${years}`,
        )
        .join(', ')} from claim`,
    );
    expect(Number(counts.y1)).toBeLessThan(Number(counts.y3));
    expect(Number(counts.y3)).toBeLessThan(Number(counts.y5));
  });

  it('writes byte-identical data when run again, on one connection or two', async () => {
    const fingerprint = (db: Seeded, table: string) =>
      rows<{ md5: string }>(
        db,
        `select md5(string_agg(t::text, '|' order by t::text)) from ${table} t`,
      );
    expect(helped.counts).toEqual(first.counts);
    for (const table of ['customer', 'claim', 'policy', 'policy_party', 'risk_score']) {
      expect(await fingerprint(helped, table)).toEqual(await fingerprint(first, table));
    }
  });

  it('leaves the keys, indexes and validated foreign keys of the migrated schema', async () => {
    const schema = `select
        (select string_agg(conname || ' ' || convalidated, ', ' order by conname)
          from pg_constraint where connamespace = 'public'::regnamespace) as constraints,
        (select string_agg(indexdef, ', ' order by indexname)
          from pg_indexes where schemaname = 'public') as indexes,
        (select count(*) from pg_namespace where nspname like 'cif_seed%') as leftovers`;
    const bare = await migrated(scratch('bare'));
    databases.push(bare);
    const [expected] = await rows<Record<string, string>>(bare, schema);
    expect(expected.constraints).not.toContain(' false');
    for (const db of [first, helped]) {
      expect((await rows<Record<string, string>>(db, schema))[0]).toEqual(expected);
    }
  }, 60_000);
});

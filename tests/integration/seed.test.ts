import 'reflect-metadata';
import type { Client } from 'pg';
import { seedDemoData, type SeedCounts } from '../../seeds/demo-data';
import { createClient } from '../../src/db/pg';
import { createDatabase, databaseUrl, dropDatabase } from '../../src/db/scratch-server';
import { ClaimStatus } from '../../src/modules/claim/claim.enums';
import { IdentityDocumentType } from '../../src/modules/customer/customer.enums';
import { PiiCipher } from '../../src/modules/customer/pii-cipher';
import { PiiHasher } from '../../src/modules/customer/pii-hasher';
import { maskPii } from '../../src/modules/customer/pii-masks';
import { recomputeGolden } from '../../src/modules/golden/survivorship';
import { residentIdKeys } from '../../src/modules/ingestion/customer-records';
import { nameForms } from '../../src/modules/matching/names';
import { DEFAULT_GENERIC_HOLDERS } from '../../src/modules/matching/settings';
import { LineOfBusiness, SalesChannel } from '../../src/modules/policy/policy.enums';
import { RiskLevel } from '../../src/modules/risk/risk.enums';
import { metricsQuery } from '../../src/modules/tier/metrics.sql';
import { DEFAULT_TIER_RULE_SET } from '../../src/modules/tier/rule-set/default-rule-set';
import { evaluationQuery } from '../../src/modules/tier/tier-engine';
import { BusinessClock } from '../../src/time/clock';
import {
  checkCreditCode,
  checkMobile,
  checkPlate,
  checkResidentId,
  checkVin,
} from '../../src/validation';
import { INGEST_CUSTOMERS } from '../setup/factories';
import { templateName } from '../setup/global-setup';
import { startTestHub, TEST_SECRETS, type TestHub } from '../setup/test-app';

const ADMIN_URL = process.env.CIF_TEST_ADMIN_URL!;
const KEY = 'seed-test-key-0123456789-abcdefghijklmnopqrstuvwxyz';
const CIPHER = new PiiCipher(TEST_SECRETS.piiEncryptionKeys, TEST_SECRETS.piiEncryptionKeyId);
// Small, for a busy 2-core machine, yet enough for every status, line, channel and tier.
const CUSTOMERS = 400;
const clock = new BusinessClock();
const TODAY = clock.today();
/** The clock's today, a turn of the year, and a leap day. */
const DAYS = [TODAY, '2027-01-01', '2028-02-29'];
const TIERS = ['BLUE', 'DIAMOND', 'GOLD', 'SILVER', 'STANDARD', 'WATCH'];

interface Seeded {
  name: string;
  day: string;
  client: Client;
  counts: SeedCounts;
}

const opened: Promise<{ name: string; client: Client }>[] = [];

/** A database cloned from the migrated template, on a session in the business time zone. */
async function freshDatabase(): Promise<{ name: string; client: Client }> {
  const name = `cif_hub_seed_test_${process.pid}_${opened.length}`;
  const entry = createDatabase(ADMIN_URL, name, templateName()).then(async () => {
    const client = createClient(databaseUrl(ADMIN_URL, name), clock.zone);
    await client.connect();
    return { name, client };
  });
  opened.push(entry);
  return entry;
}

const seeds = new Map<string, Promise<Seeded>>();

/**
 * The demo seeded on `day`, once per file whichever test asks first: on one connection, or
 * (`helped`) with a second one working rows out.
 */
function seeded(
  day: string,
  { helped = false, customers = CUSTOMERS, key = KEY } = {},
): Promise<Seeded> {
  const id = JSON.stringify([day, helped, customers, key]);
  if (!seeds.has(id)) {
    seeds.set(
      id,
      freshDatabase().then(async ({ name, client }) => {
        const connect = async () => {
          const helper = createClient(databaseUrl(ADMIN_URL, name), clock.zone);
          await helper.connect();
          return helper;
        };
        const counts = await seedDemoData(client, {
          customers,
          piiHashKey: key,
          cipher: CIPHER,
          today: day,
          timeZone: clock.zone,
          connect: helped ? connect : undefined,
        });
        return { name, day, client, counts };
      }),
    );
  }
  return seeds.get(id)!;
}

async function rows<T>(db: { client: Client }, sql: string, values?: unknown[]): Promise<T[]> {
  return (await db.client.query(sql, values)).rows as T[];
}

/** Rows whose `column` holds a ciphertext, with the plain value in its place. */
async function decrypted<T extends Record<string, unknown>>(
  db: { client: Client },
  column: keyof T & string,
  sql: string,
): Promise<T[]> {
  return (await rows<T>(db, sql)).map((row) => ({
    ...row,
    [column]: CIPHER.decrypt(row[column] as string),
  }));
}

/**
 * Digests of the tables whose rows carry the seed's dates, to compare two seeds by: all
 * but the ciphertexts, whose IVs are random (their plain values are checked apart).
 */
async function digests(db: Seeded): Promise<Record<string, string>> {
  const tables = [
    'customer',
    'contact_point',
    'source_record',
    'source_identifier',
    'vehicle',
    'policy',
    'policy_party',
    'claim',
  ];
  const row = `(to_jsonb(t) - 'value_cipher')::text`;
  const [digest] = await rows<Record<string, string>>(
    db,
    `select ${[...tables, 'risk_score']
      .map((t) => `(select md5(string_agg(${row}, '|' order by ${row})) from ${t} t) as ${t}`)
      .join(', ')}`,
  );
  return digest;
}

afterAll(async () => {
  for (const entry of await Promise.allSettled(opened)) {
    if (entry.status === 'rejected') continue;
    await entry.value.client.end();
    await dropDatabase(ADMIN_URL, entry.value.name);
  }
});

describe('seeding demo data', () => {
  let first: Seeded;

  beforeAll(async () => {
    first = await seeded(TODAY);
  }, 60_000);

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

  it('refuses a day that is not on the calendar, before writing anything', async () => {
    const { client } = await freshDatabase();
    await expect(
      seedDemoData(client, {
        customers: 10,
        piiHashKey: KEY,
        cipher: CIPHER,
        today: '2027-02-29',
      }),
    ).rejects.toThrow("today must be a calendar date as YYYY-MM-DD, got '2027-02-29'");
    const [{ count }] = (await client.query('select count(*) from branch')).rows;
    expect(count).toBe('0');
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
    const ids = await decrypted<{ number: string; birth_date: string; gender: string }>(
      first,
      'number',
      `select d.number_cipher as number, to_char(c.birth_date, 'YYYY-MM-DD') as birth_date, c.gender
      from identity_document d join customer c on c.id = d.customer_id
      where d.type = '${IdentityDocumentType.RESIDENT_ID}'`,
    );
    expect(ids.length).toBeGreaterThan(CUSTOMERS * 0.85);
    for (const id of ids) {
      const checked = checkResidentId(id.number, first.day);
      expect(checked).toMatchObject({ ok: true, warnings: [] });
      if (checked.ok) {
        expect([checked.value.birthDate, checked.value.gender]).toEqual([id.birth_date, id.gender]);
      }
    }
    expect(new Set(ids.map((id) => id.number)).size).toBe(ids.length);
  });

  it('gives organisations valid credit codes without checksum exceptions', async () => {
    const codes = await decrypted<{ number: string }>(
      first,
      'number',
      `select number_cipher as number from identity_document
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

  it('encrypts, masks and hashes every document number and contact value', async () => {
    const hasher = new PiiHasher(KEY);
    const sealed = await rows<{ kind: string; cipher: string; masked: string; hash: Buffer }>(
      first,
      `select type as kind, number_cipher as cipher, number_masked as masked,
        number_hash as hash from identity_document
      union all select kind, value_cipher, value_masked, value_hash from contact_point`,
    );
    expect(sealed.length).toBeGreaterThan(CUSTOMERS * 2);
    for (const { kind, cipher, masked, hash } of sealed) {
      const value = CIPHER.decrypt(cipher);
      expect(cipher).not.toContain(value);
      expect(masked).toBe(maskPii(kind as never, value));
      expect(hash.equals(hasher.digest(kind, value))).toBe(true);
    }
  });

  it('derives the same hashes from a key longer than the HMAC block', async () => {
    const longKey = 'k'.repeat(100);
    const small = await seeded(TODAY, { customers: 20, key: longKey });
    const hasher = new PiiHasher(longKey);
    const docs = await decrypted<{ type: string; number: string; number_hash: Buffer }>(
      small,
      'number',
      'select type, number_cipher as number, number_hash from identity_document',
    );
    expect(docs).toHaveLength(20);
    for (const doc of docs) {
      expect(doc.number_hash.equals(hasher.digest(doc.type, doc.number))).toBe(true);
    }
  }, 60_000);

  it('writes valid, distinct mobile numbers, one primary mobile per customer', async () => {
    const mobiles = await decrypted<{ value: string; primary: boolean }>(
      first,
      'value',
      `select value_cipher as value, "primary" from contact_point where kind = 'MOBILE'`,
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

  it('spreads claims over the years, so that 1-, 3- and 5-year counts differ', async () => {
    const [counts] = await rows<{ y1: string; y3: string; y5: string }>(
      first,
      `select ${[1, 3, 5]
        .map(
          (years) => `count(*) filter (where accident_at::date >
            $1::date - interval '${years} years') as y${years}`,
        )
        .join(', ')} from claim`,
      [first.day],
    );
    expect(Number(counts.y1)).toBeLessThan(Number(counts.y3));
    expect(Number(counts.y3)).toBeLessThan(Number(counts.y5));
  });

  it('leaves the keys, indexes and validated foreign keys of the migrated schema', async () => {
    const schema = `select
        (select string_agg(conname || ' ' || convalidated, ', ' order by conname)
          from pg_constraint where connamespace = 'public'::regnamespace) as constraints,
        (select string_agg(indexdef, ', ' order by indexname)
          from pg_indexes where schemaname = 'public') as indexes,
        (select count(*) from pg_namespace where nspname like 'cif_seed%') as leftovers`;
    const [expected] = await rows<Record<string, string>>(await freshDatabase(), schema);
    expect(expected.constraints).not.toContain(' false');
    for (const db of [first, await seeded(TODAY, { helped: true })]) {
      expect((await rows<Record<string, string>>(db, schema))[0]).toEqual(expected);
    }
  }, 60_000);
});

describe('the source records of the demo', () => {
  let first: Seeded;

  beforeAll(async () => {
    first = await seeded(TODAY);
  }, 60_000);

  it('gives each customer one source record that says what the customer holds', async () => {
    const records = await rows<{
      kind: 'INDIVIDUAL' | 'ORGANISATION';
      name: string;
      name_key: string;
      name_pinyin: string | null;
      differs: boolean;
      lineage: Record<string, string>;
      expected: Record<string, string>;
    }>(
      first,
      `select sr.kind, sr.name, sr.name_key, sr.name_pinyin,
        (sr.kind, sr.name, sr.gender, sr.birth_date, sr.branch_id, sr.consent_at,
          sr.consent_channel, coalesce(sr.marketing_consent, false))
          is distinct from (c.kind, c.name, c.gender, c.birth_date, c.branch_id, c.consent_at,
          c.consent_channel, c.marketing_consent) as differs,
        c.lineage, jsonb_strip_nulls(jsonb_build_object('name', sr.id, 'branch', sr.id,
          'gender', case when c.gender is not null then sr.id end,
          'birthDate', case when c.birth_date is not null then sr.id end,
          'marketingConsent', case when c.consent_at is not null then sr.id end)) as expected
      from customer c join source_record sr on sr.customer_id = c.id`,
    );
    expect(records).toHaveLength(CUSTOMERS);
    for (const record of records) {
      const forms = nameForms(record.kind, record.name);
      expect(record).toMatchObject({
        name_key: forms.key,
        name_pinyin: forms.pinyin || null,
        differs: false,
        lineage: record.expected,
      });
    }
    expect(records.filter((r) => r.name_pinyin !== null).length).toBeGreaterThan(CUSTOMERS * 0.85);
    const [lineage] = await rows<{ documents: string; contacts: string; unlinked: string }>(
      first,
      `select
        (select count(*) from identity_document d join source_record sr
          on sr.id = d.source_record_id and sr.customer_id = d.customer_id) as documents,
        (select count(*) from contact_point p join source_record sr
          on sr.id = p.source_record_id and sr.customer_id = p.customer_id) as contacts,
        (select count(*) from identity_document where source_record_id is null)
          + (select count(*) from contact_point where source_record_id is null) as unlinked`,
    );
    expect(Number(lineage.documents)).toBe(CUSTOMERS);
    expect(Number(lineage.contacts)).toBeGreaterThan(CUSTOMERS * 2);
    expect(lineage.unlinked).toBe('0');
  });

  it("gives each source record its customer's documents and contact points as identifiers", async () => {
    const [difference] = await rows<{ missing: string; extra: string; identifiers: string }>(
      first,
      `with golden as (
        select source_record_id, type as kind, number_hash as hash, number_cipher as cipher,
          number_masked as masked, checksum_exception, 'UNVERIFIED' as verification_status,
          null as verification_method, null::timestamptz as verified_at
        from identity_document
        union all
        select source_record_id, kind, value_hash, value_cipher, value_masked, false,
          verification_status, verification_method, verified_at
        from contact_point),
      identifiers as (
        select source_record_id, kind, value_hash, value_cipher, value_masked,
          checksum_exception, verification_status, verification_method, verified_at
        from source_identifier)
      select (select count(*) from (table golden except table identifiers) g) as missing,
        (select count(*) from (table identifiers except table golden) i) as extra,
        (select count(*) from source_identifier) as identifiers`,
    );
    expect(difference).toMatchObject({ missing: '0', extra: '0' });
    expect(Number(difference.identifiers)).toBeGreaterThan(CUSTOMERS * 3);

    // A resident ID's body and swap forms are digested as ingestion digests them, to find a
    // mistyped check character or two swapped characters; other identifiers have none.
    const hasher = new PiiHasher(KEY);
    const bodies = await decrypted<{
      kind: string;
      value: string;
      body_hash: Buffer | null;
      swap_head_hash: Buffer | null;
      swap_tail_hash: Buffer | null;
    }>(
      first,
      'value',
      `select kind, value_cipher as value, body_hash, swap_head_hash, swap_tail_hash
       from source_identifier`,
    );
    const hex = (digest: Buffer | null | undefined) => digest?.toString('hex') ?? null;
    for (const { kind, value, ...digests } of bodies) {
      const keys = kind === IdentityDocumentType.RESIDENT_ID ? residentIdKeys(hasher, value) : null;
      expect({
        kind,
        body: hex(digests.body_hash),
        head: hex(digests.swap_head_hash),
        tail: hex(digests.swap_tail_hash),
      }).toEqual({
        kind,
        body: hex(keys?.bodyHash),
        head: hex(keys?.swapHashes.head),
        tail: hex(keys?.swapHashes.tail),
      });
    }
    const [sequence] = await rows<{ ahead: boolean }>(
      first,
      `select nextval(pg_get_serial_sequence('source_identifier', 'id'))
        > (select max(id) from source_identifier) as ahead`,
    );
    expect(sequence.ahead).toBe(true);
  });

  describe('as matching reads them', () => {
    let hub: TestHub;

    beforeAll(async () => {
      // Seeded with the test hub's keys: the hub digests and opens what was seeded.
      const db = await seeded(TODAY, { customers: 50, key: TEST_SECRETS.piiHashKey });
      hub = await startTestHub({ databaseUrl: databaseUrl(ADMIN_URL, db.name) });
    }, 60_000);
    afterAll(() => hub?.close());

    it('give back the golden records as seeded when survivorship recomputes them', async () => {
      const golden = async () => ({
        customers: await hub.sql(`select to_jsonb(c) - 'updated_at' - 'version' as row
          from customer c order by id`),
        documents: await hub.sql(`select to_jsonb(d) - 'updated_at' as row
          from identity_document d order by id`),
        contacts: await hub.sql(`select to_jsonb(p) - 'updated_at' as row
          from contact_point p order by id`),
      });
      const before = await golden();
      const ids = before.customers.map((c) => c.row.id as string);
      await hub.app.orm.em.fork().transactional((em) =>
        recomputeGolden(em, ids, {
          genericHolders: DEFAULT_GENERIC_HOLDERS,
          at: hub.clock.now().toISOString(),
        }),
      );
      expect(await golden()).toEqual(before);
    });

    it('join a record from another source system with a seeded resident ID to its customer', async () => {
      const [seededCustomer] = await hub.sql<{
        id: string;
        name: string;
        branch_code: string;
        number_cipher: string;
        source_system: string;
      }>(
        `select c.id, c.name, b.code as branch_code, d.number_cipher, sr.source_system
        from customer c join branch b on b.id = c.branch_id
        join identity_document d on d.customer_id = c.id and d.type = 'RESIDENT_ID'
        join source_record sr on sr.customer_id = c.id
        order by c.cif_no limit 1`,
      );
      const contacts = await hub.sql(
        'select id, kind from contact_point where customer_id = $1 order by id',
        [seededCustomer.id],
      );
      const res = await hub.gql(INGEST_CUSTOMERS, {
        records: [
          {
            sourceSystem: seededCustomer.source_system === 'CLAIMS' ? 'APP' : 'CLAIMS',
            sourceKey: 'SEED-TEST-1',
            kind: 'INDIVIDUAL',
            name: seededCustomer.name,
            branchCode: seededCustomer.branch_code,
            identityDocuments: [
              { type: 'RESIDENT_ID', number: CIPHER.decrypt(seededCustomer.number_cipher) },
            ],
          },
        ],
      });
      expect(res.errors).toBeUndefined();
      expect(res.data!.ingestCustomers.records).toEqual([
        expect.objectContaining({ status: 'CREATED', id: seededCustomer.id }),
      ]);
      // Survivorship kept what the seeded record gave: the same document and contact points.
      const [documents] = await hub.sql<{ count: string }>(
        'select count(*) from identity_document where customer_id = $1',
        [seededCustomer.id],
      );
      expect(documents.count).toBe('1');
      expect(
        await hub.sql('select id, kind from contact_point where customer_id = $1 order by id', [
          seededCustomer.id,
        ]),
      ).toEqual(contacts);
    });
  });
});

describe.each(DAYS)('the demo seeded on %s', (day) => {
  let alone: Seeded;

  beforeAll(async () => {
    alone = await seeded(day);
  }, 60_000);

  it('has policies in force on that day, with statuses that agree with their dates', async () => {
    const [counts] = await rows<{ in_force: string; misfiled: string; expiring: string }>(
      alone,
      `select count(*) filter (where status = 'IN_FORCE') as in_force,
        count(*) filter (where status <> 'CANCELLED' and status <> case
          when $1::date < effective_date then 'PENDING'
          when $1::date > expiry_date then 'EXPIRED' else 'IN_FORCE' end) as misfiled,
        count(*) filter (where status = 'IN_FORCE'
          and line in ('COMPULSORY_AUTO', 'COMMERCIAL_AUTO')
          and expiry_date between $1::date and $1::date + 45) as expiring
      from policy`,
      [day],
    );
    expect(Number(counts.in_force)).toBeGreaterThan(CUSTOMERS);
    expect(counts.misfiled).toBe('0');
    expect(Number(counts.expiring)).toBeGreaterThan(0);
  });

  it('renews each auto policy from the day after the one it renews ends', async () => {
    const [chains] = await rows<{ renewals: string; broken: string }>(
      alone,
      `select count(*) as renewals,
        count(*) filter (where earlier.expiry_date + 1 <> p.effective_date) as broken
      from policy p join policy earlier on earlier.id = p.renews_id`,
    );
    expect(Number(chains.renewals)).toBeGreaterThan(0);
    expect(chains.broken).toBe('0');
  });

  it('has claims in the last 30 days and the last 12 months, none after that day begins', async () => {
    const [claims] = await rows<{ d30: string; m12: string; later: string }>(
      alone,
      `select count(*) filter (where accident_at::date >= $1::date - 30) as d30,
        count(*) filter (where accident_at::date > ($1::date - interval '12 months')::date)
          as m12,
        count(*) filter (where greatest(accident_at, reported_at, registered_at, surveyed_at,
          assessed_at, approved_at, paid_at, closed_at) > $2) as later
      from claim`,
      [day, clock.instantAt(day)],
    );
    expect(Number(claims.d30)).toBeGreaterThan(0);
    expect(Number(claims.m12)).toBeGreaterThan(Number(claims.d30));
    expect(claims.later).toBe('0');
  });

  it('places claims inside their policy periods and scores them after the report', async () => {
    const [problems] = await rows<{ outside: string; early: string }>(
      alone,
      `select
        (select count(*) from claim c join policy p on p.id = c.policy_id
          where c.accident_at::date not between p.effective_date and p.expiry_date) as outside,
        (select count(*) from risk_score s join claim c on c.id = s.claim_id
          where s.scored_at < c.reported_at) as early`,
    );
    expect(problems).toEqual({ outside: '0', early: '0' });
  });

  it('has risk scores of the last 30 days, none after that day begins', async () => {
    const [scores] = await rows<{ recent: string; later: string }>(
      alone,
      `select count(*) filter (where scored_at::date >= $1::date - 30) as recent,
        count(*) filter (where scored_at > $2) as later
      from risk_score`,
      [day, clock.instantAt(day)],
    );
    expect(Number(scores.recent)).toBeGreaterThan(0);
    expect(scores.later).toBe('0');
  });

  it('puts customers in every tier, as the tier recompute would on that day', async () => {
    // The recompute's own metrics and classification, as of the seed day instead of the
    // database's current date.
    const ruleSet = { id: 'seed-test', version: 1, document: DEFAULT_TIER_RULE_SET };
    const metrics = `(${metricsQuery('$1::date', 'true')})`;
    const tiers = await rows<{ tier: string }>(
      alone,
      `select distinct tier from (${evaluationQuery(ruleSet, metrics)}) e order by tier`,
      [day],
    );
    expect(tiers.map((t) => t.tier)).toEqual(TIERS);
  });

  it('writes the same rows again for the same day, on one connection or two', async () => {
    const helped = await seeded(day, { helped: true });
    expect(helped.counts).toEqual(alone.counts);
    expect(await digests(helped)).toEqual(await digests(alone));
  }, 60_000);
});

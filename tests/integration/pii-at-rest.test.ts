import { Client } from 'pg';
import { Role } from '../../src/auth/roles';
import { newPiiKeyring, PiiCipher } from '../../src/modules/customer/pii-cipher';
import { PiiRotation } from '../../src/modules/customer/pii-rotation';
import { PiiSealer } from '../../src/modules/customer/pii-sealer';
import {
  customerRecord,
  INGEST_CUSTOMERS,
  insertBranches,
  insertPortfolio,
  mobile,
  nextNumber,
  nextNumbers,
  residentId,
} from '../setup/factories';
import { run } from '../setup/process';
import { startTestHub, TEST_SECRETS, TEST_SECRETS_ENV, type TestHub } from '../setup/test-app';

const OLD = new PiiCipher(TEST_SECRETS.piiEncryptionKeys, TEST_SECRETS.piiEncryptionKeyId);
const NEW_KEYRING = `${TEST_SECRETS.piiEncryptionKeys},${newPiiKeyring('test2')}`;
const NEW = new PiiCipher(NEW_KEYRING, 'test2');

interface Sealed {
  id: string;
  cipher: string;
  masked: string;
  hash: Buffer;
}

/** Every sealed value, by table, in id order. */
async function sealedValues(hub: TestHub): Promise<Record<string, Sealed[]>> {
  return {
    identity_document: await hub.sql<Sealed>(
      `select id, number_cipher as cipher, number_masked as masked, number_hash as hash
       from identity_document order by id`,
    ),
    contact_point: await hub.sql<Sealed>(
      `select id, value_cipher as cipher, value_masked as masked, value_hash as hash
       from contact_point order by id`,
    ),
    source_identifier: await hub.sql<Sealed>(
      `select id, value_cipher as cipher, value_masked as masked, value_hash as hash
       from source_identifier order by id`,
    ),
  };
}

const keyIds = (values: Sealed[]) => new Set(values.map((v) => v.cipher.split('.')[1]));

describe('personal data at rest', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
  });
  afterAll(() => hub.close());

  /** The keys the merge journals' sealed values are under. */
  const journalKeys = async () =>
    (
      await hub.sql<{ key: string }>(
        `select distinct m[1] as key from customer_merge,
           regexp_matches(journal::text, '_cipher": "v1\\.([^."]+)\\.', 'g') m order by 1`,
      )
    ).map((r) => r.key);

  it('keeps no identity number, mobile, e-mail or address in plain text in any table', async () => {
    const n = nextNumber();
    const record = customerRecord(n, {
      contactPoints: [
        { kind: 'MOBILE', value: mobile(n) },
        { kind: 'EMAIL', value: `plain.${n}@example.cn` },
        { kind: 'ADDRESS', value: `江苏省南京市玄武区中山路${n}号` },
      ],
    });
    const res = await hub.gql(INGEST_CUSTOMERS, { records: [record] });
    expect(res.data!.ingestCustomers.records[0].status).toBe('CREATED');
    const plain = [residentId(n), mobile(n), `plain.${n}@example.cn`, `中山路${n}号`];
    const tables = await hub.sql<{ name: string }>(
      `select c.oid::regclass::text as name from pg_class c
       where c.relkind in ('r', 'p') and c.relnamespace = 'public'::regnamespace`,
    );
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(['identity_document', 'contact_point', 'source_record']),
    );
    for (const { name } of tables) {
      const found = await hub.sql(`select 1 from ${name} t where t::text like any($1::text[])`, [
        plain.map((value) => `%${value}%`),
      ]);
      expect({ table: name, rows: found.length }).toEqual({ table: name, rows: 0 });
    }
    // What is there instead: ciphertexts that open to the values, and masks.
    const [doc] = await hub.sql<{ number_cipher: string; number_masked: string }>(
      `select d.number_cipher, d.number_masked from identity_document d
       join source_record s on s.customer_id = d.customer_id where s.source_key = $1`,
      [record.sourceKey],
    );
    expect(OLD.decrypt(doc!.number_cipher)).toBe(residentId(n));
    expect(doc!.number_masked).toBe(`**************${residentId(n).slice(-4)}`);
    const [source] = await hub.sql<{ attributes: Record<string, any> }>(
      'select attributes from source_record where source_key = $1',
      [record.sourceKey],
    );
    expect(source!.attributes.identityDocuments).toEqual([
      { type: 'RESIDENT_ID', number: doc!.number_masked },
    ]);
    expect(source!.attributes.contactPoints.map((c: { value: string }) => c.value)).toEqual([
      `${mobile(n).slice(0, 3)}****${mobile(n).slice(-4)}`,
      'p***@example.cn',
      '江苏省***',
    ]);
  });

  it('seals values stored in plain text before encryption at rest when the hub starts', async () => {
    const [cifNo] = await insertPortfolio(hub, 1, nextNumber());
    const [contact] = await hub.sql<{ id: string; value_cipher: string; value_masked: string }>(
      `select cp.id, cp.value_cipher, cp.value_masked from contact_point cp
       join customer c on c.id = cp.customer_id where c.cif_no = $1 and cp.kind = 'MOBILE'`,
      [cifNo],
    );
    const value = OLD.decrypt(contact!.value_cipher);
    // As Migration20261201400000 leaves a row written before it.
    await hub.sql(
      `update contact_point set legacy_value = $2, value_cipher = null, value_masked = null
       where id = $1`,
      [contact!.id, value],
    );
    await hub.app.migrate();
    const [after] = await hub.sql<{ value_cipher: string; value_masked: string; legacy: null }>(
      'select value_cipher, value_masked, legacy_value as legacy from contact_point where id = $1',
      [contact!.id],
    );
    expect(after!.legacy).toBeNull();
    expect(OLD.decrypt(after!.value_cipher)).toBe(value);
    expect(after!.value_masked).toBe(contact!.value_masked);
    expect(hub.logs).toContainEqual({
      level: 'info',
      message: 'plain personal values encrypted',
      fields: { table: 'contact_point', rows: 1 },
    });
  });

  it('refuses to start while stored values are sealed under a key the keyring lacks, naming the setting', async () => {
    const [cifNo] = await insertPortfolio(hub, 1, nextNumber());
    const [contact] = await hub.sql<{ id: string; value_cipher: string }>(
      `select cp.id, cp.value_cipher from contact_point cp
       join customer c on c.id = cp.customer_id where c.cif_no = $1 and cp.kind = 'MOBILE'`,
      [cifNo],
    );
    const seal = (cipher: string) =>
      hub.sql('update contact_point set value_cipher = $2 where id = $1', [contact!.id, cipher]);
    // As after a rotation to a key this hub was not given.
    await seal(NEW.encrypt(OLD.decrypt(contact!.value_cipher)));
    try {
      await expect(hub.app.migrate()).rejects.toThrow(
        /PII_ENCRYPTION_KEYS lacks the key\(s\) test2, under which stored personal values are sealed/,
      );
    } finally {
      await seal(contact!.value_cipher);
    }
  });

  it('refuses to start while its key opens none of the values stored under its id', async () => {
    // Another data directory's development key, under the same id: every value reads as
    // tampered with, and new ones would be sealed under an id that names two keys.
    const own = await startTestHub();
    try {
      await insertBranches(own);
      await insertPortfolio(own, 1, nextNumber());
      const other = new PiiCipher(newPiiKeyring('test1'), 'test1');
      for (const [table, column] of [
        ['identity_document', 'number_cipher'],
        ['contact_point', 'value_cipher'],
        ['source_identifier', 'value_cipher'],
      ]) {
        const rows = await own.sql<{ id: string; cipher: string }>(
          `select id, ${column} as cipher from ${table} where ${column} is not null`,
        );
        for (const row of rows) {
          await own.sql(`update ${table} set ${column} = $2 where id = $1`, [
            row.id,
            other.encrypt(OLD.decrypt(row.cipher)),
          ]);
        }
      }
      await expect(own.app.migrate()).rejects.toThrow(
        /PII_ENCRYPTION_KEYS holds key\(s\) test1 with other material than the stored personal values were sealed with/,
      );
    } finally {
      await own.close();
    }
  });

  describe('key rotation (npm run pii:rotate)', () => {
    let before: Record<string, Sealed[]>;
    let cifNos: string[];
    let ns: number[];
    let mergeId: string;
    let absorbedId: string;

    const rotate = () =>
      run('src/cli/pii-rotate.ts', {
        ...TEST_SECRETS_ENV,
        NODE_ENV: 'test',
        DATABASE_URL: hub.databaseUrl,
        PII_ENCRYPTION_KEYS: NEW_KEYRING,
        PII_ENCRYPTION_KEY_ID: 'test2',
        PII_ROTATION_BATCH_SIZE: '20',
      });

    // Back under the hub's own key, so that the file's other tests run in any order.
    afterAll(async () => {
      const { pool, hasher } = hub.app.services;
      await new PiiRotation(
        pool,
        new PiiSealer(hasher, new PiiCipher(NEW_KEYRING, OLD.activeKeyId)),
      ).run({ batchSize: 1000 });
    });

    beforeAll(async () => {
      const from = nextNumbers(120);
      // 120 documents, 240 contact points and their 360 source identifiers: 6, 12 and 18
      // batches of 20.
      cifNos = await insertPortfolio(hub, 120, from);
      ns = Array.from({ length: 120 }, (_, i) => from + i);
      // Two customers sharing a mobile, merged by a steward: the journal keeps the absorbed
      // customer's contact point, sealed, for an unmerge to restore.
      const [a, b] = [nextNumber(), nextNumber()];
      const shared = { kind: 'MOBILE', value: mobile(a) };
      const people = await hub.gql(INGEST_CUSTOMERS, {
        records: [
          customerRecord(a, { name: '周一', contactPoints: [shared] }),
          customerRecord(b, { name: '吴二', contactPoints: [shared] }),
        ],
      });
      const [survivorId, absorbed] = people.data!.ingestCustomers.records.map(
        (r: { id: string }) => r.id,
      );
      absorbedId = absorbed;
      const merged = await hub.gql(
        `mutation ($s: ID!, $a: ID!) {
          mergeCustomers(survivorId: $s, absorbedId: $a, reason: "one person") { id } }`,
        { s: survivorId, a: absorbedId },
        Role.STEWARD,
      );
      mergeId = merged.data!.mergeCustomers.id;
      expect(await journalKeys()).toEqual(['test1']);
      before = await sealedValues(hub);
      await hub.sql('delete from tier_recompute_queue');
    }, 60_000);

    it('refuses a keyring whose active key is not the one its id sealed values with, and changes nothing', async () => {
      const stored = await sealedValues(hub);
      // test1, or test2 when the rotation test ran first: tests run in any order.
      const [sealedBy, ...others] = keyIds(Object.values(stored).flat());
      expect(others).toEqual([]);
      const run_ = run('src/cli/pii-rotate.ts', {
        ...TEST_SECRETS_ENV,
        NODE_ENV: 'test',
        DATABASE_URL: hub.databaseUrl,
        // Another key under the id the stored values name.
        PII_ENCRYPTION_KEYS: newPiiKeyring(sealedBy!),
        PII_ENCRYPTION_KEY_ID: sealedBy!,
      });
      expect(await run_.exited).toEqual({ code: 1, signal: null });
      expect(run_.output()).toContain(
        `PII_ENCRYPTION_KEYS holds key(s) ${sealedBy} with other material`,
      );
      expect(run_.output()).not.toMatch(/\n\s+at /);
      expect(await sealedValues(hub)).toEqual(stored);
    });

    it('resumes after being killed mid-way, ends with every value under the new key, and lookups still find them', async () => {
      // A writer holding one contact point keeps the run waiting at that row's batch, after
      // it has committed batches before it: there it is killed.
      const holder = new Client({ connectionString: hub.databaseUrl });
      await holder.connect();
      const held = before.contact_point[Math.floor(before.contact_point.length / 2)]!.id;
      await holder.query('begin');
      await holder.query('select 1 from contact_point where id = $1 for update', [held]);
      let firstRun: ReturnType<typeof rotate> | undefined;
      try {
        firstRun = rotate();
        await firstRun.printed(/contact_point: \d+\/\d+ under key test2/, 60_000);
        firstRun.child.kill('SIGKILL');
        expect(await firstRun.exited).toEqual({ code: null, signal: 'SIGKILL' });
      } finally {
        firstRun?.child.kill('SIGKILL');
        await holder.query('rollback');
        await holder.end();
      }
      const killed = await sealedValues(hub);
      expect(keyIds(killed.identity_document)).toEqual(new Set(['test2']));
      expect(keyIds(killed.contact_point)).toEqual(new Set(['test1', 'test2']));
      expect(keyIds(killed.source_identifier)).toEqual(new Set(['test1']));

      const second = rotate();
      expect(await second.exited).toEqual({ code: 0, signal: null });
      expect(second.output()).toMatch(/Every personal value is under key test2/);
      const after = await sealedValues(hub);
      for (const table of ['identity_document', 'contact_point', 'source_identifier']) {
        expect(keyIds(after[table]!)).toEqual(new Set(['test2']));
        expect(after[table]!.map((v) => v.id)).toEqual(before[table]!.map((v) => v.id));
        after[table]!.forEach((value, i) => {
          const was = before[table]![i]!;
          expect(NEW.decrypt(value.cipher)).toBe(OLD.decrypt(was.cipher));
          expect([value.masked, value.hash]).toEqual([was.masked, was.hash]);
        });
      }
      // A key changes no tier: no customer was queued for a recompute.
      expect(await hub.sql('select customer_id from tier_recompute_queue')).toEqual([]);
      // Nothing left: a third run has nothing to do.
      // The merge's journal too: an unmerge brings its values back under the new key.
      expect(await journalKeys()).toEqual(['test2']);
      const third = rotate();
      expect(await third.exited).toEqual({ code: 0, signal: null });
      expect(third.output()).toMatch(
        /: 0 identity_document, 0 contact_point, 0 source_identifier, 0 customer_merge re-encrypted/,
      );
      const unmerged = await hub.gql(
        `mutation ($id: ID!) { unmergeCustomers(mergeId: $id, reason: "two people") { id } }`,
        { id: mergeId },
        Role.STEWARD,
      );
      expect(unmerged.errors).toBeUndefined();
      const restored = await hub.sql<{ value_cipher: string }>(
        'select value_cipher from contact_point where customer_id = $1',
        [absorbedId],
      );
      expect(restored.map((r) => r.value_cipher.split('.')[1])).toEqual(['test2']);

      // The blind index is keyed apart (PII_HASH_KEY): lookups find the same customers.
      const lookup = `query ($by: CustomerLookup!) { customer(by: $by) { cifNo
        identityDocuments { number } } }`;
      for (const i of [0, 59, 119]) {
        const n = ns[i]!;
        const byId = await hub.gql(
          lookup,
          { by: { identityDocument: { type: 'RESIDENT_ID', number: residentId(n) } } },
          Role.FRONTLINE,
        );
        expect(byId.errors).toBeUndefined();
        expect(byId.data!.customer).toEqual({
          cifNo: cifNos[i],
          identityDocuments: [{ number: `**************${residentId(n).slice(-4)}` }],
        });
        const byMobile = await hub.gql(lookup, { by: { mobile: mobile(n) } }, Role.FRONTLINE);
        expect(byMobile.data!.customer.cifNo).toBe(cifNos[i]);
      }
    }, 180_000);
  });
});

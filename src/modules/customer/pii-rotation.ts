import type { Pool, PoolClient } from 'pg';
import type { ContactKind, IdentityDocumentType } from './customer.enums';
import type { PiiSealer } from './pii-sealer';

type SealedKind = IdentityDocumentType | ContactKind;

/** Below every id of its type: where a run starts. */
const FIRST_ID = { uuid: '00000000-0000-0000-0000-000000000000', bigint: '0' };

/**
 * Where personal values are kept sealed, table by table (see the entities), with the type
 * of the table's id; `legacy` names the column of plain values from before encryption at
 * rest, in the tables that had values then.
 */
const SEALED_TABLES: {
  table: string;
  id: keyof typeof FIRST_ID;
  kind: string;
  cipher: string;
  masked: string;
  legacy?: string;
}[] = [
  {
    table: 'identity_document',
    id: 'uuid',
    kind: 'type',
    cipher: 'number_cipher',
    masked: 'number_masked',
    legacy: 'legacy_number',
  },
  {
    table: 'contact_point',
    id: 'uuid',
    kind: 'kind',
    cipher: 'value_cipher',
    masked: 'value_masked',
    legacy: 'legacy_value',
  },
  {
    // What each source record gave, sealed as the golden rows are. It came after
    // encryption at rest: no plain values.
    table: 'source_identifier',
    id: 'bigint',
    kind: 'kind',
    cipher: 'value_cipher',
    masked: 'value_masked',
  },
];

/**
 * A merge's journal keeps the rows it removed as they were, sealed values among them
 * (`value_cipher`, `number_cipher`), for an unmerge to restore: they are rotated too, or an
 * unmerge after the old key went would bring back values no key opens.
 */
const JOURNALS = 'customer_merge';
const JOURNAL_CIPHER = String.raw`_cipher"\s*:\s*"(v1\.([^."]+)\.[^"]*)"`;

/** `value` with each sealed value in it (under a `*_cipher` key) passed through `reseal`. */
function resealJournal(value: unknown, reseal: (cipher: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => resealJournal(item, reseal));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      key.endsWith('_cipher') && typeof item === 'string'
        ? reseal(item)
        : resealJournal(item, reseal),
    ]),
  );
}

/** Passes a run makes at most, should writers keep bringing stale rows back. */
const MAX_PASSES = 5;

/** Rows per transaction unless configured (PII_ROTATION_BATCH_SIZE). */
export const DEFAULT_ROTATION_BATCH_SIZE = 1000;
export const MAX_ROTATION_BATCH_SIZE = 100_000;

/** Progress after a committed batch. */
export interface RotationBatch {
  table: string;
  /** Values of the table re-encrypted or sealed so far in this run. */
  done: number;
  /** Of the table when the run began (other writers may add to it meanwhile). */
  total: number;
}

/**
 * Brings every stored personal value under the active key: values under another key are
 * re-encrypted, and plain values from before encryption at rest (`legacy_` columns) are
 * encrypted, masked and emptied. In batches of `batchSize` rows in id order, one
 * transaction each. The progress is the rows' own key ids: a run stopped anywhere, even
 * killed, is resumed by running again. Digests do not change: the HMAC key is another.
 */
export class PiiRotation {
  constructor(
    private readonly pool: Pool,
    private readonly sealer: PiiSealer,
  ) {}

  /**
   * The keys stored values are sealed under that the keyring lacks (`missing`), or holds
   * with other material (`wrong`): a hub without them would serve, fail at each such value
   * it reads (a reveal, a batch matching against it) and seal new ones under a key id that
   * then names two keys. One pass over each table.
   */
  async keysUnfit(): Promise<{ missing: string[]; wrong: string[] }> {
    // One value per key: a key that opens it is the key it was sealed with (AES-GCM
    // authenticates), so a keyring given other material under a known id (another
    // machine's development key) is found here, not at the first reveal.
    const { rows } = await this.pool.query<{ key: string; cipher: string }>(
      `select distinct on (key) key, cipher from (${SEALED_TABLES.map(
        (t) =>
          `select split_part(${t.cipher}, '.', 2) as key, ${t.cipher} as cipher
           from ${t.table} where ${t.cipher} is not null`,
      ).join(' union all ')}
        union all
        select m[2], m[1] from ${JOURNALS}, regexp_matches(journal::text, $1, 'g') m) sealed`,
      [JOURNAL_CIPHER],
    );
    const { cipher } = this.sealer;
    const opens = (value: string) => {
      try {
        cipher.decrypt(value);
        return true;
      } catch {
        return false;
      }
    };
    return {
      missing: rows.filter((r) => !cipher.holds(r.key)).map((r) => r.key),
      wrong: rows.filter((r) => cipher.holds(r.key) && !opens(r.cipher)).map((r) => r.key),
    };
  }

  /** What keysUnfit finds, as the settings' problems: a hub or a rotation refuses to run. */
  async keyringProblems(): Promise<string[]> {
    const { missing, wrong } = await this.keysUnfit();
    return [
      ...(missing.length
        ? [
            `PII_ENCRYPTION_KEYS lacks the key(s) ${missing.join(', ')}, under which stored ` +
              'personal values are sealed: put them back in the keyring (see "Rotating a key")',
          ]
        : []),
      ...(wrong.length
        ? [
            `PII_ENCRYPTION_KEYS holds key(s) ${wrong.join(', ')} with other material than ` +
              'the stored personal values were sealed with: give the key they were sealed ' +
              "with under that id (another machine's or data directory's key does not open them)",
          ]
        : []),
    ];
  }

  /**
   * `legacyOnly`: only seal plain values, leaving other keys' values as they are. Passes over
   * the tables until one finds nothing left: an unmerge or a merge beside a pass brings rows
   * between tables and journals, perhaps into one a pass has done already.
   */
  async run(options: {
    batchSize: number;
    legacyOnly?: boolean;
    onBatch?: (batch: RotationBatch) => void;
  }): Promise<{ table: string; rows: number }[]> {
    const totals = new Map<string, number>();
    for (let passes = 0; passes < MAX_PASSES; passes++) {
      const pass = await this.pass(options);
      for (const { table, rows } of pass) totals.set(table, (totals.get(table) ?? 0) + rows);
      if (pass.every((t) => t.rows === 0)) break;
    }
    return [...totals].map(([table, rows]) => ({ table, rows }));
  }

  private async pass(options: {
    batchSize: number;
    legacyOnly?: boolean;
    onBatch?: (batch: RotationBatch) => void;
  }): Promise<{ table: string; rows: number }[]> {
    const { cipher } = this.sealer;
    const totals = [];
    for (const t of SEALED_TABLES) {
      if (options.legacyOnly && !t.legacy) continue;
      const stale = `split_part(${t.cipher}, '.', 2) <> $1::text`;
      const pending = options.legacyOnly
        ? `${t.legacy} is not null`
        : t.legacy
          ? `(${t.legacy} is not null or ${stale})`
          : stale;
      const key = options.legacyOnly ? [] : [cipher.activeKeyId];
      const {
        rows: [{ total }],
      } = await this.pool.query<{ total: number }>(
        `select count(*)::int as total from ${t.table} where ${pending}`,
        key,
      );
      const done = await this.inBatches(
        t.table,
        total,
        FIRST_ID[t.id],
        options,
        async (client, after) => {
          const n = key.length;
          const { rows } = await client.query<{
            id: string;
            kind: SealedKind;
            cipher: string | null;
            legacy: string | null;
          }>(
            `select id, ${t.kind} as kind, ${t.cipher} as cipher, ${t.legacy ?? 'null'} as legacy
           from ${t.table} where id > $${n + 1}::${t.id} and ${pending}
           order by id limit $${n + 2}::int for update`,
            [...key, after, options.batchSize],
          );
          // A legacy value is masked now too; a rotated one keeps its mask, as its value.
          const sealed = rows.map((row) =>
            row.legacy === null
              ? { cipher: cipher.encrypt(cipher.decrypt(row.cipher!)), masked: null }
              : this.sealer.seal(row.kind, row.legacy),
          );
          await client.query(
            `update ${t.table} t set ${t.cipher} = u.cipher,
             ${t.masked} = coalesce(u.masked, t.${t.masked})
             ${t.legacy ? `, ${t.legacy} = null` : ''}
           from unnest($1::${t.id}[], $2::text[], $3::text[]) as u(id, cipher, masked)
           where t.id = u.id`,
            [rows.map((r) => r.id), sealed.map((s) => s.cipher), sealed.map((s) => s.masked)],
          );
          return rows.map((r) => r.id);
        },
      );
      totals.push({ table: t.table, rows: done });
    }
    if (!options.legacyOnly) totals.push({ table: JOURNALS, rows: await this.journals(options) });
    return totals;
  }

  /** The merge journals holding a value under another key than the active one, rotated. */
  private async journals(options: {
    batchSize: number;
    onBatch?: (batch: RotationBatch) => void;
  }): Promise<number> {
    const { cipher } = this.sealer;
    const pending = `exists (select 1 from regexp_matches(journal::text, $1, 'g') m
      where m[2] <> $2::text)`;
    const key = [JOURNAL_CIPHER, cipher.activeKeyId];
    const {
      rows: [{ total }],
    } = await this.pool.query<{ total: number }>(
      `select count(*)::int as total from ${JOURNALS} where ${pending}`,
      key,
    );
    const reseal = (value: string) =>
      value.split('.')[1] === cipher.activeKeyId ? value : cipher.encrypt(cipher.decrypt(value));
    return this.inBatches(JOURNALS, total, FIRST_ID.uuid, options, async (client, after) => {
      const { rows } = await client.query<{ id: string; journal: unknown }>(
        `select id, journal from ${JOURNALS} where id > $3::uuid and ${pending}
         order by id limit $4::int for update`,
        [...key, after, options.batchSize],
      );
      await client.query(
        `update ${JOURNALS} t set journal = u.journal
         from unnest($1::uuid[], $2::jsonb[]) as u(id, journal) where t.id = u.id`,
        [rows.map((r) => r.id), rows.map((r) => JSON.stringify(resealJournal(r.journal, reseal)))],
      );
      return rows.map((r) => r.id);
    });
  }

  /**
   * Runs `batch` in one transaction after another, each from the id after the last one it
   * returned, until one returns fewer than `batchSize` ids; the count of ids in all.
   */
  private async inBatches(
    table: string,
    total: number,
    first: string,
    options: { batchSize: number; onBatch?: (batch: RotationBatch) => void },
    batch: (client: PoolClient, after: string) => Promise<string[]>,
  ): Promise<number> {
    let done = 0;
    let after = first;
    for (;;) {
      const client = await this.pool.connect();
      let ids: string[];
      try {
        await client.query('begin');
        ids = await batch(client, after);
        await client.query('commit');
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
      if (ids.length === 0) break;
      after = ids[ids.length - 1]!;
      done += ids.length;
      options.onBatch?.({ table, done, total });
      if (ids.length < options.batchSize) break;
    }
    return done;
  }
}

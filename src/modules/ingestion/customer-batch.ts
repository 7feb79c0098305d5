import type { EntityManager } from '@mikro-orm/postgresql';
import { boundSql, pgArray } from '../../db/bound-sql';
import { randomUUID } from 'node:crypto';
import type { BusinessClock } from '../../time/clock';
import type { Metrics } from '../../observability/metrics';
import { AuditAction, AuditEvent } from '../audit/audit-event.entity';
import { AuditLog, type AuditActor } from '../audit/audit-log';
import { CustomerKind, type ConsentChannel } from '../customer/customer.enums';
import type { PiiSealer } from '../customer/pii-sealer';
import {
  cluster,
  datesSharingBlocks,
  lockingKeys,
  type ClusterRecord,
  type Clusters,
  type ScoredPair,
  type StewardVerdict,
} from '../matching/cluster';
import { MergeKind } from '../golden/customer-merge.entity';
import { MatchVerdict } from '../golden/match-decision.entity';
import type { IdentifierKind } from '../golden/source-identifier.entity';
import { recomputeGolden, type NewCustomer } from '../golden/survivorship';
import { IDENTIFYING_DOCUMENT, type MatchContext, type MatchRecord } from '../matching/compare';
import { countBucket, expectedHolders } from '../matching/name-frequency';
import { MATCHING_SPACE } from '../matching/matching-space';
import { holderOf, holderSql, nameForms } from '../matching/names';
import { GENERIC_KINDS_SQL, isGenericKind, type MatchSettings } from '../matching/settings';
import { followRecordsOfMerged, followReferences, mergeCustomers } from '../stewardship/merge';
import {
  documentsGained,
  handOverApart,
  identityChanged,
  identityOf,
} from '../stewardship/decisions';
import {
  CONTACT_KINDS,
  matchRecordOf,
  repairBodyHashes,
  twinHashes,
  type PreparedCustomer,
} from './customer-records';
import { RecordStatus, type RecordError } from './ingestion.type';

export type BatchOutcome =
  | { status: RecordStatus; id: string; warnings: RecordError[] }
  | { status: RecordStatus.REJECTED; errors: RecordError[] };

/** A source record as it sits with its customer now: what the customer plan weighs. */
/**
 * An instant as text that sorts as the instants do, compared code point by code point
 * (byCode): UTC, to the microsecond, every field its full width. As PostgreSQL prints a
 * timestamptz (`::text`), a whole second drops its fraction, and `…:02+00` sorted after
 * `…:02.114+00` under localeCompare: a customer's id went with its second record.
 */
const sortable = (column: string) =>
  `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`;
const byCode = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

interface Holding {
  id: string;
  key: string;
  /** When the hub first received the record ({@link sortable}). */
  since: string;
  customerId: string;
  customerCreated: string;
  cifNo: string;
}

interface Existing extends Holding {
  contentHash: string;
  /** The name key the record bore until this batch. */
  nameKey: string | null;
  consent?: PreparedCustomer['consent'];
}

interface StoredRecord extends Holding {
  branchId: string;
  name: string;
  match: MatchRecord;
  /** Digests (hex) of its identifying documents, as a steward's decision keeps them. */
  documents: string[];
  nameKey: string | null;
  namePinyin: string | null;
  evidence: unknown;
}

/** A mobile or e-mail the batch brings or drops, and whether it is generic before and after. */
interface SharedValue {
  kind: string;
  hash: string;
  before: boolean;
  after: boolean;
}

/** A batch's records as matching regroups them: what region() starts from. */
interface BatchRegion {
  records: PreparedCustomer[];
  /** Each record's id (a new record's is made for it). */
  ids: Map<number, string>;
  existing: Map<string, Existing>;
  generic: Map<string, SharedValue>;
  /** Name keys whose frequency bucket the batch moves, with the larger of their two counts. */
  crossed: CrossedName[];
  /** Stored records carrying a value that turns generic or stops being. */
  carriers: string[];
}

/**
 * A concurrent batch moved a name's count into another bucket than planned: the batch runs
 * again. A serialization failure as PostgreSQL's (40001), a retryable WRITE_CONFLICT if it
 * still happens after the writer's retries; the name is not in it (a person's, for logs).
 */
export class NameCountMoved extends Error {
  readonly code = '40001';

  constructor() {
    super('a name count moved under a concurrent batch');
  }
}

/** Per name key a batch changes the count of: the count it read, and the one it planned. */
type PlannedCounts = Map<string, { read: number; planned: number }>;
/**
 * A name key whose count crosses a bucket, the larger of its counts before and after, and
 * its sound as the batch has it ('' for an organisation, or a stored record's old name).
 */
type CrossedName = { key: string; records: number; pinyin: string };

/** What neighbourhood() looks up besides the batch's own records' keys. */
/**
 * An identifier's digests (hex) that find the records it shares a blocking key with: its
 * value's; a resident ID's body and swap forms; for one failing its check, no value, and
 * the body of a number it may be a swap of (residentIdKeys).
 */
interface BlockingIdentifier {
  kind: string;
  hash: string | null;
  body: string | null;
  head?: string | null;
  tail?: string | null;
}

/** A person's name keys at an address (its digest, hex): see blockingKeys in cluster.ts. */
interface NamedAddress {
  key: string;
  pinyin: string;
  hash: string;
}

interface BlockingKeys {
  identifiers: BlockingIdentifier[];
  names: { key: string; pinyin: string; birthDate: string }[];
  organisations: string[];
  addresses: NamedAddress[];
}

/** More keys than this, and a batch locks the whole matching space instead (see lock()). */
const BATCH_KEYS_LOCKED = 2_000;

const hex = (b: Buffer) => b.toString('hex');

/** The documents that tell customers apart, of either kind. */
const IDENTIFYING: ReadonlySet<string> = new Set(Object.values(IDENTIFYING_DOCUMENT));
const keyOf = (r: { sourceSystem: string; sourceKey: string }) =>
  `${r.sourceSystem}:${r.sourceKey}`;
const json = (value: unknown) => JSON.stringify(value);

/**
 * One batch of customer records, set-based: staged, matched and written in a fixed number
 * of statements whatever its size. Matching re-evaluates the batch's neighbourhood (every
 * record sharing a blocking key with a record of the batch, every record of their
 * customers) and regroups it; see clustering.ts for why the result does not depend on the
 * order records arrive in. Concurrent batches that touch the same keys or the same people
 * take the same advisory locks, in the same order, so one waits for the other; a large
 * batch takes one lock that excludes every other batch instead (see lock()).
 */
export class CustomerBatch {
  constructor(
    private readonly em: EntityManager,
    private readonly sealer: PiiSealer,
    private readonly clock: BusinessClock,
    private readonly settings: MatchSettings,
    /** Who sent the batch: the audit log names them for the merges matching makes. */
    private readonly actor: AuditActor,
    private readonly metrics?: Metrics,
  ) {}

  async write(records: PreparedCustomer[]): Promise<Map<number, BatchOutcome>> {
    if (records.length === 0) return new Map();
    await this.settle();
    const waiting = this.metrics?.matchingLockSeconds.startTimer({ phase: 'wait' });
    const scope = await this.lock(records);
    waiting?.({ scope });
    const holding = this.metrics?.matchingLockSeconds.startTimer({ phase: 'held', scope });
    try {
      return (await this.matchAndWrite(records)).outcomes;
    } finally {
      holding?.();
    }
  }

  /**
   * Matches stored records again, with their neighbourhood, as a batch's own records are:
   * after a steward split `moving` off their customer (do-not-merge recorded between them and
   * its other records), so that they, not their companions, leave it, and go to a new
   * customer or one they match. The caller holds the whole matching space.
   */
  async reevaluate(moving: string[]): Promise<string[]> {
    if (moving.length === 0) return [];
    await this.settle();
    return (await this.matchAndWrite([], moving)).regrouped;
  }

  /**
   * How matching groups a customer's records but one on their own, with the stewards'
   * decisions between them: what still hangs together once a split takes that one off. Each
   * record keeps only the link it joined by, and three records that all link to each other
   * may all have named the one split off. The records bearing one of its identity documents
   * (`bound`) are left out: they are that person's, whatever else they share with the rest.
   */
  async matchedWithout(
    customerId: string,
    recordId: string,
  ): Promise<{ groups: string[][]; bound: Set<string> }> {
    await this.settle();
    const all = await this.storedRecords([customerId], []);
    const split = new Set(all.find((s) => s.id === recordId)?.documents);
    const others = all.filter((s) => s.id !== recordId);
    const bound = new Set(
      others.filter((s) => s.documents.some((d) => split.has(d))).map((s) => s.id),
    );
    const stored = others.filter((s) => !bound.has(s.id));
    const records = stored.map((s) => ({ id: s.id, key: s.key, match: s.match }));
    const verdicts = await this.verdicts(records, new Map(stored.map((s) => [s.id, s.documents])));
    const context = await this.context(stored, [], new Map(), new Map());
    return { groups: cluster(records, verdicts, context, this.settings.thresholds).groups, bound };
  }

  /**
   * Matches stored records again, with their neighbourhood, as they stand: after an unmerge,
   * the records their sources changed while merged. Unlike a split's, they are not what
   * moves: each customer stays with its first record, rather than with the records the
   * unmerge brought along (another person's, joined while merged, however many).
   */
  async rematch(records: string[]): Promise<string[]> {
    if (records.length === 0) return [];
    await this.settle();
    return (await this.matchAndWrite([], records, { move: false })).regrouped;
  }

  /**
   * Every statement of a batch reads a neighbourhood through its keys. The planner cannot
   * see how few rows a JSON or array parameter holds: at some sizes of file it prefers to
   * scan whole tables, and the costs it then expects switch on JIT compilation, which took
   * longer (about 0.5 s a statement) than the statements. For this transaction, neither.
   * Records are written before the customers matching makes for them (see recomputeGolden).
   */
  private async settle(): Promise<void> {
    await boundSql(
      this.em,
      `set local enable_seqscan = off; set local jit = off;
       set constraints source_record_customer_id_foreign deferred`,
    );
  }

  /**
   * One audit entry per customer that matching took records from outside a merge (a merge
   * audits itself): which records went to which customer, and how many rows followed them
   * (per customer left, see followReferences).
   */
  private async auditRegroups(
    moved: { record: Holding; to: string }[],
    followed: Map<string, Record<string, number>>,
  ): Promise<void> {
    const from = new Map<string, { record: string; to: string }[]>();
    for (const { record, to } of moved) {
      const records = from.get(record.customerId) ?? [];
      records.push({ record: record.id, to });
      from.set(record.customerId, records);
    }
    if (from.size === 0) return;
    const audit = new AuditLog(this.clock);
    await this.em.insertMany(
      AuditEvent,
      [...from].map(([customer, records]) =>
        audit.entity(this.actor, {
          action: AuditAction.CUSTOMER_REGROUP,
          target: { type: 'Customer', id: customer },
          purpose: 'matching',
          details: { moved: records, followed: followed.get(customer) ?? {} },
        }),
      ),
    );
  }

  /**
   * `moving`: stored records matched again, what moves unless `move` is false (see
   * reevaluate and rematch).
   */
  private async matchAndWrite(
    sent: PreparedCustomer[],
    moving: string[] = [],
    { move = true } = {},
  ): Promise<{
    outcomes: Map<number, BatchOutcome>;
    /**
     * The customers that were before and whose records the batch changed hands: left,
     * joined or merged (a steward may act only on what they see: see StewardshipService).
     */
    regrouped: string[];
  }> {
    const outcomes = new Map<number, BatchOutcome>();
    const existing = await this.existing(sent);
    // New objects: a batch run again after a deadlock starts from the records as sent.
    const records = sent.map((r) => withLaterConsent(r, existing.get(keyOf(r))?.consent));
    const isUnchanged = (r: PreparedCustomer) =>
      existing.get(keyOf(r))?.contentHash === r.contentHash;
    const unchanged = records.filter(isUnchanged);
    // An unchanged resend answers with the customer its record is with after the batch.
    const answerUnchanged = (customerOf?: Map<string, string>) => {
      for (const r of unchanged) {
        const stored = existing.get(keyOf(r))!;
        outcomes.set(r.index, {
          status: RecordStatus.UNCHANGED,
          id: customerOf?.get(stored.id) ?? stored.customerId,
          warnings: r.warnings,
        });
      }
      return outcomes;
    };
    const active = records.filter((r) => !isUnchanged(r));
    if (active.length === 0 && moving.length === 0) {
      return { outcomes: answerUnchanged(), regrouped: [] };
    }

    const ids = new Map(active.map((r) => [r.index, existing.get(keyOf(r))?.id ?? randomUUID()]));
    // Replaced: the records the active ones rewrite. An unchanged resend stays as it is, and
    // counting it out made a shared value look as if it stopped being generic, pulling all
    // its carriers into the neighbourhood.
    const generic = await this.genericValues(
      active,
      active.flatMap((r) => existing.get(keyOf(r))?.id ?? []),
    );
    const { crossed, planned } = await this.nameBucketsCrossed(active, existing);
    // A value that turns generic or stops being changes every comparison of its carriers:
    // they are re-evaluated as the batch's own records are, with what shares a key with them.
    const carriers = [
      ...(await this.carriersOf([...generic.values()].filter((g) => g.before !== g.after))),
      ...moving,
    ];
    const batch = { records: active, ids, existing, generic, crossed, carriers };
    // A stored record that regrouping splits off its customer may now join what shares a key
    // with it outside the neighbourhood (what its old companions kept apart): its keys join
    // the neighbourhood and the region is clustered again, until nothing more splits off.
    // So is it when a record leaving its customer hands a steward's do-not-merge on to those
    // it leaves (handedOver): they must not join the other customer in this very batch.
    // So, from the start, are the keys of the records of a customer whose record drops an
    // identity document: what the number kept apart from them may join them now. And the
    // keys an updated record held as last sent (its name with its birth date or address, a
    // mobile, an e-mail it drops): what it was compared with through them (a conflicting
    // number then kept the two customers from a review task) is compared again without them,
    // as had they never been sent.
    const batchHeld = active.flatMap((r) => existing.get(keyOf(r)) ?? []);
    const expanded = new Set([
      ...carriers,
      ...(await this.documentsDropped(active, existing)),
      ...batchHeld.map((held) => held.id),
    ]);
    const inherited: StewardVerdict[] = [];
    let region: Awaited<ReturnType<CustomerBatch['region']>>;
    let layout: ReturnType<typeof layOut>;
    for (;;) {
      region = await this.region(batch, [...expanded], inherited);
      const loose = splitOff(region.stored, batchHeld, region.clusters.groups).filter(
        (id) => !expanded.has(id),
      );
      if (loose.length > 0) {
        for (const id of loose) expanded.add(id);
        continue;
      }
      layout = layOut(region, batch, batchHeld, moving, move);
      const more = handedOver(
        layout.moved,
        [...region.verdicts, ...inherited],
        layout.plan,
        layout.held,
      );
      if (more.length === 0) break;
      inherited.push(...more);
    }
    const { stored, byKey, clusters } = region;
    const regionRecords = [...byKey.values()];
    const { plan, held, moved } = layout;
    for (const id of carriers) {
      const customer = plan.customerOf.get(id);
      if (customer) plan.touched.add(customer);
    }
    if (plan.merges.length) {
      await mergeCustomers(
        this.em,
        this.clock,
        plan.merges.map((m) => ({
          survivorId: m.survivor,
          absorbedId: m.absorbed,
          kind: MergeKind.AUTOMATIC,
          evidence: evidenceBetween(clusters.links, plan.customerOf, held, m),
          mergedBy: `${this.actor.subject} (${this.actor.role})`,
          reason: 'matching',
        })),
        { actor: this.actor, genericHolders: this.settings.genericHolders },
      );
    }
    await this.writeRecords(active, ids, plan.customerOf, clusters.links, byKey);
    await this.checkNameCounts(planned);
    await this.regroup(stored, plan.customerOf, clusters.links, byKey, new Set(ids.values()));
    await recomputeGolden(this.em, [...plan.touched], {
      ...this.settings,
      created: plan.created,
      at: this.clock.now().toISOString(),
    });
    // A record that moved to another customer (made above, if new) takes along the policy
    // roles, claims and scores its source systems wrote for it (naming it by its source key);
    // a merge took along everything of the customer it absorbed already. What a steward kept
    // apart stays apart whichever records the customers hold now.
    await handOverApart(
      this.em,
      moved.map(({ record, heirs }) => ({ record: record.id, heirs })),
      this.clock.now().toISOString(),
    );
    const followed = new Map<string, Record<string, number>>();
    const at = this.clock.now().toISOString();
    // Customers merged away earlier follow their records too, with what names them by CIF.
    const left = [...new Set(moved.map(({ record }) => record.customerId))];
    const repointed = await followRecordsOfMerged(this.em, left, at);
    await followReferences(
      this.em,
      [...moved.map(({ record, to }) => ({ key: record.key, to })), ...repointed],
      at,
      followed,
    );
    await this.auditRegroups(moved, followed);
    await this.reviews(
      clusters.reviews,
      regionRecords.map((r) => r.id),
    );

    answerUnchanged(plan.customerOf);
    const created = new Set(active.filter((r) => !existing.has(keyOf(r))).map((r) => r.index));
    for (const r of active) {
      outcomes.set(r.index, {
        status: created.has(r.index) ? RecordStatus.CREATED : RecordStatus.UPDATED,
        id: plan.customerOf.get(ids.get(r.index)!)!,
        warnings: r.warnings,
      });
    }
    const made = new Set(plan.created.map((c) => c.id));
    const regrouped = new Set([
      ...plan.merges.flatMap((m) => [m.survivor, m.absorbed]),
      ...moved.flatMap(({ record, to }) => [record.customerId, ...(made.has(to) ? [] : [to])]),
    ]);
    return { outcomes, regrouped: [...regrouped] };
  }

  /**
   * The batch's region clustered: the neighbourhood of its records (and of the stored records
   * in `expanded`, as if they were the batch's), every record of its customers.
   */
  private async region(batch: BatchRegion, expanded: string[], inherited: StewardVerdict[]) {
    const { records, ids, existing, generic, crossed, carriers } = batch;
    const neighbourhood = await this.neighbourhood(
      records,
      ids,
      generic,
      crossed,
      carriers,
      await this.blockingKeysOf(expanded),
    );
    const stored = await this.storedRecords(neighbourhood, [...ids.values()]);
    const context = await this.context(stored, records, existing, generic);
    const byKey = new Map<string, ClusterRecord>();
    const documents = new Map<string, string[]>();
    for (const s of stored) {
      byKey.set(s.key, { id: s.id, key: s.key, match: s.match });
      documents.set(s.id, s.documents);
    }
    for (const r of records) {
      const id = ids.get(r.index)!;
      byKey.set(keyOf(r), { id, key: keyOf(r), match: matchRecordOf(id, r) });
      documents.set(
        id,
        r.identifiers.filter((i) => IDENTIFYING.has(i.kind)).map((i) => hex(i.hash)),
      );
    }
    const regionRecords = [...byKey.values()];
    const verdicts = await this.verdicts(regionRecords, documents);
    const clusters = cluster(
      regionRecords,
      [...verdicts, ...inherited],
      context,
      this.settings.thresholds,
    );
    return { stored, byKey, clusters, verdicts };
  }

  /**
   * Advisory locks on every key the batch could decide on: its source keys, identifiers and
   * name blocks. Taken in one statement in hash order, so two batches never deadlock.
   *
   * Each lock is an entry of PostgreSQL's shared lock table, which holds about 12,000 at
   * default settings (max_locks_per_transaction × max_connections) for the whole server: a
   * batch of 1,000 records has 5,000 to 8,000 keys, and three at once ran out of it. So a batch
   * with more than BATCH_KEYS_LOCKED keys locks the whole matching space (one lock, held
   * alone), and every smaller one first locks it shared. Large batches meet on some common
   * name in nearly every pair anyway, so they lose little of running at once.
   */
  private async lock(records: PreparedCustomer[]): Promise<'space' | 'keys'> {
    const keys = new Set<string>();
    for (const r of records) {
      keys.add(`record:${keyOf(r)}`);
      for (const key of lockingKeys(matchRecordOf('', r))) keys.add(key);
      // Digests already, as the database keeps them (see below).
      for (const i of r.identifiers) keys.add(`id:${i.kind}:${hex(i.hash)}`);
    }
    if (keys.size > BATCH_KEYS_LOCKED) {
      await boundSql(this.em, `select pg_advisory_xact_lock(${MATCHING_SPACE})`);
      return 'space';
    }
    // Alone first: a batch holding keys while it waits for the space would close a cycle
    // with a large batch waiting for it.
    await boundSql(this.em, `select pg_advisory_xact_lock_shared(${MATCHING_SPACE})`);
    // The plain values never leave the process: the lock names their digests.
    const digests = [...keys].map((k) =>
      k.startsWith('record:') || k.startsWith('id:')
        ? k
        : hex(this.sealer.hasher.digest('LOCK', k)),
    );
    // And the identifiers the batch's records held as last sent: a re-send that drops a value
    // changes how many hold it (a mobile stops being generic) as one adding it does, and a
    // batch adding it at the same time must wait for it, or each counts without the other.
    await boundSql(
      this.em,
      `select count(pg_advisory_xact_lock(h)) from (
         select distinct hashtextextended(value, 0) as h from (
           select value from jsonb_array_elements_text(?::jsonb)
           union all
           select 'id:' || si.kind || ':' || encode(si.value_hash, 'hex')
           from jsonb_to_recordset(?::jsonb) k(s text, k text)
             join source_record sr on sr.source_system = k.s and sr.source_key = k.k
             join source_identifier si on si.source_record_id = sr.id) held
         order by 1) keys`,
      [json(digests), json(records.map((r) => ({ s: r.sourceSystem, k: r.sourceKey })))],
    );
    return 'keys';
  }

  private async existing(records: PreparedCustomer[]): Promise<Map<string, Existing>> {
    const rows = await boundSql<
      {
        id: string;
        source_system: string;
        source_key: string;
        customer_id: string;
        content_hash: string;
        name_key: string | null;
        since: string;
        customer_created: string;
        cif_no: string;
        marketing_consent: boolean | null;
        consent_ms: number | null;
        consent_channel: ConsentChannel | null;
      }[]
    >(
      this.em,
      `select sr.id, sr.source_system, sr.source_key, sr.customer_id, sr.content_hash,
         sr.name_key, ${sortable('sr.created_at')} as since,
         ${sortable('c.created_at')} as customer_created, c.cif_no,
         sr.marketing_consent, (extract(epoch from sr.consent_at) * 1000)::float8 as consent_ms,
         sr.consent_channel
       from source_record sr join customer c on c.id = sr.customer_id
       join jsonb_to_recordset(?::jsonb) k(s text, k text) on sr.source_system = k.s and sr.source_key = k.k`,
      [json(records.map((r) => ({ s: r.sourceSystem, k: r.sourceKey })))],
    );
    return new Map(
      rows.map((row) => {
        const key = `${row.source_system}:${row.source_key}`;
        return [
          key,
          {
            id: row.id,
            key,
            customerId: row.customer_id,
            contentHash: row.content_hash,
            nameKey: row.name_key,
            since: row.since,
            customerCreated: row.customer_created,
            cifNo: row.cif_no,
            consent:
              row.consent_ms === null
                ? undefined
                : {
                    given: row.marketing_consent!,
                    at: new Date(row.consent_ms),
                    channel: row.consent_channel!,
                  },
          },
        ];
      }),
    );
  }

  /**
   * The mobiles and e-mails the batch brings or drops, whether each is generic once the
   * batch is in, and whether it was before: a value that turns generic (or stops being)
   * changes every comparison it was in, so its carriers are re-evaluated. Counted as distinct
   * names among the records carrying the value; the batch's own records count as they are
   * now in `before`, and as the batch has them in `after`.
   */
  private async genericValues(
    records: PreparedCustomer[],
    replaced: string[],
  ): Promise<Map<string, SharedValue>> {
    const values = records.flatMap((r) =>
      r.identifiers
        .filter((i) => isGenericKind(i.kind))
        .map((i) => ({ kind: i.kind, hash: hex(i.hash), name: holderOf(r.names) })),
    );
    if (values.length === 0 && replaced.length === 0) return new Map();
    const rows = await boundSql<{ kind: string; hash: string; before: number; after: number }[]>(
      this.em,
      `with batch as (select * from jsonb_to_recordset(?::jsonb) b(kind text, hash text, name text)),
       replaced as (select unnest(?::uuid[]) as id),
       -- A value an updated record drops can stop being generic: it is counted too.
       wanted as (select distinct kind, decode(hash, 'hex') as value_hash from batch
                  union select si.kind, si.value_hash from source_identifier si
                  where si.source_record_id in (select id from replaced)
                    and si.kind in (${GENERIC_KINDS_SQL})),
       carriers as (
         select si.kind, si.value_hash, ${holderSql('sr')} as name,
           sr.id in (select id from replaced) as replaced
         from wanted w
         join source_identifier si on si.kind = w.kind and si.value_hash = w.value_hash
         join source_record sr on sr.id = si.source_record_id)
       select kind, encode(value_hash, 'hex') as hash,
         count(distinct name) filter (where not batch)::int as before,
         count(distinct name) filter (where not replaced or batch)::int as after
       from (select kind, value_hash, name, replaced, false as batch from carriers
             union all
             select kind, decode(hash, 'hex'), name, false, true from batch) all_carriers
       group by kind, value_hash`,
      [json(values), pgArray(replaced)],
    );
    const holders = this.settings.genericHolders;
    return new Map(
      rows.map((row) => [
        `${row.kind}:${row.hash}`,
        {
          kind: row.kind,
          hash: row.hash,
          before: row.before >= holders,
          after: row.after >= holders,
        },
      ]),
    );
  }

  /**
   * The records carrying a value that turns generic or stops being: their contact points
   * say so once their customers' golden records are recomputed, whether or not the batch
   * regroups them.
   */
  private async carriersOf(values: SharedValue[]): Promise<string[]> {
    if (values.length === 0) return [];
    const rows = await boundSql<{ id: string }[]>(
      this.em,
      `select distinct si.source_record_id as id
       from jsonb_to_recordset(?::jsonb) v(kind text, hash text)
         join source_identifier si on si.kind = v.kind and si.value_hash = decode(v.hash, 'hex')`,
      [json(values.map(({ kind, hash }) => ({ kind, hash })))],
    );
    return rows.map((r) => r.id);
  }

  /**
   * The keys stored records block under, as neighbourhood() takes a batch's: identity
   * documents, and mobiles and e-mails that are not generic (a dealer's number would bring
   * in its thousands of carriers); names with birth dates, a person's name at each address,
   * organisations' names.
   */
  /**
   * The bodies of the numbers a resident ID failing its check may be a swap of, and its
   * fellow typos (twinHashes).
   */
  private repairKeys(number: string): BlockingIdentifier[] {
    return [
      ...repairBodyHashes(this.sealer.hasher, number).map((body) => ({
        kind: 'RESIDENT_ID',
        hash: null,
        body: hex(body),
      })),
      ...twinHashes(this.sealer.hasher, number).map((twin) => ({
        kind: 'RESIDENT_ID',
        hash: hex(twin),
        body: null,
      })),
    ];
  }

  private async blockingKeysOf(recordIds: string[]): Promise<BlockingKeys> {
    if (recordIds.length === 0) {
      return { identifiers: [], names: [], organisations: [], addresses: [] };
    }
    const rows = await boundSql<
      {
        kind: CustomerKind;
        name_key: string | null;
        name_pinyin: string | null;
        birth_date: string | null;
        identifiers: (BlockingIdentifier & { hash: string; suspect: string | null })[];
        addresses: string[];
      }[]
    >(
      this.em,
      `select sr.kind, sr.name_key, sr.name_pinyin, sr.birth_date::text,
         coalesce((select json_agg(json_build_object('kind', si.kind,
                     'hash', encode(si.value_hash, 'hex'), 'body', encode(si.body_hash, 'hex'),
                     'head', encode(si.swap_head_hash, 'hex'),
                     'tail', encode(si.swap_tail_hash, 'hex'),
                     'suspect', case when si.kind = 'RESIDENT_ID' and si.checksum_exception
                                  then si.value_cipher end))
                   from source_identifier si
                   where si.source_record_id = sr.id and si.kind <> 'ADDRESS'
                     and (si.kind not in (${GENERIC_KINDS_SQL})
                          or (select count(distinct ${holderSql('o')}) from source_identifier h
                                join source_record o on o.id = h.source_record_id
                              where h.kind = si.kind and h.value_hash = si.value_hash) < ?)),
                  '[]') as identifiers,
         coalesce((select json_agg(encode(si.value_hash, 'hex')) from source_identifier si
                   where si.source_record_id = sr.id and si.kind = 'ADDRESS'), '[]') as addresses
       from source_record sr where sr.id in (select unnest(?::uuid[])) and sr.name_key is not null`,
      [this.settings.genericHolders, pgArray(recordIds)],
    );
    return {
      identifiers: rows.flatMap((r) =>
        r.identifiers.flatMap(({ suspect, ...identifier }) => [
          identifier,
          ...(suspect === null ? [] : this.repairKeys(this.sealer.cipher.decrypt(suspect))),
        ]),
      ),
      names: rows
        .filter((r) => r.kind === CustomerKind.INDIVIDUAL && r.birth_date)
        .map((r) => ({ key: r.name_key!, pinyin: r.name_pinyin ?? '', birthDate: r.birth_date! })),
      organisations: rows
        .filter((r) => r.kind === CustomerKind.ORGANISATION)
        .map((r) => r.name_key!),
      addresses: rows
        .filter((r) => r.kind === CustomerKind.INDIVIDUAL)
        .flatMap((r) =>
          r.addresses.map((hash) => ({ key: r.name_key!, pinyin: r.name_pinyin ?? '', hash })),
        ),
    };
  }

  /**
   * Records per name key (name_count, kept by the database) as they stand, and as they will
   * once the batch is in: its records' old names out, their new names in.
   */
  private async nameCounts(
    keys: string[],
    records: PreparedCustomer[],
    existing: Map<string, Existing>,
  ): Promise<{ now: Map<string, number>; after: Map<string, number> }> {
    const now = await this.countedNames(keys);
    const after = new Map(now);
    for (const r of records) {
      const old = existing.get(keyOf(r))?.nameKey;
      if (old) after.set(old, (after.get(old) ?? 0) - 1);
      after.set(r.names.key, (after.get(r.names.key) ?? 0) + 1);
    }
    return { now, after };
  }

  /**
   * Name keys whose frequency bucket (a power of two) the batch moves: their weight in
   * every comparison changes, so every record bearing them is re-evaluated. Buckets make
   * that rare: a name is re-evaluated as often as its count doubles.
   */
  private async nameBucketsCrossed(
    records: PreparedCustomer[],
    existing: Map<string, Existing>,
  ): Promise<{ crossed: CrossedName[]; planned: PlannedCounts }> {
    const keys = [
      ...records.map((r) => r.names.key),
      ...records.flatMap((r) => existing.get(keyOf(r))?.nameKey ?? []),
    ];
    const { now, after } = await this.nameCounts(keys, records, existing);
    const unique = [...new Set(keys)];
    const sounds = new Map(records.map((r) => [r.names.key, r.names.pinyin]));
    return {
      crossed: unique
        .filter((key) => countBucket(now.get(key) ?? 0) !== countBucket(after.get(key) ?? 0))
        .map((key) => ({
          key,
          records: Math.max(now.get(key) ?? 0, after.get(key) ?? 0),
          pinyin: sounds.get(key) ?? '',
        })),
      planned: new Map(
        unique
          .filter((key) => now.get(key) !== after.get(key))
          .map((key) => [key, { read: now.get(key) ?? 0, planned: after.get(key) ?? 0 }]),
      ),
    };
  }

  /**
   * Two batches of other people of one name are not serialised (their locking keys differ),
   * and each counted the name as the other had not yet changed it: both saw 6 become 7, where
   * it became 8, a step each would have re-evaluated the name's holders for. Once the batch's
   * records are written the counts are final (a batch writing the same name waited for the
   * other's commit). Where another batch moved the name meanwhile, and either the step this
   * batch planned or the one its own change made in the end crosses a bucket, its region was
   * read at another weight than the name has now: the batch runs again.
   */
  private async checkNameCounts(planned: PlannedCounts): Promise<void> {
    if (planned.size === 0) return;
    const counted = await this.countedNames([...planned.keys()]);
    for (const [key, { read, planned: count }] of planned) {
      const now = counted.get(key) ?? 0;
      const own = count - read;
      if (
        now !== count &&
        (countBucket(read) !== countBucket(count) || countBucket(now - own) !== countBucket(now))
      ) {
        throw new NameCountMoved();
      }
    }
  }

  /**
   * The other records of the customers whose stored record the batch drops an identity
   * document from (its source re-sends it without the number, or with another).
   */
  private async documentsDropped(
    records: PreparedCustomer[],
    existing: Map<string, Existing>,
  ): Promise<string[]> {
    const held = records.flatMap((r) => {
      const stored = existing.get(keyOf(r));
      if (!stored) return [];
      const kept = r.identifiers.filter((i) => !CONTACT_KINDS.has(i.kind)).map((i) => hex(i.hash));
      return [{ id: stored.id, kept }];
    });
    if (held.length === 0) return [];
    const rows = await boundSql<{ id: string }[]>(
      this.em,
      `with held as (select * from jsonb_to_recordset(?::jsonb) h(id uuid, kept text[]))
       select o.id from source_record o where o.id not in (select id from held)
         and o.customer_id in (
           select sr.customer_id from held h join source_record sr on sr.id = h.id
             join source_identifier si on si.source_record_id = h.id
           where si.kind not in (select unnest(?::text[]))
             and not encode(si.value_hash, 'hex') = any(h.kept))`,
      [json(held), pgArray([...CONTACT_KINDS])],
    );
    return rows.map((r) => r.id);
  }

  /** Records per name key, as name_count (kept by the database) holds them. */
  private async countedNames(keys: string[]): Promise<Map<string, number>> {
    const rows = await boundSql<{ name_key: string; records: number }[]>(
      this.em,
      `select name_key, records from name_count where name_key = any(?::text[])`,
      [pgArray([...new Set(keys)])],
    );
    return new Map(rows.map((r) => [r.name_key, r.records]));
  }

  /**
   * The customers whose grouping the batch can change: those holding a record that shares
   * a blocking key with a record of the batch (by digest for identifiers), the batch's own
   * records' customers, and those bearing a name or value whose weight moved. Locked, in id
   * order, for the rest of the transaction.
   */
  private async neighbourhood(
    records: PreparedCustomer[],
    ids: Map<number, string>,
    generic: Map<string, SharedValue>,
    crossedNames: CrossedName[],
    carriers: string[],
    also: BlockingKeys,
  ): Promise<string[]> {
    const identifiers: BlockingIdentifier[] = [
      ...also.identifiers,
      ...records.flatMap((r) =>
        r.identifiers
          .filter((i) => i.kind !== 'ADDRESS')
          .filter((i) => {
            const g = generic.get(`${i.kind}:${hex(i.hash)}`);
            return !g || !g.before || !g.after;
          })
          .flatMap((i) => [
            {
              kind: i.kind as string,
              hash: hex(i.hash),
              body: i.bodyHash ? hex(i.bodyHash) : null,
              head: i.swapHashes ? hex(i.swapHashes.head) : null,
              tail: i.swapHashes ? hex(i.swapHashes.tail) : null,
            },
            ...(i.repairBodyHashes ?? []).map((body) => ({
              kind: i.kind as string,
              hash: null,
              body: hex(body),
            })),
            ...(i.twinHashes ?? []).map((twin) => ({
              kind: i.kind as string,
              hash: hex(twin),
              body: null,
            })),
          ]),
      ),
      // A value an updated record drops, when that ends its being generic.
      ...[...generic.values()]
        .filter((g) => g.before !== g.after)
        .map(({ kind, hash }) => ({ kind, hash, body: null })),
    ];
    const names = [
      ...records
        .filter((r) => r.kind === CustomerKind.INDIVIDUAL && r.birthDate)
        .map((r) => ({ key: r.names.key, pinyin: r.names.pinyin, birthDate: r.birthDate! })),
      ...also.names,
    ].map(({ birthDate, ...name }) => ({ ...name, ...datesSharingBlocks(birthDate) }));
    const organisations = [
      ...records.filter((r) => r.kind === CustomerKind.ORGANISATION).map((r) => r.names.key),
      ...also.organisations,
    ];
    const addresses: NamedAddress[] = [
      ...records
        .filter((r) => r.kind === CustomerKind.INDIVIDUAL)
        .flatMap((r) =>
          r.identifiers
            .filter((i) => i.kind === 'ADDRESS')
            .map((i) => ({ key: r.names.key, pinyin: r.names.pinyin, hash: hex(i.hash) })),
        ),
      ...also.addresses,
    ];
    const rows = await boundSql<{ customer_id: string }[]>(
      this.em,
      `with recursive ids as (select kind, decode(hash, 'hex') as h, decode(body, 'hex') as b,
                      decode(head, 'hex') as hd, decode(tail, 'hex') as tl
                    from jsonb_to_recordset(?::jsonb)
                      i(kind text, hash text, body text, head text, tail text)),
       names as (select n.*, date_trunc('year', "from")::date as year_start,
                   (date_trunc('year', "from") + interval '1 year - 1 day')::date as year_end
                 from jsonb_to_recordset(?::jsonb)
                   n(key text, pinyin text, "from" date, "to" date, days date[],
                     "otherYears" date[])),
       named_addresses as (select key, pinyin, decode(hash, 'hex') as h
                           from jsonb_to_recordset(?::jsonb) a(key text, pinyin text, hash text)),
       crossed as (select * from jsonb_to_recordset(?::jsonb)
                     c(key text, records int, pinyin text)),
       -- A name's sound, as the batch has it, and as its bearers hold it (one of them tells;
       -- those kept before matching hold none).
       sounds as (select distinct s.pinyin, c.records from crossed c cross join lateral (
           select c.pinyin where c.pinyin <> ''
           union all
           (select o.name_pinyin from source_record o
            where o.name_key = c.key and o.name_pinyin <> '' limit 1)) s(pinyin)),
       -- Records whose comparisons the batch changes: its own, the carriers of a value that
       -- flips, the bearers of a name whose weight moves, and of its homophones and
       -- romanisations (司马广, SIMA GUANG for 司马光) no commoner than it: a match by sound
       -- is weighed by the commoner spelling's count.
       changed as (select unnest(?::uuid[]) as id
         union select sr.id from source_record sr where sr.name_key in (select key from crossed)
         union select sr.id from sounds s join source_record sr on sr.name_pinyin = s.pinyin
           join name_count nc on nc.name_key = sr.name_key and nc.records <= s.records),
       found as (
         select si.source_record_id as id from ids join source_identifier si
           on si.kind = ids.kind and si.value_hash = ids.h
         union select si.source_record_id from ids join source_identifier si on si.body_hash = ids.b
         -- Resident IDs failing their check, one swap from the number: a few in a million.
         union select si.source_record_id from ids join source_identifier si
           on si.swap_head_hash = ids.hd and si.checksum_exception
         union select si.source_record_id from ids join source_identifier si
           on si.swap_tail_hash = ids.tl and si.checksum_exception
         -- One range of the index per name and year, filtered: a probe per day of the
         -- blocks (a dozen a name) cost more than the few namesakes of a year.
         union select sr.id from names join source_record sr
           on sr.name_key = names.key and sr.birth_date between names.year_start and names.year_end
             and (sr.birth_date between names."from" and names."to" or sr.birth_date = any(names.days))
         union select sr.id from names join source_record sr
           on sr.name_pinyin = names.pinyin
             and sr.birth_date between names.year_start and names.year_end
             and (sr.birth_date between names."from" and names."to" or sr.birth_date = any(names.days))
         -- The same day of the years a digit apart: a probe each, a dozen a name at most.
         union select sr.id from names join source_record sr
           on sr.name_key = names.key and sr.birth_date = any(names."otherYears")
         union select sr.id from names join source_record sr
           on sr.name_pinyin = names.pinyin and sr.birth_date = any(names."otherYears")
         union select sr.id from source_record sr
           where sr.kind = 'ORGANISATION' and sr.name_key in (select jsonb_array_elements_text(?::jsonb))
         -- A name at an address: the address's carriers, of that name. Each address's
         -- carriers read once, whatever number of names the batch brings to it: a dealer's
         -- address on thousands of records, joined per name, read them per name.
         union select sr.id from source_identifier si join source_record sr on sr.id = si.source_record_id
           where si.kind = 'ADDRESS' and si.value_hash in (select h from named_addresses)
             and ((si.value_hash, sr.name_key) in (select h, key from named_addresses)
                  or (si.value_hash, sr.name_pinyin) in
                       (select h, pinyin from named_addresses where pinyin <> ''))
         union select id from changed),
       -- As an array: the planner then probes the key for these few ids, where a join
       -- read the whole table (a second a batch at a million records).
       near as (select distinct sr.customer_id from source_record sr
                where sr.id = any(array(select id from found))),
       -- And the people a record of the region is torn between (AMBIGUOUS), and the people
       -- those are torn between in turn: torn only with both in sight, a record would be
       -- pulled into one by a later record joining that one, or by one that brings only one
       -- of them into the region.
       torn(customer_id) as (
         select customer_id from near
         union
         select o.customer_id from torn t
           join source_record sr on sr.customer_id = t.customer_id
           cross join lateral (
             select m.record_b_id as other from match_review m
             where m.record_a_id = sr.id and m.status = 'OPEN' and m.rule = 'AMBIGUOUS'
             union all
             select m.record_a_id from match_review m
             where m.record_b_id = sr.id and m.status = 'OPEN' and m.rule = 'AMBIGUOUS') p
           join source_record o on o.id = p.other)
       select customer_id from torn
       -- And the customers the region's records have open review tasks with: regrouping
       -- replaces the tasks between the region's records, one a pair of customers, and such
       -- a task must be among them (two customers a record joins into one would otherwise
       -- keep a task each to a third).
       union select sr.customer_id from torn join source_record r on r.customer_id = torn.customer_id
         join match_review m on m.record_a_id = r.id and m.status = 'OPEN'
         join source_record sr on sr.id = m.record_b_id
       union select sr.customer_id from torn join source_record r on r.customer_id = torn.customer_id
         join match_review m on m.record_b_id = r.id and m.status = 'OPEN'
         join source_record sr on sr.id = m.record_a_id
       order by 1`,
      [
        json(identifiers),
        json(names),
        json(addresses),
        json(crossedNames),
        pgArray([...ids.values(), ...carriers]),
        json(organisations),
      ],
    );
    const customers = rows.map((r) => r.customer_id);
    await boundSql(
      this.em,
      `select count(*) from (select id from customer where id = any(?::uuid[]) order by id for update) locked`,
      [pgArray(customers)],
    );
    return customers;
  }

  /**
   * Every source record of these customers, with what matching compares: decrypted, but for
   * mobiles and e-mails, which it compares by digest (see matchRecordOf).
   */
  private async storedRecords(customers: string[], batchIds: string[]): Promise<StoredRecord[]> {
    if (customers.length === 0) return [];
    const rows = await boundSql<
      {
        id: string;
        source_system: string;
        source_key: string;
        customer_id: string;
        branch_id: string;
        since: string;
        customer_created: string;
        cif_no: string;
        kind: CustomerKind;
        name: string;
        name_key: string | null;
        name_pinyin: string | null;
        gender: 'MALE' | 'FEMALE' | null;
        birth_date: string | null;
        link_evidence: unknown;
        identifiers: { kind: IdentifierKind; cipher: string | null; hash: string }[];
      }[]
    >(
      this.em,
      `select sr.id, sr.source_system, sr.source_key, sr.customer_id,
         coalesce(sr.branch_id, c.branch_id) as branch_id, ${sortable('sr.created_at')} as since,
         ${sortable('c.created_at')} as customer_created,
         c.cif_no, coalesce(sr.kind, c.kind) as kind, coalesce(sr.name, c.name) as name, sr.name_key,
         sr.name_pinyin, sr.gender, sr.birth_date::text, sr.link_evidence,
         coalesce((select json_agg(json_build_object('kind', si.kind,
                     'cipher', case when si.kind not in ('MOBILE', 'EMAIL') then si.value_cipher end,
                     'hash', encode(si.value_hash, 'hex')))
                   from source_identifier si where si.source_record_id = sr.id), '[]') as identifiers
       from source_record sr join customer c on c.id = sr.customer_id
       where sr.customer_id = any(?::uuid[]) and sr.id not in (select unnest(?::uuid[]))`,
      [pgArray(customers), pgArray(batchIds)],
    );
    return rows.map((row) => {
      const plain = row.identifiers.flatMap(({ kind, cipher }) =>
        cipher === null ? [] : [{ kind, value: this.sealer.cipher.decrypt(cipher) }],
      );
      const values = (kind: string) => plain.filter((i) => i.kind === kind).map((i) => i.value);
      const digests = (kind: string) =>
        row.identifiers.filter((i) => i.kind === kind).map((i) => i.hash);
      return {
        id: row.id,
        key: `${row.source_system}:${row.source_key}`,
        customerId: row.customer_id,
        branchId: row.branch_id,
        since: row.since,
        customerCreated: row.customer_created,
        cifNo: row.cif_no,
        nameKey: row.name_key,
        namePinyin: row.name_pinyin,
        evidence: row.link_evidence,
        name: row.name,
        documents: row.identifiers.filter((i) => IDENTIFYING.has(i.kind)).map((i) => i.hash),
        match: {
          id: row.id,
          kind: row.kind,
          // As matching stored them (about 20 µs a name to compute again, for every record of
          // the neighbourhood). Records kept before matching get theirs here: their key was
          // made in SQL, without folding traditional characters, and they have no pinyin.
          name:
            row.name_key === null ||
            (row.kind === CustomerKind.INDIVIDUAL && row.name_pinyin === null)
              ? nameForms(row.kind, row.name)
              : { key: row.name_key, pinyin: row.name_pinyin ?? '' },
          birthDate: row.birth_date ?? undefined,
          gender: row.gender ?? undefined,
          documents: plain
            .filter((i) => !CONTACT_KINDS.has(i.kind))
            .map((i) => ({ type: i.kind, number: i.value })),
          mobiles: digests('MOBILE'),
          emails: digests('EMAIL'),
          addresses: values('ADDRESS'),
        },
      };
    });
  }

  /**
   * What comparisons weigh against, as the database will hold it once the batch is in:
   * name frequencies (in power-of-two buckets) and generic values, for every name and
   * value in the neighbourhood.
   */
  private async context(
    stored: StoredRecord[],
    records: PreparedCustomer[],
    existing: Map<string, Existing>,
    batchValues: Map<string, SharedValue>,
  ): Promise<MatchContext> {
    const names = [
      ...new Set([...stored.map((s) => s.match.name.key), ...records.map((r) => r.names.key)]),
    ];
    // Mobiles and e-mails are compared by digest (matchRecordOf, storedRecords).
    const hashes = new Map<string, { kind: string; hash: string }>();
    const add = (kind: string, hash: string) => hashes.set(`${kind}:${hash}`, { kind, hash });
    for (const { match } of stored) {
      for (const hash of match.mobiles) add('MOBILE', hash);
      for (const hash of match.emails) add('EMAIL', hash);
    }
    for (const r of records) {
      for (const i of r.identifiers) {
        if (i.kind === 'MOBILE' || i.kind === 'EMAIL') add(i.kind, hex(i.hash));
      }
    }
    // The batch's own values were counted as they will be once it is in (genericValues): only
    // the rest of the neighbourhood's are looked up.
    const others = [...hashes].filter(([id]) => !batchValues.has(id)).map(([, h]) => h);
    // The batch's records as the database holds them now (new ones are not there yet).
    const batchIds = records.flatMap((r) => existing.get(keyOf(r))?.id ?? []);
    const { after: frequency } = await this.nameCounts(names, records, existing);
    const holders = await boundSql<{ kind: string; hash: string; names: string[] }[]>(
      this.em,
      `with wanted as (select kind, decode(hash, 'hex') as value_hash, hash
                       from jsonb_to_recordset(?::jsonb) w(kind text, hash text))
       select w.kind, w.hash, array_agg(distinct ${holderSql('sr')}) as names
       from wanted w join source_identifier si on si.kind = w.kind and si.value_hash = w.value_hash
         join source_record sr on sr.id = si.source_record_id
       where sr.id not in (select unnest(?::uuid[]))
       group by w.kind, w.hash`,
      [json(others), pgArray(batchIds)],
    );
    const generic = new Set(
      holders
        .filter((h) => h.names.length >= this.settings.genericHolders)
        .map((h) => `${h.kind}:${h.hash}`),
    );
    for (const [id, { after }] of batchValues) if (after) generic.add(id);
    return {
      nameFrequency: (name) =>
        expectedHolders(name, frequency.get(name.key) ?? 0, this.settings.namePopulation),
      totalRecords: this.settings.namePopulation,
      isGeneric: (kind, hash) => generic.has(`${kind}:${hash}`),
    };
  }

  /**
   * The steward decisions on these records. A SAME_CUSTOMER stands for the identifying
   * documents the two held when the steward decided (`documents`, each record's now): once a
   * source gives either another (dropping one is none: documentsGained), the pair is matched
   * on what it says now, so a record that a steward joined to a customer and its source then
   * re-sent as someone else does not bring that someone's customer along. A record re-sent under no new document but with a name of
   * another sound or another sex (identityChanged) stays where the steward put it (a source
   * correcting a name must not undo a steward's merge), and is `changed`: see cluster.
   */
  private async verdicts(records: ClusterRecord[], documents: Map<string, string[]>) {
    const rows = await boundSql<
      {
        record_a_id: string;
        record_b_id: string;
        verdict: MatchVerdict;
        documents: string | null;
        identities: string | null;
      }[]
    >(
      this.em,
      // Newest first: two steward merges that a do-not-merge sets against each other (the
      // older one lapsed when the merge was made, and applies again) cannot both hold, and
      // cluster() links a steward's SAME_CUSTOMER pairs in this order: the newer word stands.
      `select record_a_id, record_b_id, verdict, documents, identities from match_decision
       where record_a_id = any(?::uuid[]) or record_b_id = any(?::uuid[])
       order by decided_at desc, record_a_id, record_b_id`,
      [pgArray(records.map((r) => r.id)), pgArray(records.map((r) => r.id))],
    );
    const byId = new Map(records.map((r) => [r.id, r]));
    const lapsed = (row: (typeof rows)[number]) =>
      row.verdict === MatchVerdict.SAME_CUSTOMER &&
      row.documents !== null &&
      documents.has(row.record_a_id) &&
      documents.has(row.record_b_id) &&
      documentsGained(
        row.documents,
        documents.get(row.record_a_id)!,
        documents.get(row.record_b_id)!,
      );
    const changed = (row: (typeof rows)[number]): string[] => {
      if (row.verdict !== MatchVerdict.SAME_CUSTOMER || row.identities === null) return [];
      const then = row.identities.split('|');
      return [row.record_a_id, row.record_b_id].filter((id, i) => {
        const record = byId.get(id);
        return record !== undefined && identityChanged(then[i]!, identityOf(record.match));
      });
    };
    return rows
      .filter((r) => !lapsed(r))
      .map((r) => ({
        a: r.record_a_id,
        b: r.record_b_id,
        verdict: r.verdict,
        changed: changed(r),
      }));
  }

  private async writeRecords(
    records: PreparedCustomer[],
    ids: Map<number, string>,
    customerOf: Map<string, string>,
    links: Map<string, ScoredPair>,
    byKey: Map<string, ClusterRecord>,
  ): Promise<void> {
    const keyById = new Map([...byKey.values()].map((r) => [r.id, r.key]));
    const now = this.clock.now().toISOString();
    await boundSql(
      this.em,
      `insert into source_record (id, created_at, updated_at, source_system, source_key, customer_id,
         attributes, content_hash, received_at, kind, name, name_key, name_pinyin, gender,
         birth_date, branch_id, marketing_consent, consent_at, consent_channel, link_evidence)
       select r.id, ?, ?, r.source_system, r.source_key, r.customer_id, r.attributes, r.content_hash,
         ?, r.kind, r.name, r.name_key, r.name_pinyin, r.gender, r.birth_date, r.branch_id,
         r.marketing_consent, r.consent_at, r.consent_channel, r.link_evidence
       from jsonb_to_recordset(?::jsonb) r(id uuid, source_system text, source_key text,
         customer_id uuid, attributes jsonb, content_hash text, kind text, name text, name_key text,
         name_pinyin text, gender text, birth_date date, branch_id uuid, marketing_consent boolean,
         consent_at timestamptz, consent_channel text, link_evidence jsonb)
       order by r.source_system, r.source_key
       on conflict (source_system, source_key) do update set customer_id = excluded.customer_id,
         attributes = excluded.attributes, content_hash = excluded.content_hash,
         received_at = excluded.received_at, kind = excluded.kind, name = excluded.name,
         name_key = excluded.name_key, name_pinyin = excluded.name_pinyin, gender = excluded.gender,
         birth_date = excluded.birth_date, branch_id = excluded.branch_id,
         marketing_consent = excluded.marketing_consent, consent_at = excluded.consent_at,
         consent_channel = excluded.consent_channel, link_evidence = excluded.link_evidence,
         updated_at = excluded.updated_at`,
      [
        now,
        now,
        now,
        json(
          records.map((r) => {
            const id = ids.get(r.index)!;
            return {
              id,
              source_system: r.sourceSystem,
              source_key: r.sourceKey,
              customer_id: customerOf.get(id),
              attributes: r.attributes,
              content_hash: r.contentHash,
              kind: r.kind,
              name: r.name,
              name_key: r.names.key,
              name_pinyin: r.names.pinyin || null,
              gender: r.gender ?? null,
              birth_date: r.birthDate ?? null,
              branch_id: r.branchId,
              marketing_consent: r.consent?.given ?? null,
              consent_at: r.consent?.at ?? null,
              consent_channel: r.consent?.channel ?? null,
              link_evidence: linkEvidence(links.get(id), id, keyById),
            };
          }),
        ),
      ],
    );
    // Only what changed: a value the record no longer carries goes, a new one comes, and one
    // it carried before keeps its row (and its sealing, which key rotation renews) unless
    // what is said about it changed. Rewriting every value of an updated record cost four
    // index entries each, into indexes far larger than memory.
    await boundSql(
      this.em,
      `with batch as (
         select i.record, i.kind, decode(i.hash, 'hex') as value_hash, i.cipher, i.masked,
           decode(i.body, 'hex') as body_hash, decode(i.head, 'hex') as swap_head_hash,
           decode(i.tail, 'hex') as swap_tail_hash, i.suspect, i.status, i.method, i.verified_at
         from jsonb_to_recordset(?::jsonb) i(record uuid, kind text, hash text, cipher text,
           masked text, body text, head text, tail text, suspect boolean, status text,
           method text, verified_at timestamptz)),
       gone as (
         delete from source_identifier si where si.source_record_id = any(?::uuid[])
           and not exists (select 1 from batch b where b.record = si.source_record_id
                             and b.kind = si.kind and b.value_hash = si.value_hash))
       insert into source_identifier as si (source_record_id, kind, value_hash, value_cipher,
         value_masked, body_hash, swap_head_hash, swap_tail_hash, checksum_exception,
         verification_status, verification_method, verified_at)
       select record, kind, value_hash, cipher, masked, body_hash, swap_head_hash,
         swap_tail_hash, suspect, status, method, verified_at
       from batch
       on conflict (source_record_id, kind, value_hash) do update set
         value_cipher = excluded.value_cipher, value_masked = excluded.value_masked,
         body_hash = excluded.body_hash, swap_head_hash = excluded.swap_head_hash,
         swap_tail_hash = excluded.swap_tail_hash, checksum_exception = excluded.checksum_exception,
         verification_status = case when ${KEEPS_VERIFICATION} then si.verification_status
           else excluded.verification_status end,
         verification_method = case when ${KEEPS_VERIFICATION} then si.verification_method
           else excluded.verification_method end,
         verified_at = case when ${KEEPS_VERIFICATION} then si.verified_at
           else excluded.verified_at end
       where (si.value_masked, si.body_hash, si.swap_head_hash, si.swap_tail_hash,
              si.checksum_exception, si.verification_status, si.verification_method,
              si.verified_at)
         is distinct from
             (excluded.value_masked, excluded.body_hash, excluded.swap_head_hash,
              excluded.swap_tail_hash, excluded.checksum_exception,
              excluded.verification_status, excluded.verification_method, excluded.verified_at)`,
      [
        json(
          records.flatMap((r) =>
            r.identifiers.map((i) => ({
              record: ids.get(r.index),
              kind: i.kind,
              hash: hex(i.hash),
              cipher: i.cipher,
              masked: i.masked,
              body: i.bodyHash ? hex(i.bodyHash) : null,
              head: i.swapHashes ? hex(i.swapHashes.head) : null,
              tail: i.swapHashes ? hex(i.swapHashes.tail) : null,
              suspect: i.checksumException,
              status: i.verificationStatus,
              method: i.verificationMethod ?? null,
              verified_at: i.verifiedAt ?? null,
            })),
          ),
        ),
        pgArray(records.map((r) => ids.get(r.index)!)),
      ],
    );
  }

  /**
   * The neighbourhood's other records, where regrouping moved them or changed why they
   * are there; and the pinyin of records kept before matching, filled in as they come by.
   */
  private async regroup(
    stored: StoredRecord[],
    customerOf: Map<string, string>,
    links: Map<string, ScoredPair>,
    byKey: Map<string, ClusterRecord>,
    batch: Set<string>,
  ): Promise<void> {
    const keyById = new Map([...byKey.values()].map((r) => [r.id, r.key]));
    const changes = stored
      .filter((s) => !batch.has(s.id))
      .map((s) => ({
        id: s.id,
        customer_id: customerOf.get(s.id)!,
        link_evidence: linkEvidence(links.get(s.id), s.id, keyById),
        name_key: s.match.name.key,
        name_pinyin: s.match.name.pinyin || null,
        was: s,
      }))
      .filter(
        (c) =>
          c.customer_id !== c.was.customerId ||
          json(c.link_evidence) !== json(c.was.evidence ?? null) ||
          c.name_key !== c.was.nameKey ||
          c.name_pinyin !== c.was.namePinyin,
      )
      .map(({ was: _was, ...c }) => c);
    if (changes.length === 0) return;
    await boundSql(
      this.em,
      `update source_record sr set customer_id = c.customer_id, link_evidence = c.link_evidence,
         name_key = c.name_key, name_pinyin = c.name_pinyin, updated_at = ?::timestamptz
       from jsonb_to_recordset(?::jsonb) c(id uuid, customer_id uuid, link_evidence jsonb,
         name_key text, name_pinyin text)
       where sr.id = c.id`,
      [this.clock.now().toISOString(), json(changes)],
    );
  }

  /**
   * Review tasks: the neighbourhood's pairs that scored between the thresholds and sit in
   * different customers. A task between two of the region's records that matching no longer
   * proposes is superseded; one with a record outside stands (neither record changed, or its
   * other record would be in the region); one a steward decided stays as decided.
   */
  private async reviews(pairs: ScoredPair[], region: string[]): Promise<void> {
    await boundSql(
      this.em,
      `with clock as (select ?::timestamptz as at),
       proposed as (
         select * from jsonb_to_recordset(?::jsonb) p(a uuid, b uuid, score float8, rule text, evidence jsonb)),
       superseded as (
         update match_review m set status = 'SUPERSEDED', updated_at = (select at from clock)
         where m.status = 'OPEN' and m.record_a_id = any(?::uuid[]) and m.record_b_id = any(?::uuid[])
           and not exists (select 1 from proposed p where p.a = m.record_a_id and p.b = m.record_b_id))
       insert into match_review (id, created_at, updated_at, record_a_id, record_b_id, score, rule,
         evidence)
       select gen_random_uuid(), clock.at, clock.at, a, b, score, rule, evidence
       from proposed, clock order by a, b
       on conflict (record_a_id, record_b_id) do update set score = excluded.score,
         rule = excluded.rule, evidence = excluded.evidence, updated_at = excluded.updated_at,
         status = case when match_review.status = 'SUPERSEDED' then 'OPEN' else match_review.status end
       where match_review.status in ('OPEN', 'SUPERSEDED')`,
      [
        this.clock.now().toISOString(),
        json(
          pairs.map((p) => {
            const [a, b] = p.a < p.b ? [p.a, p.b] : [p.b, p.a];
            return {
              a,
              b,
              score: p.comparison.score,
              rule: p.comparison.rule,
              evidence: p.comparison.evidence,
            };
          }),
        ),
        pgArray(region),
        pgArray(region),
      ],
    );
  }
}

interface CustomerPlan {
  /** Record id → the customer it ends with. */
  customerOf: Map<string, string>;
  created: NewCustomer[];
  merges: { survivor: string; absorbed: string }[];
  /** Customers whose golden record must be recomputed. */
  touched: Set<string>;
}

/**
 * Where the region's records go (planCustomers), and the records it moves to another
 * customer than the one they were with: each with its heirs, its old companions it parts
 * from. A record following its customer into a merge survivor did not move.
 */
function layOut(
  region: { stored: StoredRecord[]; clusters: Clusters },
  { records, ids, existing }: BatchRegion,
  batchHeld: Holding[],
  moving: string[],
  move: boolean,
) {
  const seeds = new Map<string, NewCustomer>();
  for (const s of region.stored) {
    seeds.set(s.id, {
      id: '',
      kind: s.match.kind as CustomerKind,
      name: s.name,
      branch: s.branchId,
    });
  }
  for (const r of records) {
    seeds.set(ids.get(r.index)!, { id: '', kind: r.kind, name: r.name, branch: r.branchId! });
  }
  // Customers are numbered in the order the batch lists their first record.
  const position = new Map(records.map((r) => [ids.get(r.index)!, r.index]));
  const groups = region.clusters.groups
    .map((group) => ({ group, at: Math.min(...group.map((id) => position.get(id) ?? Infinity)) }))
    .sort((x, y) => x.at - y.at)
    .map(({ group }) => group);
  // The batch's own records were with customers too: those count where they stay.
  const held: Holding[] = [...region.stored, ...batchHeld];
  // Records the source re-sent under another name: where a customer held no other, it is
  // the customer that moved.
  const renamed = new Set(
    records.flatMap((r) => {
      const was = existing.get(keyOf(r));
      return was?.nameKey != null && was.nameKey !== r.names.key ? [was.id] : [];
    }),
  );
  const plan = planCustomers(
    groups,
    held,
    seeds,
    new Set([...ids.values(), ...(move ? moving : [])]),
    renamed,
    !move,
  );
  const absorbedInto = new Map(plan.merges.map((m) => [m.absorbed, m.survivor]));
  // Each customer's records, read once: a batch regrouping thousands would otherwise scan
  // the region once per record it moves.
  const companions = new Map<string, Holding[]>();
  for (const h of held) {
    const records = companions.get(h.customerId);
    if (records) records.push(h);
    else companions.set(h.customerId, [h]);
  }
  const moved = held.flatMap((s) => {
    const to = plan.customerOf.get(s.id);
    if (!to || to === s.customerId || absorbedInto.get(s.customerId) === to) return [];
    const heirs = companions
      .get(s.customerId)!
      .filter((h) => plan.customerOf.get(h.id) !== to)
      .map((h) => h.id);
    return [{ record: s, to, heirs }];
  });
  return { plan, held, moved };
}

/**
 * The do-not-merge pairs that records leaving their customer (`moved`) hand on to their heirs
 * (handOverApart), of the region's, not among `verdicts` yet: clustered with them, the heirs
 * do not join the other customer in the batch that parts them from the decided record (its
 * mobile shared with the other's record, say, was all that held them apart). Pairs whose
 * other record left too pass to its heirs the round after.
 */
function handedOver(
  moved: { record: Holding; heirs: string[] }[],
  verdicts: StewardVerdict[],
  plan: CustomerPlan,
  held: Holding[],
): StewardVerdict[] {
  const pair = (x: string, y: string) => (x < y ? `${x} ${y}` : `${y} ${x}`);
  const decided = new Set(verdicts.map((v) => pair(v.a, v.b)));
  const apartFrom = new Map<string, string[]>();
  for (const v of verdicts) {
    if (v.verdict !== 'DIFFERENT_CUSTOMERS') continue;
    apartFrom.set(v.a, [...(apartFrom.get(v.a) ?? []), v.b]);
    apartFrom.set(v.b, [...(apartFrom.get(v.b) ?? []), v.a]);
  }
  const more: StewardVerdict[] = [];
  const was = new Map(held.map((h) => [h.id, h.customerId]));
  for (const { record, heirs } of moved) {
    for (const other of apartFrom.get(record.id) ?? []) {
      // A steward's split of their customer: it kept the record from its old companions,
      // not them from each other.
      if (!plan.customerOf.has(other) || was.get(other) === record.customerId) continue;
      for (const heir of heirs) {
        if (heir === other || decided.has(pair(heir, other))) continue;
        decided.add(pair(heir, other));
        more.push({ a: heir, b: other, verdict: 'DIFFERENT_CUSTOMERS' });
      }
    }
  }
  return more;
}

/**
 * Stored records whose customer's records (the batch's among them, where they were held)
 * the groups part: each part may now join records its old companions kept apart.
 */
function splitOff(stored: StoredRecord[], batchHeld: Holding[], groups: string[][]): string[] {
  const groupOf = new Map<string, number>();
  groups.forEach((group, i) => group.forEach((id) => groupOf.set(id, i)));
  const parts = new Map<string, Set<number>>();
  for (const s of [...stored, ...batchHeld]) {
    const seen = parts.get(s.customerId) ?? new Set<number>();
    seen.add(groupOf.get(s.id)!);
    parts.set(s.customerId, seen);
  }
  return stored.filter((s) => parts.get(s.customerId)!.size > 1).map((s) => s.id);
}

/**
 * Which customer each group of records is. A customer stays with the group holding most
 * of its records that the batch did not change, or of all its records where it changed
 * every one (ties: the group with the earliest of them); a group that several
 * customers stay with keeps the oldest of those holding a record the batch did not rename
 * (the oldest of all where none does), and the others are merged into it; a group no customer stays with
 * is a new customer. Ids handed out keep resolving either way.
 */
function planCustomers(
  groups: string[][],
  held: Holding[],
  seeds: Map<string, NewCustomer>,
  batchIds: Set<string>,
  renamed: Set<string>,
  /** Each customer stays with the group of its first record, whatever the counts. */
  withFirst = false,
): CustomerPlan {
  const storedById = new Map(held.map((s) => [s.id, s]));
  const groupOf = new Map<string, number>();
  groups.forEach((g, i) => g.forEach((id) => groupOf.set(id, i)));

  const byCustomer = new Map<string, Holding[]>();
  for (const s of held) byCustomer.set(s.customerId, [...(byCustomer.get(s.customerId) ?? []), s]);
  // Per group, the first record of each customer staying with it, and whether the customer
  // kept a record the batch did not rename.
  const homes = new Map<number, { first: Holding; kept: boolean }[]>();
  for (const held of byCustomer.values()) {
    // What the batch left as it was decides: a record the batch changed is what moved, and
    // the id stays with the records that did not (a record sent anew with another person's
    // details must not take its customer's id to that person).
    const unchanged = held.filter((r) => !batchIds.has(r.id));
    const records = unchanged.length > 0 ? unchanged : held;
    const counts = new Map<number, number>();
    for (const r of records)
      counts.set(groupOf.get(r.id)!, (counts.get(groupOf.get(r.id)!) ?? 0) + 1);
    // The customer stays where its first record is: the id follows what it was made for.
    const first = [...records].sort((x, y) => byCode(x.since, y.since) || byCode(x.key, y.key))[0];
    const home = withFirst
      ? groupOf.get(first.id)!
      : [...counts.entries()].sort(
          ([ga, na], [gb, nb]) =>
            nb - na || Number(gb === groupOf.get(first.id)) - Number(ga === groupOf.get(first.id)),
        )[0][0];
    const kept = held.some((r) => !renamed.has(r.id));
    homes.set(home, [...(homes.get(home) ?? []), { first, kept }]);
  }

  const plan: CustomerPlan = { customerOf: new Map(), created: [], merges: [], touched: new Set() };
  groups.forEach((group, i) => {
    // A customer whose records the batch all renamed (its source re-sent them as someone
    // else) is what moved: it is merged into the customer it joined, not that one into it.
    const staying = (homes.get(i) ?? [])
      .sort(
        (x, y) =>
          Number(y.kept) - Number(x.kept) ||
          byCode(x.first.customerCreated, y.first.customerCreated) ||
          x.first.cifNo.localeCompare(y.first.cifNo),
      )
      .map((home) => home.first);
    let customer: string;
    if (staying.length === 0) {
      customer = randomUUID();
      const seed = seeds.get(group.find((id) => batchIds.has(id)) ?? group[0])!;
      plan.created.push({ ...seed, id: customer });
    } else {
      customer = staying[0].customerId;
      for (const other of staying.slice(1)) {
        plan.merges.push({ survivor: customer, absorbed: other.customerId });
      }
    }
    for (const id of group) {
      plan.customerOf.set(id, customer);
      const was = storedById.get(id)?.customerId;
      if (was !== customer || batchIds.has(id)) {
        plan.touched.add(customer);
        if (was) plan.touched.add(was);
      }
    }
  });
  for (const m of plan.merges) plan.touched.delete(m.absorbed);
  return plan;
}

/** The link that holds a record with its customer, as stored on it and read by stewards. */
function linkEvidence(pair: ScoredPair | undefined, id: string, keyById: Map<string, string>) {
  if (!pair) return null;
  const other = pair.a === id ? pair.b : pair.a;
  return {
    rule: pair.forced ? 'STEWARD' : pair.comparison.rule,
    score: pair.comparison.score,
    with: keyById.get(other),
    evidence: pair.comparison.evidence,
  };
}

/** The strongest link between a survivor's records and an absorbed customer's. */
function evidenceBetween(
  links: Map<string, ScoredPair>,
  customerOf: Map<string, string>,
  held: Holding[],
  merge: { survivor: string; absorbed: string },
) {
  const was = new Map(held.map((s) => [s.id, s.customerId]));
  const pair = [...links.values()]
    .filter((p) => customerOf.get(p.a) === merge.survivor && customerOf.get(p.b) === merge.survivor)
    .filter((p) => [p.a, p.b].some((id) => was.get(id) === merge.absorbed))
    .sort((x, y) => y.comparison.score - x.comparison.score)[0];
  return pair
    ? {
        rule: pair.forced ? 'STEWARD' : pair.comparison.rule,
        score: pair.comparison.score,
        evidence: pair.comparison.evidence,
      }
    : undefined;
}

/** Each branch code's open branch: a closed one's successor, as source systems learn late. */
export async function openBranches(
  em: EntityManager,
  codes: string[],
): Promise<Map<string, { id?: string; error?: RecordError }>> {
  const rows = await boundSql<
    { asked: string; id: string; code: string; valid_to: string | null }[]
  >(
    em,
    `with recursive asked as (select value as code from jsonb_array_elements_text(?::jsonb)),
     chain as (
       select a.code as asked, b.id, b.code, b.valid_to, b.successor_id, 0 as hops
       from asked a join branch b on upper(b.code) = upper(a.code)
       union all
       select c.asked, b.id, b.code, b.valid_to, b.successor_id, c.hops + 1
       from chain c join branch b on b.id = c.successor_id
       where c.valid_to is not null and c.hops < 32)
     select distinct on (asked) asked, id, code, valid_to::text from chain
     order by asked, hops desc`,
    [json([...new Set(codes)])],
  );
  return new Map(
    rows.map((row) => [
      row.asked,
      row.valid_to
        ? {
            error: {
              field: 'branchCode',
              rule: 'BRANCH_CLOSED',
              message: `branch ${row.code} closed on ${row.valid_to} and no open branch succeeds it`,
            },
          }
        : { id: row.id },
    ]),
  );
}

/** Refuses a branch code no branch has, without repeating it (it may be anything). */
export const UNKNOWN_BRANCH: RecordError = {
  field: 'branchCode',
  rule: 'UNKNOWN_BRANCH',
  message: 'no branch has this code',
};

/**
 * A value's verification as its source record held it stands against a resend that reports
 * an older one, or none (a snapshot taken before the text message, replayed): a check is a
 * dated event, and the latest one any message reported is the one the record says.
 */
const KEEPS_VERIFICATION = `(si.verified_at is not null
  and (excluded.verified_at is null or excluded.verified_at < si.verified_at))`;

/**
 * Consent is the customer's latest word: a record that brings an older one than its source
 * gave before (a message replayed, an export taken before the opt-out), or none, does not
 * bring back a withdrawn consent, or withdraw a newer one. The rest of the record is taken,
 * and the caller told of an older consent.
 */
function withLaterConsent(
  record: PreparedCustomer,
  stored: PreparedCustomer['consent'],
): PreparedCustomer {
  if (!stored || (record.consent && record.consent.at >= stored.at)) return record;
  // A record that says nothing of consent (an export without the field) withdraws none, and
  // gives none back: the word it held stays.
  if (!record.consent) return { ...record, consent: stored };
  return {
    ...record,
    consent: stored,
    warnings: [
      ...record.warnings,
      {
        field: 'marketingConsent.at',
        rule: 'CONSENT_OLDER',
        message: `older than the consent the record holds, of ${stored.at.toISOString()}: that one is kept`,
      },
    ],
  };
}

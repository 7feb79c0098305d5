import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError, ConflictError, NotFoundError } from '../../graphql/errors';
import type { BusinessClock } from '../../time/clock';
import { AuditAction, AuditEvent } from '../audit/audit-event.entity';
import { AuditLog, type AuditActor } from '../audit/audit-log';
import { boundSql, pgArray } from '../../db/bound-sql';
import { CustomerStatus } from '../customer/customer.enums';
import { firstReceived } from '../customer/source-record.entity';
import { CustomerMerge, MergeKind } from '../golden/customer-merge.entity';
import { MatchVerdict } from '../golden/match-decision.entity';
import { ReviewStatus } from '../golden/match-review.entity';
import { DEFAULT_GENERIC_HOLDERS } from '../matching/settings';
import { MATCHING_SPACE } from '../matching/matching-space';
import { recomputeGolden } from '../golden/survivorship';
import { RecomputeCause } from '../tier/tier.service';
import { queueCustomerTiers } from '../tier/recompute-queue';
import {
  apartPairs,
  handOverApart,
  representativeRecords,
  IDENTIFYING_KINDS_SQL,
  recordApart,
  recordDecisions,
  type SavedDecision,
} from './decisions';

/**
 * What a merge does with the rows behind one foreign key to `customer`:
 * - `move`: the absorbed customer's rows go to the survivor;
 * - `close`: the rows stay with the absorbed customer, those matching `where` changed by
 *   `also` (its open tier assignment ends);
 * - `requeue`: nothing changes; the survivor is queued;
 * - `keep`: history that names the customers as they were.
 * Every change of `move` and `close` is journaled, for the unmerge.
 */
export type MergeHandling = 'move' | 'close' | 'requeue' | 'keep';

export interface CustomerReference {
  table: string;
  /** The column that references `customer`. */
  column: string;
  merge: MergeHandling;
  /** What identifies a row (`id` unless given). */
  key?: string[];
  /** `close`: which of the absorbed customer's rows change (SQL over the row `t`). */
  where?: string;
  /**
   * Other columns the merge changes, each with the SQL of its new value over the row `t`
   * and its pair `old` (`old.survivor_id`); `:at` is the merge instant. Journaled.
   */
  also?: Record<string, string>;
  /**
   * Bookkeeping the merge and the unmerge both stamp, as any write would (when the row
   * last changed, its optimistic-lock version): not journaled, never put back.
   */
  stamps?: ('updated_at' | 'version')[];
  /**
   * `move`: the columns that say what a row holds, where the survivor may hold the same (a
   * role on a policy, a contact value): the absorbed customer's row is then dropped, not
   * held twice, journaled whole for the unmerge to put back.
   */
  heldOnce?: string[];
  /** Journaled beside a dropped row: SQL over it (`gone`) of what its return depends on. */
  droppedWith?: Record<string, string>;
  /**
   * `close`: the unmerge leaves the rows the merge closed as they are (history is not
   * rewritten) and opens a copy of each, these columns set by SQL (`:at`, the unmerge).
   */
  reopen?: Record<string, string>;
  /** SQL over a closed row `t`: it is opened again only where true. */
  reopenIf?: string;
  /** SQL over a dropped row `r` and its journal entry `e`: it comes back only where true. */
  restoreIf?: string;
  /** Run over the dropped rows (`:journal`) once those that may have come back. */
  afterRestore?: string;
  /**
   * `move`: the column holding the customer reference the row's source record gave
   * (referenceKey). A row written while the absorbed customer was merged away holds the
   * survivor and is in no journal: the unmerge gives it back when its reference names the
   * absorbed customer again.
   */
  namedBy?: string;
}

/**
 * Every foreign key to `customer` and what a merge does with it: declared once, here, and
 * held equal to the database's foreign keys by a test, so that a table that comes to refer
 * to customers cannot be forgotten by merges.
 */
export const CUSTOMER_REFERENCES: readonly CustomerReference[] = [
  { table: 'source_record', column: 'customer_id', merge: 'move', stamps: ['updated_at'] },
  { table: 'identity_document', column: 'customer_id', merge: 'move', stamps: ['updated_at'] },
  {
    table: 'contact_point',
    column: 'customer_id',
    merge: 'move',
    heldOnce: ['kind', 'value_hash'],
    // The survivor keeps its primary contact of each kind: one primary per kind.
    also: {
      primary: `t."primary" and not exists (select 1 from contact_point s
        where s.customer_id = old.survivor_id and s.kind = t.kind and s."primary")`,
    },
    stamps: ['updated_at'],
  },
  {
    table: 'policy_party',
    column: 'customer_id',
    merge: 'move',
    key: ['policy_id', 'role'],
    heldOnce: ['policy_id', 'role'],
    // A role dropped comes back only to the policy as it was: one its source re-sent while
    // the two were one says anew who holds which role, and an unmerge leaves its word alone.
    droppedWith: { policy_hash: '(select content_hash from policy where id = gone.policy_id)' },
    restoreIf: `not exists (select 1 from policy p where p.id = r.policy_id
      and p.content_hash is distinct from coalesce(e.value->>'policy_hash', p.content_hash))`,
    // A policy re-sent while the two were one was read with both its holders as one customer,
    // who holds a role once: the absorbed one's role is in neither the policy nor the
    // journal. A hash no record makes has the next resend of the policy taken whole, so that
    // its source can say its roles anew, where it would be UNCHANGED.
    afterRestore: `update policy p set content_hash = ''
      from jsonb_array_elements(:journal::jsonb) e, jsonb_populate_record(null::policy_party, e.value) r
      where p.id = r.policy_id
        and p.content_hash is distinct from coalesce(e.value->>'policy_hash', p.content_hash)`,
    namedBy: 'customer_ref',
  },
  {
    table: 'claim',
    column: 'claimant_id',
    merge: 'move',
    stamps: ['updated_at', 'version'],
    namedBy: 'claimant_ref',
  },
  {
    table: 'risk_score',
    column: 'customer_id',
    merge: 'move',
    stamps: ['updated_at'],
    namedBy: 'customer_ref',
  },
  { table: 'eligibility_decision', column: 'customer_id', merge: 'move', stamps: ['updated_at'] },
  // A tier is computed from one customer's data, and its history answers "which tier on
  // that day": moved, the absorbed customer's periods would overlap the survivor's and give
  // it two tiers on past days (tier as of a date, segment counts, transitions). So the
  // absorbed customer keeps its history, its open period ending at the merge, and the
  // survivor is recomputed from everything it now holds. An unmerge opens the tier again
  // from then on (the worker, queued, recomputes it): while merged away, the customer held
  // none of its own. Only under the rules still active: a tier of rules retired since (a
  // tier renamed, or moved by new thresholds) would deny what the customer's real tier
  // grants until the worker came; the customer has none until then.
  {
    table: 'tier_assignment',
    column: 'customer_id',
    merge: 'close',
    where: 't.valid_to is null',
    also: { valid_to: `greatest(:at::timestamptz, t.valid_from)` },
    reopenIf: `t.rule_set_version_id = (select v.id from rule_set_version v
      where v.kind = 'TIER' and v.status = 'ACTIVE')`,
    reopen: {
      id: `nextval(pg_get_serial_sequence('tier_assignment', 'id'))`,
      valid_from: ':at::timestamptz',
      valid_to: 'null',
      computed_xid: 'pg_current_xact_id()',
      cause: `'${RecomputeCause.CHANGE}'`,
    },
  },
  // Customers merged into the absorbed one earlier now point at the survivor: merged_into
  // always names an unmerged customer, so a merged-away id resolves in one step.
  {
    table: 'customer',
    column: 'merged_into_id',
    merge: 'move',
    stamps: ['updated_at', 'version'],
  },
  // The tier worker skips customers that are not active: an absorbed customer's entry is
  // harmless, and the survivor is queued by the merge.
  { table: 'tier_recompute_queue', column: 'customer_id', merge: 'requeue' },
  { table: 'customer_merge', column: 'survivor_id', merge: 'keep' },
  { table: 'customer_merge', column: 'absorbed_id', merge: 'keep' },
];

const CHANGED = CUSTOMER_REFERENCES.filter((r) => r.merge === 'move' || r.merge === 'close');

const keyOf = (table: string) => CHANGED.find((r) => r.table === table)?.key ?? ['id'];

/**
 * A customer column as the journal `j` had it before the merge; a branch closed since with a
 * successor as that successor, where a closing would have moved the customer had it been
 * active (a branch closed without one stays, and the unmerge is refused: BRANCH_CLOSED).
 */
const restoredSql = (column: string) =>
  column === 'branch_id'
    ? `coalesce(branch_open_successor(j.branch_id), j.branch_id)`
    : `j.${column}`;

/** The customer columns a merge (status) or survivorship (golden fields) may rewrite. */
const CUSTOMER_COLUMNS = [
  'status',
  'merged_into_id',
  'name',
  'gender',
  'birth_date',
  'branch_id',
  'marketing_consent',
  'consent_at',
  'consent_channel',
  'lineage',
] as const;

/** Those whose change raises a customer's version: its own fields, not their lineage. */
const OWN_COLUMNS = CUSTOMER_COLUMNS.filter((c) => c !== 'lineage');

type Rows = Record<string, unknown>[];

/** What `customer_merge.journal` holds: enough to put back everything the merge changed. */
export interface MergeJournal {
  version: 1;
  /** Per table, each row the merge changed: its key and the values it replaced. */
  changed: Record<string, Rows>;
  /** Rows the merge deleted (a policy role or a contact value the survivor held too), whole. */
  removed: Record<string, Rows>;
  /** Both customers' own columns before the merge. */
  customers: { survivor: Record<string, unknown>; absorbed: Record<string, unknown> };
  /**
   * The SAME_CUSTOMER decision a steward merge recorded, the one it replaced, and its two
   * records (absent from merges journaled before they were kept).
   */
  decision?: SavedDecision & {
    records?: [string, string];
    /** The rest of the do-not-merge it overruled (MergeRequest.overrules), whole. */
    overruled?: Rows;
  };
  /**
   * Both customers' source records and the link each had (`link_evidence`): the merge, or
   * the batch around it, links them anew. Absent from merges journaled before it was kept.
   */
  links?: Rows;
  /**
   * The open review tasks between the two customers, which the merge superseded and an
   * unmerge opens again. Absent from merges journaled before they were kept.
   */
  superseded?: string[];
  /**
   * Open tasks each customer had with one third customer, which the merge made two tasks of
   * one pair: all but the strongest superseded, and opened again by this merge's undoing
   * only (another's leaves them to the one that stands).
   */
  duplicates?: string[];
}

export interface MergeRequest {
  survivorId: string;
  absorbedId: string;
  kind: MergeKind;
  /** The comparison that joined them (automatic merges). */
  evidence?: object;
  mergedBy: string;
  reason?: string;
  /**
   * STEWARD merges: the two source records the SAME_CUSTOMER decision is about (a review
   * task's pair); by default each customer's representative record (representativeRecords).
   */
  decisionRecords?: [string, string];
  /**
   * Set by the merge: the other pairs of the do-not-merge it overrules on decisionRecords,
   * removed with it and restored by an unmerge.
   */
  overrules?: [string, string][];
}

export interface MergeOptions {
  /** Who the audit log names; by default `mergedBy` (or `by`) as a system actor. */
  actor?: AuditActor;
  /** Survivorship's setting (MatchSettings.genericHolders); its default otherwise. */
  genericHolders?: number;
  /** The caller's argument a refusal of one merge names: `absorbedId`, or a review task's `id`. */
  argument?: string;
}

/**
 * The evidence of the merge an unmerge makes of a customer left with no record (matching
 * made it for records the unmerge took back, or the survivor's own left it): undone, it
 * would be a customer of nothing.
 */
const RECORDS_WENT_BACK = 'RECORDS_WENT_BACK';

export interface UnmergeOptions extends MergeOptions {
  /** Source records the caller matches again once the merge is undone, for the audit entry. */
  rematched?: string[];
}

const systemActor = (subject: string): AuditActor => ({
  subject,
  role: 'system',
  branchCode: 'system',
});

const recomputeCustomers = (em: EntityManager, ids: string[], options: MergeOptions, at: string) =>
  recomputeGolden(em, ids, {
    genericHolders: options.genericHolders ?? DEFAULT_GENERIC_HOLDERS,
    at,
  });

const stampSql = (stamp: 'updated_at' | 'version') =>
  stamp === 'version' ? 'version = t.version + 1' : 'updated_at = :at::timestamptz';

/**
 * Runs `text`, its `:name` placeholders bound from `named` (each written with its cast) and
 * sent apart from the text (boundSql): a merge of many pairs carries their journal as JSON,
 * which em.execute would inline into the SQL.
 */
async function run<T extends object>(
  em: EntityManager,
  text: string,
  named: Record<string, unknown>,
): Promise<T[]> {
  const values: unknown[] = [];
  const pattern = new RegExp(`:(${Object.keys(named).join('|')})\\b`, 'g');
  const sql = text.replace(pattern, (_, name: string) => {
    values.push(named[name]);
    return '?';
  });
  return boundSql<T[]>(em, sql, values);
}

const PAIRS = `pairs as (select * from jsonb_to_recordset(:pairs::jsonb)
  as p(merge_id uuid, survivor_id uuid, absorbed_id uuid))`;

interface LockedCustomer {
  id: string;
  kind: string;
  status: CustomerStatus;
  merged_into_id: string | null;
  /** CUSTOMER_COLUMNS as PostgreSQL writes them in JSON (dates as dates). */
  own: Record<string, unknown>;
}

/** Locks the customers in id order, so that two merges never wait on each other in a cycle. */
async function lockCustomers(
  em: EntityManager,
  ids: string[],
): Promise<Map<string, LockedCustomer>> {
  const own = CUSTOMER_COLUMNS.map((c) => `'${c}', ${c}`).join(', ');
  const rows = await run<LockedCustomer>(
    em,
    `select id, kind, status, merged_into_id, jsonb_build_object(${own}) as own
     from customer where id in (select value::uuid from jsonb_array_elements_text(:ids::jsonb))
     order by id for update`,
    { ids: JSON.stringify([...new Set(ids)]) },
  );
  return new Map(rows.map((r) => [r.id, r]));
}

function checkMerges(merges: MergeRequest[], customers: Map<string, LockedCustomer>): void {
  const absorbed = new Set<string>();
  const survivors = new Set(merges.map((m) => m.survivorId));
  merges.forEach((merge, i) => {
    const path = (argument: keyof MergeRequest) =>
      merges.length > 1 ? `merges[${i}].${argument}` : argument;
    const field = merges.length > 1 ? `merges[${i}]` : 'absorbedId';
    if (merge.survivorId === merge.absorbedId) {
      throw new BadUserInputError(`${field}: a customer cannot absorb itself`, {
        field,
        rule: 'SAME_CUSTOMER',
      });
    }
    // One step per customer per batch: a chain (A into B, B into C) takes two batches.
    if (absorbed.has(merge.absorbedId) || survivors.has(merge.absorbedId)) {
      throw new BadUserInputError(
        `${field}: customer ${merge.absorbedId} is absorbed twice, or absorbed and absorbing, in one batch`,
        { field, rule: 'OVERLAPPING_MERGES' },
      );
    }
    absorbed.add(merge.absorbedId);
    for (const [argument, other] of [
      ['survivorId', merge.absorbedId],
      ['absorbedId', merge.survivorId],
    ] as const) {
      const id = merge[argument];
      const customer = customers.get(id);
      if (!customer)
        throw new NotFoundError(`${path(argument)}: no customer has this id`, path(argument));
      if (customer.status === CustomerStatus.MERGED) {
        const into = customer.merged_into_id;
        throw new ConflictError(
          into === other
            ? `${path(argument)}: customer ${id} is already merged into ${into}`
            : `${path(argument)}: customer ${id} was merged into ${into}: merge that one instead`,
          { field: path(argument), rule: 'ALREADY_MERGED', mergedInto: into },
        );
      }
    }
    if (customers.get(merge.survivorId)!.kind !== customers.get(merge.absorbedId)!.kind) {
      throw new ConflictError(`${field}: a person and an organisation are never one customer`, {
        field,
        rule: 'KIND_MISMATCH',
      });
    }
  });
}

/** Per merge id, per table, the rows journaled. */
type Journaled = Map<string, Record<string, Rows>>;

function collect(into: Journaled, table: string, rows: { merge_id: string; rows: Rows }[]) {
  for (const row of rows) {
    const tables = into.get(row.merge_id) ?? {};
    tables[table] = row.rows;
    into.set(row.merge_id, tables);
  }
}

/** One statement per table, whatever the number of pairs: see CUSTOMER_REFERENCES. */
async function changeRows(
  em: EntityManager,
  pairs: string,
  at: string,
): Promise<{ changed: Journaled; removed: Journaled }> {
  const changed: Journaled = new Map();
  const removed: Journaled = new Map();
  for (const ref of CHANGED) {
    if (!ref.heldOnce) continue;
    const context = Object.entries(ref.droppedWith ?? {})
      .map(([name, sql]) => `'${name}', ${sql}`)
      .join(', ');
    const dropped = await run<{ merge_id: string; rows: Rows }>(
      em,
      `with ${PAIRS},
       gone as (delete from ${ref.table} t using pairs p
         where t.${ref.column} = p.absorbed_id and exists (select 1 from ${ref.table} s
           where ${ref.heldOnce.map((c) => `s.${c} = t.${c}`).join(' and ')}
             and s.${ref.column} = p.survivor_id)
         returning p.merge_id, t.*)
       select merge_id, jsonb_agg(to_jsonb(gone) - 'merge_id' || jsonb_build_object(${context})
           order by ${keyOf(ref.table).join(', ')}) as rows
       from gone group by merge_id`,
      { pairs },
    );
    collect(removed, ref.table, dropped);
  }
  for (const ref of CHANGED) {
    const key = keyOf(ref.table);
    const also = Object.entries(ref.also ?? {});
    const journaled = [...key, ref.column, ...also.map(([column]) => column)];
    const sets = [
      ...(ref.merge === 'move' ? [`${ref.column} = old.survivor_id`] : []),
      ...also.map(([column, sql]) => `"${column}" = ${sql}`),
      ...(ref.stamps ?? []).map(stampSql),
    ];
    const rows = await run<{ merge_id: string; rows: Rows }>(
      em,
      `with ${PAIRS},
       old as (select p.merge_id, p.survivor_id, ${journaled.map((c) => `t."${c}"`).join(', ')}
         from ${ref.table} t join pairs p on t.${ref.column} = p.absorbed_id
         ${ref.where ? `where ${ref.where}` : ''}),
       changed as (update ${ref.table} t set ${sets.join(', ')}
         from old where ${key.map((c) => `t."${c}" = old."${c}"`).join(' and ')}
         returning old.*)
       select merge_id, jsonb_agg(to_jsonb(changed) - 'merge_id' - 'survivor_id'
           order by ${key.map((c) => `"${c}"`).join(', ')}) as rows
       from changed group by merge_id`,
      { pairs, at },
    );
    collect(changed, ref.table, rows);
  }
  return { changed, removed };
}

/**
 * A do-not-merge decision (DIFFERENT_CUSTOMERS) between a record of each customer would split
 * the merged customer at the next re-evaluation (a steward's SAME_CUSTOMER overrules
 * different identity documents, not a steward's DIFFERENT_CUSTOMERS). The merge is the
 * steward's newer word on the pair, so its SAME_CUSTOMER is recorded on that pair instead,
 * replacing it (unmerge restores it). A do-not-merge between the two customers, recorded on
 * every pair of their records at once, is overruled whole the same way. Decisions made
 * apart, or one beside the review task's own pair, are refused (CONFLICT,
 * DIFFERENT_CUSTOMERS): the merge would overrule a decision it does not name.
 */
async function settleStewardMerges(
  em: EntityManager,
  planned: { id: string; request: MergeRequest }[],
  pairs: string,
  argument = 'absorbedId',
): Promise<void> {
  const rows = await run<{
    merge_id: string;
    decisions: { records: [string, string]; decided_by: string; decided_at: string }[];
  }>(
    em,
    `with ${PAIRS}
     select p.merge_id,
       coalesce((select jsonb_agg(jsonb_build_object('records', array[d.record_a_id, d.record_b_id],
             'decided_by', d.decided_by, 'decided_at', d.decided_at)
             order by d.record_a_id, d.record_b_id)
           from source_record x join source_record y on y.customer_id = p.absorbed_id
             join match_decision d on d.record_a_id = least(x.id, y.id)
               and d.record_b_id = greatest(x.id, y.id)
           where x.customer_id = p.survivor_id and d.verdict = '${MatchVerdict.DIFFERENT_CUSTOMERS}'),
         '[]') as decisions
     from pairs p`,
    { pairs },
  );
  const byMerge = new Map(rows.map((r) => [r.merge_id, r.decisions]));
  planned.forEach(({ id, request }, i) => {
    if (request.kind !== MergeKind.STEWARD) return;
    const decisions = byMerge.get(id)!;
    const field = planned.length > 1 ? `merges[${i}]` : argument;
    const named = request.decisionRecords;
    const others = decisions.filter(
      (d) => !named || !(named.includes(d.records[0]) && named.includes(d.records[1])),
    );
    // One do-not-merge between the two customers stands on every pair of their records
    // (apartPairs): a merge overrules it whole, as it would one pair.
    const acts = new Set(others.map((d) => `${d.decided_by}\u0000${d.decided_at}`));
    if (!named && acts.size === 1) {
      request.decisionRecords = others[0]!.records;
      request.overrules = others.slice(1).map((d) => d.records);
      return;
    }
    if (others.length > (named ? 0 : 1)) {
      throw new ConflictError(
        `${field}: ${others.length === 1 ? 'a do-not-merge decision stands' : `${others.length} do-not-merge decisions stand`} between records of the two customers ` +
          `(${others.map((d) => `${d.records.join(' and ')}, by ${d.decided_by}`).join('; ')}): ` +
          'a merge overrules at most the one it is recorded on',
        { field, rule: 'DIFFERENT_CUSTOMERS' },
      );
    }
  });
}

/**
 * Records SAME_CUSTOMER for steward merges, between the records given or each customer's
 * representative record, replacing any decision on that pair (kept in the journal).
 */
async function recordSameCustomer(
  em: EntityManager,
  merges: { id: string; request: MergeRequest }[],
  at: Date,
): Promise<Map<string, NonNullable<MergeJournal['decision']> & { records: [string, string] }>> {
  const steward = merges.filter((m) => m.request.kind === MergeKind.STEWARD);
  const representative = await representativeRecords(
    em,
    steward
      .filter((m) => !m.request.decisionRecords)
      .flatMap((m) => [m.request.survivorId, m.request.absorbedId]),
  );
  const decided = steward.flatMap(({ id, request }) => {
    const [x, y] = request.decisionRecords ?? [
      representative.get(request.survivorId),
      representative.get(request.absorbedId),
    ];
    // A customer without a source record leaves matching nothing to respect.
    return x && y ? [{ id, records: [x, y] as [string, string], request }] : [];
  });
  const saved = await recordDecisions(
    em,
    at,
    decided.map(({ records, request }) => ({
      records,
      verdict: MatchVerdict.SAME_CUSTOMER,
      decidedBy: request.mergedBy,
      reason: request.reason ?? '',
    })),
  );
  const overruled = await run<{ n: number; rows: Rows }>(
    em,
    `with asked as (select * from jsonb_to_recordset(:asked::jsonb) as a(n int, x uuid, y uuid)),
     gone as (delete from match_decision d using asked a
       where d.record_a_id = least(a.x, a.y) and d.record_b_id = greatest(a.x, a.y)
         and d.verdict = '${MatchVerdict.DIFFERENT_CUSTOMERS}'
       returning a.n, to_jsonb(d) as row)
     select n, jsonb_agg(row) as rows from gone group by n`,
    {
      asked: JSON.stringify(
        decided.flatMap(({ request }, n) =>
          (request.overrules ?? []).map(([x, y]) => ({ n, x, y })),
        ),
      ),
    },
  );
  const rest = new Map(overruled.map((o) => [o.n, o.rows]));
  return new Map(
    decided.map(({ id, records }, i) => [
      id,
      { ...saved[i]!, records, ...(rest.has(i) ? { overruled: rest.get(i) } : {}) },
    ]),
  );
}

/**
 * Whether customers `x` and `y` (SQL) are kept apart: they hold different resident IDs or
 * credit codes, or a steward said a record of one and a record of the other are different
 * people. No task between them asks what a steward could approve.
 */
const keptApartSql = (x: string, y: string) =>
  `(exists (select 1 from identity_document mine join identity_document theirs
      on theirs.type = mine.type and theirs.number_hash <> mine.number_hash
    where mine.customer_id = ${x} and mine.type in (${IDENTIFYING_KINDS_SQL})
      and theirs.customer_id = ${y})
   or exists (select 1 from source_record rx
      join match_decision d on rx.id in (d.record_a_id, d.record_b_id)
        and d.verdict = '${MatchVerdict.DIFFERENT_CUSTOMERS}'
      join source_record ry on ry.id = case when d.record_a_id = rx.id
        then d.record_b_id else d.record_a_id end
    where rx.customer_id = ${x} and ry.customer_id = ${y}))`;

/**
 * Whether a record of customer `back` carries a resident ID or credit code that a record of
 * customer `kept` carries too; `unlessDecided`: where no steward said the two records are
 * different people.
 */
async function carriesDocumentOf(
  em: EntityManager,
  back: string,
  kept: string,
  unlessDecided = false,
): Promise<boolean> {
  const [shared] = await run<{ one: number }>(
    em,
    `select 1 as one from source_record back
     join source_identifier bi on bi.source_record_id = back.id
       and bi.kind in (${IDENTIFYING_KINDS_SQL})
     join source_identifier hi on hi.kind = bi.kind and hi.value_hash = bi.value_hash
     join source_record kept on kept.id = hi.source_record_id and kept.customer_id = :kept::uuid
     where back.customer_id = :back::uuid ${
       unlessDecided
         ? `and not exists (select 1 from match_decision d
              where d.record_a_id = least(back.id, kept.id)
                and d.record_b_id = greatest(back.id, kept.id)
                and d.verdict = '${MatchVerdict.DIFFERENT_CUSTOMERS}')`
         : ''
     }
     limit 1`,
    { back, kept },
  );
  return shared !== undefined;
}

/** Per merge, the open review tasks between a record of each customer. */
async function reviewsBetween(em: EntityManager, pairs: string): Promise<Map<string, string[]>> {
  const rows = await run<{ merge_id: string; ids: string[] }>(
    em,
    `with ${PAIRS}
     select p.merge_id, array_agg(r.id order by r.id)::text[] as ids
     from pairs p join source_record a on a.customer_id in (p.survivor_id, p.absorbed_id)
       join match_review r on r.record_a_id = a.id
       join source_record b on b.id = r.record_b_id
         and b.customer_id in (p.survivor_id, p.absorbed_id) and b.customer_id <> a.customer_id
     where r.status = '${ReviewStatus.OPEN}'
     group by p.merge_id`,
    { pairs },
  );
  return new Map(rows.map((r) => [r.merge_id, r.ids]));
}

/** Per merge, both customers' source records with the link each holds them by. */
async function currentLinks(em: EntityManager, pairs: string): Promise<Map<string, Rows>> {
  const rows = await run<{ merge_id: string; rows: Rows }>(
    em,
    `with ${PAIRS}
     select p.merge_id, jsonb_agg(jsonb_build_object('id', sr.id, 'link_evidence', sr.link_evidence)
         order by sr.id) as rows
     from pairs p join source_record sr on sr.customer_id in (p.survivor_id, p.absorbed_id)
     group by p.merge_id`,
    { pairs },
  );
  return new Map(rows.map((r) => [r.merge_id, r.rows]));
}

/**
 * A steward merge links the two records of its SAME_CUSTOMER decision as a batch would
 * once it re-evaluates them (rule STEWARD, with the other record), with the comparison of
 * the review task on that pair where there is one.
 */
async function linkDecided(
  em: EntityManager,
  decided: [string, string][],
  at: string,
): Promise<void> {
  if (decided.length === 0) return;
  await run(
    em,
    `with decided as (select * from jsonb_to_recordset(:decided::jsonb) d(x uuid, y uuid)),
     ends as (select x as id, y as other from decided union all select y, x from decided)
     update source_record sr set link_evidence = jsonb_strip_nulls(jsonb_build_object(
         'rule', 'STEWARD', 'score', r.score, 'with', o.source_system || ':' || o.source_key,
         'evidence', coalesce(r.evidence, '[]'::jsonb))),
       updated_at = :at::timestamptz
     from ends e join source_record o on o.id = e.other
       left join match_review r
         on r.record_a_id = least(e.id, e.other) and r.record_b_id = greatest(e.id, e.other)
     where sr.id = e.id`,
    { decided: JSON.stringify(decided.map(([x, y]) => ({ x, y }))), at },
  );
}

/** What the audit log says of journaled rows: counts and keys, never values. */
const rowKeys = (tables: Record<string, Rows>) =>
  Object.fromEntries(
    Object.entries(tables).map(([table, rows]) => [
      table,
      {
        count: rows.length,
        ids: rows.map((r) =>
          keyOf(table)
            .map((k) => String(r[k]))
            .join(':'),
        ),
      },
    ]),
  );

/**
 * A steward's merges (`pairs`) leave the survivor two open tasks with one third customer
 * where each customer had one: the strongest stays open, as matching keeps one a pair, and
 * the others are superseded; per merge, their ids. Read from the survivors' records (every
 * open task, filtered by customer, is the whole queue). A batch's automatic merges are
 * followed by its own review of its region's pairs instead.
 */
async function duplicateReviews(
  em: EntityManager,
  pairs: string,
  at: string,
): Promise<Map<string, string[]>> {
  const byMerge = new Map<string, string[]>();
  if (pairs === '[]') return byMerge;
  const rows = await run<{ merge_id: string; id: string }>(
    em,
    `with ${PAIRS},
     around as (
       select distinct on (t.id) t.* from (
         select r.id, p.merge_id, p.survivor_id, r.score, r.created_at, o.customer_id as other
         from pairs p join source_record s on s.customer_id = p.survivor_id
           join match_review r on r.record_a_id = s.id and r.status = '${ReviewStatus.OPEN}'
           join source_record o on o.id = r.record_b_id
         where o.customer_id <> p.survivor_id
         union all
         select r.id, p.merge_id, p.survivor_id, r.score, r.created_at, o.customer_id
         from pairs p join source_record s on s.customer_id = p.survivor_id
           join match_review r on r.record_b_id = s.id and r.status = '${ReviewStatus.OPEN}'
           join source_record o on o.id = r.record_a_id
         where o.customer_id <> p.survivor_id) t
       order by t.id, t.merge_id),
     ranked as (
       select id, merge_id, row_number() over (
         partition by survivor_id, other order by score desc, created_at, id) as rank
       from around)
     update match_review r set status = '${ReviewStatus.SUPERSEDED}', updated_at = :at::timestamptz
     from ranked k where r.id = k.id and k.rank > 1
     returning k.merge_id, r.id`,
    { pairs, at },
  );
  for (const { merge_id: mergeId, id } of rows) {
    byMerge.set(mergeId, [...(byMerge.get(mergeId) ?? []), id]);
  }
  return byMerge;
}

/**
 * Merges each absorbed customer into its survivor, inside the caller's transaction, in a
 * fixed number of statements whatever the number of merges: the rows behind every foreign
 * key to the absorbed customer are moved or closed as CUSTOMER_REFERENCES says, journaled
 * with the values they held so that `unmergeCustomers` puts them back; the absorbed
 * customer becomes MERGED into the survivor; open review tasks whose records are now one
 * customer's are SUPERSEDED; the survivors' golden records are recomputed and their tiers
 * queued; each merge is audited (counts and row keys, never personal values). A steward
 * merge records SAME_CUSTOMER between the two customers' records too. Returns the merge
 * ids, in the order of `merges`.
 */
export async function mergeCustomers(
  em: EntityManager,
  clock: BusinessClock,
  merges: MergeRequest[],
  options: MergeOptions = {},
): Promise<string[]> {
  if (merges.length === 0) return [];
  const now = clock.now();
  const at = now.toISOString();
  const customers = await lockCustomers(
    em,
    merges.flatMap((m) => [m.survivorId, m.absorbedId]),
  );
  checkMerges(merges, customers);
  // Copies: settleStewardMerges() may choose a steward merge's decision records.
  const planned = merges.map((request) => ({ id: randomUUID(), request: { ...request } }));
  const pairsOf = (merging: typeof planned) =>
    JSON.stringify(
      merging.map(({ id, request }) => ({
        merge_id: id,
        survivor_id: request.survivorId,
        absorbed_id: request.absorbedId,
      })),
    );
  const pairs = pairsOf(planned);
  const links = await currentLinks(em, pairs);
  const superseded = await reviewsBetween(em, pairs);
  await settleStewardMerges(em, planned, pairs, options.argument);
  const decisions = await recordSameCustomer(em, planned, now);
  const { changed, removed } = await changeRows(em, pairs, at);
  await linkDecided(
    em,
    [...decisions.values()].map((d) => d.records),
    at,
  );
  await run(
    em,
    `with ${PAIRS}
     update customer t set
       status = case when t.id = p.absorbed_id then '${CustomerStatus.MERGED}' else t.status end,
       merged_into_id = case when t.id = p.absorbed_id then p.survivor_id else t.merged_into_id end,
       -- The survivor's own fields change, if at all, with its golden record below.
       ${stampSql('updated_at')}, version = t.version + (t.id = p.absorbed_id)::int
     from pairs p where t.id = p.absorbed_id or t.id = p.survivor_id`,
    { pairs, at },
  );
  await run(
    em,
    `with ${PAIRS}
     update match_review r set status = '${ReviewStatus.SUPERSEDED}', updated_at = :at::timestamptz
     from source_record a, source_record b
     where r.status = '${ReviewStatus.OPEN}' and a.id = r.record_a_id and b.id = r.record_b_id
       and a.customer_id = b.customer_id and a.customer_id in (select survivor_id from pairs)`,
    { pairs, at },
  );
  // A task between the merged customer and a third kept apart from it (another resident ID
  // or credit code, a steward's do-not-merge) asks what no steward can now say yes to: a record matching two people about as
  // well (AMBIGUOUS) answered by this merge leaves its other task so. Journaled with the
  // rest, an unmerge opens it again.
  const moot = await run<{ merge_id: string; id: string }>(
    em,
    `with ${PAIRS}
     update match_review r set status = '${ReviewStatus.SUPERSEDED}', updated_at = :at::timestamptz
     from pairs p, source_record a, source_record b
     where r.status = '${ReviewStatus.OPEN}' and a.id = r.record_a_id and b.id = r.record_b_id
       and (a.customer_id = p.survivor_id) <> (b.customer_id = p.survivor_id)
       and ${keptApartSql('a.customer_id', 'b.customer_id')}
     returning p.merge_id, r.id`,
    { pairs, at },
  );
  for (const { merge_id: mergeId, id } of moot) {
    superseded.set(mergeId, [...(superseded.get(mergeId) ?? []), id]);
  }
  const duplicates = await duplicateReviews(
    em,
    pairsOf(planned.filter(({ request }) => request.kind === MergeKind.STEWARD)),
    at,
  );
  const own = (id: string) => customers.get(id)!.own;
  await em.insertMany(
    CustomerMerge,
    planned.map(({ id, request }) => {
      const journal: MergeJournal = {
        version: 1,
        changed: changed.get(id) ?? {},
        removed: removed.get(id) ?? {},
        customers: { survivor: own(request.survivorId), absorbed: own(request.absorbedId) },
        ...(decisions.has(id) ? { decision: decisions.get(id) } : {}),
        links: links.get(id) ?? [],
        superseded: superseded.get(id) ?? [],
        duplicates: duplicates.get(id) ?? [],
      };
      return {
        id,
        survivor: request.survivorId,
        absorbed: request.absorbedId,
        kind: request.kind,
        evidence: request.evidence as Record<string, unknown> | undefined,
        mergedBy: request.mergedBy,
        mergedAt: now,
        reason: request.reason,
        journal: journal as unknown as Record<string, unknown>,
        createdAt: now,
        updatedAt: now,
      };
    }),
  );
  const survivors = [...new Set(merges.map((m) => m.survivorId))];
  await recomputeCustomers(em, survivors, options, at);
  await queueCustomerTiers(em, survivors, 'merge');
  const audit = new AuditLog(clock);
  await em.insertMany(
    AuditEvent,
    planned.map(({ id, request }) =>
      audit.entity(options.actor ?? systemActor(request.mergedBy), {
        action: AuditAction.CUSTOMER_MERGE,
        target: { type: 'Customer', id: request.survivorId },
        purpose: request.reason,
        details: {
          merge: id,
          kind: request.kind,
          survivor: request.survivorId,
          absorbed: request.absorbedId,
          changed: rowKeys(changed.get(id) ?? {}),
          removed: rowKeys(removed.get(id) ?? {}),
          ...(decisions.has(id) ? { decision: decisions.get(id)!.id } : {}),
          // The tasks a steward no longer finds in the queue, and why.
          reviewsSuperseded: [...(superseded.get(id) ?? []), ...(duplicates.get(id) ?? [])],
        },
      }),
    ),
  );
  return planned.map((p) => p.id);
}

export interface UnmergeResult {
  survivorId: string;
  absorbedId: string;
  /** Per table, the rows put back, of those journaled (the rest had moved on since). */
  restored: Record<string, { restored: number; journaled: number }>;
  /** Per table, the rows written since the merge that followed their reference back. */
  followed: Record<string, number>;
  /** The decision recorded or removed so that matching respects the unmerge. */
  decision?: { id: string; verdict: MatchVerdict; removed?: boolean };
  /**
   * The customers it took rows from or gave rows to: the two, the one holding what the
   * merge gave (the absorbed customer may have followed its records elsewhere since), and
   * one a customer left with no record was merged into.
   */
  regrouped: string[];
}

interface MergeRow {
  id: string;
  survivor_id: string;
  absorbed_id: string;
  kind: MergeKind;
  evidence: { rule?: string } | null;
  journal: MergeJournal;
  merged_at: Date;
  unmerged_at: Date | null;
}

/**
 * Undoes one merge inside the caller's transaction. The journaled rows that are where the
 * merge left them get back the values they held (moved rows return to the absorbed
 * customer, its tier opens again from now on), the rows it dropped come back, both customers get
 * back their own columns (the absorbed one is active again), both golden records are
 * recomputed from their source records, both tiers are queued, and the unmerge is audited.
 * Rows that reached the survivor after the merge stay with it, as do rows moved on since.
 *
 * A merge on top, the survivor since absorbed by a third customer, is refused (CONFLICT,
 * MERGED_SINCE, naming that merge): the rows sit with the third customer, and only undoing
 * the later merge first brings them back where this journal finds them.
 *
 * So that matching does not join the two again, undoing an automatic merge records
 * DIFFERENT_CUSTOMERS between the source records of each (apartPairs); undoing a steward merge
 * removes the SAME_CUSTOMER decision it recorded (restoring the one that replaced),
 * leaving the pair to matching and review.
 */
export async function unmergeCustomers(
  em: EntityManager,
  clock: BusinessClock,
  mergeId: string,
  by: string,
  reason: string,
  options: UnmergeOptions = {},
): Promise<UnmergeResult> {
  const now = clock.now();
  const at = now.toISOString();
  const [merge] = await run<MergeRow>(
    em,
    `select id, survivor_id, absorbed_id, kind, evidence, journal, merged_at, unmerged_at
     from customer_merge where id = :id::uuid for update`,
    { id: mergeId },
  );
  if (!merge) throw new NotFoundError('mergeId: no merge has this id', 'mergeId');
  if (merge.unmerged_at) {
    throw new ConflictError(`merge ${mergeId} was undone already`, {
      field: 'mergeId',
      rule: 'ALREADY_UNMERGED',
    });
  }
  const { survivor_id: survivor, absorbed_id: absorbed, journal } = merge;
  if (merge.evidence?.rule === RECORDS_WENT_BACK) {
    throw new ConflictError(
      `customer ${absorbed} was merged when an unmerge took back all its records: it would come back with none`,
      { field: 'mergeId', rule: 'RECORDS_MOVED' },
    );
  }
  // The absorbed customer may have followed its records to another customer since (an
  // unmerge or matching moved them, see followRecordsOfMerged): what the merge gave is then
  // taken back from that customer, which holds it now.
  const [{ merged_into_id: follows }] = (await run<{ merged_into_id: string | null }>(
    em,
    `select merged_into_id from customer where id = :absorbed::uuid`,
    { absorbed },
  )) as [{ merged_into_id: string | null }];
  const customers = await lockCustomers(em, [survivor, absorbed, ...(follows ? [follows] : [])]);
  const moved = customers.get(absorbed)?.merged_into_id;
  const holder =
    moved && moved !== survivor && customers.get(survivor)?.status !== CustomerStatus.MERGED
      ? moved
      : survivor;
  if (customers.get(survivor)?.status === CustomerStatus.MERGED) {
    const [later] = await run<{ id: string }>(
      em,
      `select id from customer_merge where absorbed_id = :survivor::uuid and unmerged_at is null
       order by merged_at desc limit 1`,
      { survivor },
    );
    // The customer it went into is not named: it may be outside the caller's branches (the
    // later merge, which the caller reads with the survivor, names it to those who see it).
    throw new ConflictError(
      `customer ${survivor} has since been merged into another customer: undo merge ${later?.id} first`,
      { field: 'mergeId', rule: 'MERGED_SINCE', laterMerge: later?.id },
    );
  }
  // A steward's word since the merge that goes against the customers as they were before it:
  // an absorbed record and a survivor's are one customer (a review approved between them),
  // or two absorbed records are two (a split). Undoing the
  // merge could not give back what was, and would part what the steward joined.
  const absorbedRecords = (journal.changed.source_record ?? []).map((row) => String(row.id));
  const survivorRecords = (journal.links ?? [])
    .map((row) => String(row.id))
    .filter((id) => !absorbedRecords.includes(id));
  const [against] = await run<{ a: string; b: string; verdict: MatchVerdict }>(
    em,
    `with absorbed as (select unnest(:absorbed::uuid[]) as id),
     survivor as (select unnest(:survivor::uuid[]) as id)
     select d.record_a_id as a, d.record_b_id as b, d.verdict from match_decision d
     where d.decided_at >= :mergedAt::timestamptz and d.id is distinct from :own::uuid
       and ((d.verdict = 'SAME_CUSTOMER'
             and ((d.record_a_id in (select id from absorbed) and d.record_b_id in (select id from survivor))
               or (d.record_b_id in (select id from absorbed) and d.record_a_id in (select id from survivor))))
         or (d.verdict = 'DIFFERENT_CUSTOMERS'
             and d.record_a_id in (select id from absorbed) and d.record_b_id in (select id from absorbed)))
     limit 1`,
    {
      absorbed: pgArray(absorbedRecords),
      survivor: pgArray(survivorRecords),
      mergedAt: new Date(merge.merged_at).toISOString(),
      own: journal.decision?.id ?? null,
    },
  );
  if (against) {
    throw new ConflictError(
      against.verdict === MatchVerdict.SAME_CUSTOMER
        ? `a steward has since said source records ${against.a} and ${against.b}, one of each customer, are one customer: undoing the merge would part them`
        : `a steward has since said source records ${against.a} and ${against.b}, both of customer ${absorbed}, are two customers: undoing the merge cannot give it back as it was`,
      { field: 'mergeId', rule: 'DECIDED_SINCE' },
    );
  }
  const restored: UnmergeResult['restored'] = {};
  for (const ref of CHANGED) {
    const rows = journal.changed[ref.table] ?? [];
    if (rows.length === 0) continue;
    const key = keyOf(ref.table);
    if (ref.reopen) {
      const copy = Object.entries(ref.reopen)
        .map(([column, sql]) => `'${column}', ${sql}`)
        .join(', ');
      const [{ n }] = (await run<{ n: number }>(
        em,
        `with back as (insert into ${ref.table}
           select (jsonb_populate_record(t, jsonb_build_object(${copy}))).*
           from ${ref.table} t
           join jsonb_populate_recordset(null::${ref.table}, :journal::jsonb) j
             on ${key.map((c) => `t."${c}" = j."${c}"`).join(' and ')}
           where t.${ref.column} = :holder::uuid${ref.reopenIf ? ` and ${ref.reopenIf}` : ''}
           returning 1)
         select count(*)::int as n from back`,
        { journal: JSON.stringify(rows), holder: absorbed, at },
      )) as [{ n: number }];
      restored[ref.table] = { restored: n, journaled: rows.length };
      continue;
    }
    const sets = [
      ...(ref.merge === 'move' ? [`${ref.column} = j.${ref.column}`] : []),
      ...Object.keys(ref.also ?? {}).map((column) => `"${column}" = j."${column}"`),
      ...(ref.stamps ?? []).map(stampSql),
    ];
    const [{ n }] = (await run<{ n: number }>(
      em,
      `with back as (update ${ref.table} t set ${sets.join(', ')}
         from jsonb_populate_recordset(null::${ref.table}, :journal::jsonb) j
         where ${key.map((c) => `t."${c}" = j."${c}"`).join(' and ')}
           and (t.${ref.column} = :holder::uuid
             or (t.${ref.column} = :survivor::uuid and ${ref.namedBy ? `t.${ref.namedBy} is null` : 'false'}))
         returning 1)
       select count(*)::int as n from back`,
      {
        journal: JSON.stringify(rows),
        // Moved rows come back from the customer the absorbed one's records have moved to
        // since (a split, a re-match), where their references took them; those no reference
        // names stayed with the survivor and come back from it. Rows naming someone stay
        // where their reference says (followReferences below).
        holder: ref.merge === 'move' ? holder : absorbed,
        survivor: ref.merge === 'move' ? survivor : absorbed,
        at,
      },
    )) as [{ n: number }];
    restored[ref.table] = { restored: n, journaled: rows.length };
  }
  for (const ref of CHANGED) {
    const dropped = journal.removed[ref.table] ?? [];
    if (dropped.length === 0) continue;
    const [{ n }] = (await run<{ n: number }>(
      em,
      `with back as (insert into ${ref.table} select r.*
         from jsonb_array_elements(:journal::jsonb) e,
           jsonb_populate_record(null::${ref.table}, e.value) r
         ${ref.restoreIf ? `where ${ref.restoreIf}` : ''}
         on conflict do nothing returning 1)
       select count(*)::int as n from back`,
      { journal: JSON.stringify(dropped) },
    )) as [{ n: number }];
    if (ref.afterRestore) await run(em, ref.afterRestore, { journal: JSON.stringify(dropped) });
    const moved = restored[ref.table] ?? { restored: 0, journaled: 0 };
    restored[ref.table] = {
      restored: moved.restored + n,
      journaled: moved.journaled + dropped.length,
    };
  }
  // The customers' own columns as they were: survivorship below recomputes the golden
  // ones of a customer whose records carry them; these stand for one whose records do not.
  try {
    await run(
      em,
      `update customer t set ${CUSTOMER_COLUMNS.map((c) => `${c} = ${restoredSql(c)}`).join(', ')},
         ${stampSql('updated_at')}, version = t.version + (
           (${OWN_COLUMNS.map((c) => `t.${c}`).join(', ')})
             is distinct from (${OWN_COLUMNS.map(restoredSql).join(', ')}))::int
       from jsonb_populate_recordset(null::customer, :journal::jsonb) j where t.id = j.id`,
      {
        journal: JSON.stringify([
          // The survivor's own columns, unless another customer holds what the merge gave.
          ...(holder === survivor
            ? [
                {
                  ...journal.customers.survivor,
                  id: survivor,
                  status: customers.get(survivor)!.status,
                },
              ]
            : []),
          { ...journal.customers.absorbed, id: absorbed, merged_into_id: null },
        ]),
        at,
      },
    );
  } catch (error) {
    if ((error as { constraint?: string }).constraint !== 'customer_branch_open') throw error;
    throw new ConflictError(
      `customer ${absorbed}'s branch has closed since the merge: move the customer to an open branch first`,
      { field: 'mergeId', rule: 'BRANCH_CLOSED' },
    );
  }
  // Each record linked as it was, where it is back with the customer it was linked in and
  // its link now names a record that is not (the merge's, or the batch's around it). A link
  // to a record it is still with stands: a later merge into the survivor, still standing,
  // made it (merges undone first in, first out).
  await run(
    em,
    `update source_record sr set link_evidence = j.link_evidence, updated_at = :at::timestamptz
     from jsonb_to_recordset(:links::jsonb) j(id uuid, link_evidence jsonb)
     where sr.id = j.id and sr.customer_id in (:survivor::uuid, :absorbed::uuid)
       and sr.link_evidence is distinct from j.link_evidence
       and not exists (select 1 from source_record o where o.customer_id = sr.customer_id
         and o.id <> sr.id and o.source_system || ':' || o.source_key = sr.link_evidence->>'with')`,
    { links: JSON.stringify(journal.links ?? []), survivor: holder, absorbed, at },
  );
  // Records that joined the merged customer since, linked to one that is back with the
  // absorbed customer (or to one that follows it), go with it: what they were matched to.
  // (Merges journaled before links were kept cannot tell them, nor, when another customer
  // holds what the merge gave, which of its records joined since: its own stay with it.)
  if (journal.links && holder === survivor) {
    await run(
      em,
      `with recursive journaled as (
       select (value->>'id')::uuid as id from jsonb_array_elements(:links::jsonb)),
     later as (
       select sr.id, sr.link_evidence->>'with' as linked from source_record sr
       where sr.customer_id = :survivor::uuid and sr.id not in (select id from journaled)),
     follows(id, key) as (
       select l.id, o.source_system || ':' || o.source_key from later l
         join source_record o on o.customer_id = :absorbed::uuid
           and o.source_system || ':' || o.source_key = l.linked
       union
       select l.id, f.key from later l join follows f on true
         join source_record o on o.id = f.id and o.source_system || ':' || o.source_key = l.linked)
     update source_record sr set customer_id = :absorbed::uuid, updated_at = :at::timestamptz
     where sr.id in (select id from follows)`,
      { links: JSON.stringify(journal.links), survivor: holder, absorbed, at },
    );
  }
  // A merge into the same survivor made after this one and still standing journaled the links
  // this one made: where such a link names a record going back now, undoing that later merge
  // gives the record the link it had before this one instead (merges undone first in,
  // first out).
  await run(
    em,
    `with back as (
       select source_system || ':' || source_key as key from source_record
       where customer_id = :absorbed::uuid),
     mine as (
       select (value->>'id')::uuid as id, value->'link_evidence' as link
       from jsonb_array_elements(:links::jsonb))
     update customer_merge m set journal = jsonb_set(m.journal, '{links}', (
         select jsonb_agg(case
             when l.value->'link_evidence'->>'with' in (select key from back)
               and mine.id is not null
             then jsonb_build_object('id', l.value->'id', 'link_evidence', mine.link)
             else l.value end order by l.n)
         from jsonb_array_elements(m.journal->'links') with ordinality l(value, n)
           left join mine on mine.id = (l.value->>'id')::uuid)),
       updated_at = :at::timestamptz
     where m.survivor_id = :survivor::uuid and m.unmerged_at is null and m.id <> :id::uuid
       and m.merged_at > (select merged_at from customer_merge where id = :id::uuid)
       and jsonb_typeof(m.journal->'links') = 'array'`,
    { links: JSON.stringify(journal.links ?? []), survivor: holder, absorbed, at, id: mergeId },
  );
  // A link naming a record that is with another customer now (undoing merges out of order
  // takes a record away from the one linked to it) says nothing true: dropped.
  await run(
    em,
    `update source_record sr set link_evidence = null, updated_at = :at::timestamptz
     where sr.customer_id in (:survivor::uuid, :absorbed::uuid) and sr.link_evidence->>'with' is not null
       and not exists (select 1 from source_record o where o.customer_id = sr.customer_id
         and o.id <> sr.id and o.source_system || ':' || o.source_key = sr.link_evidence->>'with')`,
    { survivor: holder, absorbed, at },
  );
  // The absorbed customer comes back as the records it held: where matching has since
  // moved them all to another customer, it would come back with none, a golden record of
  // nothing beside the one that holds them.
  const journaledRecords = journal.changed.source_record ?? [];
  if (journaledRecords.length > 0) {
    const [{ held }] = (await run<{ held: number }>(
      em,
      `select count(*)::int as held from source_record where customer_id = :absorbed::uuid`,
      { absorbed },
    )) as [{ held: number }];
    if (held === 0) {
      throw new ConflictError(
        `the records customer ${absorbed} held have since moved to other customers: it would come back with none`,
        { field: 'mergeId', rule: 'RECORDS_MOVED' },
      );
    }
  }
  // Records that matching moved on to another customer because of the identity document
  // they carry now (a source re-sent them as that person) belong with it: taken back, they
  // would make two customers of one resident ID or credit code.
  if (holder !== survivor && (await carriesDocumentOf(em, absorbed, holder))) {
    // Unnamed: the customer whose number the records now carry may be outside the caller's
    // branches, and its id beside that number would say who is behind the caller's records.
    throw new ConflictError(
      `the records customer ${absorbed} held have since moved to another customer, whose identity document they now carry: undoing the merge would part one document's records`,
      { field: 'mergeId', rule: 'RECORDS_MOVED' },
    );
  }
  const repointed = await followRecordsOfMerged(em, [...new Set([survivor, holder, absorbed])], at);
  // Each row with the customer its reference names now: what was written for the absorbed
  // customer while it was merged away goes back to it, and a row its source re-sent naming
  // the survivor meanwhile stays with the survivor, whatever the journal held. A reference
  // names a customer by its CIF number (or that of one merged into it) or one of its records.
  const naming = await run<{ key: string; to: string; from: string }>(
    em,
    `select 'CIF:' || c.cif_no as key, coalesce(c.merged_into_id, c.id) as to from customer c
       where c.id in (:absorbed::uuid, :survivor::uuid)
         or c.merged_into_id in (:absorbed::uuid, :survivor::uuid)
     union all
     select sr.source_system || ':' || sr.source_key, sr.customer_id from source_record sr
       where sr.customer_id in (:absorbed::uuid, :survivor::uuid)`,
    { absorbed, survivor: holder },
  );
  const followed = await followReferences(
    em,
    [
      ...naming.map(({ key, to }) => ({ key, to, from: to === absorbed ? holder : absorbed })),
      ...repointed.filter((m) => ![holder, absorbed].includes(m.to)),
    ],
    at,
  );
  const reviewsReopened: string[] = [];
  const decision = await undoDecision(em, merge, by, reason, now, reviewsReopened, [
    absorbedRecords,
    survivorRecords,
  ]);
  // A record going back that carries the resident ID or credit code of one staying, with no
  // steward's word between the two that they are different people (an automatic merge
  // undone records it above), would leave two customers of one number, which matching joins
  // again at the next change: a source re-sent it as the survivor's person since the merge.
  if (holder === survivor && (await carriesDocumentOf(em, absorbed, survivor, true))) {
    throw new ConflictError(
      `a record customer ${absorbed} would take back carries the identity document of one customer ${survivor} keeps: undoing the merge would make two customers of one number`,
      { field: 'mergeId', rule: 'SHARED_DOCUMENT' },
    );
  }
  // The tasks this merge, or another standing merge on these customers, superseded are open
  // again where their records are two customers' again, with no steward's word that they are
  // different people: undoing an automatic merge records it, so its tasks stay superseded.
  // Another merge's are open again only where the two customers are not kept apart (that
  // merge may stand for the record's answer).
  const superseded = await run<{ id: string }>(
    em,
    `update match_review r set status = '${ReviewStatus.OPEN}', updated_at = :at::timestamptz
     from source_record a, source_record b
     where (r.id in (select value::uuid from jsonb_array_elements_text(:ids::jsonb))
         or r.id in (
           select jsonb_array_elements_text(m.journal->'superseded')::uuid from customer_merge m
           where m.unmerged_at is null and m.survivor_id in (:survivor::uuid, :absorbed::uuid)
             and jsonb_typeof(m.journal->'superseded') = 'array')
           and not ${keptApartSql('a.customer_id', 'b.customer_id')})
       and r.status = '${ReviewStatus.SUPERSEDED}'
       and a.id = r.record_a_id and b.id = r.record_b_id and a.customer_id <> b.customer_id
       and not exists (select 1 from match_decision d
         where d.record_a_id = least(r.record_a_id, r.record_b_id)
           and d.record_b_id = greatest(r.record_a_id, r.record_b_id) and d.verdict = '${MatchVerdict.DIFFERENT_CUSTOMERS}')
     returning r.id::text as id`,
    {
      ids: JSON.stringify([...(journal.superseded ?? []), ...(journal.duplicates ?? [])]),
      at,
      survivor: holder,
      absorbed,
    },
  );
  reviewsReopened.push(...superseded.map((r) => r.id));
  await run(
    em,
    `update customer_merge set unmerged_at = :at::timestamptz, unmerged_by = :by,
       unmerge_reason = :reason, updated_at = :at::timestamptz where id = :id::uuid`,
    { at, by, reason, id: mergeId },
  );
  // A customer the records going back leave with none follows them, as a merged-away
  // customer does (its id and anything written under its CIF number go where they are),
  // rather than stay an active customer of no record: one that matching made for the
  // absorbed customer's records after they left the survivor goes to the absorbed customer;
  // a survivor whose own records left it since the merge (a split, a source re-sending one
  // as someone else), holding only what the merge gave, goes where the earliest of them is.
  let emptied: string | undefined;
  let emptiedInto: string | undefined;
  const [{ held: left }] = (await run<{ held: number }>(
    em,
    `select count(*)::int as held from source_record where customer_id = :holder::uuid`,
    { holder },
  )) as [{ held: number }];
  if (left === 0) {
    emptiedInto =
      holder !== survivor
        ? absorbed
        : (
            await run<{ customer_id: string }>(
              em,
              `select customer_id from source_record sr where id = any(:own::uuid[])
               order by ${firstReceived('sr')} limit 1`,
              { own: pgArray(survivorRecords) },
            )
          )[0]?.customer_id;
  }
  if (emptiedInto) {
    [emptied] = await mergeCustomers(
      em,
      clock,
      [
        {
          survivorId: emptiedInto,
          absorbedId: holder,
          kind: MergeKind.AUTOMATIC,
          evidence: { rule: RECORDS_WENT_BACK, unmerge: mergeId },
          mergedBy: by,
          reason:
            holder !== survivor
              ? `its records went back to customer ${absorbed} with merge ${mergeId} undone`
              : `its own records had left it when merge ${mergeId} was undone`,
        },
      ],
      options,
    );
  }
  const touched = [survivor, holder, absorbed, ...(emptiedInto ? [emptiedInto] : [])];
  await recomputeCustomers(em, [...new Set(touched)], options, at);
  await queueCustomerTiers(em, [...touched, ...repointed.map((m) => m.to)], 'unmerge');
  await em.insertMany(AuditEvent, [
    new AuditLog(clock).entity(options.actor ?? systemActor(by), {
      action: AuditAction.CUSTOMER_UNMERGE,
      target: { type: 'Customer', id: absorbed },
      purpose: reason,
      details: {
        merge: mergeId,
        kind: merge.kind,
        survivor,
        absorbed,
        ...(holder !== survivor && { heldBy: holder }),
        ...(emptied && { emptiedMergedBy: emptied }),
        restored,
        // The rows the merge journaled, by key, as the merge's entry names them: `restored`
        // says how many of each went back (a row its source re-sent since stays as sent).
        changed: rowKeys(journal.changed),
        removed: rowKeys(journal.removed),
        followed,
        decision,
        // The tasks open again for a steward: approved into the merge, or superseded by it.
        reviewsReopened,
        // Matched again next, in this transaction: what matching then does (a merge, a task
        // scored anew) has entries of its own, of this request.
        ...(options.rematched?.length && { rematched: options.rematched }),
      },
    }),
  ]);
  return {
    survivorId: survivor,
    absorbedId: absorbed,
    restored,
    followed,
    decision,
    regrouped: [...new Set(touched)],
  };
}

/**
 * Customers merged into one of `holders` whose records matching or an unmerge has since
 * moved on resolve to where their records are now: the customer holding the earliest of
 * the records each had when it was merged away. Otherwise a merged-away id (and its CIF
 * number on a policy) would name a customer that no longer holds any of its records, and
 * that a steward may have said is someone else. The references by CIF number to move with
 * them (for followReferences).
 */
export async function followRecordsOfMerged(
  em: EntityManager,
  holders: string[],
  at: string,
): Promise<ReferenceMove[]> {
  if (holders.length === 0) return [];
  const moved = await run<{ cif_no: string; from: string; to: string }>(
    em,
    `with own as (
       select distinct on (c.id) c.id, c.cif_no, c.merged_into_id as was, sr.customer_id as holder
       from customer c
       join customer_merge m on m.absorbed_id = c.id and m.unmerged_at is null
       cross join lateral jsonb_to_recordset(
         coalesce(m.journal->'changed'->'source_record', '[]'::jsonb)) j(id uuid)
       join source_record sr on sr.id = j.id
       where c.merged_into_id in (select unnest(:holders::uuid[]))
       order by c.id, ${firstReceived('sr')})
     update customer t set merged_into_id = own.holder, ${stampSql('updated_at')},
       ${stampSql('version')}
     from own join customer h on h.id = own.holder and h.merged_into_id is null
     where t.id = own.id and own.holder <> own.was
     returning own.cif_no, own.was as "from", own.holder as "to"`,
    { holders: `{${holders.join(',')}}`, at },
  );
  return moved.map((m) => ({ key: `CIF:${m.cif_no}`, from: m.from, to: m.to }));
}

/** Rows whose reference (referenceKey) is `key` go to customer `to`: those of `from`, if given. */
export interface ReferenceMove {
  key: string;
  to: string;
  from?: string;
}

/**
 * Moves the rows that refer to customers by a reference (CUSTOMER_REFERENCES' `namedBy`) to
 * the customer the reference now names: an unmerge gives the absorbed customer what was
 * written for it while merged away, and matching takes a record's rows along when it moves
 * the record to another customer. A policy role the customer holds already is not held
 * twice. Per table, the rows moved; `byFrom`, the same per customer they left.
 */
export async function followReferences(
  em: EntityManager,
  moves: ReferenceMove[],
  at: string,
  byFrom?: Map<string, Record<string, number>>,
): Promise<Record<string, number>> {
  const followed: Record<string, number> = {};
  if (moves.length === 0) return followed;
  for (const ref of CUSTOMER_REFERENCES) {
    if (!ref.namedBy) continue;
    const column = ref.column;
    const matched = `t.${ref.namedBy} = m.key and t.${column} <> m."to"
      and (m."from" is null or t.${column} = m."from")`;
    const sets = [`${column} = m."to"`, ...(ref.stamps ?? []).map(stampSql)].join(', ');
    const key = keyOf(ref.table).filter((c) => c !== 'id');
    // A role the customer holds on the policy already (or that two moved rows would give it
    // twice) is dropped, not held twice.
    const dropped = key.length
      ? `exists (select 1 from ${ref.table} o
              where ${key.map((k) => `o.${k} = t.${k}`).join(' and ')} and o.${column} = m."to")
            or row_number() over (partition by ${key.map((k) => `t.${k}`).join(', ')}, m."to"
              order by t.${column}) > 1`
      : 'false';
    const counts = await run<{ from: string; n: number }>(
      em,
      `with m as (select * from jsonb_to_recordset(:moves::jsonb) m(key text, "from" uuid, "to" uuid)),
       c as (select t.ctid as row, m."to", t.${column} as was, ${dropped} as dropped
         from ${ref.table} t join m on ${matched}),
       gone as (delete from ${ref.table} t using c where t.ctid = c.row and c.dropped),
       back as (update ${ref.table} t set ${sets.replaceAll('m."to"', 'c."to"')}
         from c where t.ctid = c.row and not c.dropped returning c.was)
       select was as "from", count(*)::int as n from back group by 1`,
      { moves: JSON.stringify(moves), at },
    );
    for (const { from, n } of counts) {
      followed[ref.table] = (followed[ref.table] ?? 0) + n;
      if (byFrom) {
        const tables = byFrom.get(from) ?? {};
        tables[ref.table] = n;
        byFrom.set(from, tables);
      }
    }
  }
  return followed;
}

/**
 * Rows that refer to customers by a reference, by the column a batch's outcome ids name:
 * a policy's parties by the policy, a claim and a risk score by their own id.
 */
export const REFERRING_ROWS = {
  policy: { table: 'policy_party', id: 'policy_id' },
  claim: { table: 'claim', id: 'id' },
  risk_score: { table: 'risk_score', id: 'id' },
} as const;

/**
 * Puts the rows a batch of policies, claims or risk scores wrote (`ids`, as REFERRING_ROWS
 * says) with the customer each one's reference names now, following merges. A merge or an
 * unmerge that ran while the batch was in flight moved the rows it could see, not the
 * batch's, uncommitted then: a policy written for a customer being merged away stayed
 * with it for good. Run after the batch commits, in a transaction of its own that first
 * takes the matching space alone, so that every merge in flight (a steward's holds the space
 * alone, a customer batch's automatic ones hold it shared) has committed or rolled back.
 * The customers rows left and joined are queued for their tiers. The rows moved.
 */
export async function settleReferences(
  em: EntityManager,
  kind: keyof typeof REFERRING_ROWS,
  ids: string[],
  at: string,
): Promise<number> {
  if (ids.length === 0) return 0;
  const { table, id } = REFERRING_ROWS[kind];
  const ref = CUSTOMER_REFERENCES.find((r) => r.table === table)!;
  await em.execute(`select pg_advisory_xact_lock(${MATCHING_SPACE})`);
  const moves = await run<ReferenceMove & { from: string }>(
    em,
    `select distinct t.${ref.namedBy} as key, t.${ref.column} as "from",
       coalesce(c.merged_into_id, c.id) as "to"
     from ${table} t
     join lateral (select case when t.${ref.namedBy} like 'CIF:%'
         then (select r.id from customer r where r.cif_no = substr(t.${ref.namedBy}, 5))
         else (select s.customer_id from source_record s
           where s.source_system::text = split_part(t.${ref.namedBy}, ':', 1)
             and s.source_key = substr(t.${ref.namedBy}, strpos(t.${ref.namedBy}, ':') + 1))
       end as id) named on true
     join customer c on c.id = named.id
     where t.${id} in (select unnest(:ids::uuid[])) and t.${ref.namedBy} is not null
       and coalesce(c.merged_into_id, c.id) <> t.${ref.column}`,
    { ids: `{${ids.join(',')}}` },
  );
  if (moves.length === 0) return 0;
  const followed = await followReferences(em, moves, at);
  await queueCustomerTiers(
    em,
    moves.flatMap((m) => [m.from, m.to]),
    'reference',
  );
  return Object.values(followed).reduce((n, rows) => n + rows, 0);
}

async function undoDecision(
  em: EntityManager,
  merge: MergeRow,
  by: string,
  reason: string,
  at: Date,
  reviewsReopened: string[],
  sides: [string[], string[]],
): Promise<UnmergeResult['decision']> {
  if (merge.kind === MergeKind.AUTOMATIC) {
    const pairs = await apartPairs(em, merge.survivor_id, merge.absorbed_id);
    if (pairs.length === 0) return undefined;
    const id = await recordApart(em, at, pairs, by, reason);
    return { id, verdict: MatchVerdict.DIFFERENT_CUSTOMERS };
  }
  const recorded = merge.journal.decision;
  if (!recorded) return undefined;
  // A review task approved into this merge is open again, as it was before the merge: the
  // steward's approval stays in the audit log.
  if (recorded.records) {
    const [x, y] = recorded.records;
    const reopened = await boundSql<{ id: string }[]>(
      em,
      `update match_review set status = ?, decided_by = null, decided_at = null, reason = null,
         updated_at = ?::timestamptz
       where record_a_id = least(?::uuid, ?::uuid) and record_b_id = greatest(?::uuid, ?::uuid)
         and status = ?
       returning id::text as id`,
      [ReviewStatus.OPEN, at.toISOString(), x, y, x, y, ReviewStatus.APPROVED],
    );
    reviewsReopened.push(...reopened.map((r) => r.id));
  }
  // Only while it is still the merge's: a steward may have decided otherwise since.
  await boundSql(em, `delete from match_decision where id = ?::uuid and verdict = ?`, [
    recorded.id,
    MatchVerdict.SAME_CUSTOMER,
  ]);
  const restored = [
    ...(recorded.replaced ? [recorded.replaced] : []),
    ...(recorded.overruled ?? []),
  ];
  if (restored.length) {
    await boundSql(
      em,
      `insert into match_decision
       select * from jsonb_populate_recordset(null::match_decision, ?::jsonb)
       on conflict (record_a_id, record_b_id) do nothing`,
      [JSON.stringify(restored)],
    );
    await handOverLapsed(em, merge, restored, sides, at);
  }
  return { id: recorded.id, verdict: MatchVerdict.SAME_CUSTOMER, removed: true };
}

/**
 * A record a restored do-not-merge names that its source re-sent while the merge stood, and
 * that has left the records of its side since, handed nothing on as it left: the decision
 * was overruled then. Those of its side's records that were not re-sent meanwhile (one that
 * was re-sent left on its own account), and the customers they are with now, take it on
 * (handOverApart), as they would have had the decision stood; else the records that joined
 * either customer after the decision would hold nothing against the other. A named record
 * that was not re-sent left nothing: where its side-mates went, they went on their own.
 * `sides`: each customer's records when merged (the absorbed customer's, the survivor's).
 */
async function handOverLapsed(
  em: EntityManager,
  merge: MergeRow,
  restored: Record<string, unknown>[],
  sides: [string[], string[]],
  at: Date,
): Promise<void> {
  const left = await run<{ record: string; heirs: string[] }>(
    em,
    `with named as (
       select distinct unnest(array[d.record_a_id, d.record_b_id]) as record
       from jsonb_populate_recordset(null::match_decision, :restored::jsonb) d
       where d.verdict = :apart),
     sides as (select * from jsonb_to_recordset(:sides::jsonb) as s(id uuid, side int)),
     heirs as (
       select distinct n.record, h.id as heir
       from named n join source_record p on p.id = n.record
         join sides own on own.id = n.record
         join sides mate on mate.side = own.side and mate.id <> n.record
         join source_record m on m.id = mate.id
         join source_record h on h.customer_id = m.customer_id
       where h.customer_id <> p.customer_id
         and p.received_at > :mergedAt::timestamptz and m.received_at <= :mergedAt::timestamptz)
     select record, array_agg(heir order by heir) as heirs from heirs group by record`,
    {
      restored: JSON.stringify(restored),
      apart: MatchVerdict.DIFFERENT_CUSTOMERS,
      sides: JSON.stringify(sides.flatMap((ids, side) => ids.map((id) => ({ id, side })))),
      mergedAt: new Date(merge.merged_at).toISOString(),
    },
  );
  await handOverApart(em, left, at.toISOString());
}

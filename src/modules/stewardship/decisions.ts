import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { MatchVerdict } from '../golden/match-decision.entity';
import { firstReceived } from '../customer/source-record.entity';
import { IDENTIFYING_DOCUMENT, type MatchRecord } from '../matching/compare';

export interface DecisionRequest {
  /** Two source records, in any order: the decision keeps them in id order. */
  records: [string, string];
  verdict: MatchVerdict;
  decidedBy: string;
  reason: string;
}

export interface SavedDecision {
  id: string;
  /** The decision on the same pair that this one replaced, as it was; null if none. */
  replaced: Record<string, unknown> | null;
}

/** The identifying document types, as a SQL list: `'RESIDENT_ID', ...`. */
export const IDENTIFYING_KINDS_SQL = Object.values(IDENTIFYING_DOCUMENT)
  .map((kind) => `'${kind}'`)
  .join(', ');

/**
 * The identifying documents (resident IDs, credit codes) two source records hold, as
 * match_decision.documents keeps them: their digests, distinct, sorted and comma-separated.
 */
export const documentsHeldSql = (a: string, b: string) =>
  `(select coalesce(string_agg(distinct encode(si.value_hash, 'hex') collate "C", ','
       order by encode(si.value_hash, 'hex') collate "C"), '')
     from source_identifier si
     where si.source_record_id in (${a}, ${b})
       and si.kind in (${IDENTIFYING_KINDS_SQL}))`;

/**
 * Whether records holding documents with these digests (hex) hold one that match_decision.documents
 * (`then`, {@link documentsHeldSql}) does not: a document a source gave either since. One it
 * took away is none: a source that stops sending a number says no one else.
 */
export const documentsGained = (then: string, ...now: string[][]) => {
  const held = new Set(then.split(','));
  return now.flat().some((digest) => !held.has(digest));
};

/**
 * Who a source record says its person is, as match_decision.identities keeps it for each of
 * its two records: digests of the name's sound (its pinyin; an organisation's name key) and
 * of the sex, joined by a dot (an empty part for a field the record lacks). By sound, so that
 * a source correcting a name typed with the wrong character of the same sound (蒋文搏, 蒋文博),
 * as pinyin keyboards make most, is no change of person; a birth date is left out, a digit
 * of it being the commonest correction of all. {@link identityOf} gives the same from a
 * record in hand.
 */
const identitySql = (id: string) =>
  `(select concat_ws('.', ${["coalesce(nullif(sr.name_pinyin, ''), sr.name_key)", 'sr.gender']
    .map((field) => `coalesce(left(encode(sha256(convert_to(${field}, 'UTF8')), 'hex'), 16), '')`)
    .join(', ')})
     from source_record sr where sr.id = ${id})`;

/** {@link identitySql} of two records, `a|b`. */
const identitiesHeldSql = (a: string, b: string) =>
  `(${identitySql(a)} || '|' || ${identitySql(b)})`;

const identityPart = (value: string | undefined) =>
  value === undefined ? '' : createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 16);

/** {@link identitySql} of a record in hand. */
export const identityOf = (record: Pick<MatchRecord, 'name' | 'gender'>) =>
  [record.name.pinyin || record.name.key, record.gender].map(identityPart).join('.');

/**
 * Whether a record says now (`now`, identityOf) that its person has another name or sex than
 * when a steward decided (`then`, its half of match_decision.identities): a field the record
 * lacked then, or lacks now, is no change of person.
 */
export function identityChanged(then: string, now: string): boolean {
  const before = then.split('.');
  return now.split('.').some((part, i) => part !== '' && before[i] !== '' && part !== before[i]);
}

/**
 * Records steward decisions between pairs of source records, one statement for all: a new
 * decision on a pair replaces the old one (one decision per pair), which comes back so that
 * a merge can restore it when undone. Results are in the order of `decisions`.
 */
export async function recordDecisions(
  em: EntityManager,
  at: Date,
  decisions: DecisionRequest[],
): Promise<SavedDecision[]> {
  if (decisions.length === 0) return [];
  const rows = await em.execute<(SavedDecision & { n: number })[]>(
    `with asked as (select * from jsonb_to_recordset(?::jsonb)
         as d(n int, x uuid, y uuid, verdict text, decided_by text, reason text)),
     pair as (select n, least(x, y) as a, greatest(x, y) as b, verdict, decided_by, reason from asked),
     prior as (select d.* from match_decision d join pair p on d.record_a_id = p.a and d.record_b_id = p.b),
     saved as (insert into match_decision (id, created_at, updated_at, record_a_id, record_b_id,
         verdict, decided_by, decided_at, reason, documents, identities)
       select gen_random_uuid(), c.at, c.at, a, b, verdict, decided_by, c.at, reason,
         ${documentsHeldSql('a', 'b')}, ${identitiesHeldSql('a', 'b')}
       from pair, (select ?::timestamptz as at) c
       on conflict (record_a_id, record_b_id) do update set verdict = excluded.verdict,
         decided_by = excluded.decided_by, decided_at = excluded.decided_at,
         reason = excluded.reason, documents = excluded.documents,
         identities = excluded.identities, updated_at = excluded.decided_at
       returning id, record_a_id, record_b_id)
     select p.n, s.id, (select to_jsonb(prior) from prior
         where prior.record_a_id = p.a and prior.record_b_id = p.b) as replaced
     from pair p join saved s on s.record_a_id = p.a and s.record_b_id = p.b`,
    [
      JSON.stringify(
        decisions.map((d, n) => ({
          n,
          x: d.records[0],
          y: d.records[1],
          verdict: d.verdict,
          decided_by: d.decidedBy,
          reason: d.reason,
        })),
      ),
      at.toISOString(),
    ],
  );
  const byIndex = new Map(rows.map((r) => [r.n, { id: r.id, replaced: r.replaced }]));
  return decisions.map((_, n) => byIndex.get(n)!);
}

/**
 * Each customer's representative source record, which a steward's merge records its
 * SAME_CUSTOMER decision on: of its own records (not those a merge standing now moved in
 * from an absorbed customer, which an unmerge would take away from a decision made on
 * them, unless the customer holds no other), the first received (firstReceived) bearing an
 * identifying document that passes its check, else the earliest. Matching joins the two
 * records of the decision first, and their numbers with them: on a record of no number
 * (a customer first known by the app), a record of each number would join its side first,
 * and the two numbers would then keep the sides apart. Customers without a source record
 * are absent.
 */
export async function representativeRecords(
  em: EntityManager,
  customerIds: string[],
): Promise<Map<string, string>> {
  if (customerIds.length === 0) return new Map();
  const rows = await em.execute<{ customer_id: string; id: string }[]>(
    `with held as (
       select sr.customer_id, sr.id, sr.created_at, sr.source_system, sr.source_key,
         exists (select 1 from customer_merge m
                 cross join jsonb_array_elements(m.journal->'changed'->'source_record') moved
                 where m.survivor_id = sr.customer_id and m.unmerged_at is null
                   and moved->>'id' = sr.id::text) as moved_in,
         exists (select 1 from source_identifier si
                 where si.source_record_id = sr.id and si.kind in (${IDENTIFYING_KINDS_SQL})
                   and not si.checksum_exception) as documented
       from source_record sr
       where sr.customer_id in (select value::uuid from jsonb_array_elements_text(?::jsonb)))
     select distinct on (customer_id) customer_id, id from held h
     where not moved_in
       or not exists (select 1 from held o where o.customer_id = h.customer_id and not o.moved_in)
     order by customer_id, documented desc, ${firstReceived('h')}`,
    [JSON.stringify([...new Set(customerIds)])],
  );
  return new Map(rows.map((r) => [r.customer_id, r.id]));
}

/**
 * The pairs a do-not-merge between two customers is recorded on: every record of one with
 * every record of the other (those a merge brought in too: the steward judged the customer
 * they make), the earliest pair first. On one pair alone, the decision would lapse as soon
 * as that record moved to another customer (its source re-sent it as someone else), and
 * matching could then join the two through the rest; a record that leaves either customer
 * later hands the decision on to those that stay (handOverApart). `first`, a review task's pair,
 * comes first whether or not it is among them.
 */
export async function apartPairs(
  em: EntityManager,
  a: string,
  b: string,
  first?: [string, string],
): Promise<[string, string][]> {
  const rows = await em.execute<{ customer_id: string; ids: string[] }[]>(
    `select customer_id, array_agg(id order by ${firstReceived('sr')}) as ids from source_record sr
     where customer_id in (?::uuid, ?::uuid) group by customer_id`,
    [a, b],
  );
  const held = new Map(rows.map((r) => [r.customer_id, r.ids]));
  const key = ([x, y]: [string, string]) => (x < y ? `${x}:${y}` : `${y}:${x}`);
  const pairs = new Map(first ? [[key(first), first]] : []);
  for (const x of held.get(a) ?? []) {
    for (const y of held.get(b) ?? []) if (!pairs.has(key([x, y]))) pairs.set(key([x, y]), [x, y]);
  }
  return [...pairs.values()];
}

/** Records one do-not-merge on `pairs` (apartPairs); returns the id of the first pair's. */
export async function recordApart(
  em: EntityManager,
  at: Date,
  pairs: [string, string][],
  decidedBy: string,
  reason: string,
): Promise<string> {
  const [first] = await recordDecisions(
    em,
    at,
    pairs.map((records) => ({
      records,
      verdict: MatchVerdict.DIFFERENT_CUSTOMERS,
      decidedBy,
      reason,
    })),
  );
  return first!.id;
}

/**
 * Records that have just left a customer (`left`, each with its heirs: the records of that
 * customer it parted from) hand the do-not-merge decisions they hold on to their heirs, as
 * made (same steward, time and reason: one decision, which a steward merge overrules
 * whole): so that a decision between two customers outlives every record it was first made
 * on, when their sources re-send them as someone else. Taken on when a record leaves, never
 * when one joins: a record joining a kept-apart customer is apart from the other by
 * clustering while it stays, and one that took the decision on as it joined was barred from
 * the other person by whichever of the two it reached first, so that arrival order decided.
 * Until nothing more passes on: where both records of a decision leave at once, the heirs
 * of each take it on against the other's. One statement a round; nothing for a record no
 * steward kept apart from another.
 */
export async function handOverApart(
  em: EntityManager,
  left: { record: string; heirs: string[] }[],
  at: string,
): Promise<void> {
  const pairs = left.flatMap(({ record, heirs }) => heirs.map((heir) => ({ record, heir })));
  if (pairs.length === 0) return;
  for (;;) {
    const written = await em.execute<unknown[]>(
      `with leaving as (
         select * from jsonb_to_recordset(?::jsonb) as l(record uuid, heir uuid)),
       held as (
         select l.heir, d.record_b_id as other, d.decided_by, d.decided_at, d.reason
         from leaving l join match_decision d on d.record_a_id = l.record and d.verdict = ?
         union all
         select l.heir, d.record_a_id, d.decided_by, d.decided_at, d.reason
         from leaving l join match_decision d on d.record_b_id = l.record and d.verdict = ?)
       insert into match_decision (id, created_at, updated_at, record_a_id, record_b_id, verdict,
         decided_by, decided_at, reason)
       select distinct on (least(h.heir, h.other), greatest(h.heir, h.other))
         gen_random_uuid(), ?::timestamptz, ?::timestamptz, least(h.heir, h.other),
         greatest(h.heir, h.other), ?, h.decided_by, h.decided_at, h.reason
       from held h join source_record s on s.id = h.heir join source_record o on o.id = h.other
       where o.customer_id <> s.customer_id
       order by least(h.heir, h.other), greatest(h.heir, h.other), h.decided_at desc,
         h.decided_by, h.reason
       on conflict (record_a_id, record_b_id) do nothing
       returning 1`,
      [
        JSON.stringify(pairs),
        MatchVerdict.DIFFERENT_CUSTOMERS,
        MatchVerdict.DIFFERENT_CUSTOMERS,
        at,
        at,
        MatchVerdict.DIFFERENT_CUSTOMERS,
      ],
    );
    if (written.length === 0) return;
  }
}

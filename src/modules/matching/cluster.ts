import type { CustomerRecordInput } from '../ingestion/ingestion.input';
import { daysInMonth, isCalendarDay } from '../../time/clock';
import { checkEmail, checkMobile, swapRepairs, ungrouped } from '../../validation';
import { MIN_BIRTH_DATE } from '../../validation/instants';
import {
  compare,
  IDENTIFYING_DOCUMENT,
  type Comparison,
  type MatchContext,
  type MatchRecord,
  type MatchRule,
} from './compare';
import { upgradeLegacyResidentId } from './identifiers';
import { expectedHolders } from './name-frequency';
import { holderOf, nameForms } from './names';
import { DEFAULT_GENERIC_HOLDERS, DEFAULT_NAME_POPULATION } from './settings';
import { DEFAULT_THRESHOLDS, type MatchThresholds } from './weights';

/**
 * The comparable form of a source record as it arrives. Numbers are only tidied, not
 * validated: a mistyped resident ID is itself evidence (see compare's ID_TYPO rule).
 */
export function matchRecordOf(id: string, record: CustomerRecordInput): MatchRecord {
  const contacts = (kind: string) =>
    (record.contactPoints ?? []).filter((c) => c.kind === kind).map((c) => c.value.trim());
  return {
    id,
    kind: record.kind,
    name: nameForms(record.kind, record.name),
    birthDate: record.birthDate,
    gender: record.gender,
    documents: (record.identityDocuments ?? []).map(({ type, number }) => {
      const tidy = ungrouped(number).toUpperCase();
      return { type, number: type === 'RESIDENT_ID' ? upgradeLegacyResidentId(tidy) : tidy };
    }),
    mobiles: contacts('MOBILE').flatMap((value) => {
      const mobile = checkMobile(value);
      return mobile.ok ? [mobile.value.normalized] : [];
    }),
    emails: contacts('EMAIL').flatMap((value) => {
      const email = checkEmail(value);
      return email.ok ? [email.value.normalized] : [];
    }),
    addresses: contacts('ADDRESS'),
  };
}

/**
 * A mobile or e-mail is generic when records under at least `minNames` different names (holders,
 * see holderOf) carry it: a dealer or an agent who puts their own phone on every customer they sign up. A
 * household of up to `minNames - 1` sharing a phone stays evidence.
 */
export function genericContacts(records: MatchRecord[], minNames = 5): MatchContext['isGeneric'] {
  const names = new Map<string, Set<string>>();
  for (const record of records) {
    const values = [
      ...record.mobiles.map((v) => `MOBILE:${v}`),
      ...record.emails.map((v) => `EMAIL:${v}`),
    ];
    for (const value of values) {
      const seen = names.get(value) ?? new Set();
      seen.add(holderOf(record.name));
      names.set(value, seen);
    }
  }
  const generic = new Set([...names].filter(([, n]) => n.size >= minNames).map(([v]) => v));
  return (kind, value) => generic.has(`${kind}:${value}`);
}

/** A source record as clustering sees it. */
export interface ClusterRecord {
  /** The source record id. */
  id: string;
  /** `SYSTEM:key`: the order ties are broken in, the same however the records arrived. */
  key: string;
  match: MatchRecord;
}

/** A steward's decision on two records (match_decision). */
export interface StewardVerdict {
  a: string;
  b: string;
  verdict: 'SAME_CUSTOMER' | 'DIFFERENT_CUSTOMERS';
  /**
   * Of a SAME_CUSTOMER's two records, those whose source has since given them a name of
   * another sound or another sex than when the steward decided.
   */
  changed?: string[];
}

/** A compared pair: the two record ids in key order, and the comparison. */
export interface ScoredPair {
  a: string;
  b: string;
  comparison: Comparison;
  /** A steward said SAME_CUSTOMER: linked whatever the comparison says. */
  forced?: boolean;
}

export interface Clusters {
  /** Record ids, grouped: each group is one customer. */
  groups: string[][];
  /** Per record, its link in its customer's spanning tree (none for a group of one). */
  links: Map<string, ScoredPair>;
  /** Pairs in different groups that scored for review, the best pair per two groups. */
  reviews: ScoredPair[];
  /** How many pairs were compared. */
  comparisons: number;
}

/**
 * The keys under which two records are worth comparing: one agreeing key makes a candidate
 * pair. Each catches a kind of duplicate the others miss (a call-centre record has only a
 * name and a mobile, or a name and an address; a mistyped check character leaves the first 17 characters, and two
 * swapped characters make a number failing its check that one swap back repairs). Plain
 * values, in memory only; the database finds candidates by the same keys, hashed (see
 * customer-batch.ts). Generic contact values are no evidence and block nothing.
 */
export function blockingKeys(record: MatchRecord, isGeneric: MatchContext['isGeneric']): string[] {
  return keysOf(record, isGeneric, birthDateBlocks);
}

/**
 * What a batch locks so that batches that could share a block run one after the other: the
 * blocking keys, a name's date blocks widened to the years a digit from its own (19*5 and
 * 198*, two locks where its blocks would take five; a batch takes thousands).
 */
export function lockingKeys(record: MatchRecord): string[] {
  return keysOf(
    record,
    () => false,
    (date) => maskedYears(date.slice(0, 4)),
  );
}

function keysOf(
  record: MatchRecord,
  isGeneric: MatchContext['isGeneric'],
  dateBlocks: (date: string) => string[],
): string[] {
  // A resident ID failing its check is blocked, too, with the valid numbers one swap of two
  // adjacent characters makes of it (the database finds the pair by their swap forms).
  const keys = record.documents.flatMap((d) =>
    d.type === 'RESIDENT_ID'
      ? [
          `doc:${d.type}:${d.number}`,
          ...[d.number, ...swapRepairs(d.number)].map((n) => `body:${n.slice(0, 17)}`),
        ]
      : [`doc:${d.type}:${d.number}`],
  );
  for (const m of record.mobiles) if (!isGeneric('MOBILE', m)) keys.push(`mobile:${m}`);
  for (const e of record.emails) if (!isGeneric('EMAIL', e)) keys.push(`email:${e}`);
  if (record.kind === 'ORGANISATION') keys.push(`org:${record.name.key}`);
  else {
    if (record.birthDate) {
      for (const block of dateBlocks(record.birthDate)) {
        keys.push(`name:${record.name.key}|${block}`);
        if (record.name.pinyin) keys.push(`pinyin:${record.name.pinyin}|${block}`);
      }
    }
    // A person's name at an address, birth date or not: a call-centre or paper record often
    // holds nothing else, and name and address together score for review. The address as
    // stored (the database finds it by its digest), not as compared.
    for (const address of record.addresses) {
      keys.push(`name-address:${record.name.key}|${address}`);
      if (record.name.pinyin) keys.push(`pinyin-address:${record.name.pinyin}|${address}`);
    }
  }
  return keys;
}

/**
 * The blocks a birth date puts a name in: its month, its day of the month in its year, the
 * pair of its month and day (when they can be swapped), and its month and day in each year
 * one of the year's last two digits apart (1985: 19*5, 198*). Two dates share a block
 * exactly when they are equal or compare could call them near (a mistyped digit of the
 * year, the month or the day, or month and day swapped): the whole year would put a
 * namesake born any day of it in the block, and a common name then meets dozens of
 * strangers in every batch. (A mistyped century, 1985 for 2985, is no one's birth date.)
 */
export function birthDateBlocks(date: string): string[] {
  const [year, month, day] = date.split('-') as [string, string, string];
  const blocks = [`${year}-${month}`, `${year}-*-${day}`];
  if (Number(day) <= 12 && day !== month) blocks.push(`${year}~${[month, day].sort().join('~')}`);
  for (const masked of maskedYears(year)) blocks.push(`${masked}-${month}-${day}`);
  return blocks;
}

/** A year with one of its last two digits masked, each way: the years it is one typo from. */
const maskedYears = (year: string) => [`${year.slice(0, 2)}*${year[3]}`, `${year.slice(0, 3)}*`];

const MONTHS = Array.from({ length: 12 }, (_, i) => String(i + 1).padStart(2, '0'));

/**
 * The dates that share a block of {@link birthDateBlocks} with this one, as the database
 * looks them up: the whole month, single days of its year (the same day of the other
 * months, and the day and month swapped), and the same day of the years a digit apart
 * (`otherYears`, from 1900, the first birth date a record may hold).
 */
export function datesSharingBlocks(date: string): {
  from: string;
  to: string;
  days: string[];
  otherYears: string[];
} {
  const [year, month, day] = date.split('-') as [string, string, string];
  const days = MONTHS.filter((m) => m !== month).map((m) => `${year}-${m}-${day}`);
  if (Number(day) <= 12 && day !== month) days.push(`${year}-${day}-${month}`);
  const last = daysInMonth(Number(year), Number(month));
  const otherYears = [2, 3].flatMap((at) =>
    [...'0123456789']
      .filter((digit) => digit !== year[at])
      .map((digit) => `${year.slice(0, at)}${digit}${year.slice(at + 1)}-${month}-${day}`),
  );
  return {
    from: `${year}-${month}-01`,
    to: `${year}-${month}-${last}`,
    days: days.filter(isCalendarDay),
    otherYears: otherYears.filter((d) => d >= MIN_BIRTH_DATE && isCalendarDay(d)),
  };
}

/**
 * Records sharing one blocking key that are compared pair by pair. Past it, a key is too
 * common to tell its holders apart (a name and birth date of the most common names meets
 * a handful in a million customers), and each record is compared with its BLOCK_WINDOW
 * next in key order only: the holders of one document still chain into one customer.
 */
export const MAX_BLOCK_PAIRED = 50;
const BLOCK_WINDOW = 20;
const DOCUMENT_RULES: ReadonlySet<MatchRule> = new Set(['SAME_DOCUMENT', 'CONFLICTING_DOCUMENT']);

/**
 * Groups records into customers: the connected components of the pairs that link
 * (single linkage), where a steward's SAME_CUSTOMER always links (in the order `verdicts`
 * lists them, newest first: of two that a DIFFERENT_CUSTOMERS sets against each other, the
 * newer holds), and DIFFERENT_CUSTOMERS
 * or two different identity documents keep two records apart however they are connected. Pairs are taken strongest first,
 * ties by key, so the result depends on the records and the decisions only, never on the
 * order they came in: that is what makes matching sequence neutral.
 */
export function cluster(
  records: ClusterRecord[],
  verdicts: StewardVerdict[],
  context: MatchContext,
  thresholds: MatchThresholds,
): Clusters {
  const byId = new Map(records.map((r) => [r.id, r]));
  const ordered = (x: string, y: string): [string, string] =>
    byId.get(x)!.key <= byId.get(y)!.key ? [x, y] : [y, x];

  const blocks = new Map<string, string[]>();
  for (const record of records) {
    for (const key of blockingKeys(record.match, (k, v) => context.isGeneric(k, v))) {
      const block = blocks.get(key);
      if (block) block.push(record.id);
      else blocks.set(key, [record.id]);
    }
  }
  const pairs = new Map<string, ScoredPair>();
  const crowded: string[][] = [];
  for (const block of blocks.values()) {
    if (block.length > MAX_BLOCK_PAIRED) {
      crowded.push(block);
      continue;
    }
    for (let i = 0; i < block.length; i++) {
      for (let j = i + 1; j < block.length; j++) {
        const [a, b] = ordered(block[i], block[j]);
        const id = `${a} ${b}`;
        if (pairs.has(id)) continue;
        pairs.set(id, {
          a,
          b,
          comparison: compare(byId.get(a)!.match, byId.get(b)!.match, context, thresholds),
        });
      }
    }
  }
  // A key hundreds of records share (one resident ID sent under a thousand source keys, a
  // thousand 王芳 born on one day) made every pair a comparison: a thousand took 10 s of the
  // event loop, and half a million review tasks. Each record of such a block is compared
  // with its BLOCK_WINDOW next in key order, and only what that proves is kept: links and
  // what the documents say. Too common a key to tell its holders apart proposes no task.
  const compared = new Set<string>();
  for (const block of crowded) {
    const inKeyOrder = block
      .map((id) => byId.get(id)!)
      .sort((x, y) => (x.key < y.key ? -1 : 1))
      .map((r) => r.id);
    for (let i = 0; i < inKeyOrder.length; i++) {
      for (let j = i + 1; j <= i + BLOCK_WINDOW && j < inKeyOrder.length; j++) {
        const [a, b] = ordered(inKeyOrder[i]!, inKeyOrder[j]!);
        const id = `${a} ${b}`;
        if (pairs.has(id) || compared.has(id)) continue;
        compared.add(id);
        const comparison = compare(byId.get(a)!.match, byId.get(b)!.match, context, thresholds);
        if (comparison.decision === 'LINK' || DOCUMENT_RULES.has(comparison.rule)) {
          pairs.set(id, { a, b, comparison });
        }
      }
    }
  }

  // A steward vouched for a record as it was: one its source has since said is someone else
  // (a name of another sound, another sex; another document ends the decision) stays where
  // the steward put it, but whoever it now resembles is put to a steward, not pulled in with
  // it. A shared document is proof, and still links.
  const changed = new Set(
    verdicts.flatMap((v) =>
      v.verdict === 'SAME_CUSTOMER' && byId.has(v.a) && byId.has(v.b) ? (v.changed ?? []) : [],
    ),
  );
  for (const pair of pairs.values()) {
    const { decision, rule } = pair.comparison;
    if (decision !== 'LINK' || rule === 'SAME_DOCUMENT') continue;
    if (!changed.has(pair.a) && !changed.has(pair.b)) continue;
    pair.comparison = { ...pair.comparison, rule: 'CHANGED_SINCE_DECISION', decision: 'REVIEW' };
  }

  // Two records with different identity documents are two customers whatever joins them,
  // directly or through others: a group is not joined to another where a record of each
  // holds such a document and the two compare as CONFLICTING_DOCUMENT (a keying error does
  // not: the mistyped number is nobody's). Only records holding one are compared here.
  const documented = new Set(
    records
      .filter((r) => r.match.documents.some((d) => d.type === IDENTIFYING_DOCUMENT[r.match.kind]))
      .map((r) => r.id),
  );
  // Records holding the same documents never conflict (compare finds one shared, or the
  // same mistyped number): told without comparing, as joining a thousand holders of one
  // number asks it of each pair.
  const documentsOf = new Map(
    [...documented].map((id) => [
      id,
      byId
        .get(id)!
        .match.documents.map((d) => `${d.type}:${d.number}`)
        .sort()
        .join(' '),
    ]),
  );
  const conflicts = (x: string, y: string) => {
    if (!documented.has(x) || !documented.has(y)) return false;
    if (documentsOf.get(x) === documentsOf.get(y)) return false;
    const [a, b] = ordered(x, y);
    const known = pairs.get(`${a} ${b}`);
    const comparison =
      known?.comparison ?? compare(byId.get(a)!.match, byId.get(b)!.match, context, thresholds);
    return comparison.rule === 'CONFLICTING_DOCUMENT';
  };
  // One identifying document held by both: after a steward joined two numbers into one
  // customer, a record bearing either of them still belongs with it.
  const shareDocument = (x: string, y: string) =>
    documented.has(x) &&
    documented.has(y) &&
    byId
      .get(x)!
      .match.documents.some((d) =>
        byId.get(y)!.match.documents.some((e) => e.type === d.type && e.number === d.number),
      );
  // A shared document is proof: it outranks any score.
  const strongestFirst = (x: ScoredPair, y: ScoredPair) =>
    Number(y.comparison.rule === 'SAME_DOCUMENT') - Number(x.comparison.rule === 'SAME_DOCUMENT') ||
    y.comparison.score - x.comparison.score ||
    byId.get(x.a)!.key.localeCompare(byId.get(y.a)!.key) ||
    byId.get(x.b)!.key.localeCompare(byId.get(y.b)!.key);
  const forced: ScoredPair[] = verdicts
    .filter((v) => v.verdict === 'SAME_CUSTOMER' && byId.has(v.a) && byId.has(v.b))
    .map((v) => {
      const [a, b] = ordered(v.a, v.b);
      const comparison = compare(byId.get(a)!.match, byId.get(b)!.match, context, thresholds);
      return { a, b, comparison, forced: true };
    });
  const grouping = () => {
    const groups = new Groups(
      records.map((r) => r.id),
      conflicts,
      shareDocument,
    );
    for (const v of verdicts) {
      if (!byId.has(v.a) || !byId.has(v.b)) continue;
      if (v.verdict === 'DIFFERENT_CUSTOMERS') groups.keepApart(v.a, v.b, 'verdict');
    }
    // Two records with different identity documents are two customers, whatever joins them:
    // a name and birth date shared with both must not make them one. So are two holders of
    // one passport or permit number who disagree on name, birth date or sex (compare leaves
    // them to a steward): a third record bearing the number does not decide for the steward.
    for (const pair of pairs.values()) {
      const { rule, decision } = pair.comparison;
      if (rule === 'CONFLICTING_DOCUMENT') groups.keepApart(pair.a, pair.b, 'document');
      else if (rule === 'SAME_DOCUMENT' && decision === 'REVIEW')
        groups.keepApart(pair.a, pair.b, 'holders');
    }
    const linking = [
      ...forced,
      ...[...pairs.values()].filter((p) => p.comparison.decision === 'LINK').sort(strongestFirst),
    ];
    // The pairs that joined two groups: each customer's spanning tree, strongest first.
    const tree = linking.filter((pair) => groups.join(pair.a, pair.b, pair.forced));
    return { groups, tree };
  };
  let { groups, tree } = grouping();
  // Grouped again without the links a record could not tell between two people (see
  // contestLinks), until no record can: each round only takes links away.
  const apartFrom = new Map<string, string[]>();
  for (const v of verdicts) {
    if (v.verdict !== 'DIFFERENT_CUSTOMERS' || !byId.has(v.a) || !byId.has(v.b)) continue;
    apartFrom.set(v.a, [...(apartFrom.get(v.a) ?? []), v.b]);
    apartFrom.set(v.b, [...(apartFrom.get(v.b) ?? []), v.a]);
  }
  while (contestLinks(pairs, apartFrom, groups, thresholds)) ({ groups, tree } = grouping());
  const links = spanningLinks(groups.list(), tree, (id) => byId.get(id)!.key);

  const reviews = new Map<string, ScoredPair>();
  const scored = [...pairs.values()].filter((p) => p.comparison.decision !== 'NONE');
  for (const pair of scored.sort(strongestFirst)) {
    const [ga, gb] = [groups.root(pair.a), groups.root(pair.b)];
    if (ga === gb || groups.apart(ga, gb)) continue;
    const id = ga < gb ? `${ga} ${gb}` : `${gb} ${ga}`;
    if (!reviews.has(id)) reviews.set(id, pair);
  }
  return { groups: groups.list(), links, reviews: [...reviews.values()], comparisons: pairs.size };
}

/**
 * A record that links to two groups kept apart (different identity documents, a steward's
 * word, disagreeing holders of one passport), about as strongly to either (its best link
 * to the weaker within `thresholds.margin` bits of its best to the stronger), could be
 * either person's: none of its links to either links, all are a steward's to decide (rule
 * AMBIGUOUS), and the record stays a customer of its own meanwhile. Single linkage would
 * otherwise give it to the stronger, on a tie to whichever key sorts first, directly or
 * through a record of one of them without a document. A shared document is proof, and is
 * contested only between two groups a steward kept apart (a split left two people holding
 * one number); a record is not torn by a group holding a record a steward kept it apart
 * from (`apartFrom`, per record): that person is not one it could be, whichever of their
 * records it links to. Records one document binds (linked by it, in one group) are judged
 * so together as well, on their links beyond each other: two records of one resident ID,
 * one like each of two people kept apart, are torn as one person though neither is alone.
 * Judged on `groups` as linked so far; whether any link was taken away.
 */
function contestLinks(
  pairs: Map<string, ScoredPair>,
  apartFrom: ReadonlyMap<string, string[]>,
  groups: Groups,
  thresholds: MatchThresholds,
): boolean {
  const linksOf = new Map<string, ScoredPair[]>();
  const bound = new Groups([...new Set([...pairs.values()].flatMap((p) => [p.a, p.b]))]);
  for (const pair of pairs.values()) {
    const { decision, rule } = pair.comparison;
    if (decision !== 'LINK' && rule !== 'AMBIGUOUS') continue;
    for (const id of [pair.a, pair.b]) {
      const linked = linksOf.get(id);
      if (linked) linked.push(pair);
      else linksOf.set(id, [pair]);
    }
    if (
      rule === 'SAME_DOCUMENT' &&
      decision === 'LINK' &&
      groups.root(pair.a) === groups.root(pair.b)
    ) {
      bound.join(pair.a, pair.b);
    }
  }
  const subjects = [
    ...[...linksOf.keys()].map((id) => [id]),
    ...bound.list().filter((members) => members.length > 1),
  ];
  const contested = new Set<ScoredPair>();
  for (const members of subjects) {
    const own = new Set(members);
    const linked = members.flatMap((id) =>
      (linksOf.get(id) ?? []).flatMap((pair) => {
        const other = pair.a === id ? pair.b : pair.a;
        return own.has(other) ? [] : [{ pair, other }];
      }),
    );
    const barred = new Set(
      members.flatMap((id) => (apartFrom.get(id) ?? []).map((other) => groups.root(other))),
    );
    // Nor is it torn by a group holding another identity document than its own (and not its
    // own as well, as a steward's merge of two numbers does): it could not be that person
    // either (a record linked to its own person would be torn from it by a namesake of that
    // birth date whom single linkage gave to the other). Judged once a group.
    const judged = new Map<string, boolean>();
    const cannotBe = (root: string) => {
      let apart = judged.get(root);
      if (apart === undefined) {
        apart = barred.has(root) || groups.heldApart(members, root);
        judged.set(root, apart);
      }
      return apart;
    };
    // Per group the subject links to, its strongest link there.
    const best = new Map<string, number>();
    const byDocument = new Set<string>();
    for (const { pair, other } of linked) {
      const root = groups.root(other);
      if (cannotBe(root)) continue;
      best.set(root, Math.max(best.get(root) ?? -Infinity, pair.comparison.score));
      if (pair.comparison.rule === 'SAME_DOCUMENT') byDocument.add(root);
    }
    const torn = new Set<string>();
    const roots = [...best.keys()];
    for (let i = 0; i < roots.length; i++) {
      for (let j = i + 1; j < roots.length; j++) {
        const [x, y] = [roots[i]!, roots[j]!];
        if (Math.abs(best.get(x)! - best.get(y)!) > thresholds.margin) continue;
        // A number both hold is proof against anything but a steward's word that its two
        // holders are two people (a split, a rejection): only then is it torn by it.
        const reasons = byDocument.has(x) || byDocument.has(y) ? ['verdict' as const] : ALL_APART;
        if (!groups.apart(x, y, ...reasons)) continue;
        torn.add(x);
        torn.add(y);
      }
    }
    for (const { pair, other } of linked) {
      if (pair.comparison.decision !== 'LINK') continue;
      if (torn.has(groups.root(other))) contested.add(pair);
    }
  }
  for (const pair of contested) {
    pair.comparison = { ...pair.comparison, rule: 'AMBIGUOUS', decision: 'REVIEW' };
  }
  return contested.size > 0;
}

/**
 * Per record, one link of its customer's spanning tree (`tree`, strongest first), so that the
 * links shown explain the whole customer: each record's strongest link alone can leave two
 * halves unexplained (李娜 with 李娜, "Li Na" with "Li Na"). Each record shows the link by which
 * it is reached from an end of its customer's strongest link, so both ends of that one show
 * it, and a record shows a weaker link only where the tree needs it.
 */
function spanningLinks(
  groups: string[][],
  tree: ScoredPair[],
  keyOf: (id: string) => string,
): Map<string, ScoredPair> {
  const incident = new Map<string, ScoredPair[]>();
  const rank = new Map<ScoredPair, number>();
  tree.forEach((pair, i) => {
    rank.set(pair, i);
    for (const id of [pair.a, pair.b]) {
      const pairs = incident.get(id);
      if (pairs) pairs.push(pair);
      else incident.set(id, [pair]);
    }
  });
  const links = new Map<string, ScoredPair>();
  for (const group of groups) {
    if (group.length < 2) continue;
    // Its records' strongest tree links, the strongest of which comes first in `tree`.
    const strongest = group
      .map((id) => incident.get(id)![0]!)
      .reduce((x, y) => (rank.get(x)! <= rank.get(y)! ? x : y));
    const first = keyOf(strongest.a) <= keyOf(strongest.b) ? strongest.a : strongest.b;
    links.set(first, strongest);
    const reached = [first];
    for (let i = 0; i < reached.length; i++) {
      for (const pair of incident.get(reached[i]!) ?? []) {
        const other = pair.a === reached[i] ? pair.b : pair.a;
        if (other === first || links.has(other)) continue;
        links.set(other, pair);
        reached.push(other);
      }
    }
  }
  return links;
}

type Reason = 'verdict' | 'document' | 'holders';
const ALL_APART: Reason[] = ['verdict', 'document', 'holders'];

/**
 * Union-find over record ids that refuses to join two groups a steward kept apart, two
 * whose records hold different identity documents, or two whose records hold one passport
 * or permit number and disagree on who holds it. A steward's SAME_CUSTOMER overrules the
 * documents (a merge of two customers holding two numbers is the steward's call), and so
 * does a document the two groups share: what a steward joined stays joined, and a record
 * bearing either number joins it.
 */
class Groups {
  private readonly parent = new Map<string, string>();
  private readonly members = new Map<string, string[]>();
  private readonly apartFrom = {
    verdict: new Map<string, Set<string>>(),
    document: new Map<string, Set<string>>(),
    holders: new Map<string, Set<string>>(),
  };

  constructor(
    ids: string[],
    /** Two records that may never be one customer, whatever joins them. */
    private readonly conflicts: (a: string, b: string) => boolean = () => false,
    /** Two records that hold one identity document. */
    private readonly shareDocument: (a: string, b: string) => boolean = () => false,
  ) {
    for (const id of ids) {
      this.parent.set(id, id);
      this.members.set(id, [id]);
    }
  }

  root(id: string): string {
    let root = id;
    while (this.parent.get(root) !== root) root = this.parent.get(root)!;
    this.parent.set(id, root);
    return root;
  }

  /**
   * `verdict`: a steward's DIFFERENT_CUSTOMERS; `document`: different identity documents;
   * `holders`: holders of one passport or permit number who disagree, for a steward to join.
   */
  keepApart(a: string, b: string, why: Reason): void {
    const apart = this.apartFrom[why];
    for (const [x, y] of [
      [a, b],
      [b, a],
    ]) {
      const set = apart.get(x) ?? new Set<string>();
      set.add(y);
      apart.set(x, set);
    }
  }

  /**
   * Whether some record of one group was kept apart from some record of the other, for one
   * of `whys` (by default those that no review task may propose joining).
   */
  apart(rootA: string, rootB: string, ...whys: Reason[]): boolean {
    const [small, other] =
      this.members.get(rootA)!.length <= this.members.get(rootB)!.length
        ? [rootA, rootB]
        : [rootB, rootA];
    const maps = (whys.length ? whys : (['verdict', 'document'] as const)).map(
      (why) => this.apartFrom[why],
    );
    return this.members
      .get(small)!
      .some((id) =>
        maps.some((apart) => [...(apart.get(id) ?? [])].some((y) => this.root(y) === other)),
      );
  }

  /**
   * Joins the groups of a and b; false when they were one already or must stay apart.
   * `forced`: a steward's SAME_CUSTOMER, which only a steward's DIFFERENT_CUSTOMERS stops.
   */
  join(a: string, b: string, forced = false): boolean {
    const [ra, rb] = [this.root(a), this.root(b)];
    if (ra === rb || this.apart(ra, rb, 'verdict')) return false;
    if (!forced && this.apart(ra, rb, 'holders')) return false;
    if (!forced && this.documentsDiffer(ra, rb) && !this.share(ra, rb)) return false;
    const [big, small] =
      this.members.get(ra)!.length >= this.members.get(rb)!.length ? [ra, rb] : [rb, ra];
    this.parent.set(small, big);
    this.members.get(big)!.push(...this.members.get(small)!);
    this.members.delete(small);
    return true;
  }

  /** Whether the groups hold different identity documents (noted, for reviews). */
  private documentsDiffer(rootA: string, rootB: string): boolean {
    if (this.apart(rootA, rootB, 'document')) return true;
    for (const x of this.members.get(rootA)!) {
      const y = this.members.get(rootB)!.find((other) => this.conflicts(x, other));
      if (y !== undefined) {
        this.keepApart(x, y, 'document');
        return true;
      }
    }
    return false;
  }

  /**
   * Whether any of `ids` holds another identity document than a record of group `root`,
   * and none holds one of the group's.
   */
  heldApart(ids: string[], root: string): boolean {
    const others = this.members.get(root)!;
    if (ids.some((x) => others.some((y) => this.shareDocument(x, y)))) return false;
    return ids.some((x) => others.some((y) => this.conflicts(x, y)));
  }

  /** Whether a record of each group holds one document: then their numbers are reconciled. */
  private share(rootA: string, rootB: string): boolean {
    const others = this.members.get(rootB)!;
    return this.members.get(rootA)!.some((x) => others.some((y) => this.shareDocument(x, y)));
  }

  list(): string[][] {
    return [...this.members.values()];
  }
}

export interface InMemoryResolution {
  /** Each record id → its customer's id (a record id of the group). */
  clusters: Map<string, string>;
  comparisons: number;
  reviews: number;
}

/**
 * Resolves records against each other without a database, by the rules the hub's pipeline
 * applies (the same context, blocking and clustering; the pipeline keeps its counts in
 * PostgreSQL). For tests and benchmarks of the matching rules.
 */
export function resolveInMemory(
  records: (MatchRecord & { key?: string })[],
  thresholds: MatchThresholds = DEFAULT_THRESHOLDS,
): InMemoryResolution {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.name.key, (counts.get(r.name.key) ?? 0) + 1);
  const context: MatchContext = {
    nameFrequency: (name) =>
      expectedHolders(name, counts.get(name.key) ?? 0, DEFAULT_NAME_POPULATION),
    totalRecords: DEFAULT_NAME_POPULATION,
    isGeneric: genericContacts(records, DEFAULT_GENERIC_HOLDERS),
  };
  const result = cluster(
    records.map((r) => ({ id: r.id, key: r.key ?? r.id, match: r })),
    [],
    context,
    thresholds,
  );
  const clusters = new Map<string, string>();
  for (const group of result.groups) for (const id of group) clusters.set(id, group[0]);
  return { clusters, comparisons: result.comparisons, reviews: result.reviews.length };
}

import type { CustomerRecordInput } from '../ingestion/ingestion.input';
import { checkMobile } from '../../validation';
import { compare, MatchContext, MatchRecord } from './compare';
import { upgradeLegacyResidentId } from './identifiers';
import { nameForms } from './names';
import { MatchThresholds } from './weights';

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
      const tidy = number.replace(/\s+/g, '').toUpperCase();
      return { type, number: type === 'RESIDENT_ID' ? upgradeLegacyResidentId(tidy) : tidy };
    }),
    mobiles: contacts('MOBILE').flatMap((value) => {
      const mobile = checkMobile(value);
      return mobile.ok ? [mobile.value.normalized] : [];
    }),
    emails: contacts('EMAIL').map((value) => value.toLowerCase()),
    addresses: contacts('ADDRESS'),
  };
}

/**
 * A mobile or e-mail is generic when records under at least `minNames` different names carry
 * it: a dealer or an agent who puts their own phone on every customer they sign up. A
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
      seen.add(record.name.key);
      names.set(value, seen);
    }
  }
  const generic = new Set([...names].filter(([, n]) => n.size >= minNames).map(([v]) => v));
  return (kind, value) => generic.has(`${kind}:${value}`);
}

/**
 * The keys under which two records are worth comparing: one agreeing key makes a candidate
 * pair. Each catches a kind of duplicate the others miss (a call-centre record has only a name
 * and a mobile; a mistyped check character leaves the first 17 characters).
 */
export function blockingKeys(record: MatchRecord, isGeneric: MatchContext['isGeneric']): string[] {
  const { key, pinyin } = record.name;
  const birth = record.birthDate;
  return [
    ...(birth ? [`name:${key}|${birth}`] : []),
    ...(birth && pinyin ? [`pinyin:${pinyin}|${birth}`] : []),
    ...(record.kind === 'ORGANISATION' ? [`organisation:${key}`] : []),
    ...record.documents.map((d) => `document:${d.type}|${d.number}`),
    ...record.documents
      .filter((d) => d.type === 'RESIDENT_ID')
      .map((d) => `idBody:${d.number.slice(0, 17)}`),
    ...record.mobiles.filter((v) => !isGeneric('MOBILE', v)).map((v) => `mobile:${v}`),
    ...record.emails.filter((v) => !isGeneric('EMAIL', v)).map((v) => `email:${v}`),
  ];
}

/** Groups ids joined by edges, directly or through others; each id maps to its group's id. */
export function singleLinkage(ids: string[], edges: [string, string][]): Map<string, string> {
  const parent = new Map(ids.map((id) => [id, id]));
  const root = (id: string): string => {
    let r = id;
    while (parent.get(r) !== r) r = parent.get(r)!;
    // Path compression keeps later look-ups short on long chains.
    for (let next = id; next !== r;) {
      const up = parent.get(next)!;
      parent.set(next, r);
      next = up;
    }
    return r;
  };
  for (const [a, b] of edges) {
    const [ra, rb] = [root(a), root(b)];
    // The smaller id wins, so that the grouping does not depend on the edges' order.
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  }
  return new Map(ids.map((id) => [id, root(id)]));
}

export interface InMemoryResolution {
  /** Each record id → its customer's id (the smallest record id in the group). */
  clusters: Map<string, string>;
  comparisons: number;
  reviews: number;
}

/**
 * Resolves a batch of records against each other without a database: the candidate pairs of
 * the blocking keys, compared, and the LINK decisions grouped by single linkage. For tests
 * and benchmarks of the matching rules; the hub's pipeline keeps its counts in PostgreSQL.
 */
export function resolveInMemory(
  records: MatchRecord[],
  thresholds?: MatchThresholds,
): InMemoryResolution {
  const frequencies = new Map<string, number>();
  for (const r of records) frequencies.set(r.name.key, (frequencies.get(r.name.key) ?? 0) + 1);
  const context: MatchContext = {
    nameFrequency: (key) => frequencies.get(key) ?? 0,
    totalRecords: records.length,
    isGeneric: genericContacts(records),
  };
  const blocks = new Map<string, number[]>();
  records.forEach((record, i) => {
    for (const key of blockingKeys(record, context.isGeneric)) {
      const block = blocks.get(key) ?? [];
      block.push(i);
      blocks.set(key, block);
    }
  });
  const seen = new Set<number>();
  const edges: [string, string][] = [];
  let reviews = 0;
  for (const block of blocks.values()) {
    for (let x = 0; x < block.length; x++) {
      for (let y = x + 1; y < block.length; y++) {
        const [i, j] = [block[x], block[y]];
        // Records share several keys more often than not: each pair is compared once.
        const pair = i * records.length + j;
        if (seen.has(pair)) continue;
        seen.add(pair);
        const { decision } = compare(records[i], records[j], context, thresholds);
        if (decision === 'LINK') edges.push([records[i].id, records[j].id]);
        if (decision === 'REVIEW') reviews++;
      }
    }
  }
  return {
    clusters: singleLinkage(
      records.map((r) => r.id),
      edges,
    ),
    comparisons: seen.size,
    reviews,
  };
}

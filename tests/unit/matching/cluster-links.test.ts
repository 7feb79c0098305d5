import {
  cluster,
  type ClusterRecord,
  type StewardVerdict,
} from '../../../src/modules/matching/cluster';
import type { MatchRecord } from '../../../src/modules/matching/compare';
import { expectedHolders } from '../../../src/modules/matching/name-frequency';
import { nameForms } from '../../../src/modules/matching/names';
import { DEFAULT_THRESHOLDS } from '../../../src/modules/matching/weights';

const POPULATION = 1_000_000;

/** One person at one address and mobile; the app also knows her e-mail. */
const record = (id: string, name: string, emails: string[]): ClusterRecord => {
  const match: MatchRecord = {
    id,
    kind: 'INDIVIDUAL',
    name: nameForms('INDIVIDUAL', name),
    birthDate: '1990-04-12',
    gender: 'FEMALE',
    documents: [],
    mobiles: ['13912345678'],
    emails,
    addresses: ['江苏省南京市鼓楼区中山路100号'],
  };
  return { id, key: `APP:${id}`, match };
};

describe("a customer's link evidence", () => {
  it('explains every record of the customer: the links shown join them all', () => {
    // Each record's strongest link is to its twin: e1 with e2, e3 with e4. What joins the
    // two pairs is weaker, and was shown by no record.
    const records = [
      record('e1', '李娜', ['lina@example.com']),
      record('e2', '李娜', ['lina@example.com']),
      record('e3', 'Li Na', []),
      record('e4', 'Li Na', []),
    ];
    const result = cluster(
      records,
      [],
      {
        nameFrequency: (name) => expectedHolders(name, 1, POPULATION),
        totalRecords: POPULATION,
        isGeneric: () => false,
      },
      DEFAULT_THRESHOLDS,
    );
    expect(result.groups).toHaveLength(1);
    // Union the links that the records show: one component, or some record is unexplained.
    const component = new Map(records.map((r) => [r.id, r.id]));
    const find = (id: string): string => (component.get(id) === id ? id : find(component.get(id)!));
    for (const [, pair] of result.links) component.set(find(pair.a), find(pair.b));
    expect(new Set(records.map((r) => find(r.id))).size).toBe(1);
    expect([...result.links.keys()].sort()).toEqual(['e1', 'e2', 'e3', 'e4']);
  });
});

describe('holders of one passport number who disagree', () => {
  const holder = (id: string, fields: Partial<MatchRecord>): ClusterRecord => ({
    id,
    key: `APP:${id}`,
    match: {
      id,
      kind: 'INDIVIDUAL',
      name: nameForms('INDIVIDUAL', 'Pawel Nowakowski'),
      documents: [{ type: 'PASSPORT', number: 'G20000001' }],
      mobiles: [],
      emails: [],
      addresses: [],
      ...fields,
    },
  });

  it('stay apart for a steward, whatever record bearing the number comes, in any order', () => {
    const records = [
      holder('g1', { birthDate: '1980-01-01', gender: 'MALE' }),
      holder('g2', { birthDate: '1955-09-09', gender: 'FEMALE' }),
      // Bears the number with neither a birth date nor a sex: it agrees with both.
      holder('g3', {}),
    ];
    const context = {
      nameFrequency: (name: MatchRecord['name']) => expectedHolders(name, 1, POPULATION),
      totalRecords: POPULATION,
      isGeneric: () => false,
    };
    for (const order of [
      [0, 1, 2],
      [2, 0, 1],
      [1, 2, 0],
    ]) {
      const result = cluster(
        order.map((i) => records[i]!),
        [],
        context,
        DEFAULT_THRESHOLDS,
      );
      const together = (a: string, b: string) =>
        result.groups.some((group) => group.includes(a) && group.includes(b));
      expect(together('g1', 'g2')).toBe(false);
      // The bridge joins one of them, and the other pair goes to a steward.
      expect(together('g1', 'g3') !== together('g2', 'g3')).toBe(true);
      expect(result.reviews).toHaveLength(1);
    }
  });
});

describe('records one identity document binds', () => {
  const context = {
    nameFrequency: (name: MatchRecord['name']) => expectedHolders(name, 1, POPULATION),
    totalRecords: POPULATION,
    isGeneric: () => false,
  };
  /** 李娜 of one birth date with one mobile, and a resident ID where given. */
  const person = (id: string, mobile: string, residentId?: string): ClusterRecord => ({
    id,
    key: `APP:${id}`,
    match: {
      id,
      kind: 'INDIVIDUAL',
      name: nameForms('INDIVIDUAL', '李娜'),
      birthDate: '1990-04-12',
      gender: 'FEMALE',
      documents: residentId ? [{ type: 'RESIDENT_ID', number: residentId }] : [],
      mobiles: [mobile],
      emails: [],
      addresses: [],
    },
  });
  // X and Y, namesakes a steward kept apart; R1 and R2 bear one number, R1 X's mobile and
  // R2 Y's.
  const records = [
    person('x', '13912345678'),
    person('y', '13987654321'),
    person('r1', '13912345678', '320102199004120020'),
    person('r2', '13987654321', '320102199004120020'),
  ];
  const apart = { a: 'x', b: 'y', verdict: 'DIFFERENT_CUSTOMERS' as const };
  const grouped = (input: ClusterRecord[], verdicts: StewardVerdict[] = [apart]) =>
    cluster(input, verdicts, context, DEFAULT_THRESHOLDS)
      .groups.map((group) => [...group].sort().join(' '))
      .sort();

  it('are one person torn between two kept apart, though neither record alone is, in any order', () => {
    for (const order of [
      records,
      [...records].reverse(),
      [records[2]!, records[0]!, records[3]!, records[1]!],
    ]) {
      expect(grouped(order)).toEqual(['r1 r2', 'x', 'y']);
    }
    const { reviews } = cluster(records, [apart], context, DEFAULT_THRESHOLDS);
    expect(
      reviews
        .filter((pair) => pair.comparison.rule === 'AMBIGUOUS')
        .map((pair) => [pair.a, pair.b].sort().join(' '))
        .sort(),
    ).toEqual(['r1 x', 'r2 y']);
  });

  it('are not torn by a person a steward kept one of them apart from', () => {
    const barred = { a: 'r2', b: 'y', verdict: 'DIFFERENT_CUSTOMERS' as const };
    expect(grouped(records, [apart, barred])).toEqual(['r1 r2 x', 'y']);
  });

  it('are torn between a person a steward merged across two numbers and another holder of one', () => {
    // P1 and P2 a steward merged across two numbers; S holds P1's number and was split off
    // them; X holds it too, and is as like S as the merged customer.
    const [first, second] = ['320102199004120020', '320102199004120047'];
    const held = [
      person('p1', '13912345678', first),
      person('p2', '13912345678', second),
      person('s', '13987654321', first),
      person('x', '13700000000', first),
    ];
    const verdicts = [
      { a: 'p1', b: 'p2', verdict: 'SAME_CUSTOMER' as const },
      { a: 's', b: 'p1', verdict: 'DIFFERENT_CUSTOMERS' as const },
      { a: 's', b: 'p2', verdict: 'DIFFERENT_CUSTOMERS' as const },
    ];
    for (const order of [held, [...held].reverse()]) {
      expect(grouped(order, verdicts)).toEqual(['p1 p2', 's', 'x']);
    }
  });
});

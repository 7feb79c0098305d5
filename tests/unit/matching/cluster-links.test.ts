import { cluster, type ClusterRecord } from '../../../src/modules/matching/cluster';
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

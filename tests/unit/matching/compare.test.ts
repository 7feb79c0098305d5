import { expectedHolders } from '../../../src/modules/matching/name-frequency';
import { DEFAULT_NAME_POPULATION } from '../../../src/modules/matching/settings';
import { generateLabelledRecords } from '../../../bench/matching/generate';
import { genericContacts, matchRecordOf } from '../../../src/modules/matching/cluster';
import {
  compare,
  Comparison,
  MatchContext,
  MatchRecord,
} from '../../../src/modules/matching/compare';
import { upgradeLegacyResidentId } from '../../../src/modules/matching/identifiers';
import { nameForms } from '../../../src/modules/matching/names';

// Valid GB 11643 numbers: a man born 1987-11-25 and the standard's sample, a woman born
// 1949-12-31 (legacy form 110105491231002).
const ID = '352229198711253453';
const OTHER_ID = '11010519491231002X';

let sequence = 0;
function person(name: string, fields: Partial<Omit<MatchRecord, 'name'>> = {}): MatchRecord {
  return {
    id: `record-${++sequence}`,
    kind: 'INDIVIDUAL',
    name: nameForms('INDIVIDUAL', name),
    documents: [],
    mobiles: [],
    emails: [],
    addresses: [],
    ...fields,
  };
}

function organisation(name: string, fields: Partial<Omit<MatchRecord, 'name'>> = {}) {
  return {
    ...person(name, fields),
    kind: 'ORGANISATION' as const,
    name: nameForms('ORGANISATION', name),
  };
}

const residentId = (number: string) => [{ type: 'RESIDENT_ID', number }];
const creditCode = (number: string) => [{ type: 'UNIFIED_SOCIAL_CREDIT_CODE', number }];

/**
 * A file weighed as the hub weighs it (name-frequency.ts): 王伟 at its national share (about
 * 2 in 10,000), 陈静 a little more common still by its characters, every rare name at the
 * floor; `generic` are dealers' phones.
 */
function context(generic: string[] = []): MatchContext {
  return {
    nameFrequency: (name) => expectedHolders(name, 1, DEFAULT_NAME_POPULATION),
    totalRecords: DEFAULT_NAME_POPULATION,
    isGeneric: (_kind, value) => generic.includes(value),
  };
}

/** Compares both ways round, checks they agree, and returns one. */
function both(a: MatchRecord, b: MatchRecord, ctx = context()): Comparison {
  const forward = compare(a, b, ctx);
  const backward = compare(b, a, ctx);
  expect(backward.score).toBe(forward.score);
  expect(backward.decision).toBe(forward.decision);
  expect(backward.rule).toBe(forward.rule);
  return forward;
}

const outcome = (comparison: Comparison, field: string) =>
  comparison.evidence.find((e) => e.field === field);

describe('compare', () => {
  describe('identity documents decide first', () => {
    it('links records sharing a resident ID, whatever the names', () => {
      const result = both(
        person('王伟', { documents: residentId(ID) }),
        person('Wang Wei', { documents: residentId(ID), birthDate: '1987-11-25' }),
      );
      expect(result).toMatchObject({ rule: 'SAME_DOCUMENT', decision: 'LINK' });
      expect(result.score).toBeGreaterThan(30);
      expect(Number.isFinite(result.score)).toBe(true);
      // The proof first, and what else agrees or not, for a steward reading the link.
      expect(result.evidence.slice(0, 2)).toEqual([
        expect.objectContaining({ outcome: 'AGREE', detail: 'same resident ID' }),
        expect.objectContaining({ field: 'name', outcome: 'PARTIAL', detail: 'pinyin' }),
      ]);
    });

    it('links whatever else disagrees, and scores the rest, so that the holder who agrees on it ranks first', () => {
      const record = person('王伟', { documents: residentId(ID), birthDate: '1987-11-25' });
      const same = both(
        record,
        person('王伟', { documents: residentId(ID), birthDate: '1987-11-25' }),
      );
      const other = both(
        record,
        person('李娜', { documents: residentId(ID), birthDate: '1987-11-25' }),
      );
      expect([same.decision, other.decision]).toEqual(['LINK', 'LINK']);
      expect(other.evidence).toContainEqual(
        expect.objectContaining({ field: 'name', outcome: 'DISAGREE' }),
      );
      expect(same.score).toBeGreaterThan(other.score);
    });

    it('asks a steward about a shared passport where the name, birth date or sex disagrees', () => {
      const passport = [{ type: 'PASSPORT', number: 'E50001234' }];
      const smith = person('John Smith', {
        documents: passport,
        birthDate: '1970-01-01',
        gender: 'MALE',
      });
      const garcia = both(
        smith,
        person('Maria Garcia', { documents: passport, birthDate: '1985-05-05', gender: 'FEMALE' }),
      );
      expect(garcia).toMatchObject({ rule: 'SAME_DOCUMENT', decision: 'REVIEW' });
      // One field is enough: a number is unique only with its issuing country.
      const born = both(
        smith,
        person('John Smith', { documents: passport, birthDate: '1971-02-02' }),
      );
      expect(born.decision).toBe('REVIEW');
      const same = both(smith, person('John Smith', { documents: passport }));
      expect(same).toMatchObject({ rule: 'SAME_DOCUMENT', decision: 'LINK' });
      // A resident ID shared as well is proof, whatever the passport's holder is called.
      const shared = both(
        person('王伟', { documents: [...passport, ...residentId(ID)] }),
        person('李娜', { documents: [...passport, ...residentId(ID)] }),
      );
      expect(shared).toMatchObject({ rule: 'SAME_DOCUMENT', decision: 'LINK' });
      expect(shared.evidence[0]!.detail).toBe('same resident ID');
    });

    it('links a legacy 15-digit ID to its 18-character upgrade', () => {
      const result = both(
        person('李娜', { documents: residentId(upgradeLegacyResidentId('110105491231002')) }),
        person('李娜', { documents: residentId(OTHER_ID) }),
      );
      expect(result).toMatchObject({ rule: 'SAME_DOCUMENT', decision: 'LINK' });
    });

    it('keeps apart people with a common name and birth date whose IDs differ', () => {
      const result = both(
        person('王伟', {
          documents: residentId(ID),
          birthDate: '1987-11-25',
          gender: 'MALE',
          addresses: ['上海市浦东新区张江路88号'],
        }),
        person('王伟', {
          documents: residentId('352229198711250017'),
          birthDate: '1987-11-25',
          gender: 'MALE',
          addresses: ['上海市浦东新区张江路88号'],
        }),
      );
      expect(result).toMatchObject({ rule: 'CONFLICTING_DOCUMENT', decision: 'NONE' });
      // Well above the link threshold on the rest, which a steward joining them reads.
      expect(result.evidence[0]).toMatchObject({ field: 'identityDocument', outcome: 'DISAGREE' });
      expect(result.evidence.map((e) => [e.field, e.outcome])).toContainEqual(['name', 'AGREE']);
      expect(result.score).toBeGreaterThan(28);
    });

    it('never links records of different kinds', () => {
      const result = both(
        person('华通物流有限公司', { documents: residentId(ID) }),
        organisation('华通物流有限公司', { documents: residentId(ID) }),
      );
      expect(result).toEqual({ rule: 'KIND', score: 0, decision: 'NONE', evidence: [] });
    });
  });

  describe('a mistyped resident ID', () => {
    const holder = { birthDate: '1987-11-25', gender: 'MALE' as const };

    it.each([
      ['a wrong check character', '352229198711253454', 'check character differs'],
      ['two adjacent characters swapped', '352229198711254353', 'adjacent characters swapped'],
    ])('links on %s when name and birth date agree', (_case, typo, detail) => {
      const result = both(
        person('陈静', { ...holder, documents: residentId(ID) }),
        person('陈静', { ...holder, documents: residentId(typo) }),
      );
      expect(result).toMatchObject({ rule: 'ID_TYPO', decision: 'LINK' });
      expect(outcome(result, 'identityDocument')).toMatchObject({ outcome: 'PARTIAL', detail });
    });

    it('links on the pinyin of the name too', () => {
      const result = both(
        person('陈静', { birthDate: '1987-11-25', documents: residentId(ID) }),
        person('Chen Jing', {
          birthDate: '1987-11-25',
          documents: residentId('352229198711253454'),
        }),
      );
      expect(result).toMatchObject({ rule: 'ID_TYPO', decision: 'LINK' });
    });

    it('is no proof when two records share it: a copied keying error links only a matching name', () => {
      const typo = '352229198711253454';
      const same = both(
        person('陈静', { ...holder, documents: residentId(typo) }),
        person('陈静', { ...holder, documents: residentId(typo) }),
      );
      expect(same).toMatchObject({ rule: 'ID_TYPO', decision: 'LINK' });
      expect(outcome(same, 'identityDocument')).toMatchObject({
        outcome: 'PARTIAL',
        detail: 'same number, failing its check',
      });
      const other = both(
        person('陈静', { ...holder, documents: residentId(typo) }),
        person('周建国', { documents: residentId(typo) }),
      );
      expect(other).toMatchObject({ rule: 'PROBABILISTIC', decision: 'NONE' });
    });

    it('goes to review when gender and mobile conflict', () => {
      const result = both(
        person('王伟', { ...holder, documents: residentId(ID), mobiles: ['13800138000'] }),
        person('王伟', {
          ...holder,
          gender: 'FEMALE',
          documents: residentId('352229198711253454'),
          mobiles: ['13900139000'],
        }),
      );
      expect(result).toMatchObject({ rule: 'ID_TYPO', decision: 'REVIEW' });
    });

    it("asks a steward when the names differ: a mistyped number is nobody else's", () => {
      const result = both(
        person('陈静', { ...holder, documents: residentId(ID) }),
        person('刘洋', { ...holder, documents: residentId('352229198711253454') }),
      );
      expect(result).toMatchObject({ rule: 'PROBABILISTIC', decision: 'REVIEW' });
      expect(outcome(result, 'identityDocument')).toMatchObject({ outcome: 'PARTIAL' });
    });

    it('reads the birth date and sex a record does not state from its number, where the typo leaves them', () => {
      const result = both(
        person('陈静', { ...holder, documents: residentId(ID) }),
        person('陈静', { documents: residentId('352229198711253454') }),
      );
      expect(result).toMatchObject({ rule: 'ID_TYPO', decision: 'LINK' });
      expect(outcome(result, 'birthDate')).toMatchObject({ outcome: 'AGREE' });
      expect(outcome(result, 'gender')).toMatchObject({ outcome: 'AGREE' });
      // Two characters of the birth date swapped: it says no date, and the sex alone.
      const inDate = both(
        person('陈静', { ...holder, documents: residentId(ID) }),
        person('陈静', { documents: residentId('352229189711253453') }),
      );
      expect(outcome(inDate, 'birthDate')).toMatchObject({ outcome: 'MISSING' });
      expect(inDate.rule).toBe('PROBABILISTIC');
      // A date the record states is held against the holder's as ever.
      const stated = both(
        person('陈静', { ...holder, documents: residentId(ID) }),
        person('陈静', { birthDate: '1987-12-25', documents: residentId('352229198711253454') }),
      );
      expect(outcome(stated, 'birthDate')).toMatchObject({ outcome: 'PARTIAL' });
      expect(stated.rule).toBe('PROBABILISTIC');
    });

    it('links on a name and a mobile when the birth date is missing, and the typo touches it', () => {
      const result = both(
        person('陈静', { ...holder, documents: residentId(ID), mobiles: ['13800138000'] }),
        person('陈静', { documents: residentId('352229189711253453'), mobiles: ['13800138000'] }),
      );
      expect(result).toMatchObject({ rule: 'PROBABILISTIC', decision: 'LINK' });
    });
  });

  describe('two different numbers, one failing its check', () => {
    it('scores them as any pair, the numbers disagreeing: no proof of two people', () => {
      // A wrong check character and a swap of the same number: three places apart.
      const result = both(
        person('陈静', { birthDate: '1987-11-25', documents: residentId('352229198711253454') }),
        person('陈静', { birthDate: '1987-11-25', documents: residentId('352229198711254353') }),
      );
      expect(result).toMatchObject({ rule: 'PROBABILISTIC', decision: 'REVIEW' });
      expect(outcome(result, 'identityDocument')).toMatchObject({
        outcome: 'DISAGREE',
        detail: 'different resident IDs, one failing its check',
      });
    });
  });

  describe('without a common document', () => {
    it('links a call-centre record (name and mobile) to the policy, even for a common name', () => {
      const result = both(
        person('王伟', { mobiles: ['13800138000'] }),
        person('王伟', {
          documents: residentId(ID),
          birthDate: '1987-11-25',
          gender: 'MALE',
          mobiles: ['13800138000'],
        }),
      );
      expect(result).toMatchObject({ rule: 'PROBABILISTIC', decision: 'LINK' });
    });

    it('links an app record (name and e-mail) to the policy', () => {
      const result = both(
        person('王伟', { emails: ['wangwei1987@163.com'] }),
        person('王伟', { documents: residentId(ID), emails: ['wangwei1987@163.com'] }),
      );
      expect(result).toMatchObject({ rule: 'PROBABILISTIC', decision: 'LINK' });
    });

    it('links a traditional-character spelling as the same name', () => {
      const result = both(
        person('陳靜', { mobiles: ['13800138000'] }),
        person('陈静', { mobiles: ['13800138000'] }),
      );
      expect(outcome(result, 'name')).toMatchObject({ outcome: 'AGREE' });
      expect(result.decision).toBe('LINK');
    });

    it('never reads two Han names of different lengths as one sound (王先, 王西安)', () => {
      const result = both(
        person('王先', { birthDate: '1978-09-21', mobiles: ['13812120001'] }),
        person('王西安', { birthDate: '1978-09-21', mobiles: ['13812120001'] }),
      );
      expect(outcome(result, 'name')).toMatchObject({ outcome: 'DISAGREE' });
      expect(result.decision).not.toBe('LINK');
    });

    it('counts a pinyin spelling or a homophone as partial agreement, short of a link alone', () => {
      for (const spelling of ['Chen Jing', 'JING CHEN', '陈晶']) {
        const result = both(
          person(spelling, { birthDate: '1987-11-25', mobiles: ['13800138000'] }),
          person('陈静', { birthDate: '1987-11-25', mobiles: ['13800138000'] }),
        );
        const name = outcome(result, 'name')!;
        expect(name).toMatchObject({ outcome: 'PARTIAL', detail: 'pinyin' });
        expect(name.weight).toBeGreaterThan(0);
        expect(name.weight).toBeLessThan(
          outcome(both(person('陈静'), person('陈静')), 'name')!.weight,
        );
        expect(result.decision).toBe('LINK');
      }
    });

    it('puts names of one sound whose sexes disagree to a steward, however much else agrees', () => {
      const home = {
        birthDate: '2003-09-09',
        mobiles: ['13944445555'],
        addresses: ['江苏省南京市秦淮区中华路100号5栋302室'],
      };
      for (const [a, b] of [
        ['张伟', '章薇'],
        ['林浩', '林昊'],
        ['Zhang Wei', '章薇'],
      ]) {
        const result = both(
          person(a, { ...home, gender: 'MALE' }),
          person(b, { ...home, gender: 'FEMALE' }),
        );
        expect(outcome(result, 'name')).toMatchObject({ outcome: 'PARTIAL' });
        expect(result.score).toBeGreaterThanOrEqual(28);
        expect([a, b, result.decision]).toEqual([a, b, 'REVIEW']);
      }
      // The same sound with one sex, or with a sex on one side only, is a slip of the keyboard.
      for (const gender of ['MALE', undefined] as const) {
        const result = both(
          person('林浩', { ...home, gender: 'MALE' }),
          person('林皓', { ...home, gender }),
        );
        expect(result.decision).toBe('LINK');
      }
    });

    it('sends namesakes with one birth date but different mobiles to review at most', () => {
      const result = both(
        person('王伟', { birthDate: '1980-05-01', gender: 'MALE', mobiles: ['13800138000'] }),
        person('王伟', {
          documents: residentId(ID),
          birthDate: '1980-05-01',
          gender: 'MALE',
          mobiles: ['13900139000'],
          addresses: ['北京市朝阳区建设路1号'],
        }),
      );
      expect(result.decision).not.toBe('LINK');
      expect(outcome(result, 'mobile')).toMatchObject({ outcome: 'DISAGREE' });
    });

    it('sends namesakes with one birth date and nothing else to review, not to a link', () => {
      const result = both(
        person('王伟', { birthDate: '1980-05-01', gender: 'MALE' }),
        person('王伟', { birthDate: '1980-05-01', gender: 'MALE' }),
      );
      expect(result.decision).toBe('REVIEW');
    });

    it('weighs a romanised name as common as the Han names it spells, written any way', () => {
      // Two records with one birth date and sex, and nothing else but their names.
      const namesakes = (a: string, b: string) =>
        both(
          person(a, { birthDate: '1980-05-01', gender: 'MALE' }),
          person(b, { birthDate: '1980-05-01', gender: 'MALE' }),
        );
      const han = namesakes('王伟', '王伟');
      for (const [a, b] of [
        ['Wang Wei', 'WANG WEI'],
        ['Zhang Wei', 'ZHANG WEI'],
        ['wáng wěi', 'WANGWEI'],
        ['Wei Wang', 'WANG WEI'],
        ['Li Na', 'NA LI'],
        ['王伟', 'Wang Wei'],
      ]) {
        const result = namesakes(a, b);
        expect([a, b, result.decision]).toEqual([a, b, 'REVIEW']);
        expect(outcome(result, 'name')!.weight).toBeLessThanOrEqual(outcome(han, 'name')!.weight);
      }
      // A rare name stays rare in any script, and a foreign name is no Chinese name at all.
      for (const [a, b] of [
        ['SIKONG YANNAN', '司空雁南'],
        ['John Smith', 'JOHN SMITH'],
      ]) {
        expect([a, b, namesakes(a, b).decision]).toEqual([a, b, 'LINK']);
      }
    });

    it('does not link family members sharing a mobile and an address', () => {
      const home = {
        mobiles: ['13800138000'],
        addresses: ['上海市浦东新区张江路88号翠苑3幢201室'],
      };
      const father = person('王建国', { ...home, birthDate: '1960-03-02', gender: 'MALE' });
      const mother = person('王秀英', { ...home, birthDate: '1962-07-19', gender: 'FEMALE' });
      // The call centre and a claim know the son by name, mobile and address only.
      const son = person('王浩然', { ...home, gender: 'MALE' });
      for (const [a, b] of [
        [father, mother],
        [father, son],
        [mother, son],
      ]) {
        const result = both(a, b);
        expect(result.decision).not.toBe('LINK');
        expect(outcome(result, 'name')).toMatchObject({ outcome: 'DISAGREE' });
      }
    });

    it('gives a generic mobile (a dealer phone) no weight either way', () => {
      const dealer = '13700137000';
      const ctx = context([dealer]);
      const result = both(
        person('刘洋', { mobiles: [dealer] }),
        person('张敏', { mobiles: [dealer] }),
        ctx,
      );
      expect(outcome(result, 'mobile')).toEqual({
        field: 'mobile',
        outcome: 'GENERIC',
        weight: 0,
        detail: 'mobile shared by many customers',
      });
      expect(result.decision).toBe('NONE');
      // Nor does it stand against the customer's own number.
      const own = both(
        person('刘洋', { mobiles: [dealer] }),
        person('刘洋', { mobiles: ['13800138000'] }),
        ctx,
      );
      expect(outcome(own, 'mobile')).toMatchObject({ outcome: 'MISSING', weight: 0 });
    });

    it('weighs a common name less than a rare one', () => {
      const common = outcome(both(person('王伟'), person('王伟')), 'name')!;
      const rarer = outcome(both(person('陈静怡'), person('陈静怡')), 'name')!;
      const rare = outcome(both(person('诸葛翊'), person('诸葛翊')), 'name')!;
      expect(common.weight).toBeLessThan(rarer.weight);
      expect(rarer.weight).toBeLessThan(rare.weight);
      expect(common.detail).toBe('name frequency 1 in 4,854');
      expect(rarer.detail).toBe('name frequency 1 in 434,783');
    });

    it('counts a swapped day and month or one wrong digit as a small plus', () => {
      const agree = outcome(
        both(
          person('陈静', { birthDate: '1987-03-05' }),
          person('陈静', { birthDate: '1987-03-05' }),
        ),
        'birthDate',
      )!;
      for (const [typo, detail] of [
        ['1987-05-03', 'day and month swapped'],
        ['1987-03-06', 'one digit differs'],
      ]) {
        const partial = outcome(
          both(person('陈静', { birthDate: '1987-03-05' }), person('陈静', { birthDate: typo })),
          'birthDate',
        )!;
        expect(partial).toMatchObject({ outcome: 'PARTIAL', detail });
        expect(partial.weight).toBeGreaterThan(0);
        expect(partial.weight).toBeLessThan(agree.weight / 2);
      }
      const far = outcome(
        both(
          person('陈静', { birthDate: '1987-03-05' }),
          person('陈静', { birthDate: '1990-11-25' }),
        ),
        'birthDate',
      )!;
      expect(far).toMatchObject({ outcome: 'DISAGREE' });
      expect(far.weight).toBeLessThan(0);
    });

    it('counts a gender disagreement strongly against', () => {
      const result = both(
        person('王伟', { gender: 'MALE', mobiles: ['13800138000'] }),
        person('王伟', { gender: 'FEMALE', mobiles: ['13800138000'] }),
      );
      expect(outcome(result, 'gender')!.weight).toBeLessThan(-5);
      // A common name and a mobile link; a conflicting gender sends them to a steward.
      expect(result.decision).toBe('REVIEW');
    });

    it('folds an address written without its province and city into a partial agreement', () => {
      const result = both(
        person('陈静', { addresses: ['上海市浦东新区张江路88号翠苑3幢201室'] }),
        person('陈静', { addresses: ['浦东新区 张江路88号 翠苑3幢201室'] }),
      );
      expect(outcome(result, 'address')).toMatchObject({ outcome: 'PARTIAL' });
    });
  });

  describe('organisations', () => {
    const code = '91310115MA1H7X8Y15';

    it('links the old and the new name under one credit code', () => {
      const result = both(
        organisation('上海华通物流有限公司', { documents: creditCode(code) }),
        organisation('华通供应链管理（上海）有限公司', { documents: creditCode(code) }),
      );
      expect(result).toMatchObject({ rule: 'SAME_DOCUMENT', decision: 'LINK' });
      expect(result.evidence[0].detail).toBe('same credit code');
    });

    it('keeps apart two organisations of one name with different credit codes', () => {
      const result = both(
        organisation('华通物流有限公司', { documents: creditCode(code) }),
        organisation('华通物流有限公司', { documents: creditCode('91440300MA5DC0XW50') }),
      );
      expect(result).toMatchObject({ rule: 'CONFLICTING_DOCUMENT', decision: 'NONE' });
    });

    it.each([
      ['a wrong check character', '91310115MA1H7X8Y1A'],
      ['two adjacent characters swapped', '91310115MA1H7X8Y15'.replace('X8', '8X')],
    ])('links one registered name whose credit code has %s', (_case, typo) => {
      const result = both(
        organisation('华通物流有限公司', { documents: creditCode(code) }),
        organisation('华通物流有限公司', { documents: creditCode(typo) }),
      );
      expect(result).toMatchObject({ rule: 'ID_TYPO', decision: 'LINK' });
      const other = both(
        organisation('华通物流有限公司', { documents: creditCode(code) }),
        organisation('申通快递有限公司', { documents: creditCode(typo) }),
      );
      expect(other).toMatchObject({ rule: 'PROBABILISTIC', decision: 'NONE' });
    });

    it('links one registered name written with either brackets when a mobile agrees', () => {
      const result = both(
        organisation('华通物流（上海）有限公司', { mobiles: ['13800138000'] }),
        organisation('华通物流(上海)有限公司', {
          documents: creditCode(code),
          mobiles: ['13800138000'],
        }),
      );
      expect(outcome(result, 'name')).toMatchObject({
        outcome: 'AGREE',
        detail: 'same registered name',
      });
      expect(result.decision).toBe('LINK');
      expect(result.evidence.map((e) => e.field)).not.toContain('birthDate');
    });
  });

  describe('on generated records', () => {
    const { records } = generateLabelledRecords({ people: 600, organisations: 60, seed: 7 });
    const matchRecords = records.map((r, i) => matchRecordOf(String(i), r.record));
    const ctx: MatchContext = {
      nameFrequency: () => 1,
      totalRecords: matchRecords.length,
      isGeneric: genericContacts(matchRecords),
    };
    const pairs = matchRecords
      .slice(0, 200)
      .flatMap((a, i) => matchRecords.slice(i + 1, i + 40).map((b) => [a, b] as const));

    it('is symmetric', () => {
      const asymmetric = pairs.filter(([a, b]) => {
        const [forward, backward] = [compare(a, b, ctx), compare(b, a, ctx)];
        return forward.score !== backward.score || forward.decision !== backward.decision;
      });
      expect(asymmetric).toEqual([]);
    });

    it('never puts an identity number, a mobile or an e-mail into the evidence', () => {
      const details = new Set(
        pairs.flatMap(([a, b]) => compare(a, b, ctx).evidence.map((e) => e.detail)),
      );
      expect([...details].filter((detail) => /\d{5}|@/.test(detail))).toEqual([]);
    });
  });
});

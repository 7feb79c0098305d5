import { keyingRelation, upgradeLegacyResidentId } from '../../../src/modules/matching/identifiers';

// The GB 11643-1999 sample: a woman born 1949-12-31, check character X.
const SAMPLE = '11010519491231002X';

describe('upgradeLegacyResidentId', () => {
  it('inserts 19 before the year and appends the check character', () => {
    expect(upgradeLegacyResidentId('110105491231002')).toBe(SAMPLE);
  });

  it('leaves 18-character numbers, malformed and impossible legacy numbers alone', () => {
    expect(upgradeLegacyResidentId(SAMPLE)).toBe(SAMPLE);
    expect(upgradeLegacyResidentId('11010549123100X')).toBe('11010549123100X');
    // 29 February 1949 never was.
    expect(upgradeLegacyResidentId('110105490229002')).toBe('110105490229002');
  });
});

describe('keyingRelation', () => {
  it('tells the same number', () => {
    expect(keyingRelation(SAMPLE, SAMPLE)).toBe('SAME');
  });

  it('tells a wrong check character', () => {
    expect(keyingRelation(SAMPLE, '110105194912310025')).toBe('CHECK_CHARACTER');
  });

  it('tells two adjacent characters swapped, anywhere, both ways round', () => {
    expect(keyingRelation(SAMPLE, '10110519491231002X')).toBe('TRANSPOSITION');
    expect(keyingRelation('110105194912310200', '110105194912312000')).toBe('TRANSPOSITION');
    expect(keyingRelation(SAMPLE, '1101051949123100X2')).toBe('TRANSPOSITION');
    expect(keyingRelation('1101051949123100X2', SAMPLE)).toBe('TRANSPOSITION');
  });

  it('tells different numbers, including a swap that is not adjacent or two errors', () => {
    expect(keyingRelation(SAMPLE, '352229198711253453')).toBe('DIFFERENT');
    expect(keyingRelation(SAMPLE, '11010519491231200X')).toBe('DIFFERENT');
    expect(keyingRelation(SAMPLE, '101105194912310025')).toBe('DIFFERENT');
  });
});

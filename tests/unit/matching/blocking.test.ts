import {
  birthDateBlocks,
  blockingKeys,
  datesSharingBlocks,
} from '../../../src/modules/matching/cluster';
import { compare, type MatchRecord } from '../../../src/modules/matching/compare';
import { nameForms } from '../../../src/modules/matching/names';
import { addDays } from '../../../src/time/clock';

const DATES = ['1987-03-05', '1987-05-03', '1987-11-11', '2000-02-29', '1999-12-31', '1990-01-31'];

function daysOf(year: number): string[] {
  const days: string[] = [];
  for (let day = `${year}-01-01`; day.startsWith(String(year)); day = addDays(day, 1))
    days.push(day);
  return days;
}

const person = (birthDate: string): MatchRecord => ({
  id: birthDate,
  kind: 'INDIVIDUAL',
  name: nameForms('INDIVIDUAL', '王伟'),
  birthDate,
  documents: [],
  mobiles: [],
  emails: [],
  addresses: [],
});

describe('birth-date blocks', () => {
  it.each(DATES)('the database looks up exactly the dates that share a block with %s', (date) => {
    const blocks = new Set(birthDateBlocks(date));
    const sharing = daysOf(Number(date.slice(0, 4))).filter((day) =>
      birthDateBlocks(day).some((b) => blocks.has(b)),
    );
    const { from, to, days } = datesSharingBlocks(date);
    const looked = daysOf(Number(date.slice(0, 4))).filter(
      (day) => (day >= from && day <= to) || days.includes(day),
    );
    expect(looked).toEqual(sharing);
    expect(new Set(days).size).toBe(days.length);
  });

  it.each(DATES)(
    'puts %s with every date of its year that compare calls the same or near',
    (date) => {
      const keys = new Set(blockingKeys(person(date), () => false));
      for (const day of daysOf(Number(date.slice(0, 4)))) {
        const outcome = compare(person(date), person(day), {
          nameFrequency: () => 1,
          totalRecords: 1_000_000,
          isGeneric: () => false,
        }).evidence.find((e) => e.field === 'birthDate')?.outcome;
        const shares = blockingKeys(person(day), () => false).some((k) => keys.has(k));
        if (outcome === 'AGREE' || outcome === 'PARTIAL')
          expect([day, shares]).toEqual([day, true]);
      }
    },
  );

  it('keeps namesakes born months apart out of one block', () => {
    const keys = new Set(blockingKeys(person('1987-03-05'), () => false));
    const apart = blockingKeys(person('1987-08-21'), () => false);
    expect(apart.filter((k) => keys.has(k))).toEqual([]);
  });
});

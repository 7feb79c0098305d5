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

/** Its year's days, and those of the years one of whose last two digits differs. */
function nearYears(date: string): string[] {
  const year = date.slice(0, 4);
  const years = new Set([year]);
  for (const at of [2, 3]) {
    for (const digit of '0123456789') years.add(year.slice(0, at) + digit + year.slice(at + 1));
  }
  return [...years].filter((y) => y >= '1900').flatMap((y) => daysOf(Number(y)));
}

describe('birth-date blocks', () => {
  it.each(DATES)('the database looks up exactly the dates that share a block with %s', (date) => {
    const blocks = new Set(birthDateBlocks(date));
    // Every day from 1900 to 2030: none beyond its year and theirs shares a block.
    const candidates = Array.from({ length: 131 }, (_, i) => daysOf(1900 + i)).flat();
    const sharing = candidates.filter((day) => birthDateBlocks(day).some((b) => blocks.has(b)));
    const { from, to, days, otherYears } = datesSharingBlocks(date);
    const looked = candidates.filter(
      (day) => (day >= from && day <= to) || days.includes(day) || otherYears.includes(day),
    );
    expect(looked).toEqual(sharing);
    expect(new Set([...days, ...otherYears]).size).toBe(days.length + otherYears.length);
  });

  it.each(DATES)(
    'puts %s with every date of its year and of the years a digit apart that compare calls the same or near',
    (date) => {
      const keys = new Set(blockingKeys(person(date), () => false));
      for (const day of nearYears(date)) {
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

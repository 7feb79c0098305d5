import { Checked, reject, Violation } from './result';
import { ungrouped } from './width';

export interface ResidentId {
  normalized: string;
  /** YYYY-MM-DD */
  birthDate: string;
  gender: 'MALE' | 'FEMALE';
  upgradedFrom15: boolean;
}

// GB 11643-1999: ISO 7064 MOD 11-2 weights W(i) = 2^(i-1) mod 11 for positions 18 down to 2,
// listed left to right so that index 0 applies to the first character.
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const EARLIEST_BIRTH_DATE = '1900-01-01';
// GB 11643-1999 numbers open with a GB/T 2260 address code, whose first two digits name the
// province: 11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71 (Taiwan), and 81-83, the codes of the
// residence permits of Hong Kong, Macao and Taiwan residents, which are numbered the same way.
// The permanent residence ID card for foreigners (2023) puts a 9 before the province of issue.
const PROVINCE = /^9?(1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[1-3])/;
// Birth dates are recorded in Beijing time; China Standard Time is UTC+8 with no DST since 1991,
// so a server running in UTC must not reject someone born after midnight in Beijing.
const CHINA_STANDARD_TIME_OFFSET_MS = 8 * 60 * 60 * 1000;

/**
 * Validates a PRC resident identity number, upgrading legacy 15-digit numbers to 18. Messages
 * name the part and the rule, never the number's digits: they travel in responses and logs.
 */
export function checkResidentId(
  input: string,
  /** The business day (YYYY-MM-DD) a birth date may not be after; by default China's today. */
  today: string = chinaToday(new Date()),
): Checked<ResidentId> {
  const id = ungrouped(input).toUpperCase();
  if (id.length !== 18 && id.length !== 15) {
    return reject(
      'ID_LENGTH',
      `must be 18 characters (or 15 for legacy numbers), got ${id.length}`,
    );
  }
  const upgradedFrom15 = id.length === 15;
  // GB 11643-1999: 17 digits plus a check character that may be X; GB 11643-1989 numbers have
  // no check character at all.
  if (upgradedFrom15 ? !/^\d{15}$/.test(id) : !/^\d{17}[\dX]$/.test(id)) {
    return reject(
      'ID_FORMAT',
      upgradedFrom15
        ? 'a 15-character number must be all digits'
        : 'must be 17 digits followed by a digit or X',
    );
  }
  // GB 11643-1999 replaces the 1989 edition's YYMMDD birth date, which always meant the 1900s,
  // with YYYYMMDD and appends a check character computed over the new 17-digit body.
  const body = upgradedFrom15 ? `${id.slice(0, 6)}19${id.slice(6)}` : id.slice(0, 17);
  const expectedCheck = checkCharacter(body);
  const birthDate = `${body.slice(6, 10)}-${body.slice(10, 12)}-${body.slice(12, 14)}`;

  const violations: Violation[] = [];
  if (!PROVINCE.test(body)) {
    violations.push({
      rule: 'ID_REGION',
      message: 'the region code (characters 1-6) must start with a GB/T 2260 province code',
    });
  }
  const birthDateProblem = checkBirthDate(birthDate, today);
  if (birthDateProblem !== undefined) {
    violations.push({ rule: 'ID_BIRTH_DATE', message: birthDateProblem });
  }
  if (!upgradedFrom15 && id[17] !== expectedCheck) {
    violations.push({
      rule: 'ID_CHECKSUM',
      message: 'the check character does not match the first 17 characters',
    });
  }
  if (violations.length > 0) {
    return { ok: false, violations };
  }
  // GB 11643-1999: odd sequence codes are assigned to men and even ones to women.
  const gender = Number(body[16]) % 2 === 1 ? 'MALE' : 'FEMALE';
  return {
    ok: true,
    value: { normalized: body + expectedCheck, birthDate, gender, upgradedFrom15 },
    warnings: [],
  };
}

/**
 * The numbers, right by their check character, that one swap of two adjacent characters
 * makes of an 18-character resident ID failing its check: those its holder's true number may
 * be (about 1.5 of the 17 swaps pass by chance). None for a number that passes, or is not
 * 18 characters of the right form.
 */
export function swapRepairs(number: string): string[] {
  if (!FORM.test(number) || passes(number)) return [];
  return adjacentSwaps(number).filter(passes);
}

/**
 * The numbers failing their check that one swap of two adjacent characters makes of the
 * valid numbers a number failing its check stands for (its body with the right check
 * character, and its swapRepairs), but itself: its fellow typos. Two mistyped copies of one
 * number (a wrong check character and a swap, two swaps at different ends) find each other
 * by them whichever came first, as they do within a batch, where each is keyed by the
 * bodies of the numbers it stands for. None for a number that passes.
 */
export function mistypedTwins(number: string): string[] {
  if (!FORM.test(number) || passes(number)) return [];
  const body = number.slice(0, 17);
  const meant = [body + checkCharacter(body), ...swapRepairs(number)];
  const twins = meant.flatMap((valid) =>
    adjacentSwaps(valid).filter((twin) => twin !== number && FORM.test(twin) && !passes(twin)),
  );
  return [...new Set(twins)].sort();
}

const FORM = /^\d{17}[\dX]$/;
const passes = (number: string) =>
  FORM.test(number) && checkCharacter(number.slice(0, 17)) === number[17];

/** The distinct numbers one swap of two adjacent (different) characters makes. */
function adjacentSwaps(number: string): string[] {
  const swaps = new Set<string>();
  for (let i = 0; i < number.length - 1; i++) {
    if (number[i] === number[i + 1]) continue;
    swaps.add(`${number.slice(0, i)}${number[i + 1]}${number[i]}${number.slice(i + 2)}`);
  }
  return [...swaps].sort();
}

/**
 * An 18-character resident ID that fails its check character, normalised, when that is its
 * only fault or one swap of two adjacent characters would make it a valid number (a swap in
 * the birth date makes a day no one was born on: 1986-03-62, one in the region code a
 * province there is none of: 24 for 42), read as a typo of that number; else undefined (a
 * valid number, or one with other faults).
 */
export function mistypedResidentId(
  input: string,
  today: string,
):
  | {
      number: string;
      /** What else a swap explains (the violations' messages). */ swapped: string[];
    }
  | undefined {
  const checked = checkResidentId(input, today);
  if (checked.ok || !checked.violations.some((v) => v.rule === 'ID_CHECKSUM')) return undefined;
  const number = ungrouped(input).toUpperCase();
  if (!/^\d{17}[\dX]$/.test(number)) return undefined;
  if (checked.violations.every((v) => v.rule === 'ID_CHECKSUM')) return { number, swapped: [] };
  const swappable = new Set(['ID_CHECKSUM', 'ID_BIRTH_DATE', 'ID_REGION']);
  if (!checked.violations.every((v) => swappable.has(v.rule))) return undefined;
  const repaired = swapRepairs(number).some((repair) => checkResidentId(repair, today).ok);
  const swapped = checked.violations.filter((v) => v.rule !== 'ID_CHECKSUM').map((v) => v.message);
  return repaired ? { number, swapped } : undefined;
}

function checkCharacter(body: string): string {
  const sum = WEIGHTS.reduce((acc, weight, i) => acc + weight * Number(body[i]), 0);
  // ISO 7064 MOD 11-2: the check value brings the weighted sum to 1 (mod 11); 10 is written X.
  const value = (12 - (sum % 11)) % 11;
  return value === 10 ? 'X' : String(value);
}

/** Explains why a YYYY-MM-DD birth date is unacceptable, or returns undefined if it is fine. */
const chinaToday = (now: Date) =>
  new Date(now.getTime() + CHINA_STANDARD_TIME_OFFSET_MS).toISOString().slice(0, 10);

function checkBirthDate(birthDate: string, today: string): string | undefined {
  // ISO 8601 dates of equal width compare correctly as strings.
  if (birthDate < EARLIEST_BIRTH_DATE) {
    return `the birth date (characters 7-14) is before ${EARLIEST_BIRTH_DATE}`;
  }
  // GB 11643-1999 takes the birth date code from GB/T 7408, so it must be a real Gregorian date;
  // Date.UTC rolls impossible ones such as 02-29 in a common year over into the next month.
  const [year, month, day] = birthDate.split('-').map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return 'the birth date (characters 7-14) is not a real calendar date';
  }
  if (birthDate > today) {
    return 'the birth date (characters 7-14) is in the future';
  }
  return undefined;
}

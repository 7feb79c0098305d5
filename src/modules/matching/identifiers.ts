import { checkResidentId } from '../../validation';

/**
 * A 15-digit legacy resident ID → its 18-character upgrade (GB 11643-1999: '19' inserted
 * before the 2-digit year, the check character appended). Anything else, including a
 * 15-digit number the validator rejects (an impossible birth date), is returned unchanged.
 */
export function upgradeLegacyResidentId(id: string): string {
  if (!/^\d{15}$/.test(id)) return id;
  const checked = checkResidentId(id);
  return checked.ok ? checked.value.normalized : id;
}

export type KeyingRelation = 'SAME' | 'CHECK_CHARACTER' | 'TRANSPOSITION' | 'DIFFERENT';

/**
 * How two 18-character resident IDs, or two credit codes, relate. CHECK_CHARACTER: the first
 * 17 agree and the last differs; TRANSPOSITION: one swap of two adjacent characters,
 * anywhere, makes them equal. GB 11643's MOD 11-2 check and GB 32100's MOD 31 check catch
 * both errors, so at most one of such a pair is a valid number: the other is a keying error,
 * never a second person or organisation.
 */
export function keyingRelation(a: string, b: string): KeyingRelation {
  if (a === b) return 'SAME';
  if (a.length !== b.length) return 'DIFFERENT';
  const first = [...a].findIndex((c, i) => c !== b[i]);
  if (first === a.length - 1) return 'CHECK_CHARACTER';
  const swapped =
    a[first] === b[first + 1] &&
    a[first + 1] === b[first] &&
    a.slice(first + 2) === b.slice(first + 2);
  return swapped ? 'TRANSPOSITION' : 'DIFFERENT';
}

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

/** What PiiHasher digests a resident ID's forms as (the kind it is given). */
export const RESIDENT_ID_DIGESTS = {
  body: 'RESIDENT_ID_BODY',
  swapHead: 'RESIDENT_ID_SWAP_HEAD',
  swapTail: 'RESIDENT_ID_SWAP_TAIL',
} as const;

/**
 * Two forms of an 18-character resident ID that one swap of two adjacent characters leaves
 * alone: `head` with its first 9 characters sorted, `tail` with its last 10 sorted (a swap
 * anywhere falls within one of the two). Digested, they let a valid number find a stored
 * one whose holder's agent swapped two of its characters, however different the rest.
 */
export function swapForms(number: string): { head: string; tail: string } {
  const sorted = (text: string) => [...text].sort().join('');
  return {
    head: `${sorted(number.slice(0, 9))}${number.slice(9)}`,
    tail: `${number.slice(0, 8)}${sorted(number.slice(8))}`,
  };
}

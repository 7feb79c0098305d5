/*
 * Check characters of Chinese identity codes and of VINs, computed in SQL, so that every
 * seeded number passes the hub's validators (src/validation).
 */

export interface CheckScheme {
  weights: readonly number[];
  /** The characters a code may hold; the value of each is its index unless `values` says. */
  alphabet: string;
  values?: string;
  /** SQL: the check value, an index into `symbols`, from the weighted sum. */
  check: (sum: string) => string;
  symbols: string;
}

export const RESIDENT_ID_CHECK: CheckScheme = {
  // GB 11643-1999 (ISO 7064 MOD 11-2): W(i) = 2^(i-1) mod 11, i counting positions from the
  // right, so the first of the 17 body digits has i = 18.
  weights: Array.from({ length: 17 }, (_, k) => 2 ** (17 - k) % 11),
  alphabet: '0123456789',
  // ISO 7064 MOD 11-2: the check brings the weighted sum to 1 (mod 11); 10 is written X.
  check: (sum) => `(12 - ${sum} % 11) % 11`,
  symbols: '0123456789X',
};

export const ORGANISATION_CODE_CHECK: CheckScheme = {
  // GB 11714-1997: weights 3, 7, 9, 10, 5, 8, 4, 2, which are 2^(9-i) mod 11.
  weights: Array.from({ length: 8 }, (_, k) => 2 ** (8 - k) % 11),
  // GB 11714-1997: digits count as themselves and letters A-Z as 10-35.
  alphabet: '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  // GB 11714-1997: C9 = 11 - (sum mod 11), where 10 is written X and 11 is written 0.
  check: (sum) => `11 - ${sum} % 11`,
  symbols: '0123456789X0',
};

// GB 32100-2015: the code alphabet, without I, O, Z, S and V; a character's value is its index.
const CREDIT_CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
export const CREDIT_CODE_CHECK: CheckScheme = {
  // GB 32100-2015: W(i) = 3^(i-1) mod 31 for positions 1 to 17.
  weights: Array.from({ length: 17 }, (_, k) => 3 ** k % 31),
  alphabet: CREDIT_CODE_ALPHABET,
  // GB 32100-2015: C18 = 31 - (sum mod 31), where 31 is written 0.
  check: (sum) => `(31 - ${sum} % 31) % 31`,
  symbols: CREDIT_CODE_ALPHABET,
};

// ISO 3779: the VIN alphabet leaves out I, O and Q.
export const VIN_ALPHABET = '0123456789ABCDEFGHJKLMNPRSTUVWXYZ';
export const VIN_CHECK: CheckScheme = {
  // 49 CFR 565, adopted by GB 16735: position weights; the check digit (position 9) weighs 0.
  weights: [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2],
  alphabet: VIN_ALPHABET,
  // 49 CFR 565 transliteration: letters count 1-9 in turn (skipping I, O, Q), S restarts at 2.
  values: '012345678912345678123457923456789',
  // GB 16735: the weighted sum mod 11, 10 written X.
  check: (sum) => `${sum} % 11`,
  symbols: '0123456789X',
};

// Codes hold digits and capital letters only: ASCII 48 ('0') to 90 ('Z').
const FIRST_CODE_CHARACTER = 48;
const LAST_CODE_CHARACTER = 90;

/**
 * SQL: the check character of a code body under a weighted-sum standard. `bytes` is the body
 * as bytea: reading bytes and looking their values up by character code costs a fifth of
 * what substr and strpos do. A character outside the alphabet makes the result null.
 */
export function checkCharacterSql(bytes: string, scheme: CheckScheme): string {
  const valueByCode = Array.from(
    { length: LAST_CODE_CHARACTER - FIRST_CODE_CHARACTER + 1 },
    (_, k) => {
      const index = scheme.alphabet.indexOf(String.fromCharCode(FIRST_CODE_CHARACTER + k));
      if (index === -1) return 'null';
      return scheme.values ? scheme.values[index] : String(index);
    },
  );
  const value = `(array[${valueByCode.join(', ')}]::int[])`;
  const terms = scheme.weights.flatMap((weight, k) =>
    weight === 0
      ? []
      : [`${weight} * ${value}[get_byte(${bytes}, ${k}) - ${FIRST_CODE_CHARACTER - 1}]`],
  );
  return `substr('${scheme.symbols}', ${scheme.check(`(${terms.join(' + ')})`)} + 1, 1)`;
}

/** SQL: a code body (as bytea) followed by its check character, as text. */
export function withCheckCharacterSql(bytes: string, scheme: CheckScheme): string {
  return `convert_from(${bytes}, 'UTF8') || ${checkCharacterSql(bytes, scheme)}`;
}

import { Checked, reject, Violation } from './result';
import { ungrouped } from './width';

// GB 32100-2015: the code alphabet leaves out I, O, Z, S and V to avoid confusion with 1, 0, 2,
// 5 and U; a character's value is its index here.
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
// GB 32100-2015: weights W(i) = 3^(i-1) mod 31 for positions 1 to 17.
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
// GB 11714-1997: the organisation code values digits as themselves and letters A-Z as 10-35.
const ORGANISATION_CODE_VALUES = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
// GB 11714-1997: weights for the eight body characters of the organisation code.
const ORGANISATION_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

/**
 * Validates a unified social credit code. Codes issued before GB 32100-2015 settled can carry a
 * wrong check character yet remain legally valid, so check-character mismatches are warnings.
 */
export function checkCreditCode(input: string): Checked<{ normalized: string }> {
  const code = ungrouped(input).toUpperCase();
  if (code.length !== 18) {
    return reject('CREDIT_CODE_LENGTH', `must be 18 characters, got ${code.length}`);
  }
  const characters = [...code];
  const badIndex = characters.findIndex((c) => !ALPHABET.includes(c));
  if (badIndex !== -1) {
    return reject(
      'CREDIT_CODE_FORMAT',
      `character ${badIndex + 1} is not allowed (I, O, Z, S and V never occur)`,
    );
  }
  // GB 32100-2015: positions 3-8 are the GB/T 2260 administrative division code.
  if (!/^\d{6}$/.test(code.slice(2, 8))) {
    return reject('CREDIT_CODE_FORMAT', 'positions 3-8 (administrative division) must be digits');
  }

  const warnings: Violation[] = [];
  // GB 32100-2015: positions 9-17 embed the GB 11714 organisation code with its own check.
  const expectedOrganisationCheck = organisationCodeCheck(code.slice(8, 16));
  if (code[16] !== expectedOrganisationCheck) {
    warnings.push({
      rule: 'CREDIT_CODE_CHECKSUM_EXCEPTION',
      message: 'the organisation code check character (position 17) does not match',
    });
  }
  const expectedCheck = creditCodeCheck(code.slice(0, 17));
  if (code[17] !== expectedCheck) {
    warnings.push({
      rule: 'CREDIT_CODE_CHECKSUM_EXCEPTION',
      message: 'the check character (position 18) does not match the first 17',
    });
  }
  return { ok: true, value: { normalized: code }, warnings };
}

function creditCodeCheck(body: string): string {
  const sum = WEIGHTS.reduce((acc, weight, i) => acc + weight * ALPHABET.indexOf(body[i]), 0);
  // GB 32100-2015: C18 = 31 - (sum mod 31), where 31 is written as 0.
  return ALPHABET[(31 - (sum % 31)) % 31];
}

function organisationCodeCheck(body: string): string {
  const sum = ORGANISATION_CODE_WEIGHTS.reduce(
    (acc, weight, i) => acc + weight * ORGANISATION_CODE_VALUES.indexOf(body[i]),
    0,
  );
  // GB 11714-1997: C9 = 11 - (sum mod 11), where 10 is written X and 11 is written 0.
  const value = 11 - (sum % 11);
  return value === 10 ? 'X' : String(value % 11);
}

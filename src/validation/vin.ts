import { Checked, reject } from './result';

// ISO 3779: I, O and Q are excluded because they are easily mistaken for 1 and 0.
const ALPHABET = '0123456789ABCDEFGHJKLMNPRSTUVWXYZ';
// 49 CFR 565 transliteration, adopted by GB 16735: each character's value sits at its index in
// ALPHABET; letters count 1-9 in turn (gaps left by I, O and Q) and S restarts at 2.
const VALUES = '012345678912345678123457923456789';
// 49 CFR 565 / GB 16735 position weights; the check digit itself (position 9) weighs 0.
const WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/** Validates a vehicle identification number, including its position-9 check digit. */
export function checkVin(input: string): Checked<{ normalized: string }> {
  const vin = input.trim().toUpperCase();
  if (vin.length !== 17) {
    return reject('VIN_LENGTH', `must be 17 characters, got ${vin.length}`);
  }
  const characters = [...vin];
  const badIndex = characters.findIndex((c) => !ALPHABET.includes(c));
  if (badIndex !== -1) {
    return reject(
      'VIN_FORMAT',
      `character ${badIndex + 1} '${characters[badIndex]}' is not allowed ` +
        '(I, O and Q never occur)',
    );
  }
  const sum = WEIGHTS.reduce(
    (acc, weight, i) => acc + weight * Number(VALUES[ALPHABET.indexOf(vin[i])]),
    0,
  );
  // GB 16735 makes the check digit mandatory in China: the weighted sum mod 11, 10 written X.
  const remainder = sum % 11;
  const expected = remainder === 10 ? 'X' : String(remainder);
  if (vin[8] !== expected) {
    return reject('VIN_CHECK_DIGIT', `check digit should be ${expected}, got ${vin[8]}`);
  }
  return { ok: true, value: { normalized: vin }, warnings: [] };
}

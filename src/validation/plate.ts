import { Checked, reject } from './result';

// GA 36-2018: one-character abbreviations of the 31 mainland provincial-level divisions.
const PROVINCE = /^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]$/u;
// GA 36-2018: plates never use I or O, which read as 1 and 0.
const AUTHORITY = /^[A-HJ-NP-Z]$/;
// GA 36-2018 ordinary plates: five letters or digits; trailer (挂), driving school (学), police (警)
// and Hong Kong / Macao cross-border (港, 澳) plates put their marker in the last place.
const ORDINARY_SERIAL = /^[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳]$/u;
// GA 36-2018 new-energy plates: small vehicles lead with the energy-type letter (D, A, B, C, E
// for pure electric; F, G, H, J, K for other new energy) and large vehicles end with it.
const SMALL_NEW_ENERGY_SERIAL = /^[DABCEFGHJK][A-HJ-NP-Z0-9]\d{4}$/;
const LARGE_NEW_ENERGY_SERIAL = /^\d{5}[DABCEFGHJK]$/;

/** Validates a civilian motor vehicle plate; military and embassy plates are out of scope. */
export function checkPlate(input: string): Checked<{ normalized: string; newEnergy: boolean }> {
  // The dot (or a hyphen) after the authority letter is printed on the plate but is not part
  // of the number.
  const normalized = input.replace(/[\s·-]/g, '').toUpperCase();
  const [province = '', authority = '', ...rest] = Array.from(normalized);
  if (!PROVINCE.test(province)) {
    return reject('PLATE_FORMAT', `must start with a province abbreviation, got '${province}'`);
  }
  if (!AUTHORITY.test(authority)) {
    return reject(
      'PLATE_FORMAT',
      `issuing authority must be a letter A-Z other than I or O, got '${authority}'`,
    );
  }
  const serial = rest.join('');
  if (rest.length === 5) {
    if (!ORDINARY_SERIAL.test(serial)) {
      return reject(
        'PLATE_FORMAT',
        `ordinary serial '${serial}' must be letters (not I or O) or digits, ` +
          'optionally ending in 挂, 学, 警, 港 or 澳',
      );
    }
    return { ok: true, value: { normalized, newEnergy: false }, warnings: [] };
  }
  if (rest.length === 6) {
    if (!SMALL_NEW_ENERGY_SERIAL.test(serial) && !LARGE_NEW_ENERGY_SERIAL.test(serial)) {
      return reject(
        'PLATE_FORMAT',
        `new-energy serial '${serial}' must be an energy letter, a letter or digit and 4 digits, ` +
          'or 5 digits and an energy letter',
      );
    }
    return { ok: true, value: { normalized, newEnergy: true }, warnings: [] };
  }
  return reject(
    'PLATE_FORMAT',
    `serial must be 5 characters, or 6 for new-energy plates, got ${rest.length}`,
  );
}

import { checkCreditCode } from '../../../src/validation/credit-code';

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

describe('checkCreditCode', () => {
  describe('accepts without warnings', () => {
    it.each([
      // Widely cited real code. GB 11714 on M000100Y: M=22*3 + 1*5 + Y=34*2 = 139, 139 mod 11 = 7,
      // 11 - 7 = 4. GB 32100 on 91350100M000100Y4: weighted sum 1640, 1640 mod 31 = 28,
      // 31 - 28 = 3.
      '91350100M000100Y43',
      // GB 11714 on 10000000: 1*3 = 3, 11 - 3 = 8. GB 32100: 9*1 + 1*3 + 1*9 + 1*27 + 1*20 + 8*28
      // = 292, 292 mod 31 = 13, 31 - 13 = 18 = J.
      '91110000100000008J',
      // GB 32100 sum 434 = 14 * 31, so 31 - 0 = 31, which is written 0.
      '911100000000004570',
      // GB 11714 on 00000019: 1*4 + 9*2 = 22 ≡ 0 (mod 11), so 11 - 0 = 11, which is written 0.
      '91110000000000190D',
      // GB 11714 on 00000006: 6*2 = 12 ≡ 1 (mod 11), so 11 - 1 = 10, which is written X.
      '9111000000000006XE',
      // No zero characters, so every weight counts. GB 11714 values letters by their place in
      // A-Z: M22*3 + A10*7 + 5*9 + F15*10 + K20*5 + B11*8 + T29*4 + U30*2 = 695 ≡ 2 (mod 11),
      // 11 - 2 = 9. GB 32100 values letters by their place in its own alphabet (K=19, T=26,
      // U=27): weighted sum 3159 ≡ 28 (mod 31), 31 - 28 = 3.
      '92441523MA5FKBTU93',
    ])('%p', (code) => {
      expect(checkCreditCode(code)).toEqual({
        ok: true,
        value: { normalized: code },
        warnings: [],
      });
    });

    it('lowercase letters and surrounding spaces, normalising to uppercase', () => {
      expect(checkCreditCode(' 91350100m000100y43 ')).toEqual({
        ok: true,
        value: { normalized: '91350100M000100Y43' },
        warnings: [],
      });
    });

    it('a code grouped with spaces or dashes', () => {
      expect(checkCreditCode('9135 0100 M000 100Y 43')).toMatchObject({
        ok: true,
        value: { normalized: '91350100M000100Y43' },
      });
      expect(checkCreditCode('91-350100-M000100Y4-3')).toMatchObject({
        ok: true,
        value: { normalized: '91350100M000100Y43' },
      });
    });
  });

  describe('flags as a legal exception but accepts', () => {
    it('a wrong 18th check character', () => {
      expect(checkCreditCode('91350100M000100Y44')).toEqual({
        ok: true,
        value: { normalized: '91350100M000100Y44' },
        warnings: [
          {
            rule: 'CREDIT_CODE_CHECKSUM_EXCEPTION',
            message: 'the check character (position 18) does not match the first 17',
          },
        ],
      });
    });

    it('a wrong GB 11714 organisation code check character', () => {
      // Position 17 raised from 4 to 5 adds its weight 28: 1668 mod 31 = 25, 31 - 25 = 6, so the
      // 18th character is consistent and only the organisation code check is wrong.
      expect(checkCreditCode('91350100M000100Y56')).toEqual({
        ok: true,
        value: { normalized: '91350100M000100Y56' },
        warnings: [
          {
            rule: 'CREDIT_CODE_CHECKSUM_EXCEPTION',
            message: 'the organisation code check character (position 17) does not match',
          },
        ],
      });
    });

    it('every single-character substitution in positions 1-17', () => {
      // GB 32100 weights are powers of 3 mod the prime 31 and character values differ by less
      // than 31, so any one substitution changes the expected 18th character.
      const sample = '91350100M000100Y43';
      for (let position = 0; position < 17; position += 1) {
        const isDivision = position >= 2 && position < 8;
        for (const character of isDivision ? '0123456789' : ALPHABET) {
          if (character === sample[position]) continue;
          const mutated = sample.slice(0, position) + character + sample.slice(position + 1);
          const result = checkCreditCode(mutated);
          const warnings = result.ok ? result.warnings.map((w) => w.message) : [];
          expect({ mutated, warnings }).toEqual({
            mutated,
            warnings: expect.arrayContaining([expect.stringContaining('(position 18)')]),
          });
        }
      }
    });
  });

  describe('rejects', () => {
    it.each(['I', 'O', 'Z', 'S', 'V'])('the letter %s, which GB 32100 never uses', (letter) => {
      expect(checkCreditCode(`91350100M000100${letter}43`)).toEqual({
        ok: false,
        violations: [
          {
            rule: 'CREDIT_CODE_FORMAT',
            message: 'character 16 is not allowed (I, O, Z, S and V never occur)',
          },
        ],
      });
    });

    it('a letter in the administrative division code', () => {
      expect(checkCreditCode('9135A100M000100Y43')).toEqual({
        ok: false,
        violations: [
          {
            rule: 'CREDIT_CODE_FORMAT',
            message: 'positions 3-8 (administrative division) must be digits',
          },
        ],
      });
    });

    it.each([
      ['17 characters', '91350100M000100Y4'],
      ['19 characters', '91350100M000100Y433'],
      ['a 15-digit pre-2015 business registration number', '110000000000001'],
    ])('%s', (_, code) => {
      expect(checkCreditCode(code)).toEqual({
        ok: false,
        violations: [
          { rule: 'CREDIT_CODE_LENGTH', message: `must be 18 characters, got ${code.length}` },
        ],
      });
    });
  });
});

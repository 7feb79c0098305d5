import { checkVin } from '../../../src/validation/vin';

describe('checkVin', () => {
  describe('accepts', () => {
    it.each([
      // The classic worked example from 49 CFR 565: weighted sum 351, 351 mod 11 = 10, written X.
      '1M8GDM9AXKP042788',
      // All ones: the weights add up to 89, and 89 mod 11 = 1.
      '11111111111111111',
      // L3*8 + F6*7 + V5*6 + 2*5 + A1*4 + 2*3 + 1*2 + K2*10 + A1*9 + 3*8 + 1*2 = 173 ≡ 8 (mod 11).
      'LFV2A21K8A3000001',
    ])('%p', (vin) => {
      expect(checkVin(vin)).toEqual({ ok: true, value: { normalized: vin }, warnings: [] });
    });

    it('lowercase letters and surrounding spaces, normalising to uppercase', () => {
      expect(checkVin(' 1m8gdm9axkp042788 ')).toEqual({
        ok: true,
        value: { normalized: '1M8GDM9AXKP042788' },
        warnings: [],
      });
    });
  });

  describe('rejects', () => {
    it('a wrong check digit, naming the expected one', () => {
      expect(checkVin('1M8GDM9A5KP042788')).toEqual({
        ok: false,
        violations: [{ rule: 'VIN_CHECK_DIGIT', message: 'check digit should be X, got 5' }],
      });
    });

    it('every single-digit substitution outside position 9', () => {
      // Every weight but position 9's is non-zero mod the prime 11 and digits differ by less
      // than 11, so any one changed digit changes the weighted sum mod 11.
      const sample = '11111111111111111';
      for (let position = 0; position < 17; position += 1) {
        if (position === 8) continue;
        for (const digit of '023456789') {
          const mutated = sample.slice(0, position) + digit + sample.slice(position + 1);
          const result = checkVin(mutated);
          const rules = result.ok ? [] : result.violations.map((v) => v.rule);
          expect({ mutated, rules }).toEqual({ mutated, rules: ['VIN_CHECK_DIGIT'] });
        }
      }
    });

    it.each([
      ['Q', '1M8GDM9AXKP04Q788', 14],
      ['I', 'IM8GDM9AXKP042788', 1],
      ['O', '1M8GDM9AXKPO42788', 12],
    ])('the letter %s, which ISO 3779 never uses', (letter, vin, position) => {
      expect(checkVin(vin)).toEqual({
        ok: false,
        violations: [
          {
            rule: 'VIN_FORMAT',
            message: `character ${position} '${letter}' is not allowed (I, O and Q never occur)`,
          },
        ],
      });
    });

    it.each([
      ['16 characters', '1M8GDM9AXKP04278'],
      ['18 characters', '1M8GDM9AXKP0427888'],
    ])('%s', (_, vin) => {
      expect(checkVin(vin)).toEqual({
        ok: false,
        violations: [{ rule: 'VIN_LENGTH', message: `must be 17 characters, got ${vin.length}` }],
      });
    });
  });
});

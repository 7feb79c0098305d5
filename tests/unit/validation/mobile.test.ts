import { checkMobile } from '../../../src/validation/mobile';

describe('checkMobile', () => {
  describe('accepts and normalises to 11 digits', () => {
    it.each([
      '13812345678',
      '+8613812345678',
      '+86 138 1234 5678',
      '0086-138-1234-5678',
      '8613812345678',
      // The trunk prefix a landline dials before another city's mobile.
      '013812345678',
      '0138-1234-5678',
      ' 138-1234-5678 ',
      // Typed in full-width mode, or pasted with a document's dashes.
      '138－1234－5678',
      '＋86 138‐1234–5678',
      '138−1234−5678',
      '138﹣1234﹣5678',
      '138ー1234ー5678',
    ])('%p', (input) => {
      expect(checkMobile(input)).toEqual({
        ok: true,
        value: { normalized: '13812345678' },
        warnings: [],
      });
    });

    it.each(['3', '4', '5', '6', '7', '8', '9'])('second digit %s', (digit) => {
      expect(checkMobile(`1${digit}012345678`)).toMatchObject({
        ok: true,
        value: { normalized: `1${digit}012345678` },
      });
    });
  });

  describe('rejects', () => {
    it.each([
      ['12 digits', '138123456789', 12],
      ['10 digits', '1381234567', 10],
      ['10 digits after +86', '+861381234567', 10],
      ['12 digits after a trunk 0', '0138123456789', 13],
      ['nothing', '', 0],
    ])('%s', (_, input, length) => {
      expect(checkMobile(input)).toEqual({
        ok: false,
        violations: [{ rule: 'MOBILE_FORMAT', message: `must be 11 digits, got ${length}` }],
      });
    });

    it.each([
      ['second digit 2', '12812345678'],
      ['second digit 0', '10812345678'],
      ['a first digit other than 1', '23812345678'],
      ['11 digits starting 86, which is not taken as a prefix', '86138123456'],
      ['10 digits after a trunk 0, which is not taken as a prefix', '01381234567'],
    ])('%s, without quoting the digits', (_, input) => {
      expect(checkMobile(input)).toEqual({
        ok: false,
        violations: [
          {
            rule: 'MOBILE_FORMAT',
            message: 'must start with 1 followed by a digit 3-9',
          },
        ],
      });
    });

    it.each(['1381234567a', '(138)12345678', '+1 13812345678'])('%p', (input) => {
      expect(checkMobile(input)).toEqual({
        ok: false,
        violations: [
          {
            rule: 'MOBILE_FORMAT',
            message: 'may contain only digits, spaces, hyphens and a +86, 0086 or 86 prefix',
          },
        ],
      });
    });
  });
});

import { checkResidentId } from '../../../src/validation/resident-id';

// The business day.
const TODAY = '2024-06-01';

describe('checkResidentId', () => {
  describe('accepts', () => {
    it('the GB 11643-1999 sample number, a woman born 1949-12-31', () => {
      expect(checkResidentId('11010519491231002X', TODAY)).toEqual({
        ok: true,
        value: {
          normalized: '11010519491231002X',
          birthDate: '1949-12-31',
          gender: 'FEMALE',
          upgradedFrom15: false,
        },
        warnings: [],
      });
    });

    it.each([
      ['Chongqing (50)', '500101199001010018'],
      ['a Hong Kong resident’s residence permit (81)', '810000199001010019'],
      ['a Taiwan resident’s residence permit (83)', '830000199001010020'],
      ['a foreigner’s permanent residence ID, issued in Beijing (9 11)', '911000199001010013'],
    ])('a number of %s', (_, number) => {
      expect(checkResidentId(number, TODAY)).toMatchObject({
        ok: true,
        value: { normalized: number, birthDate: '1990-01-01' },
      });
    });

    it('an odd sequence code as a man', () => {
      // The sample's weighted sum is 167; sequence digit 2 -> 1 at weight 2 gives 165 ≡ 0 (mod 11),
      // so the check character becomes (12 - 0) mod 11 = 1.
      const result = checkResidentId('110105194912310011', TODAY);
      expect(result).toMatchObject({ ok: true, value: { gender: 'MALE' } });
    });

    it('a number without zeros, so that every weight counts', () => {
      // 3*7 + 5*9 + 2*10 + 2*5 + 2*8 + 9*4 + 1*2 + 9*1 + 8*6 + 7*3 + 1*7 + 1*9 + 2*10 + 5*5 + 3*8
      // + 4*4 + 5*2 = 339 ≡ 9 (mod 11), so the check character is (12 - 9) mod 11 = 3.
      expect(checkResidentId('352229198711253453', TODAY)).toEqual({
        ok: true,
        value: {
          normalized: '352229198711253453',
          birthDate: '1987-11-25',
          gender: 'MALE',
          upgradedFrom15: false,
        },
        warnings: [],
      });
    });

    it('a lowercase x and surrounding spaces, normalising to uppercase', () => {
      const result = checkResidentId('  11010519491231002x ', TODAY);
      expect(result).toMatchObject({ ok: true, value: { normalized: '11010519491231002X' } });
    });

    it.each([
      '110105 19491231 002X',
      '110105-19491231-002x',
      '110105\u3000194912\u300031002X',
      '110105\uFF0D19491231\u2014002X',
    ])('a number grouped with spaces or dashes: %p', (input) => {
      const result = checkResidentId(input, TODAY);
      expect(result).toMatchObject({ ok: true, value: { normalized: '11010519491231002X' } });
    });

    it('29 February in a leap year', () => {
      const result = checkResidentId('110105200002290013', TODAY);
      expect(result).toMatchObject({ ok: true, value: { birthDate: '2000-02-29' } });
    });

    it('someone born on the business day, and no one born the day after it', () => {
      const born = '110105202406020019';
      expect(checkResidentId(born, '2024-06-02')).toMatchObject({
        ok: true,
        value: { birthDate: '2024-06-02' },
      });
      // The business day is the hub's (its zone), not the day in Beijing: a hub that keeps
      // UTC days has not reached 2 June at 00:30 in Beijing.
      expect(checkResidentId(born, '2024-06-01')).toMatchObject({
        ok: false,
        violations: [expect.objectContaining({ rule: 'ID_BIRTH_DATE' })],
      });
    });
  });

  describe('upgrades a GB 11643-1989 15-digit number', () => {
    it('by inserting 19 and appending the MOD 11-2 check character', () => {
      expect(checkResidentId('110105491231002', TODAY)).toEqual({
        ok: true,
        value: {
          normalized: '11010519491231002X',
          birthDate: '1949-12-31',
          gender: 'FEMALE',
          upgradedFrom15: true,
        },
        warnings: [],
      });
    });

    it('and still rejects an impossible birth date', () => {
      expect(checkResidentId('110105490229002', TODAY)).toEqual({
        ok: false,
        violations: [
          {
            rule: 'ID_BIRTH_DATE',
            message: 'the birth date (characters 7-14) is not a real calendar date',
          },
        ],
      });
    });

    it('but rejects a 15-character number containing X', () => {
      const result = checkResidentId('11010549123100X', TODAY);
      expect(result).toMatchObject({ ok: false, violations: [{ rule: 'ID_FORMAT' }] });
    });
  });

  describe('rejects', () => {
    it('a wrong check character, naming the expected one', () => {
      expect(checkResidentId('110105194912310025', TODAY)).toEqual({
        ok: false,
        violations: [
          {
            rule: 'ID_CHECKSUM',
            message: 'the check character does not match the first 17 characters',
          },
        ],
      });
    });

    it('every single-digit substitution in the body', () => {
      // MOD 11-2 weights are all non-zero mod the prime 11, so any one changed digit changes the
      // weighted sum mod 11 and therefore the expected check character.
      const sample = '11010519491231002X';
      for (let position = 0; position < 17; position += 1) {
        for (const digit of '0123456789') {
          if (digit === sample[position]) continue;
          const mutated = sample.slice(0, position) + digit + sample.slice(position + 1);
          const result = checkResidentId(mutated, TODAY);
          const rules = result.ok ? [] : result.violations.map((v) => v.rule);
          expect({ mutated, rules }).toEqual({
            mutated,
            rules: expect.arrayContaining(['ID_CHECKSUM']),
          });
        }
      }
    });

    it('29 February in a common year', () => {
      expect(checkResidentId('110105199902290013', TODAY)).toEqual({
        ok: false,
        violations: [
          {
            rule: 'ID_BIRTH_DATE',
            message: 'the birth date (characters 7-14) is not a real calendar date',
          },
        ],
      });
    });

    it('29 February 1900, a century year that is not a leap year', () => {
      const result = checkResidentId('110105190002290017', TODAY);
      expect(result).toMatchObject({ ok: false, violations: [{ rule: 'ID_BIRTH_DATE' }] });
    });

    it('a birth date in the future', () => {
      expect(checkResidentId('110105202406020019', TODAY)).toEqual({
        ok: false,
        violations: [
          { rule: 'ID_BIRTH_DATE', message: 'the birth date (characters 7-14) is in the future' },
        ],
      });
    });

    it('a birth date before 1900', () => {
      expect(checkResidentId('110105189912310015', TODAY)).toEqual({
        ok: false,
        violations: [
          {
            rule: 'ID_BIRTH_DATE',
            message: 'the birth date (characters 7-14) is before 1900-01-01',
          },
        ],
      });
    });

    it.each([
      ['starting with 0', '010105194912310026'],
      ['of no province (10)', '100105194912310028'],
      ['of no province (72)', '720105194912310023'],
      ['of no province (99)', '990105194912310023'],
    ])('a region code %s', (_, number) => {
      expect(checkResidentId(number, TODAY)).toEqual({
        ok: false,
        violations: [
          {
            rule: 'ID_REGION',
            message: 'the region code (characters 1-6) must start with a GB/T 2260 province code',
          },
        ],
      });
    });

    it('with every problem reported at once', () => {
      const result = checkResidentId('010105199902290010', TODAY);
      expect(result).toMatchObject({
        ok: false,
        violations: [{ rule: 'ID_REGION' }, { rule: 'ID_BIRTH_DATE' }, { rule: 'ID_CHECKSUM' }],
      });
    });

    it.each(['1101051949123100', '11010519491231002X1', ''])('length %p', (input) => {
      expect(checkResidentId(input, TODAY)).toEqual({
        ok: false,
        violations: [
          {
            rule: 'ID_LENGTH',
            message: `must be 18 characters (or 15 for legacy numbers), got ${input.length}`,
          },
        ],
      });
    });

    it.each(['1101051949123100XX', '11010519491231A02X', '11010519491231002Y'])(
      'non-digit body or check character %p',
      (input) => {
        expect(checkResidentId(input, TODAY)).toEqual({
          ok: false,
          violations: [
            { rule: 'ID_FORMAT', message: 'must be 17 digits followed by a digit or X' },
          ],
        });
      },
    );
  });
});

import { checkPlate } from '../../../src/validation/plate';

describe('checkPlate', () => {
  describe('accepts', () => {
    it.each(['京A12345', '京a12345', '京A·12345', '京A-12345', ' 京 A 12345 '])(
      'the ordinary plate 京A12345 written as %p',
      (input) => {
        expect(checkPlate(input)).toEqual({
          ok: true,
          value: { normalized: '京A12345', newEnergy: false },
          warnings: [],
        });
      },
    );

    it.each(['粤Z1234港', '粤Z1234澳', '京A1234学', '冀A1234挂', '京A1234警', '浙BAB12C'])(
      'the ordinary plate %p',
      (plate) => {
        expect(checkPlate(plate)).toEqual({
          ok: true,
          value: { normalized: plate, newEnergy: false },
          warnings: [],
        });
      },
    );

    it.each([
      ['small new-energy', '粤BD12345', '粤BD12345'],
      ['small new-energy with a letter second', '粤B·DF1234', '粤BDF1234'],
      ['small non-pure-electric', '苏EF12345', '苏EF12345'],
      ['large new-energy', '沪A12345D', '沪A12345D'],
      ['large non-pure-electric', '川A 12345F', '川A12345F'],
    ])('the %s plate %p', (_, input, normalized) => {
      expect(checkPlate(input)).toEqual({
        ok: true,
        value: { normalized, newEnergy: true },
        warnings: [],
      });
    });
  });

  describe('rejects', () => {
    it.each(['台A12345', 'AA12345', ''])('an unknown province in %p', (input) => {
      expect(checkPlate(input)).toEqual({
        ok: false,
        violations: [
          {
            rule: 'PLATE_FORMAT',
            message: `must start with a province abbreviation, got '${Array.from(input)[0] ?? ''}'`,
          },
        ],
      });
    });

    it.each(['京I12345', '京O12345', '京112345'])('the issuing authority in %p', (input) => {
      expect(checkPlate(input)).toEqual({
        ok: false,
        violations: [
          {
            rule: 'PLATE_FORMAT',
            message: `issuing authority must be a letter A-Z other than I or O, got '${input[1]}'`,
          },
        ],
      });
    });

    it.each(['京A1234O', '京AO2345', '京A12I45', '京A挂1234'])(
      'the ordinary serial in %p',
      (plate) => {
        expect(checkPlate(plate)).toEqual({
          ok: false,
          violations: [
            {
              rule: 'PLATE_FORMAT',
              message:
                `ordinary serial '${plate.slice(2)}' must be letters (not I or O) or digits, ` +
                'optionally ending in 挂, 学, 警, 港 or 澳',
            },
          ],
        });
      },
    );

    it.each(['粤BZ12345', '粤BD1234A', '粤BDO1234', '沪A1234DD', '沪A12345Z'])(
      'the new-energy serial in %p',
      (plate) => {
        expect(checkPlate(plate)).toEqual({
          ok: false,
          violations: [
            {
              rule: 'PLATE_FORMAT',
              message:
                `new-energy serial '${plate.slice(2)}' must be an energy letter, ` +
                'a letter or digit and 4 digits, or 5 digits and an energy letter',
            },
          ],
        });
      },
    );

    it.each([
      ['京A1234', 4],
      ['粤BD123456', 7],
    ])('%p, whose serial has the wrong length', (plate, length) => {
      expect(checkPlate(plate)).toEqual({
        ok: false,
        violations: [
          {
            rule: 'PLATE_FORMAT',
            message: `serial must be 5 characters, or 6 for new-energy plates, got ${length}`,
          },
        ],
      });
    });
  });
});

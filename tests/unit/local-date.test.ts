import { Kind } from 'graphql';
import { LocalDateScalar } from '../../src/graphql/scalars';

describe('the LocalDate scalar', () => {
  it('writes out a date as PostgreSQL gives it', () => {
    expect(LocalDateScalar.serialize('2024-02-29')).toBe('2024-02-29');
  });

  it('refuses to write out what is not a date', () => {
    expect(() => LocalDateScalar.serialize('29/02/2024')).toThrow(/not a valid LocalDate/);
    expect(() => LocalDateScalar.serialize(20240229)).toThrow(/not string/);
  });

  it('still refuses a day the calendar lacks in input, as a variable or in the document', () => {
    expect(() => LocalDateScalar.parseValue('2023-02-29')).toThrow(
      /LocalDate must be a date, YYYY-MM-DD/,
    );
    expect(() =>
      LocalDateScalar.parseLiteral({ kind: Kind.STRING, value: '2023-02-30' }, {}),
    ).toThrow(/LocalDate must be a date, YYYY-MM-DD/);
    expect(LocalDateScalar.parseValue('2024-02-29')).toBe('2024-02-29');
    // PostgreSQL's calendar has no year 0: a statement given one failed, and its batch.
    expect(() => LocalDateScalar.parseValue('0000-01-01')).toThrow(/LocalDate must be a date/);
    expect(LocalDateScalar.parseValue('0001-01-01')).toBe('0001-01-01');
  });
});

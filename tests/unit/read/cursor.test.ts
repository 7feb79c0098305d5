import { decodeCursor } from '../../../src/read/cursor';
import type { OrderKey } from '../../../src/read/read-model';

const cursor = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url');
const keys = (...types: OrderKey['type'][]) =>
  types.map((type, i): OrderKey => ({ type, sql: `k${i}`, direction: 'asc' }));
const ID = '07000000-0000-4000-8000-000000000001';

describe('cursors coming back', () => {
  it('takes the values a list produced', () => {
    expect(decodeCursor(cursor(['2026-02-28', ID]), keys('date', 'uuid'), 'after')).toEqual([
      '2026-02-28',
      ID,
    ]);
    expect(
      decodeCursor(cursor(['2026-12-02 18:00:00.123456+08']), keys('timestamptz'), 'after'),
    ).toEqual(['2026-12-02 18:00:00.123456+08']);
  });

  it.each([
    ['a month 13', ['2027-13-45', ID], keys('date', 'uuid')],
    ['the 30th of February', ['2026-02-30'], keys('date')],
    ['year 0', ['0000-01-01'], keys('date')],
    ['25 hours', ['2026-12-02 25:00:00+08'], keys('timestamptz')],
    ['an impossible day in an instant', ['2026-02-30 10:00:00+08'], keys('timestamptz')],
    ['a NUL in text', ['a\u0000b'], keys('text')],
    ['an offset of 99 hours', ['2026-12-02 19:28:10.004+99:99'], keys('timestamptz')],
    ['an offset of 60 minutes', ['2026-12-02 19:28:10+08:60'], keys('timestamptz')],
  ])('refuses %s as CURSOR_FORMAT, not as a failed statement', (_name, values, types) => {
    expect(() => decodeCursor(cursor(values), types, 'after')).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ rule: 'CURSOR_FORMAT' }) }),
    );
  });
});

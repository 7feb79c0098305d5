import { checkUuid } from '../../../src/validation/uuid';

describe('checkUuid', () => {
  it('accepts a hyphenated UUID in either case and lower-cases it', () => {
    expect(checkUuid(' 3F0C0D5E-7A1B-4C2D-9E8F-0123456789AB ')).toEqual({
      ok: true,
      value: '3f0c0d5e-7a1b-4c2d-9e8f-0123456789ab',
      warnings: [],
    });
  });

  it.each([
    '',
    'x',
    '42',
    '3f0c0d5e7a1b4c2d9e8f0123456789ab',
    '{3f0c0d5e-7a1b-4c2d-9e8f-0123456789ab}',
    '3f0c0d5e-7a1b-4c2d-9e8f-0123456789a',
    '3f0c0d5e-7a1b-4c2d-9e8f-0123456789ag',
    "3f0c0d5e-7a1b-4c2d-9e8f-0123456789ab' or '1'='1",
  ])('refuses %p', (input) => {
    expect(checkUuid(input)).toMatchObject({ ok: false, violations: [{ rule: 'UUID_FORMAT' }] });
  });
});

import { formatCny } from '../../../src/modules/entitlement/eligibility.service';

describe('money in reason texts', () => {
  it('groups the yuan by thousands and always shows two fen digits', () => {
    expect(formatCny(0n)).toBe('0.00 CNY');
    expect(formatCny(5n)).toBe('0.05 CNY');
    expect(formatCny(500000n)).toBe('5,000.00 CNY');
    expect(formatCny(500001n)).toBe('5,000.01 CNY');
    expect(formatCny(99999n)).toBe('999.99 CNY');
    expect(formatCny(100000n)).toBe('1,000.00 CNY');
  });

  it('stays exact where a binary float would not', () => {
    // 2^53 + 1 fen: a float rounds it to 90,071,992,547,409.92.
    expect(formatCny(9007199254740993n)).toBe('90,071,992,547,409.93 CNY');
    expect(formatCny(12345678901234567890n)).toBe('123,456,789,012,345,678.90 CNY');
  });
});

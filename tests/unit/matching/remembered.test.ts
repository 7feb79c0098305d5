import { remembered } from '../../../src/modules/matching/remembered';

describe('remembered', () => {
  it('computes each input once, and forgets everything when full rather than grow', () => {
    const computed: string[] = [];
    const upper = remembered((s) => {
      computed.push(s);
      return s.toUpperCase();
    }, 2);
    expect([upper('a'), upper('b'), upper('a'), upper('b')]).toEqual(['A', 'B', 'A', 'B']);
    expect(computed).toEqual(['a', 'b']);
    // Full: the third input clears what was kept, so 'a' is computed again.
    expect([upper('c'), upper('c'), upper('a')]).toEqual(['C', 'C', 'A']);
    expect(computed).toEqual(['a', 'b', 'c', 'a']);
  });
});

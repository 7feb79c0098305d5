import { pairwiseScores } from '../../../bench/matching/metrics';

describe('pairwiseScores', () => {
  it('counts the pairs that both clusterings put together', () => {
    // Truth: {a, b, c} and {d}; predicted: {a, b} and {c, d}.
    const truth = new Map([
      ['a', 'one'],
      ['b', 'one'],
      ['c', 'one'],
      ['d', 'two'],
    ]);
    const predicted = new Map([
      ['a', 'x'],
      ['b', 'x'],
      ['c', 'y'],
      ['d', 'y'],
    ]);
    expect(pairwiseScores(truth, predicted)).toEqual({
      precision: 0.5,
      recall: 1 / 3,
      truePairs: 3,
      predictedPairs: 2,
      correctPairs: 1,
    });
  });

  it('scores a perfect clustering 1 and an empty one by its recall', () => {
    const truth = new Map([
      ['a', 'one'],
      ['b', 'one'],
    ]);
    expect(pairwiseScores(truth, truth)).toMatchObject({ precision: 1, recall: 1 });
    // Records missing from the prediction stand alone.
    expect(pairwiseScores(truth, new Map())).toMatchObject({ precision: 1, recall: 0 });
  });

  it('does not confuse cluster ids that join into one string', () => {
    const truth = new Map([
      ['a', 'x'],
      ['b', 'x,y'],
    ]);
    const predicted = new Map([
      ['a', 'y,z'],
      ['b', 'z'],
    ]);
    expect(pairwiseScores(truth, predicted).correctPairs).toBe(0);
  });
});

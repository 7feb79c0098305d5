import { generateLabelledRecords } from '../../../bench/matching/generate';
import { pairwiseScores } from '../../../bench/matching/metrics';
import { matchRecordOf, resolveInMemory } from '../../../src/modules/matching/cluster';

describe('matching generated records in memory', () => {
  // About 5,000 records: 3,600 people and 400 organisations, with every hard case of the
  // generator. Review decisions count as not linked.
  const { records } = generateLabelledRecords({
    people: 3_600,
    organisations: 400,
    seed: 20_240_601,
  });
  const key = (i: number) => `${records[i].record.sourceSystem}:${records[i].record.sourceKey}`;
  const truth = new Map(records.map((r, i) => [key(i), r.cluster]));
  const resolution = resolveInMemory(records.map((r, i) => matchRecordOf(key(i), r.record)));
  const scores = pairwiseScores(truth, resolution.clusters);

  it('links automatically with a pairwise precision of at least 0.99', () => {
    expect(records.length).toBeGreaterThan(4_500);
    expect(scores.precision).toBeGreaterThanOrEqual(0.99);
  });

  it('finds at least 95% of the true pairs', () => {
    expect(scores.truePairs).toBeGreaterThan(1_000);
    expect(scores.recall).toBeGreaterThanOrEqual(0.95);
  });
});

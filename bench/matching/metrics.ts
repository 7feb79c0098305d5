export interface PairwiseScores {
  /** Of the record pairs put in one cluster, the share that are one true entity. */
  precision: number;
  /** Of the record pairs that are one true entity, the share put in one cluster. */
  recall: number;
  truePairs: number;
  predictedPairs: number;
  correctPairs: number;
}

const pairs = (n: number) => (n * (n - 1)) / 2;

/** Counts each map's pairs from its group sizes, keyed by group id. */
function pairsOfGroups(groups: Iterable<string>): number {
  const sizes = new Map<string, number>();
  for (const group of groups) sizes.set(group, (sizes.get(group) ?? 0) + 1);
  let total = 0;
  for (const size of sizes.values()) total += pairs(size);
  return total;
}

/**
 * Pairwise precision and recall of a clustering against the truth, both keyed by record.
 * A pair is correct when both clusterings put its records together, so the correct pairs are
 * counted from the sizes of the (true cluster, predicted cluster) intersections: linear in
 * the records, never over all n² pairs. The records scored are those of `truth`; one
 * missing from `predicted` stands alone. No pairs to find or claim scores 1.
 */
export function pairwiseScores(
  truth: Map<string, string>,
  predicted: Map<string, string>,
): PairwiseScores {
  const predictedOf = (record: string) => predicted.get(record) ?? `singleton:${record}`;
  const truePairs = pairsOfGroups(truth.values());
  const predictedPairs = pairsOfGroups([...truth.keys()].map(predictedOf));
  // JSON keeps the two ids apart whatever characters they contain.
  const correctPairs = pairsOfGroups(
    [...truth].map(([record, cluster]) => JSON.stringify([cluster, predictedOf(record)])),
  );
  return {
    precision: predictedPairs === 0 ? 1 : correctPairs / predictedPairs,
    recall: truePairs === 0 ? 1 : correctPairs / truePairs,
    truePairs,
    predictedPairs,
    correctPairs,
  };
}

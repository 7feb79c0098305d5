/**
 * An order of a batch's records in which each comes after the record it depends on (its
 * parent) when that is in the batch, the given order kept otherwise: a branch after its
 * parent branch, a renewal after the policy it renews. `parentOf` gives a record's parent's
 * index; `alone` records are placed where they stand. Records whose parents lead back to
 * themselves form `cycles`, each placed after the rest of its chain.
 */
export function parentsFirst(
  count: number,
  parentOf: (index: number) => number | undefined,
  alone: (index: number) => boolean = () => false,
): { order: number[]; cycles: number[][] } {
  const order: number[] = [];
  const cycles: number[][] = [];
  const placed = new Set<number>();
  for (let start = 0; start < count; start++) {
    if (placed.has(start)) continue;
    if (alone(start)) {
      placed.add(start);
      order.push(start);
      continue;
    }
    const chain: number[] = [];
    const onChain = new Set<number>();
    let at: number | undefined = start;
    while (at !== undefined && !placed.has(at) && !onChain.has(at)) {
      chain.push(at);
      onChain.add(at);
      at = parentOf(at);
    }
    if (at !== undefined && onChain.has(at)) cycles.push(chain.slice(chain.indexOf(at)));
    for (const i of chain.reverse()) {
      placed.add(i);
      order.push(i);
    }
  }
  return { order, cycles };
}

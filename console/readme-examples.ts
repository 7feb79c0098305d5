/** A ```graphql block of the README, with the variables the README states for it (JSON). */
export interface ReadmeExample {
  query: string;
  variables?: string;
}

/**
 * The README's GraphQL examples, in its order: each ```graphql block, with the variables of a
 * ```json block right after it, or of the prose right after it when that opens "with
 * variables `{...}`". Read by the console's build (the explorer's tabs) and by the test that
 * runs every example, so that both take the same variables.
 */
export function readmeExamples(readme: string): ReadmeExample[] {
  const blocks = [...readme.matchAll(/```(\w*)\n([\s\S]*?)```/g)];
  return blocks.flatMap((block, i) => {
    if (block[1] !== 'graphql') return [];
    const next = blocks[i + 1];
    const between = readme.slice(block.index + block[0].length, next?.index ?? readme.length);
    const stated =
      next?.[1] === 'json' && between.trim() === ''
        ? next[2]
        : /^\s*with variables `(\{.*?\})`/s.exec(between)?.[1];
    return [{ query: block[2]!, ...(stated !== undefined && { variables: stated }) }];
  });
}

import { Extensions } from 'type-graphql';

/**
 * The most items a list field holds, declared beside the field where the domain bounds it
 * (or, for a list the hub returns that nothing bounds, what it is costed at): an input's list
 * is refused over it (MAX_ITEMS, input.ts) before it reaches SQL, and a list the hub returns
 * is costed at it (cost.ts).
 */
export const MaxItems = (most: number) => Extensions({ maxItems: most });

/** What MaxItems declared of a field, if anything. */
export function declaredMaxItems(field: {
  extensions: Readonly<Record<string, unknown>>;
}): number | undefined {
  const most = field.extensions.maxItems;
  return typeof most === 'number' ? most : undefined;
}

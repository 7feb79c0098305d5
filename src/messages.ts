/**
 * How many codes of a caller's list a message names at most: a message stays small however
 * long the list (the classes of a rule set, a cycle of a thousand branches told to each of
 * them).
 */
export const NAMED_AT_MOST = 12;

/** `items` joined with `separator`: the first NAMED_AT_MOST, then how many in all. */
export const namedAtMost = (items: readonly string[], separator = ', '): string =>
  items.length > NAMED_AT_MOST
    ? `${items.slice(0, NAMED_AT_MOST).join(separator)}${separator}… (${items.length} in all)`
    : items.join(separator);

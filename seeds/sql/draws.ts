import { sqlArray, type SqlValue } from './values';

/*
 * Deterministic pseudo-random draws in SQL: each is a pure function of a row key and a
 * purpose, so the same seed gives the same data on every run, on one connection or two.
 */

/** FNV-1a: a fixed number per purpose, so that each pseudo-random choice draws on its own. */
export function saltOf(purpose: string): number {
  let hash = 0x811c9dc5;
  for (const ch of purpose) hash = Math.imul(hash ^ ch.codePointAt(0)!, 0x01000193) >>> 0;
  return hash;
}

/** SQL: a pseudo-random int in [0, n), n < 2^31, fixed by the row key and the purpose. */
export function pick(key: string, purpose: string, n: number | string): string {
  return `((hashint8extended(${key}, ${saltOf(purpose)}) & 9223372036854775807) % (${n}))::int`;
}

/** SQL: true for `percent` % of keys. */
export function chance(key: string, purpose: string, percent: number | string): string {
  return `(${pick(key, purpose, 10_000)} < (${percent}) * 100)`;
}

export function oneOf(key: string, purpose: string, values: readonly string[]): string {
  return `(${sqlArray(values)})[1 + ${pick(key, purpose, values.length)}]`;
}

/** SQL: a 1-based index drawn with the given weights. */
export function weightedIndex(key: string, purpose: string, weights: readonly number[]): string {
  if (weights.length === 1) return '1';
  let total = 0;
  const bounds = weights.map((w) => (total += w)).slice(0, -1);
  return `(1 + width_bucket(${pick(key, purpose, total)}, array[${bounds.join(', ')}]))`;
}

export function weighted(
  key: string,
  purpose: string,
  choices: readonly (readonly [SqlValue, number])[],
): string {
  const values = sqlArray(choices.map(([value]) => value));
  return `(${values})[${weightedIndex(
    key,
    purpose,
    choices.map(([, w]) => w),
  )}]`;
}

/** SQL: an integer from one of several [min, max) ranges, each picked with its weight. */
export function ranged(
  key: string,
  purpose: string,
  ranges: readonly (readonly [weight: number, min: number, max: number])[],
): string {
  const bucket = weightedIndex(
    key,
    purpose,
    ranges.map(([weight]) => weight),
  );
  const mins = sqlArray(ranges.map(([, min]) => min));
  const widths = sqlArray(ranges.map(([, min, max]) => max - min));
  return `((${mins})[${bucket}] + ${pick(key, `${purpose}.offset`, `(${widths})[${bucket}]`)})`;
}

// Large primes for one-to-one permutations x -> (x * P + c) mod M: each is prime and larger
// than every modulus used, so it is coprime with it and the map is a bijection on [0, M).
export const P1 = 2_654_435_761;
export const P2 = 2_246_822_519;
export const P3 = 3_266_489_917;
export const P4 = 668_265_263;
export const P5 = 374_761_393;

/** SQL: (x * multiplier + offset) mod modulus, a bijection on [0, modulus). */
export function permute(x: string, multiplier: number, offset: number, modulus: number): string {
  return `((${x} * ${multiplier} + ${offset}) % ${modulus})`;
}

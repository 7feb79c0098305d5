import { createHmac } from 'node:crypto';

/**
 * Keyed digests of identifying values (document numbers, mobiles) for exact-match lookup.
 * The key lives outside the database, so the digests are useless to whoever steals it.
 * Inputs are normalised before they get here: one value, one digest.
 */
export class PiiHasher {
  constructor(private readonly key: string) {}

  digest(kind: string, normalizedValue: string): Buffer {
    return createHmac('sha256', this.key).update(`${kind}\u0000${normalizedValue}`).digest();
  }
}

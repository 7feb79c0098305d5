import { saltOf } from './draws';

/**
 * Id spaces: an id is its table's tag followed by the row key, so that rows are written in
 * primary-key order (as with UUIDv7: index builds find their input nearly sorted) and an id
 * tells which seeded row it is.
 */
export const TAG = {
  branch: 1,
  customer: 2,
  identityDocument: 3,
  contactPoint: 4,
  sourceRecord: 5,
  vehicle: 6,
  autoPolicy: 7,
  otherPolicy: 8,
  claim: 9,
  claimScore: 10,
  customerScore: 11,
  vehicleScore: 12,
} as const;

/**
 * SQL: a deterministic RFC 9562 version 8 (custom) UUID: the table tag and the row key in
 * the first 48 bits keep ids in insertion order; hashes of the key fill the other 72 bits.
 */
export function uuidSql(tag: number, key: string): string {
  const prefix = tag.toString(16).padStart(2, '0');
  const random = (part: string, digits: number) =>
    `lpad(to_hex(hashint8extended(${key}, ${saltOf(`uuid.${tag}.${part}`)})
      & ${16n ** BigInt(digits) - 1n}), ${digits}, '0')`;
  // Version 8 in the 13th digit, variant 10xx in the 17th.
  return `('${prefix}' || lpad(to_hex(${key}), 10, '0') || '8' || ${random('a', 3)}
    || '8' || ${random('b', 15)})::uuid`;
}

// A customer's personal values have a slot each: its contact points 0 to 2 (contacts.ts),
// its identity document 3.
const VALUE_SLOTS = 4;
export const DOCUMENT_SLOT = 3;

/**
 * SQL: the key of the personal value in `slot` of customer `i`, which its draws are made
 * on. Source identifiers take it as their bigint id, in insertion order as the uuids are.
 */
export function valueKey(i: string | number, slot: string | number): string {
  return `(${i} * ${VALUE_SLOTS} + ${slot})`;
}

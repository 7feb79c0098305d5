import { createHash } from 'node:crypto';

/**
 * SQL: HMAC-SHA256 (RFC 2104) of kind, NUL, value under the seed key: exactly what
 * PiiHasher.digest(kind, value) computes, built from PostgreSQL's own sha256. The key pads
 * come from Node through the temporary table s_key.
 */
export function hmacSql(kind: string, value: string): string {
  const message = `convert_to(${kind}, 'UTF8') || '\\x00'::bytea || convert_to(${value}, 'UTF8')`;
  return `sha256((select opad from s_key) || sha256((select ipad from s_key) || ${message}))`;
}

/** RFC 2104 inner and outer pads for a SHA-256 HMAC key (64-byte blocks). */
export function hmacPads(key: string): { ipad: Buffer; opad: Buffer } {
  const raw = Buffer.from(key, 'utf8');
  const block = Buffer.alloc(64);
  // RFC 2104: a key longer than the block is hashed first; a shorter one is padded with zeros.
  (raw.length > 64 ? createHash('sha256').update(raw).digest() : raw).copy(block);
  const xor = (pad: number) => Buffer.from(Uint8Array.from(block, (byte) => byte ^ pad));
  return { ipad: xor(0x36), opad: xor(0x5c) };
}

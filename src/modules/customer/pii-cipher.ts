import { createCipheriv, createDecipheriv, randomBytes, randomFillSync } from 'node:crypto';

const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Parses a keyring, "id:base64key" entries separated by commas, into keys by id. Throws an
 * Error naming the rule an entry breaks, never the key material.
 */
export function parsePiiKeyring(text: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  for (const [index, entry] of text.split(',').entries()) {
    const [id, encoded, extra] = entry.trim().split(':');
    if (!id || !encoded || extra !== undefined || !KEY_ID.test(id)) {
      throw new Error(
        `entry ${index + 1} must be "id:base64key" with an id of 1 to 32 letters, digits, _ or -`,
      );
    }
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== KEY_BYTES || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded)) {
      throw new Error(`key ${id} must be ${KEY_BYTES} bytes in base64 (openssl rand -base64 32)`);
    }
    if (keys.has(id)) throw new Error(`key id ${id} is listed twice`);
    keys.set(id, key);
  }
  return keys;
}

/** A new keyring of one random key, in the form parsePiiKeyring reads. */
export function newPiiKeyring(keyId: string): string {
  return `${keyId}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

/**
 * AES-256-GCM for personal data at rest (identity numbers, contact values). The keys come
 * from configuration, never from the database, so a stolen database or backup holds only
 * ciphertext. Each stored value names its key, "v1.<keyId>.<base64url(iv|ciphertext|tag)>",
 * so keys can rotate value by value: old keys stay in the keyring until nothing names them.
 */
export class PiiCipher {
  private readonly keys: Map<string, Buffer>;

  constructor(
    keyring: string,
    /** The key new values are encrypted under. */
    readonly activeKeyId: string,
  ) {
    this.keys = parsePiiKeyring(keyring);
    if (!this.keys.has(activeKeyId)) {
      throw new Error(`the active PII key ${activeKeyId} is not in the keyring`);
    }
  }

  // Random IVs drawn from a pool filled 4 kB at a time: one call to the system's random
  // source per 341 values, where a batch of 1,000 records seals about 2,300.
  private readonly ivPool = Buffer.alloc(IV_BYTES * 341);
  private ivAt = this.ivPool.length;

  private nextIv(): Buffer {
    if (this.ivAt === this.ivPool.length) {
      randomFillSync(this.ivPool);
      this.ivAt = 0;
    }
    this.ivAt += IV_BYTES;
    return Buffer.from(this.ivPool.subarray(this.ivAt - IV_BYTES, this.ivAt));
  }

  encrypt(plain: string): string {
    const iv = this.nextIv();
    const header = `${FORMAT}.${this.activeKeyId}`;
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.activeKeyId)!, iv);
    // The header is authenticated too: a value relabelled with another key id fails to open.
    cipher.setAAD(Buffer.from(header));
    const body = Buffer.concat([
      iv,
      cipher.update(plain, 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return `${header}.${body.toString('base64url')}`;
  }

  decrypt(stored: string): string {
    const { header, keyId, body } = this.parts(stored);
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`PII key ${keyId} is not in the keyring`);
    const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(header));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  }

  /** Whether the keyring holds the key `keyId`, so that values under it can be read. */
  holds(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  keyIdOf(stored: string): string {
    return this.parts(stored).keyId;
  }

  private parts(stored: string): { header: string; keyId: string; body: Buffer } {
    const [format, keyId, encoded, extra] = stored.split('.');
    const body = Buffer.from(encoded ?? '', 'base64url');
    // The message names the rule only: the value may be anything, plain text included.
    if (format !== FORMAT || !keyId || extra !== undefined || body.length < IV_BYTES + TAG_BYTES) {
      throw new Error(`not a ${FORMAT} PII ciphertext`);
    }
    return { header: `${format}.${keyId}`, keyId, body };
  }
}

import type { ContactKind, IdentityDocumentType } from './customer.enums';
import type { PiiCipher } from './pii-cipher';
import type { PiiHasher } from './pii-hasher';
import { maskPii } from './pii-masks';

/** How one personal value is stored: never as plain text. */
export interface SealedValue {
  /** AES-256-GCM, naming its key (PiiCipher): for the audited reveal and key rotation. */
  cipher: string;
  /** What every role reads, worked out now so that reads never need the plain value. */
  masked: string;
  /** The keyed digest for exact-match lookup (PiiHasher). */
  hash: Buffer;
}

/** Turns a normalised identity number or contact value into the three columns that store it. */
export class PiiSealer {
  constructor(
    readonly hasher: PiiHasher,
    readonly cipher: PiiCipher,
  ) {}

  seal(kind: IdentityDocumentType | ContactKind, normalizedValue: string): SealedValue {
    return {
      cipher: this.cipher.encrypt(normalizedValue),
      masked: maskPii(kind, normalizedValue),
      hash: this.hasher.digest(kind, normalizedValue),
    };
  }
}

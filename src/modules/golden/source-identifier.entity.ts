import {
  Entity,
  Enum,
  Index,
  ManyToOne,
  PrimaryKey,
  Property,
  Unique,
  type Rel,
} from '@mikro-orm/core';
import {
  ContactKind,
  IdentityDocumentType,
  VerificationMethod,
  VerificationStatus,
} from '../customer/customer.enums';
import type { SourceRecord } from '../customer/source-record.entity';

/** An identity document type or a contact kind: what one source identifier is. */
export type IdentifierKind = IdentityDocumentType | ContactKind;
export const IDENTIFIER_KINDS: IdentifierKind[] = [
  ...Object.values(IdentityDocumentType),
  ...Object.values(ContactKind),
];

/**
 * One identity document or contact point as one source record gave it. Matching blocks
 * and compares on these (a source record keeps what it said, whatever customer it joins);
 * the golden record's documents and contact points are their union. Sealed like the
 * golden rows: HMAC to find, ciphertext to compare in memory, mask to show.
 */
@Entity({ tableName: 'source_identifier' })
@Unique({
  name: 'source_identifier_record_value_unique',
  properties: ['sourceRecord', 'kind', 'valueHash'],
})
@Index({ name: 'source_identifier_value_idx', properties: ['kind', 'valueHash'] })
export class SourceIdentifier {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne('SourceRecord', { deleteRule: 'cascade' })
  sourceRecord!: Rel<SourceRecord>;

  @Enum({ items: () => IDENTIFIER_KINDS, type: 'text' })
  kind!: IdentifierKind;

  @Property({ type: 'blob' })
  valueHash!: Buffer;

  @Property({ type: 'text' })
  valueCipher!: string;

  @Property({ type: 'text' })
  valueMasked!: string;

  /** A resident ID's first 17 characters, hashed: finds a record whose check character is a typo. */
  @Property({ type: 'blob', nullable: true })
  @Index({ name: 'source_identifier_body_idx' })
  bodyHash?: Buffer;

  /**
   * A resident ID's swapForms, hashed (head and tail): a valid number finds by them a stored
   * one whose agent swapped two adjacent characters. Indexed over numbers failing their check
   * only, the only ones worth finding so.
   */
  @Property({ type: 'blob', nullable: true })
  @Index({
    name: 'source_identifier_swap_head_idx',
    expression: `create index "source_identifier_swap_head_idx" on "source_identifier" ("swap_head_hash") where "checksum_exception"`,
  })
  swapHeadHash?: Buffer;

  @Property({ type: 'blob', nullable: true })
  @Index({
    name: 'source_identifier_swap_tail_idx',
    expression: `create index "source_identifier_swap_tail_idx" on "source_identifier" ("swap_tail_hash") where "checksum_exception"`,
  })
  swapTailHash?: Buffer;

  @Property({ type: 'boolean', default: false })
  checksumException: boolean = false;

  @Enum({ items: () => VerificationStatus, type: 'text', default: VerificationStatus.UNVERIFIED })
  verificationStatus: VerificationStatus = VerificationStatus.UNVERIFIED;

  @Enum({ items: () => VerificationMethod, type: 'text', nullable: true })
  verificationMethod?: VerificationMethod;

  @Property({ type: 'datetime', nullable: true })
  verifiedAt?: Date;
}

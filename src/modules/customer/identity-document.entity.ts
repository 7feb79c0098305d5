import { Check, Entity, Enum, Index, ManyToOne, Property, Unique, type Rel } from '@mikro-orm/core';
import { BaseEntity } from '../../db/base.entity';
import { IdentityDocumentType } from './customer.enums';
import type { Customer } from './customer.entity';
import type { SourceRecord } from './source-record.entity';

/**
 * An identity document. The number is stored encrypted (`numberCipher`) and masked
 * (`numberMasked`, what every role reads), never in plain text; lookups go through
 * `numberHash`, an HMAC keyed outside the database, so a stolen table or index reveals
 * nothing. See PiiSealer.
 */
@Entity({ tableName: 'identity_document' })
@Unique({ name: 'identity_document_type_hash_unique', properties: ['type', 'numberHash'] })
@Check({
  name: 'identity_document_sealed_check',
  expression: `(number_cipher is null) <> (legacy_number is null) and (number_cipher is null) = (number_masked is null)`,
})
export class IdentityDocument extends BaseEntity<'checksumException'> {
  @ManyToOne('Customer', { deleteRule: 'cascade' })
  @Index()
  customer!: Rel<Customer>;

  /** The source record that supplied it (lineage); null for rows loaded before matching. */
  @ManyToOne('SourceRecord', { nullable: true, deleteRule: 'set null' })
  @Index()
  sourceRecord?: Rel<SourceRecord>;

  @Enum({ items: () => IdentityDocumentType, type: 'text' })
  type!: IdentityDocumentType;

  /**
   * PiiCipher's "v1.<keyId>.<...>". Null in the database only beside a `legacyNumber`, which the
   * hub seals before it serves: every writer gives it, with the masked form.
   */
  @Property({ type: 'text', nullable: true })
  numberCipher!: string;

  @Property({ type: 'text', nullable: true })
  numberMasked!: string;

  /**
   * A number stored in plain text before encryption at rest (Migration20261201400000). The
   * hub seals such rows when it starts, as `npm run pii:rotate` does; nothing writes here.
   */
  @Property({ type: 'text', nullable: true, lazy: true })
  legacyNumber?: string;

  @Property({ type: 'blob' })
  numberHash!: Buffer;

  /** Early credit codes that fail their check character are legal: kept, but flagged. */
  @Property({ type: 'boolean', default: false })
  checksumException: boolean = false;
}

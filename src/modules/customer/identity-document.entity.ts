import { Entity, Enum, Index, ManyToOne, Property, Unique, type Rel } from '@mikro-orm/core';
import { BaseEntity } from '../../db/base.entity';
import { IdentityDocumentType } from './customer.enums';
import type { Customer } from './customer.entity';

/**
 * An identity document. The number itself is never indexed: lookups go through
 * `numberHash`, an HMAC keyed outside the database, so the value column can be encrypted
 * at rest without losing exact-match search, and a stolen index reveals nothing.
 */
@Entity({ tableName: 'identity_document' })
@Unique({ name: 'identity_document_type_hash_unique', properties: ['type', 'numberHash'] })
export class IdentityDocument extends BaseEntity<'checksumException'> {
  @ManyToOne('Customer', { deleteRule: 'cascade' })
  @Index()
  customer!: Rel<Customer>;

  @Enum({ items: () => IdentityDocumentType, type: 'text' })
  type!: IdentityDocumentType;

  @Property({ type: 'text' })
  number!: string;

  @Property({ type: 'blob' })
  numberHash!: Buffer;

  /** Early credit codes that fail their check character are legal: kept, but flagged. */
  @Property({ type: 'boolean', default: false })
  checksumException: boolean = false;
}

import { Check, Entity, Enum, Index, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { BaseEntity } from '../../db/base.entity';
import { ContactKind, VerificationMethod, VerificationStatus } from './customer.enums';
import type { Customer } from './customer.entity';
import type { SourceRecord } from './source-record.entity';

/**
 * A way to reach the customer, with the proof that it does (contact authenticity is a
 * regulator-watched indicator). The value is stored encrypted and masked, like document
 * numbers; mobiles are found through `valueHash`.
 */
@Entity({ tableName: 'contact_point' })
@Index({ name: 'contact_point_value_hash_idx', properties: ['kind', 'valueHash'] })
@Check({
  name: 'contact_point_verified_check',
  expression: `verification_status = 'UNVERIFIED' or (verification_method is not null and verified_at is not null)`,
})
@Check({
  name: 'contact_point_sealed_check',
  expression: `(value_cipher is null) <> (legacy_value is null) and (value_cipher is null) = (value_masked is null)`,
})
export class ContactPoint extends BaseEntity<'verificationStatus' | 'primary' | 'generic'> {
  @ManyToOne('Customer', { deleteRule: 'cascade' })
  @Index()
  customer!: Rel<Customer>;

  /** The source record that supplied it (lineage); null for rows loaded before matching. */
  @ManyToOne('SourceRecord', { nullable: true, deleteRule: 'set null' })
  @Index()
  sourceRecord?: Rel<SourceRecord>;

  @Enum({ items: () => ContactKind, type: 'text' })
  kind!: ContactKind;

  /**
   * PiiCipher's "v1.<keyId>.<...>". Null in the database only beside a `legacyValue`, which the
   * hub seals before it serves: every writer gives it, with the masked form.
   */
  @Property({ type: 'text', nullable: true })
  valueCipher!: string;

  @Property({ type: 'text', nullable: true })
  valueMasked!: string;

  /** A value stored in plain text before encryption at rest: see IdentityDocument. */
  @Property({ type: 'text', nullable: true, lazy: true })
  legacyValue?: string;

  @Property({ type: 'blob' })
  valueHash!: Buffer;

  @Property({ type: 'boolean', default: false })
  primary: boolean = false;

  /**
   * The value is shared by many unrelated customers (a dealer's or an agent's phone): it is
   * no evidence of identity, and it does not reach this customer (contact authenticity).
   */
  @Property({ type: 'boolean', default: false })
  generic: boolean = false;

  @Enum({ items: () => VerificationStatus, type: 'text', default: VerificationStatus.UNVERIFIED })
  verificationStatus: VerificationStatus = VerificationStatus.UNVERIFIED;

  @Enum({ items: () => VerificationMethod, type: 'text', nullable: true })
  verificationMethod?: VerificationMethod;

  @Property({ type: 'datetime', nullable: true })
  verifiedAt?: Date;
}

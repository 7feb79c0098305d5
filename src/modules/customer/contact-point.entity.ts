import { Check, Entity, Enum, Index, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { BaseEntity } from '../../db/base.entity';
import { ContactKind, VerificationMethod, VerificationStatus } from './customer.enums';
import type { Customer } from './customer.entity';

/**
 * A way to reach the customer, with the proof that it does (contact authenticity is a
 * regulator-watched indicator). Mobiles are found through `valueHash`, like documents.
 */
@Entity({ tableName: 'contact_point' })
@Index({ name: 'contact_point_value_hash_idx', properties: ['kind', 'valueHash'] })
@Check({
  name: 'contact_point_verified_check',
  expression: `verification_status = 'UNVERIFIED' or (verification_method is not null and verified_at is not null)`,
})
export class ContactPoint extends BaseEntity<'verificationStatus' | 'primary'> {
  @ManyToOne('Customer', { deleteRule: 'cascade' })
  @Index()
  customer!: Rel<Customer>;

  @Enum({ items: () => ContactKind, type: 'text' })
  kind!: ContactKind;

  @Property({ type: 'text' })
  value!: string;

  @Property({ type: 'blob' })
  valueHash!: Buffer;

  @Property({ type: 'boolean', default: false })
  primary: boolean = false;

  @Enum({ items: () => VerificationStatus, type: 'text', default: VerificationStatus.UNVERIFIED })
  verificationStatus: VerificationStatus = VerificationStatus.UNVERIFIED;

  @Enum({ items: () => VerificationMethod, type: 'text', nullable: true })
  verificationMethod?: VerificationMethod;

  @Property({ type: 'datetime', nullable: true })
  verifiedAt?: Date;
}

import {
  Check,
  Collection,
  Entity,
  Enum,
  Index,
  ManyToOne,
  OneToMany,
  Property,
  type Rel,
} from '@mikro-orm/core';
import { BaseEntity } from '../../db/base.entity';
import { Branch } from '../branch/branch.entity';
import { ConsentChannel, CustomerKind, CustomerStatus, Gender } from './customer.enums';
import { ContactPoint } from './contact-point.entity';
import { IdentityDocument } from './identity-document.entity';

/** The golden record: one row per real person or organisation. */
@Entity({ tableName: 'customer' })
@Check({
  name: 'customer_individual_attributes_check',
  expression: `kind = 'INDIVIDUAL' or (gender is null and birth_date is null)`,
})
@Check({
  name: 'customer_merged_into_check',
  expression: `(status = 'MERGED') = (merged_into_id is not null)`,
})
@Check({
  name: 'customer_consent_check',
  expression: 'not marketing_consent or consent_at is not null',
})
// Merges rewrite (and lock) the customers merged into the one they absorb: found by index,
// not by a scan of every customer.
@Index({
  name: 'customer_merged_into_idx',
  expression: `create index "customer_merged_into_idx" on "customer" ("merged_into_id") where "merged_into_id" is not null`,
})
// A campaign segment (a tier, consenting, a branch subtree) pages by CIF number: one range of
// this index per tier, the branch checked on each entry. The subtree cannot lead the key,
// as its branches' ranges would come out one after another instead of in CIF order. It
// carries what a page lists and joins on, so a page never reads the table.
@Index({
  name: 'customer_segment_idx',
  expression: `create index "customer_segment_idx" on "customer" ("current_tier", "marketing_consent", "cif_no") include ("branch_id", "name", "id") where "status" = 'ACTIVE'`,
})
export class Customer extends BaseEntity<'status' | 'marketingConsent' | 'version' | 'lineage'> {
  @Property({ type: 'text', unique: true })
  cifNo!: string;

  @Enum({ items: () => CustomerKind, type: 'text' })
  kind!: CustomerKind;

  @Property({ type: 'text' })
  name!: string;

  @Enum({ items: () => Gender, type: 'text', nullable: true })
  gender?: Gender;

  @Property({ type: 'date', nullable: true })
  birthDate?: string;

  @ManyToOne(() => Branch, { deleteRule: 'restrict' })
  @Index()
  branch!: Rel<Branch>;

  @Enum({ items: () => CustomerStatus, type: 'text', default: CustomerStatus.ACTIVE })
  status: CustomerStatus = CustomerStatus.ACTIVE;

  @ManyToOne(() => Customer, { nullable: true, deleteRule: 'restrict' })
  mergedInto?: Rel<Customer>;

  @Property({ type: 'boolean', default: false })
  marketingConsent: boolean = false;

  @Property({ type: 'datetime', nullable: true })
  consentAt?: Date;

  @Enum({ items: () => ConsentChannel, type: 'text', nullable: true })
  consentChannel?: ConsentChannel;

  /**
   * The tier of the open tier assignment, kept by the database (triggers on tier_assignment,
   * Migration20261201800000), never written by the application: segments filter and page on
   * it through customer_segment_idx, and it keys the segment counts (segment_count).
   */
  @Property({ type: 'text', nullable: true })
  currentTier?: string;

  @Property({ type: 'integer', version: true })
  version!: number;

  /**
   * Which source record supplied each golden field, by field name (survivorship). Empty for
   * customers loaded before matching existed.
   */
  @Property({ type: 'json', default: '{}' })
  lineage: Record<string, string> = {};

  @OneToMany(() => IdentityDocument, (d) => d.customer)
  identityDocuments = new Collection<IdentityDocument>(this);

  @OneToMany(() => ContactPoint, (c) => c.customer)
  contactPoints = new Collection<ContactPoint>(this);
}

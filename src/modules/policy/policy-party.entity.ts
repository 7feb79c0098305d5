import {
  Entity,
  Enum,
  Index,
  ManyToOne,
  PrimaryKeyProp,
  Property,
  type Rel,
} from '@mikro-orm/core';
import { Customer } from '../customer/customer.entity';
import { PartyRole } from './policy.enums';
import { Policy } from './policy.entity';

/** A customer's role on a policy; one customer may hold both roles. */
@Entity({ tableName: 'policy_party' })
@Index({ name: 'policy_party_customer_idx', properties: ['customer', 'policy'] })
// Matching and unmerges find the rows written for a record or a CIF number they move.
@Index({
  name: 'policy_party_customer_ref_idx',
  expression: `create index "policy_party_customer_ref_idx" on "policy_party" ("customer_ref") where "customer_ref" is not null`,
})
export class PolicyParty {
  [PrimaryKeyProp]?: ['policy', 'customer', 'role'];

  @ManyToOne(() => Policy, { primary: true, deleteRule: 'cascade' })
  policy!: Rel<Policy>;

  @ManyToOne(() => Customer, { primary: true, deleteRule: 'restrict' })
  customer!: Rel<Customer>;

  @Enum({ items: () => PartyRole, type: 'text', primary: true })
  role!: PartyRole;

  /** The reference the policy's record gave (referenceKey): an unmerge follows it back. */
  @Property({ type: 'text', nullable: true })
  customerRef?: string;
}

import { Entity, Enum, Index, PrimaryKey, Property } from '@mikro-orm/core';
import { CustomerStatus } from '../customer/customer.enums';

/**
 * How many customers have each (current tier, branch, status, consent), kept by the database
 * (Migration20261201800000): a segment's total is a sum over its subtree's rows, where
 * counting its customers read every one of them (0.7-1.6 s a page at 200,000 customers).
 *
 * Each statement that changes customers appends its net changes as rows of their own, so
 * concurrent writers never wait on one another's counter rows; a key's total is the sum of
 * its rows, and `segment_count_fold()` (run by the tier worker) sums them back to one row per
 * key. Customers without a tier are not counted: the counts serve tier filters only.
 *
 * The columns carry the customer's property names so that the customer row rule
 * (src/auth/rows.ts) applies to these rows unchanged: a count is seen as its customers are.
 */
@Entity({ tableName: 'segment_count' })
@Index({
  name: 'segment_count_key_idx',
  expression:
    'create index "segment_count_key_idx" on "segment_count" ("current_tier", "status", "marketing_consent", "branch_id") include ("customers")',
})
export class SegmentCount {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'text' })
  currentTier!: string;

  /** The customers' branch, as customer.branch_id (no foreign key: the customers hold it). */
  @Property({ type: 'uuid', fieldName: 'branch_id' })
  branch!: string;

  @Enum({ items: () => CustomerStatus, type: 'text' })
  status!: CustomerStatus;

  @Property({ type: 'boolean' })
  marketingConsent!: boolean;

  /** A change in the number of customers (negative when they left the key). */
  @Property({ type: 'integer' })
  customers!: number;
}

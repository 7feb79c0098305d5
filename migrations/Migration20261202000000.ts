import { Migration } from '@mikro-orm/migrations';

/**
 * A campaign segment's page read the customer row of every index entry it passed, most of
 * them filtered out for their branch: 400-600 buffers for a page of 50. The index now carries
 * what the page lists (name) and what its relations join on (id), so the page is read from
 * the index alone and touches only the few leaf pages it returns.
 */
export class Migration20261202000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index "customer_segment_idx";`);
    this.addSql(
      `create index "customer_segment_idx" on "customer" ("current_tier", "marketing_consent", "cif_no") include ("branch_id", "name", "id") where "status" = 'ACTIVE';`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "customer_segment_idx";`);
    this.addSql(
      `create index "customer_segment_idx" on "customer" ("current_tier", "marketing_consent", "cif_no") include ("branch_id") where "status" = 'ACTIVE';`,
    );
  }
}

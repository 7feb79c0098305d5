import { Migration } from '@mikro-orm/migrations';

/**
 * Merges rewrite, and lock first, the customers merged into the one they absorb
 * (merged_into_id): without an index each merge read every customer to find them.
 */
export class Migration20261202400000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "customer_merged_into_idx" on "customer" ("merged_into_id") where "merged_into_id" is not null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "customer_merged_into_idx";`);
  }
}

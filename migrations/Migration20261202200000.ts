import { Migration } from '@mikro-orm/migrations';

/**
 * A source record's customer may be checked at commit: a batch writes its records before the
 * customers matching makes for them, so that survivorship writes each new customer once, with
 * its golden record, instead of inserting it bare and rewriting it (every index entry twice).
 * Altered in place: dropping and adding the key would check every record again.
 */
export class Migration20261202200000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "source_record" alter constraint "source_record_customer_id_foreign" deferrable initially immediate;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(
      `alter table "source_record" alter constraint "source_record_customer_id_foreign" not deferrable;`,
    );
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * The merges an unmerge made of a customer it left with no record carry that in their
 * evidence (RECORDS_WENT_BACK), which refuses their undoing; those made before did not, and
 * are known by the reason they were given.
 */
export class Migration20261204500000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`update customer_merge set evidence = jsonb_build_object('rule', 'RECORDS_WENT_BACK',
        'unmerge', substring(reason from 'with merge ([0-9a-f-]+) undone'))
      where kind = 'AUTOMATIC' and evidence is null
        and reason ~ '^its records went back to customer [0-9a-f-]+ with merge [0-9a-f-]+ undone$';`);
  }

  override async down(): Promise<void> {
    this.addSql(`update customer_merge set evidence = null
      where evidence->>'rule' = 'RECORDS_WENT_BACK'
        and reason ~ '^its records went back to customer [0-9a-f-]+ with merge [0-9a-f-]+ undone$';`);
  }
}

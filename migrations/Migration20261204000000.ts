import { Migration } from '@mikro-orm/migrations';

/**
 * A steward's decision keeps the identifying documents its two records held (digests): a
 * SAME_CUSTOMER stands for those. Decisions made before are taken to stand for what their
 * records hold now.
 */
export class Migration20261204000000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "match_decision" add column "documents" text null;`);

    this.addSql(`update match_decision d set documents = (
      select coalesce(string_agg(distinct encode(si.value_hash, 'hex') collate "C", ','
          order by encode(si.value_hash, 'hex') collate "C"), '')
      from source_identifier si
      where si.source_record_id in (d.record_a_id, d.record_b_id)
        and si.kind in ('RESIDENT_ID', 'UNIFIED_SOCIAL_CREDIT_CODE'));`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "match_decision" drop column "documents";`);
  }

}

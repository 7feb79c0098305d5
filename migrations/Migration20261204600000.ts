import { Migration } from '@mikro-orm/migrations';

const identity = (id: string) =>
  `(select concat_ws('.', ${["coalesce(nullif(sr.name_pinyin, ''), sr.name_key)", 'sr.gender']
    .map((field) => `coalesce(left(encode(sha256(convert_to(${field}, 'UTF8')), 'hex'), 16), '')`)
    .join(', ')}) from source_record sr where sr.id = ${id})`;

/**
 * A steward's decision keeps who each of its two records said its person was (digests of
 * the name's sound and the sex): a record its source re-sends as someone else no longer
 * pulls that someone's customer into the one a steward put it in. Decisions made before are
 * taken to stand for what their records say now. Written out here rather than imported, so
 * that the migration stays what it was when the code moves on.
 */
export class Migration20261204600000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "match_decision" add column "identities" text null;`);
    this.addSql(
      `update match_decision d set identities = ${identity('d.record_a_id')} || '|' || ${identity('d.record_b_id')};`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "match_decision" drop column "identities";`);
  }
}

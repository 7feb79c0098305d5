import { Migration } from '@mikro-orm/migrations';

/**
 * A resident ID keeps two digests that one swap of two adjacent characters leaves alone
 * (swapForms), so that a valid number finds a stored one its agent swapped two characters
 * of, whatever else the two records say. Keyed digests (the key lives outside the database),
 * so numbers stored before are not given theirs here: a record gets them when its source
 * sends it again changed.
 */
export class Migration20261204700000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "source_identifier" add column "swap_head_hash" bytea null, add column "swap_tail_hash" bytea null;`,
    );
    this.addSql(
      `create index "source_identifier_swap_head_idx" on "source_identifier" ("swap_head_hash") where "checksum_exception";`,
    );
    this.addSql(
      `create index "source_identifier_swap_tail_idx" on "source_identifier" ("swap_tail_hash") where "checksum_exception";`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "source_identifier_swap_head_idx";`);
    this.addSql(`drop index "source_identifier_swap_tail_idx";`);
    this.addSql(
      `alter table "source_identifier" drop column "swap_head_hash", drop column "swap_tail_hash";`,
    );
  }
}

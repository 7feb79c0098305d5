import { Migration } from '@mikro-orm/migrations';

/**
 * One code, one branch, whatever the case of its letters: `X4` and `x4` were two branches,
 * which read as one on paper and in every file a person types. Ingestion refuses such a
 * code (CODE_CASE); the database holds it for two writers at once. A tree holding two such
 * codes already fails here, naming the code: a person decides which branch is meant.
 */
export class Migration20261203400000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create unique index "branch_code_upper" on "branch" (upper("code"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "branch_code_upper";`);
  }
}

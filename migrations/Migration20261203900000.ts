import { Migration } from '@mikro-orm/migrations';

/**
 * A branch code of hyphens alone names nothing a person could read or type back: the API
 * refuses one, and so does the database now. Checked on every row: a database holding such a
 * code (loaded before the API refused it) must have it renamed before this runs.
 */
export class Migration20261203900000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "branch" drop constraint branch_code_check;`);

    this.addSql(`alter table "branch" add constraint branch_code_check check(code ~ '^[0-9A-Za-z-]{1,32}$' and code ~ '[0-9A-Za-z]');`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "branch" drop constraint branch_code_check;`);

    this.addSql(`alter table "branch" add constraint branch_code_check check(code ~ '^[0-9A-Za-z-]{1,32}$'::text);`);
  }

}

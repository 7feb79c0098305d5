import { Migration } from '@mikro-orm/migrations';

/**
 * An address no longer turns generic (see GENERIC_KINDS): a household's home, under five
 * names or more, was flagged as if it were a dealer's number while matching still weighed
 * it as evidence. The flags set before are cleared; the next recompute of each customer
 * would have cleared them too.
 */
export class Migration20261205100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`update "contact_point" set "generic" = false where "kind" = 'ADDRESS' and "generic";`);
  }

  override async down(): Promise<void> {
    // Nothing to restore: which addresses were flagged is recomputed from the records.
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * A policy is renewed once (a cancelled renewal aside): ingestion checks it
 * (ALREADY_RENEWED), and the database holds it for the writer that races that check. Three
 * policies naming one as the policy they renew counted as three renewals and lifted their
 * holder's value class. A database holding such renewals already fails here, naming the
 * renewed policy's id: cancel or unlink all but one renewal of it, then migrate.
 */
export class Migration20261203300000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create unique index "policy_renews_once" on "policy" ("renews_id") where "status" <> 'CANCELLED';`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "policy_renews_once";`);
  }
}

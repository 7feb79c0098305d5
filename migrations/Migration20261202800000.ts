import { Migration } from '@mikro-orm/migrations';

/**
 * Renewals run forward in time (RENEWAL_ORDER, checked at ingestion since): a policy stored
 * before as renewing itself, or one that starts no later than it, renewed nothing, and its
 * link counted as a renewal in the tier metrics. The link is dropped (the policy's tier
 * recompute is queued by its trigger); its source may send it again, under the rule.
 */
export class Migration20261202800000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`update "policy" p set "renews_id" = null from "policy" r
      where r."id" = p."renews_id" and r."effective_date" >= p."effective_date";`);
  }

  override async down(): Promise<void> {
    // The links dropped said nothing true: there is nothing to put back.
  }
}

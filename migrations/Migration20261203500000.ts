import { Migration } from '@mikro-orm/migrations';

/**
 * A claim moved to another policy (a source system correcting which policy it was on)
 * queued the new policy's parties for a tier recompute and never the old one's: their tier
 * kept counting the claim for good. The claim's rows as they were now queue their parties
 * too, as the rows as they are do.
 */
export class Migration20261203500000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create trigger tier_queue_claim_claim_update_old after update on claim
        referencing old table as changed_rows
        for each statement execute function tier_queue_claim('claim');`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger tier_queue_claim_claim_update_old on claim;`);
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * Policy parties, claims and risk scores keep the customer reference their record gave, so
 * that an unmerge gives back to the absorbed customer the rows written while it was merged
 * away (they hold the survivor). Rows written before stay without one: the merge's journal
 * has them. Indexed: matching and unmerges look rows up by the reference they move.
 */
export class Migration20261202500000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "policy_party" add column "customer_ref" text null;`);
    this.addSql(`alter table "claim" add column "claimant_ref" text null;`);
    this.addSql(`alter table "risk_score" add column "customer_ref" text null;`);
    this.addSql(
      `create index "policy_party_customer_ref_idx" on "policy_party" ("customer_ref") where "customer_ref" is not null;`,
    );
    this.addSql(
      `create index "claim_claimant_ref_idx" on "claim" ("claimant_ref") where "claimant_ref" is not null;`,
    );
    this.addSql(
      `create index "risk_score_customer_ref_idx" on "risk_score" ("customer_ref") where "customer_ref" is not null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "policy_party_customer_ref_idx";`);
    this.addSql(`drop index "claim_claimant_ref_idx";`);
    this.addSql(`drop index "risk_score_customer_ref_idx";`);
    this.addSql(`alter table "claim" drop column "claimant_ref";`);
    this.addSql(`alter table "policy_party" drop column "customer_ref";`);
    this.addSql(`alter table "risk_score" drop column "customer_ref";`);
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * An activation may switch a draft of the other kind in the same transaction: entitlement
 * rules granting a tier that the tier draft renames or adds. Activated one after the other,
 * the customers of that tier were without their services in between.
 */
export class Migration20261203700000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "rule_set_activation" add column "along_with_id" uuid null;`);
    this.addSql(`alter table "rule_set_activation" add constraint "rule_set_activation_along_with_id_foreign" foreign key ("along_with_id") references "rule_set_version" ("id") on update cascade on delete restrict;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "rule_set_activation" drop constraint "rule_set_activation_along_with_id_foreign";`);

    this.addSql(`alter table "rule_set_activation" drop column "along_with_id";`);
  }

}

import { Migration } from '@mikro-orm/migrations';

/**
 * Only auto policies name a vehicle (a property policy naming a car rewrote its plate and
 * gave it another holder), and a claim that has paid something says when (an amount without
 * its day counted from the accident). NOT VALID: rows written before these rules are kept as
 * their sources sent them, and the constraint is validated where none breaks it; every row
 * written from now on is held to them.
 */
export class Migration20261203800000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "policy" add constraint policy_vehicle_auto_check check(vehicle_id is null or line = 'COMPULSORY_AUTO' or line = 'COMMERCIAL_AUTO') not valid;`);

    this.addSql(`alter table "claim" add constraint claim_paid_at_check check(paid_amount = 0 or paid_at is not null) not valid;`);

    for (const [table, constraint] of [['policy', 'policy_vehicle_auto_check'], ['claim', 'claim_paid_at_check']]) {
      this.addSql(`do $$ begin
        alter table "${table}" validate constraint ${constraint};
      exception when check_violation then
        raise notice '${constraint} holds for new rows only: older rows break it';
      end $$;`);
    }
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "claim" drop constraint claim_paid_at_check;`);

    this.addSql(`alter table "policy" drop constraint policy_vehicle_auto_check;`);
  }

}

import { Migration } from '@mikro-orm/migrations';

/**
 * Only auto policies name a vehicle (a property policy naming a car rewrote its plate and
 * gave it another holder), and a claim that has paid something says when (an amount without
 * its day counted from the accident). Held by triggers on the columns they concern, not by
 * check constraints: rows written before these rules stay as their sources sent them and
 * can still be moved between customers by a merge, while every write of those columns from
 * now on is held to them.
 */
export class Migration20261203800000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create function policy_vehicle_auto() returns trigger language plpgsql as $$
        begin
          if new.vehicle_id is not null and new.line not in ('COMPULSORY_AUTO', 'COMMERCIAL_AUTO') then
            raise exception 'policy % is % and names a vehicle: only auto policies do', new.policy_no, new.line
              using errcode = 'check_violation', constraint = 'policy_vehicle_auto', table = 'policy';
          end if;
          return new;
        end $$;`);
    this.addSql(`create trigger policy_vehicle_auto before insert or update of vehicle_id, line on policy
        for each row execute function policy_vehicle_auto();`);

    this.addSql(`create function claim_paid_at() returns trigger language plpgsql as $$
        begin
          if new.paid_amount <> 0 and new.paid_at is null then
            raise exception 'claim % has paid % and says not when', new.claim_no, new.paid_amount
              using errcode = 'check_violation', constraint = 'claim_paid_at', table = 'claim';
          end if;
          return new;
        end $$;`);
    this.addSql(`create trigger claim_paid_at before insert or update of paid_amount, paid_at on claim
        for each row execute function claim_paid_at();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger claim_paid_at on claim;`);
    this.addSql(`drop function claim_paid_at();`);
    this.addSql(`drop trigger policy_vehicle_auto on policy;`);
    this.addSql(`drop function policy_vehicle_auto();`);
  }

}

import { Migration } from '@mikro-orm/migrations';

/**
 * Renewals run forward in time: ingestion checks it (RENEWAL_ORDER), and the database now
 * holds it too, whoever writes a policy (a second writer, a script, a race between two
 * batches that move the two policies' starts). Either end of a renewal may change, so the
 * trigger reads the pairs the statement's rows take part in, from both ends.
 */
export class Migration20261202900000 extends Migration {
  override async up(): Promise<void> {
    // The second end: a policy's renewers, found for the trigger and for ingestion's check.
    this.addSql(`create index "policy_renews_id_index" on "policy" ("renews_id");`);
    this.addSql(`create function policy_renewal_order() returns trigger language plpgsql as $$
        declare
          pair record;
        begin
          select n.policy_no as renewer, r.policy_no as renewed, r.effective_date as starts
            into pair
            from new_rows n join policy r on r.id = n.renews_id
            where r.effective_date >= n.effective_date
          union all
          select p.policy_no, n.policy_no, n.effective_date
            from new_rows n join policy p on p.renews_id = n.id
            where n.effective_date >= p.effective_date
          limit 1;
          if found then
            raise exception 'policy % renews policy %, which must start before it and starts on %',
                pair.renewer, pair.renewed, pair.starts
              using errcode = 'check_violation', constraint = 'policy_renewal_order',
                table = 'policy';
          end if;
          return null;
        end $$;`);
    this.addSql(`create trigger policy_renewal_order_insert after insert on policy
        referencing new table as new_rows for each statement execute function policy_renewal_order();`);
    this.addSql(`create trigger policy_renewal_order_update after update on policy
        referencing new table as new_rows for each statement execute function policy_renewal_order();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger policy_renewal_order_update on policy;`);
    this.addSql(`drop trigger policy_renewal_order_insert on policy;`);
    this.addSql(`drop function policy_renewal_order();`);
    this.addSql(`drop index "policy_renews_id_index";`);
  }
}

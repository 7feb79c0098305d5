import { Migration } from '@mikro-orm/migrations';

/** The renewal-order trigger's function, taking `lock` first (SQL, may be empty). */
const renewalOrder = (lock: string) => `create or replace function policy_renewal_order()
    returns trigger language plpgsql as $$
    declare
      pair record;
    begin
      ${lock}
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
    end $$;`;

/**
 * Two writers each moving one end of a renewal at once both passed the renewal-order
 * trigger, each reading the other's row as it was, and stored a loop (A renews B, B renews
 * A). The trigger now locks the other end of every renewal its rows take part in (share:
 * readers go on, a writer of that row waits) and reads it only then, as committed.
 */
export class Migration20261203200000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      renewalOrder(`perform 1 from policy r
        where r.id in (select n.renews_id from new_rows n)
           or r.renews_id in (select n.id from new_rows n)
        order by r.id for share;`),
    );
  }

  override async down(): Promise<void> {
    this.addSql(renewalOrder(''));
  }
}

import { Migration } from '@mikro-orm/migrations';

const UPDATE = `on conflict (customer_id) do update set reason = excluded.reason,
            enqueued_at = excluded.enqueued_at, enqueued_xid = excluded.enqueued_xid`;

/**
 * Any change of a golden record queues its tier, as every other input of a tier does: a
 * rule set may read any golden field (a birth date for an age, consent), and a change of
 * name or birth date left the tier computed on the record as it was. Only the branch and
 * the status queued it.
 */
export class Migration20261202600000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(this.queueOn(`(o.name, o.gender, o.birth_date, o.branch_id, o.status,
              o.marketing_consent, o.consent_at, o.consent_channel)
            is distinct from (n.name, n.gender, n.birth_date, n.branch_id, n.status,
              n.marketing_consent, n.consent_at, n.consent_channel)`));
  }

  override async down(): Promise<void> {
    this.addSql(this.queueOn(`(o.branch_id, o.status) is distinct from (n.branch_id, n.status)`));
  }

  private queueOn(changed: string): string {
    return `create or replace function tier_queue_customer() returns trigger language plpgsql as $$
        begin
          if tg_op = 'INSERT' then
            insert into tier_recompute_queue (customer_id, reason)
            select n.id, 'customer' from new_rows n order by n.id
            ${UPDATE};
          else
            insert into tier_recompute_queue (customer_id, reason)
            select n.id, 'customer' from new_rows n join old_rows o on o.id = n.id
            where ${changed}
            order by n.id
            ${UPDATE};
          end if;
          return null;
        end $$;`;
  }
}

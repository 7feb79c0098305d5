import { Migration } from '@mikro-orm/migrations';

const UPDATE = `on conflict (customer_id) do update set reason = excluded.reason,
            enqueued_at = excluded.enqueued_at, enqueued_xid = excluded.enqueued_xid`;

/**
 * A customer's tier is queued by the changes it is computed from (parties, policies, claims,
 * risk scores, contact points), and a new customer without any of them was never queued, so
 * it had no tier. A new customer is queued when it is inserted, and a customer whose branch
 * or status changes (a tier is computed for active customers, by their branch's rules) when
 * that changes.
 */
export class Migration20261202300000 extends Migration {
  override async up(): Promise<void> {
    // Two statements: a statement naming old_rows cannot be planned in an insert's trigger.
    this.addSql(`create function tier_queue_customer() returns trigger language plpgsql as $$
        begin
          if tg_op = 'INSERT' then
            insert into tier_recompute_queue (customer_id, reason)
            select n.id, 'customer' from new_rows n order by n.id
            ${UPDATE};
          else
            insert into tier_recompute_queue (customer_id, reason)
            select n.id, 'customer' from new_rows n join old_rows o on o.id = n.id
            where (o.branch_id, o.status) is distinct from (n.branch_id, n.status)
            order by n.id
            ${UPDATE};
          end if;
          return null;
        end $$;`);
    this.addSql(`create trigger tier_queue_customer_insert after insert on customer
        referencing new table as new_rows for each statement execute function tier_queue_customer();`);
    this.addSql(`create trigger tier_queue_customer_update after update on customer
        referencing old table as old_rows new table as new_rows
        for each statement execute function tier_queue_customer();`);
    // Customers that were never queued and never computed.
    this.addSql(`insert into tier_recompute_queue (customer_id, reason)
        select c.id, 'customer' from customer c
        where c.status = 'ACTIVE'
          and not exists (select 1 from tier_assignment a where a.customer_id = c.id)
        order by c.id
        on conflict (customer_id) do nothing;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger tier_queue_customer_update on customer;`);
    this.addSql(`drop trigger tier_queue_customer_insert on customer;`);
    this.addSql(`drop function tier_queue_customer();`);
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * The current tier on the customer row and counts of customers per (tier, branch, status,
 * consent), both kept by the database: a campaign segment's page was a join from every
 * customer of the branch subtree to its open tier assignment, and its total count read all
 * of them (0.7-1.6 s a page at 200,000 customers). Now the page is a range of
 * customer_segment_idx and the count a sum over a few segment_count rows.
 *
 * segment_count takes each statement's net change as rows of its own, never updating a
 * shared counter row: a full recompute's parallel chunks, the tier worker, ingestion and
 * merges would otherwise wait on one another's counter rows until each one commits.
 * segment_count_fold() sums a key's rows back into one.
 */
export class Migration20261201800000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "customer" add column "current_tier" text null;`);
    this.addSql(
      `create table "segment_count" ("id" bigserial primary key, "current_tier" text not null, "branch_id" uuid not null, "status" text check ("status" in ('ACTIVE', 'MERGED', 'DECEASED')) not null, "marketing_consent" boolean not null, "customers" int not null);`,
    );

    // The open assignment's tier. A statement that opens a row sets it from the row; one
    // that closes, reopens or moves rows reads the open row again after it.
    this.addSql(`create or replace function customer_current_tier_insert() returns trigger language plpgsql as $$
      begin
        update customer c set current_tier = n.tier
        from new_rows n
        where n.valid_to is null and c.id = n.customer_id and c.current_tier is distinct from n.tier;
        return null;
      end $$;`);
    this.addSql(`create or replace function customer_current_tier_update() returns trigger language plpgsql as $$
      begin
        update customer c set current_tier = x.tier
        from (select changed.customer_id, (select a.tier from tier_assignment a
                where a.customer_id = changed.customer_id and a.valid_to is null) as tier
              from (select unnest(array[o.customer_id, n.customer_id]) as customer_id
                    from old_rows o join new_rows n on n.id = o.id
                    where o.customer_id <> n.customer_id or o.tier <> n.tier
                      or (o.valid_to is null) <> (n.valid_to is null)
                    group by 1) changed) x
        where c.id = x.customer_id and c.current_tier is distinct from x.tier;
        return null;
      end $$;`);
    this.addSql(`create or replace function customer_current_tier_delete() returns trigger language plpgsql as $$
      begin
        update customer c set current_tier = null
        from old_rows o
        where o.valid_to is null and c.id = o.customer_id and c.current_tier is not null;
        return null;
      end $$;`);
    this.addSql(`create or replace function customer_current_tier_truncate() returns trigger language plpgsql as $$
      begin
        update customer set current_tier = null where current_tier is not null;
        return null;
      end $$;`);

    this.addSql(`create or replace function segment_count_insert() returns trigger language plpgsql as $$
      begin
        insert into segment_count (current_tier, branch_id, status, marketing_consent, customers)
        select current_tier, branch_id, status, marketing_consent, count(*)::int
        from new_rows where current_tier is not null
        group by 1, 2, 3, 4;
        return null;
      end $$;`);
    this.addSql(`create or replace function segment_count_update() returns trigger language plpgsql as $$
      begin
        insert into segment_count (current_tier, branch_id, status, marketing_consent, customers)
        select current_tier, branch_id, status, marketing_consent, sum(delta)::int from (
          select current_tier, branch_id, status, marketing_consent, 1 as delta from new_rows
          union all
          select current_tier, branch_id, status, marketing_consent, -1 from old_rows) changes
        where current_tier is not null
        group by 1, 2, 3, 4 having sum(delta) <> 0;
        return null;
      end $$;`);
    this.addSql(`create or replace function segment_count_delete() returns trigger language plpgsql as $$
      begin
        insert into segment_count (current_tier, branch_id, status, marketing_consent, customers)
        select current_tier, branch_id, status, marketing_consent, -count(*)::int
        from old_rows where current_tier is not null
        group by 1, 2, 3, 4;
        return null;
      end $$;`);
    this.addSql(`create or replace function segment_count_truncate() returns trigger language plpgsql as $$
      begin
        delete from segment_count;
        return null;
      end $$;`);
    // Only the rows it deletes are summed: a fold running beside it deletes the others, and
    // rows committed after its snapshot stay for the next one.
    this.addSql(`create or replace function segment_count_fold() returns void language sql as $$
      with gone as (
        delete from segment_count s
        where (s.current_tier, s.branch_id, s.status, s.marketing_consent) in (
          select current_tier, branch_id, status, marketing_consent from segment_count
          group by 1, 2, 3, 4 having count(*) > 1)
        returning s.current_tier, s.branch_id, s.status, s.marketing_consent, s.customers)
      insert into segment_count (current_tier, branch_id, status, marketing_consent, customers)
      select current_tier, branch_id, status, marketing_consent, sum(customers)::int from gone
      group by 1, 2, 3, 4 having sum(customers) <> 0;
    $$;`);

    // Created before the backfill: each takes a lock that waits for the writers in flight on
    // its table, and keeps later ones out until this commits, so none is missed.
    this.addSql(`create trigger customer_current_tier_insert after insert on tier_assignment
      referencing new table as new_rows for each statement execute function customer_current_tier_insert();`);
    this.addSql(`create trigger customer_current_tier_update after update on tier_assignment
      referencing old table as old_rows new table as new_rows
      for each statement execute function customer_current_tier_update();`);
    this.addSql(`create trigger customer_current_tier_delete after delete on tier_assignment
      referencing old table as old_rows for each statement execute function customer_current_tier_delete();`);
    this.addSql(`create trigger customer_current_tier_truncate after truncate on tier_assignment
      for each statement execute function customer_current_tier_truncate();`);
    this.addSql(`create trigger segment_count_insert after insert on customer
      referencing new table as new_rows for each statement execute function segment_count_insert();`);
    this.addSql(`create trigger segment_count_update after update on customer
      referencing old table as old_rows new table as new_rows
      for each statement execute function segment_count_update();`);
    this.addSql(`create trigger segment_count_delete after delete on customer
      referencing old table as old_rows for each statement execute function segment_count_delete();`);
    this.addSql(`create trigger segment_count_truncate after truncate on customer
      for each statement execute function segment_count_truncate();`);

    // The customer trigger counts what this sets.
    this.addSql(`update customer c set current_tier = a.tier
      from tier_assignment a where a.customer_id = c.id and a.valid_to is null;`);
    this.addSql(
      `create index "customer_segment_idx" on "customer" ("current_tier", "marketing_consent", "cif_no") include ("branch_id") where "status" = 'ACTIVE';`,
    );
    this.addSql(
      `create index "segment_count_key_idx" on "segment_count" ("current_tier", "status", "marketing_consent", "branch_id") include ("customers");`,
    );
    this.addSql(`analyze customer, segment_count;`);
  }

  override async down(): Promise<void> {
    for (const [trigger, table] of [
      ['customer_current_tier_insert', 'tier_assignment'],
      ['customer_current_tier_update', 'tier_assignment'],
      ['customer_current_tier_delete', 'tier_assignment'],
      ['customer_current_tier_truncate', 'tier_assignment'],
      ['segment_count_insert', 'customer'],
      ['segment_count_update', 'customer'],
      ['segment_count_delete', 'customer'],
      ['segment_count_truncate', 'customer'],
    ]) {
      this.addSql(`drop trigger ${trigger} on ${table};`);
      this.addSql(`drop function ${trigger}();`);
    }
    this.addSql(`drop function segment_count_fold();`);
    this.addSql(`drop table if exists "segment_count" cascade;`);
    this.addSql(`drop index "customer_segment_idx";`);
    this.addSql(`alter table "customer" drop column "current_tier";`);
  }
}

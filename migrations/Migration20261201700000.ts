import { Migration } from '@mikro-orm/migrations';

/**
 * Counts of source records per name key, kept by the database as records come, change and
 * go: matching weighs a name by its count, and counting a common name's records on every
 * batch grew with the file (a million customers: seconds a batch).
 */
export class Migration20261201700000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "name_count" ("name_key" text not null, "records" int not null, constraint "name_count_pkey" primary key ("name_key"));`,
    );
    this.addSql(`create or replace function name_count_insert() returns trigger language plpgsql as $$
      begin
        insert into name_count (name_key, records)
        select name_key, count(*)::int from new_rows where name_key is not null
        group by name_key order by name_key
        on conflict (name_key) do update set records = name_count.records + excluded.records;
        return null;
      end $$;`);
    this.addSql(`create or replace function name_count_delete() returns trigger language plpgsql as $$
      begin
        update name_count c set records = c.records - d.n
        from (select name_key, count(*)::int as n from old_rows where name_key is not null
              group by name_key) d
        where c.name_key = d.name_key;
        return null;
      end $$;`);
    this.addSql(`create or replace function name_count_update() returns trigger language plpgsql as $$
      begin
        insert into name_count (name_key, records)
        select name_key, sum(delta)::int from (
          select name_key, 1 as delta from new_rows
          union all
          select name_key, -1 from old_rows) changes
        where name_key is not null
        group by name_key having sum(delta) <> 0
        order by name_key
        on conflict (name_key) do update set records = name_count.records + excluded.records;
        return null;
      end $$;`);
    this.addSql(`create trigger name_count_insert after insert on source_record
      referencing new table as new_rows for each statement execute function name_count_insert();`);
    this.addSql(`create trigger name_count_update after update on source_record
      referencing old table as old_rows new table as new_rows
      for each statement execute function name_count_update();`);
    this.addSql(`create trigger name_count_delete after delete on source_record
      referencing old table as old_rows for each statement execute function name_count_delete();`);
    this.addSql(`insert into name_count (name_key, records)
      select name_key, count(*)::int from source_record where name_key is not null group by name_key;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger name_count_insert on source_record;`);
    this.addSql(`drop trigger name_count_update on source_record;`);
    this.addSql(`drop trigger name_count_delete on source_record;`);
    this.addSql(`drop function name_count_insert(), name_count_update(), name_count_delete();`);
    this.addSql(`drop table if exists "name_count" cascade;`);
  }
}

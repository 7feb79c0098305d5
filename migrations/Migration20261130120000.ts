import { Migration } from '@mikro-orm/migrations';

const LEVELS = `array['HEAD_OFFICE', 'PROVINCIAL', 'CITY', 'COUNTY']`;

/** The business instant of the change (the hub's clock, `cif.at`), else the transaction's. */
const AT = `coalesce(nullif(current_setting('cif.at', true), '')::timestamptz, now())`;

/**
 * The organisation tree as reference data: validity (valid_from, valid_to), a successor for
 * the customers of a closed branch, and the history of every version. The database keeps
 * the tree whoever writes to it (the API, the loader, a seed, an operator's SQL):
 *
 * - `branch_tree_check` computes `path` from the parent and refuses a changed code, a cycle,
 *   a level that is not one below the parent's, an open branch under a closed one, and the
 *   closing of a branch that has open children or active customers;
 * - `branch_tree_cascade` carries a move (or a level change) down the subtree: paths and
 *   levels follow, so the subtree filters see the new tree from the move's commit on;
 * - `branch_history_record` writes each version to `branch_history` with who, when and why;
 * - `customer_branch_open` refuses an active customer in a closed branch.
 *
 * A closing locks `customer` against writers (SHARE ROW EXCLUSIVE) before it counts the
 * branch's active customers, so a customer written into the branch meanwhile is either seen
 * by the count or sees the closed branch.
 */
export class Migration20261130120000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "branch_history" ("id" bigserial primary key, "branch_id" uuid not null, "code" text not null, "name" text not null, "level" text check ("level" in ('HEAD_OFFICE', 'PROVINCIAL', 'CITY', 'COUNTY')) not null, "parent_id" uuid null, "path" text not null, "valid_from" date not null, "valid_to" date null, "successor_id" uuid null, "changes" text[] not null, "recorded_at" timestamptz not null, "superseded_at" timestamptz null, "changed_by" text not null, "reason" text null, constraint branch_history_changes_check check (cardinality(changes) > 0 and changes <@ array['CREATED', 'RENAMED', 'MOVED', 'PATH_CHANGED', 'LEVEL_CHANGED', 'CLOSED', 'REOPENED', 'VALIDITY_CHANGED']::text[]));`);
    this.addSql(`create unique index "branch_history_current" on "branch_history" ("branch_id") where "superseded_at" is null;`);
    this.addSql(`create index "branch_history_branch_idx" on "branch_history" ("branch_id", "recorded_at");`);

    this.addSql(`alter table "branch_history" add constraint "branch_history_branch_id_foreign" foreign key ("branch_id") references "branch" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "branch_history" add constraint "branch_history_parent_id_foreign" foreign key ("parent_id") references "branch" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "branch_history" add constraint "branch_history_successor_id_foreign" foreign key ("successor_id") references "branch" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "branch" add column "valid_from" date not null default current_date, add column "valid_to" date null, add column "successor_id" uuid null;`);
    // The best knowledge of when an existing branch opened: when the hub first stored it.
    this.addSql(`update "branch" set "valid_from" = "created_at"::date;`);
    this.addSql(`alter table "branch" add constraint "branch_successor_id_foreign" foreign key ("successor_id") references "branch" ("id") on update cascade on delete restrict;`);
    this.addSql(`create index "branch_parent_id_index" on "branch" ("parent_id");`);
    this.addSql(`create unique index "branch_one_head_office" on "branch" ((true)) where "parent_id" is null;`);
    this.addSql(`alter table "branch" add constraint branch_successor_check check(successor_id is null or (valid_to is not null and successor_id <> id));`);
    this.addSql(`alter table "branch" add constraint branch_period_check check(valid_to is null or valid_to >= valid_from);`);
    this.addSql(`alter table "branch" add constraint branch_name_check check(btrim(name) <> '');`);
    this.addSql(`alter table "branch" add constraint branch_code_check check(code ~ '^[0-9A-Za-z-]{1,32}$');`);

    this.addSql(`insert into "branch_history" ("branch_id", "code", "name", "level", "parent_id", "path", "valid_from", "valid_to", "changes", "recorded_at", "changed_by", "reason")
      select "id", "code", "name", "level", "parent_id", "path", "valid_from", "valid_to", array['CREATED'], "created_at", 'migration', 'stored before branch history was kept'
      from "branch";`);

    this.addSql(`create function branch_level_rank(level text) returns int language sql immutable
      as $$ select array_position(${LEVELS}, level) $$;`);

    this.addSql(`create function branch_tree_check() returns trigger language plpgsql as $$
      declare
        parent record;
        child text;
        customers bigint;
      begin
        -- An ancestor's move (branch_tree_cascade) rewrites paths and levels itself.
        if current_setting('cif.branch_cascade', true) = 'on' then
          return new;
        end if;
        if tg_op = 'UPDATE' and new.code <> old.code then
          raise exception 'branch % keeps its code: a code never changes meaning', old.code
            using errcode = 'check_violation', constraint = 'branch_code_immutable';
        end if;
        if new.parent_id is null then
          if new.level <> 'HEAD_OFFICE' then
            raise exception 'branch % has no parent, so it is the head office: its level is HEAD_OFFICE, not %',
              new.code, new.level using errcode = 'check_violation', constraint = 'branch_level';
          end if;
          new.path := new.code;
        else
          select b.code, b.path, b.level, b.valid_to into parent from branch b where b.id = new.parent_id;
          if not found then
            raise exception 'branch %: no branch has the id % to be its parent', new.code, new.parent_id
              using errcode = 'foreign_key_violation', constraint = 'branch_parent_id_foreign';
          end if;
          if new.parent_id = new.id
              or (tg_op = 'UPDATE' and (parent.path = old.path or parent.path like old.path || '.%')) then
            raise exception 'branch % cannot go under %, which lies under it (%)', new.code, parent.code, parent.path
              using errcode = 'check_violation', constraint = 'branch_cycle';
          end if;
          if branch_level_rank(new.level) is distinct from branch_level_rank(parent.level) + 1 then
            raise exception 'branch % is %, but a branch under % (%) is %', new.code, new.level, parent.code,
              parent.level, coalesce((${LEVELS})[branch_level_rank(parent.level) + 1], 'impossible: COUNTY is the lowest level')
              using errcode = 'check_violation', constraint = 'branch_level';
          end if;
          if new.valid_to is null and parent.valid_to is not null then
            raise exception 'branch % is open, but its parent % closed on %', new.code, parent.code, parent.valid_to
              using errcode = 'check_violation', constraint = 'branch_parent_closed';
          end if;
          new.path := parent.path || '.' || new.code;
        end if;
        if tg_op = 'UPDATE' and old.valid_to is null and new.valid_to is not null then
          select b.code into child from branch b where b.parent_id = new.id and b.valid_to is null
            order by b.code limit 1;
          if found then
            raise exception 'branch % still has open branches under it (%): close or move them first', new.code, child
              using errcode = 'check_violation', constraint = 'branch_open_children';
          end if;
          lock table customer in share row exclusive mode;
          select count(*) into customers from customer c where c.branch_id = new.id and c.status = 'ACTIVE';
          if customers > 0 then
            raise exception 'branch % still has % active customers: move them to an open branch first', new.code, customers
              using errcode = 'check_violation', constraint = 'branch_active_customers';
          end if;
        end if;
        return new;
      end $$;`);
    this.addSql(`create trigger branch_tree_check before insert or update on branch
      for each row execute function branch_tree_check();`);

    this.addSql(`create function branch_tree_cascade() returns trigger language plpgsql as $$
      declare
        shift int := branch_level_rank(new.level) - branch_level_rank(old.level);
        deepest record;
      begin
        if current_setting('cif.branch_cascade', true) = 'on' or (new.path = old.path and shift = 0) then
          return null;
        end if;
        select b.code, b.level into deepest from branch b
          where b.path like old.path || '.%' and branch_level_rank(b.level) + shift > 4
          order by b.path limit 1;
        if found then
          raise exception 'branch % cannot become %: % (%) under it would fall below COUNTY, the lowest level',
            new.code, new.level, deepest.code, deepest.level
            using errcode = 'check_violation', constraint = 'branch_level';
        end if;
        perform set_config('cif.branch_cascade', 'on', true);
        update branch b set path = new.path || substr(b.path, length(old.path) + 1),
            level = (${LEVELS})[branch_level_rank(b.level) + shift], updated_at = ${AT}
          where b.path like old.path || '.%';
        perform set_config('cif.branch_cascade', '', true);
        return null;
      end $$;`);
    this.addSql(`create trigger branch_tree_cascade after update on branch
      for each row execute function branch_tree_cascade();`);

    this.addSql(`create function branch_history_record() returns trigger language plpgsql as $$
      declare
        changes text[] := '{}';
        at timestamptz := ${AT};
      begin
        if tg_op = 'INSERT' then
          changes := array['CREATED'];
        else
          if new.name <> old.name then changes := changes || 'RENAMED'::text; end if;
          if new.parent_id is distinct from old.parent_id then changes := changes || 'MOVED'::text;
          elsif new.path <> old.path then changes := changes || 'PATH_CHANGED'::text;
          end if;
          if new.level <> old.level then changes := changes || 'LEVEL_CHANGED'::text; end if;
          if old.valid_to is null and new.valid_to is not null then changes := changes || 'CLOSED'::text;
          elsif old.valid_to is not null and new.valid_to is null then changes := changes || 'REOPENED'::text;
          end if;
          if new.valid_from <> old.valid_from
              or (old.valid_to is not null and new.valid_to is not null and (new.valid_to <> old.valid_to
                or new.successor_id is distinct from old.successor_id)) then
            changes := changes || 'VALIDITY_CHANGED'::text;
          end if;
          if cardinality(changes) = 0 then
            return null;
          end if;
          update branch_history h set superseded_at = at where h.branch_id = new.id and h.superseded_at is null;
        end if;
        insert into branch_history (branch_id, code, name, level, parent_id, path, valid_from, valid_to,
          successor_id, changes, recorded_at, changed_by, reason)
        values (new.id, new.code, new.name, new.level, new.parent_id, new.path, new.valid_from, new.valid_to,
          new.successor_id, changes, at,
          coalesce(nullif(current_setting('cif.actor', true), ''), 'database:' || session_user),
          nullif(current_setting('cif.reason', true), ''));
        return null;
      end $$;`);
    this.addSql(`create trigger branch_history_record after insert or update on branch
      for each row execute function branch_history_record();`);

    // Statement-level over the transition table: one query per statement, also for the
    // seed's and the loaders' bulk inserts, and none at all while no branch is closed.
    this.addSql(`create function customer_branch_open() returns trigger language plpgsql as $$
      declare
        closed record;
      begin
        if not exists (select 1 from branch where valid_to is not null) then
          return null;
        end if;
        select c.cif_no, b.code, b.valid_to into closed
          from changed_rows c join branch b on b.id = c.branch_id
          where c.status = 'ACTIVE' and b.valid_to is not null limit 1;
        if found then
          raise exception 'customer % is active, but its branch % closed on %', closed.cif_no, closed.code, closed.valid_to
            using errcode = 'check_violation', constraint = 'customer_branch_open';
        end if;
        return null;
      end $$;`);
    for (const event of ['insert', 'update']) {
      this.addSql(`create trigger customer_branch_open_${event} after ${event} on customer
        referencing new table as changed_rows for each statement execute function customer_branch_open();`);
    }
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger customer_branch_open_insert on customer;`);
    this.addSql(`drop trigger customer_branch_open_update on customer;`);
    this.addSql(`drop function customer_branch_open();`);
    this.addSql(`drop trigger branch_history_record on branch;`);
    this.addSql(`drop function branch_history_record();`);
    this.addSql(`drop trigger branch_tree_cascade on branch;`);
    this.addSql(`drop function branch_tree_cascade();`);
    this.addSql(`drop trigger branch_tree_check on branch;`);
    this.addSql(`drop function branch_tree_check();`);
    this.addSql(`drop function branch_level_rank(text);`);

    this.addSql(`drop table if exists "branch_history" cascade;`);

    this.addSql(`alter table "branch" drop constraint "branch_successor_id_foreign";`);

    this.addSql(`drop index "branch_parent_id_index";`);
    this.addSql(`drop index "branch_one_head_office";`);
    this.addSql(`alter table "branch" drop constraint branch_successor_check;`);
    this.addSql(`alter table "branch" drop constraint branch_period_check;`);
    this.addSql(`alter table "branch" drop constraint branch_name_check;`);
    this.addSql(`alter table "branch" drop constraint branch_code_check;`);
    this.addSql(`alter table "branch" drop column "valid_from", drop column "valid_to", drop column "successor_id";`);
  }

}

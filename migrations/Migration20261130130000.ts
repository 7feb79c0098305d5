import { Migration } from '@mikro-orm/migrations';

const LEVELS = `array['HEAD_OFFICE', 'PROVINCIAL', 'CITY', 'COUNTY']`;

/**
 * The tree check of Migration20261130120000, with (`lock`) or without the parent's row
 * locked. Unlocked, two transactions could each check against the other's old state: a
 * branch written under a parent that is closing meanwhile (an open branch under a closed
 * one), or two branches moved under each other (a cycle, with paths that contradict the
 * parents). FOR SHARE on the parent conflicts with the row lock of its closing or its move:
 * the later writer waits, then checks against what the earlier committed (or they deadlock
 * and PostgreSQL aborts one), whichever comes first.
 */
const treeCheck = (lock: string) => `create or replace function branch_tree_check() returns trigger language plpgsql as $$
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
          select b.code, b.path, b.level, b.valid_to into parent from branch b where b.id = new.parent_id${lock};
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
      end $$;`;

export class Migration20261130130000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(treeCheck(' for share'));
  }

  override async down(): Promise<void> {
    this.addSql(treeCheck(''));
  }

}

import { Migration } from '@mikro-orm/migrations';

/**
 * The open branch a branch stands for: itself while open, else the successor its closing
 * named, followed as far as they go (null where the chain ends closed). Records keep the
 * branch they named; survivorship reads it through this, so a customer moved at a closing
 * stays where it was moved when its golden record is computed again.
 */
export class Migration20261203000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create function branch_open_successor(branch_id uuid) returns uuid
        language sql stable as $$
          with recursive chain as (
            select id, valid_to, successor_id, 0 as hops from branch where id = branch_id
            union all
            select b.id, b.valid_to, b.successor_id, c.hops + 1
            from chain c join branch b on b.id = c.successor_id
            where c.valid_to is not null and c.hops < 32)
          select id from chain where valid_to is null limit 1
        $$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop function branch_open_successor(uuid);`);
  }
}

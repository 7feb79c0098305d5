import { Migration } from '@mikro-orm/migrations';

/** The tables whose personal values are sealed: encrypted, masked, and digested as before. */
const SEALED = [
  { table: 'identity_document', value: 'number' },
  { table: 'contact_point', value: 'value' },
];

/**
 * Personal data encrypted at rest. The key is configuration, never in the database, so SQL
 * cannot encrypt the values already stored: they move to a `legacy_` column, and the hub
 * seals them (encrypts, masks, empties the column) in batches when it starts, before it
 * serves, as `npm run pii:rotate` does (src/modules/customer/pii-rotation.ts).
 */
export class Migration20261201400000 extends Migration {
  override async up(): Promise<void> {
    for (const { table, value } of SEALED) {
      this.addSql(`alter table "${table}" rename column "${value}" to "legacy_${value}";`);
      this.addSql(`alter table "${table}" alter column "legacy_${value}" drop not null;`);
      this.addSql(
        `alter table "${table}" add column "${value}_cipher" text null, add column "${value}_masked" text null;`,
      );
      this.addSql(`alter table "${table}" add constraint ${table}_sealed_check check ((${value}_cipher is null) <> (legacy_${value} is null) and (${value}_cipher is null) = (${value}_masked is null));`);
    }

    // Re-encrypting or sealing a contact changes nothing a tier depends on: an update that
    // changes its sealed value and nothing else queues no one, or a key rotation would queue
    // every customer. Any other update queues as before, one that changes nothing included.
    this.addSql(`create function tier_queue_contact_update() returns trigger language plpgsql as $$
        begin
          insert into tier_recompute_queue (customer_id, reason)
          select distinct n.customer_id, tg_argv[0] from new_rows n join old_rows o on o.id = n.id
          where n.customer_id is not null
            and not (n.value_cipher is distinct from o.value_cipher
              and to_jsonb(n) - '{value_cipher,value_masked,legacy_value}'::text[]
                = to_jsonb(o) - '{value_cipher,value_masked,legacy_value}'::text[])
          order by n.customer_id
          on conflict (customer_id) do update set reason = excluded.reason,
            enqueued_at = excluded.enqueued_at, enqueued_xid = excluded.enqueued_xid;
          return null;
        end $$;`);
    this.addSql(`drop trigger tier_queue_contact_contact_point_update on contact_point;`);
    this.addSql(`create trigger tier_queue_contact_contact_point_update after update on contact_point
        referencing old table as old_rows new table as new_rows
        for each statement execute function tier_queue_contact_update('contact');`);
  }

  override async down(): Promise<void> {
    // Without the key the database cannot give the plain values back.
    this.addSql(`do $$ begin
        if exists (select 1 from identity_document where number_cipher is not null)
            or exists (select 1 from contact_point where value_cipher is not null) then
          raise exception 'personal data is encrypted: the database cannot decrypt it to go back';
        end if;
      end $$;`);
    this.addSql(`drop trigger tier_queue_contact_contact_point_update on contact_point;`);
    this.addSql(`create trigger tier_queue_contact_contact_point_update after update on contact_point
        referencing new table as changed_rows
        for each statement execute function tier_queue_contact('contact');`);
    this.addSql(`drop function tier_queue_contact_update();`);
    for (const { table, value } of SEALED) {
      this.addSql(`alter table "${table}" drop constraint ${table}_sealed_check;`);
      this.addSql(`alter table "${table}" drop column "${value}_cipher", drop column "${value}_masked";`);
      this.addSql(`alter table "${table}" alter column "legacy_${value}" set not null;`);
      this.addSql(`alter table "${table}" rename column "legacy_${value}" to "${value}";`);
    }
  }
}

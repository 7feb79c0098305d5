import { Migration } from '@mikro-orm/migrations';

/**
 * Trusted documents: the GraphQL documents that roles restricted to them
 * (TRUSTED_DOCUMENT_ROLES) may run, keyed by the SHA-256 of their text. The database checks
 * that the key is that hash, so no row can name one document and hold another.
 */
export class Migration20261201200000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "trusted_document" ("hash" text not null, "document" text not null,
      "name" text null, "registered_by" text not null,
      "registered_at" timestamptz not null default now(), "revoked_at" timestamptz null,
      "revoked_by" text null, constraint "trusted_document_pkey" primary key ("hash"));`);
    // A trigger rather than a check constraint: the schema diff of migration:create cannot
    // read a check over two columns back, and would drop it.
    this.addSql(`create function trusted_document_hash_check() returns trigger language plpgsql as $$
      begin
        if new.hash is distinct from encode(sha256(convert_to(new.document, 'UTF8')), 'hex') then
          raise exception 'trusted_document % is keyed by the SHA-256 of its document', new.hash
            using errcode = 'check_violation', constraint = 'trusted_document_hash_check';
        end if;
        return new;
      end $$;`);
    this.addSql(`create trigger trusted_document_hash_check before insert or update of hash, document
      on trusted_document for each row execute function trusted_document_hash_check();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "trusted_document" cascade;`);
    this.addSql(`drop function if exists trusted_document_hash_check();`);
  }
}

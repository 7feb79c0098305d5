import { Migration } from '@mikro-orm/migrations';

/** API keys of source systems (src/modules/api-key/api-key.entity.ts): digests only. */
export class Migration20261201300000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "api_key" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "name" text not null, "source_system" text check ("source_system" in ('POLICY_ADMIN', 'CLAIMS', 'CALL_CENTRE', 'APP', 'WECHAT', 'AGENCY', 'DEALER')) not null, "branch_id" uuid not null, "key_hash" text not null, "created_by" text not null, "revoked_at" timestamptz null, "revoked_by" text null, constraint "api_key_pkey" primary key ("id"), constraint api_key_key_hash_check check (key_hash ~ '^[0-9a-f]{64}$'), constraint api_key_name_check check (btrim(name) <> ''));`);
    this.addSql(`alter table "api_key" add constraint "api_key_key_hash_unique" unique ("key_hash");`);
    this.addSql(`alter table "api_key" add constraint "api_key_branch_id_foreign" foreign key ("branch_id") references "branch" ("id") on update cascade on delete restrict;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "api_key" cascade;`);
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * The audit log. Append-only by trigger rather than by grants alone: the hub usually
 * connects as the table's owner, and an owner's privileges cannot be revoked from it.
 */
export class Migration20261201100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "audit_event" ("id" bigserial primary key,
      "occurred_at" timestamptz not null, "action" text not null, "actor_subject" text not null,
      "actor_role" text not null, "actor_branch" text not null, "request_id" text null,
      "target_type" text not null, "target_id" text null, "purpose" text null,
      "details" jsonb not null default '{}',
      constraint "audit_event_action_check" check ("action" in ('PII_REVEAL', 'RULE_SET_ACTIVATION',
        'ELIGIBILITY_DECISION', 'INGESTION_BATCH', 'SEGMENT_EXPORT')));`);
    this.addSql(
      `create index "audit_event_occurred_idx" on "audit_event" ("occurred_at", "id");`,
    );
    this.addSql(
      `create index "audit_event_target_idx" on "audit_event" ("target_type", "target_id");`,
    );
    this.addSql(
      `create index "audit_event_actor_idx" on "audit_event" ("actor_subject", "occurred_at");`,
    );
    this.addSql(`create function audit_event_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'audit_event is append-only: % refused', tg_op
          using errcode = 'insufficient_privilege';
      end $$;`);
    this.addSql(`create trigger audit_event_no_change before update or delete on audit_event
      for each row execute function audit_event_append_only();`);
    this.addSql(`create trigger audit_event_no_truncate before truncate on audit_event
      for each statement execute function audit_event_append_only();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "audit_event";`);
    this.addSql(`drop function if exists audit_event_append_only();`);
  }
}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261122003224 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "policy_version" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "kind" text check ("kind" in ('TIER', 'ENTITLEMENT')) not null, "version" int not null, "status" text check ("status" in ('DRAFT', 'ACTIVE', 'RETIRED')) not null default 'DRAFT', "document" jsonb not null, "note" text not null, "created_by" text not null, "activated_at" timestamptz null, "retired_at" timestamptz null, constraint "policy_version_pkey" primary key ("id"), constraint policy_version_lifecycle_check check ((status = 'DRAFT' and activated_at is null and retired_at is null)
    or (status = 'ACTIVE' and activated_at is not null and retired_at is null)
    or (status = 'RETIRED' and activated_at is not null and retired_at is not null and retired_at >= activated_at)));`);
    this.addSql(`create unique index "policy_version_one_active" on "policy_version" ("kind") where "status" = 'ACTIVE';`);
    this.addSql(`alter table "policy_version" add constraint "policy_version_kind_version_unique" unique ("kind", "version");`);

    this.addSql(`create table "eligibility_decision" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "customer_id" uuid not null, "service" text not null, "context" jsonb not null, "allowed" boolean not null, "reasons" jsonb not null, "parameters" jsonb not null, "tier" text null, "tier_policy_version_id" uuid null, "entitlement_policy_version_id" uuid not null, "decided_by" text not null, constraint "eligibility_decision_pkey" primary key ("id"));`);
    this.addSql(`create index "eligibility_decision_customer_idx" on "eligibility_decision" ("customer_id", "created_at");`);

    this.addSql(`create table "tier_assignment" ("id" bigserial primary key, "customer_id" uuid not null, "policy_version_id" uuid not null, "tier" text not null, "risk_class" text not null, "value_class" text not null, "metrics" jsonb not null, "reasons" jsonb not null, "cause" text not null, "valid_from" timestamptz not null, "valid_to" timestamptz null, constraint tier_assignment_period_check check (valid_to is null or valid_to >= valid_from));`);
    this.addSql(`create index "tier_assignment_open_tier_idx" on "tier_assignment" ("tier", "customer_id") where "valid_to" is null;`);
    this.addSql(`create index "tier_assignment_history_idx" on "tier_assignment" ("customer_id", "valid_from");`);
    this.addSql(`create unique index "tier_assignment_open_unique" on "tier_assignment" ("customer_id") where "valid_to" is null;`);

    this.addSql(`create table "tier_recompute_queue" ("customer_id" uuid not null, "enqueued_at" timestamptz not null default now(), "reason" text not null, constraint "tier_recompute_queue_pkey" primary key ("customer_id"));`);

    this.addSql(`alter table "eligibility_decision" add constraint "eligibility_decision_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "eligibility_decision" add constraint "eligibility_decision_tier_policy_version_id_foreign" foreign key ("tier_policy_version_id") references "policy_version" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "eligibility_decision" add constraint "eligibility_decision_entitlement_policy_version_id_foreign" foreign key ("entitlement_policy_version_id") references "policy_version" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "tier_assignment" add constraint "tier_assignment_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "tier_assignment" add constraint "tier_assignment_policy_version_id_foreign" foreign key ("policy_version_id") references "policy_version" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "tier_recompute_queue" add constraint "tier_recompute_queue_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade on delete cascade;`);

    // A version that governed assignments or decisions must stay as it was.
    this.addSql(`create function policy_version_immutable() returns trigger language plpgsql as $$
      begin
        if old.status <> 'DRAFT' and (new.document is distinct from old.document
            or new.kind is distinct from old.kind or new.version is distinct from old.version) then
          raise exception 'policy version % % is %: its rules never change', old.kind, old.version, old.status
            using errcode = 'check_violation', constraint = 'policy_version_immutable';
        end if;
        return new;
      end $$;`);
    this.addSql(`create trigger policy_version_immutable before update on policy_version
      for each row execute function policy_version_immutable();`);

    // Queue a tier recompute in the same transaction as every change a tier depends on.
    // Statement-level with transition tables: one insert per statement, even for bulk loads.
    const enqueue = (name: string, select: string) =>
      this.addSql(`create function ${name}() returns trigger language plpgsql as $$
        begin
          insert into tier_recompute_queue (customer_id, reason)
          select distinct customer_id, tg_argv[0] from (${select}) changed
          where customer_id is not null
          on conflict (customer_id) do nothing;
          return null;
        end $$;`);
    enqueue('tier_queue_party', 'select customer_id from changed_rows');
    enqueue(
      'tier_queue_policy',
      'select pp.customer_id from changed_rows p join policy_party pp on pp.policy_id = p.id',
    );
    enqueue(
      'tier_queue_claim',
      'select pp.customer_id from changed_rows c join policy_party pp on pp.policy_id = c.policy_id',
    );
    enqueue(
      'tier_queue_risk_score',
      `select s.customer_id from changed_rows s
       union all select pp.customer_id from changed_rows s
         join claim c on c.id = s.claim_id join policy_party pp on pp.policy_id = c.policy_id
       union all select pp.customer_id from changed_rows s
         join policy p on p.vehicle_id = s.vehicle_id join policy_party pp on pp.policy_id = p.id`,
    );
    enqueue('tier_queue_contact', 'select customer_id from changed_rows');
    const triggers: [string, string, string, string][] = [
      ['policy_party', 'insert', 'tier_queue_party', 'policy'],
      ['policy_party', 'delete', 'tier_queue_party', 'policy'],
      ['policy', 'update', 'tier_queue_policy', 'policy'],
      ['claim', 'insert', 'tier_queue_claim', 'claim'],
      ['claim', 'update', 'tier_queue_claim', 'claim'],
      ['risk_score', 'insert', 'tier_queue_risk_score', 'risk score'],
      ['contact_point', 'insert', 'tier_queue_contact', 'contact'],
      ['contact_point', 'update', 'tier_queue_contact', 'contact'],
    ];
    for (const [table, event, fn, reason] of triggers) {
      const rows = event === 'delete' ? 'old table' : 'new table';
      this.addSql(`create trigger ${fn}_${table}_${event} after ${event} on ${table}
        referencing ${rows} as changed_rows for each statement execute function ${fn}('${reason}');`);
    }
  }

  override async down(): Promise<void> {

    for (const fn of ['tier_queue_party', 'tier_queue_policy', 'tier_queue_claim', 'tier_queue_risk_score', 'tier_queue_contact', 'policy_version_immutable']) {
      this.addSql(`drop function if exists ${fn}() cascade;`);
    }
    this.addSql(`alter table "eligibility_decision" drop constraint "eligibility_decision_tier_policy_version_id_foreign";`);

    this.addSql(`alter table "eligibility_decision" drop constraint "eligibility_decision_entitlement_policy_version_id_foreign";`);

    this.addSql(`alter table "tier_assignment" drop constraint "tier_assignment_policy_version_id_foreign";`);

    this.addSql(`drop table if exists "policy_version" cascade;`);

    this.addSql(`drop table if exists "eligibility_decision" cascade;`);

    this.addSql(`drop table if exists "tier_assignment" cascade;`);

    this.addSql(`drop table if exists "tier_recompute_queue" cascade;`);
  }

}

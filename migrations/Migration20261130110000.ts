import { Migration } from '@mikro-orm/migrations';

/** The changes each queue trigger of Migration20261122003224 reads its customers from. */
const CHANGED_CUSTOMERS: Record<string, string> = {
  tier_queue_party: 'select customer_id from changed_rows',
  tier_queue_policy:
    'select pp.customer_id from changed_rows p join policy_party pp on pp.policy_id = p.id',
  tier_queue_claim:
    'select pp.customer_id from changed_rows c join policy_party pp on pp.policy_id = c.policy_id',
  tier_queue_risk_score: `select s.customer_id from changed_rows s
       union all select pp.customer_id from changed_rows s
         join claim c on c.id = s.claim_id join policy_party pp on pp.policy_id = c.policy_id
       union all select pp.customer_id from changed_rows s
         join policy p on p.vehicle_id = s.vehicle_id join policy_party pp on pp.policy_id = p.id`,
  tier_queue_contact: 'select customer_id from changed_rows',
};

/**
 * `do nothing` lost changes: a change to a customer already queued left the row as it was,
 * so a recompute holding that row could read the customer before the change committed and
 * then delete the entry. `do update` waits for such a recompute and re-queues after it, and
 * stamps the row with the newest change's transaction. Rows are taken in customer order,
 * so that two statements queueing the same customers lock them in the same order.
 */
const enqueue = (name: string, select: string, onConflict: string) => `create or replace function ${name}() returns trigger language plpgsql as $$
        begin
          insert into tier_recompute_queue (customer_id, reason)
          select distinct customer_id, tg_argv[0] from (${select}) changed
          where customer_id is not null
          order by customer_id
          ${onConflict};
          return null;
        end $$;`;

const UPDATE = `on conflict (customer_id) do update set reason = excluded.reason,
            enqueued_at = excluded.enqueued_at, enqueued_xid = excluded.enqueued_xid`;

export class Migration20261130110000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "rule_set_activation" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "rule_set_version_id" uuid not null, "state" text check ("state" in ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED')) not null default 'QUEUED', "requested_by" text not null, "customers_total" int null, "customers_done" int not null default 0, "customers_changed" int null, "error" text null, "started_at" timestamptz null, "finished_at" timestamptz null, constraint "rule_set_activation_pkey" primary key ("id"), constraint rule_set_activation_finished_check check ((state = 'QUEUED' and finished_at is null) or (state = 'RUNNING' and finished_at is null)
    or (state = 'SUCCEEDED' and finished_at is not null) or (state = 'FAILED' and finished_at is not null)));`);
    this.addSql(`create index "rule_set_activation_version_idx" on "rule_set_activation" ("rule_set_version_id");`);

    this.addSql(`alter table "rule_set_activation" add constraint "rule_set_activation_rule_set_version_id_foreign" foreign key ("rule_set_version_id") references "rule_set_version" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "tier_assignment" add column "computed_xid" xid8 not null default pg_current_xact_id();`);

    this.addSql(`alter table "tier_recompute_queue" add column "enqueued_xid" xid8 not null default pg_current_xact_id();`);
    this.addSql(`create index "tier_recompute_queue_enqueued_at_idx" on "tier_recompute_queue" ("enqueued_at");`);

    for (const [name, select] of Object.entries(CHANGED_CUSTOMERS)) {
      this.addSql(enqueue(name, select, UPDATE));
    }
  }

  override async down(): Promise<void> {
    for (const [name, select] of Object.entries(CHANGED_CUSTOMERS)) {
      this.addSql(enqueue(name, select, 'on conflict (customer_id) do nothing'));
    }
    this.addSql(`drop table if exists "rule_set_activation" cascade;`);

    this.addSql(`alter table "tier_assignment" drop column "computed_xid";`);

    this.addSql(`drop index "tier_recompute_queue_enqueued_at_idx";`);
    this.addSql(`alter table "tier_recompute_queue" drop column "enqueued_xid";`);
  }

}

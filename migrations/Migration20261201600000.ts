import { Migration } from '@mikro-orm/migrations';

/**
 * Matching: source records keep what each source said (the golden record is computed from
 * them), their identifiers for blocking, review tasks, steward decisions and a merge journal.
 */
export class Migration20261201600000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "customer_merge" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "survivor_id" uuid not null, "absorbed_id" uuid not null, "kind" text check ("kind" in ('AUTOMATIC', 'STEWARD')) not null, "evidence" jsonb null, "merged_by" text not null, "merged_at" timestamptz not null, "reason" text null, "journal" jsonb not null, "unmerged_at" timestamptz null, "unmerged_by" text null, "unmerge_reason" text null, constraint "customer_merge_pkey" primary key ("id"), constraint customer_merge_distinct_check check (survivor_id <> absorbed_id), constraint customer_merge_unmerged_check check ((unmerged_at is null) = (unmerged_by is null)));`);
    this.addSql(`create index "customer_merge_survivor_id_index" on "customer_merge" ("survivor_id");`);
    this.addSql(`create index "customer_merge_absorbed_id_index" on "customer_merge" ("absorbed_id");`);

    this.addSql(`create table "source_identifier" ("id" bigserial primary key, "source_record_id" uuid not null, "kind" text check ("kind" in ('RESIDENT_ID', 'PASSPORT', 'HK_MACAO_PERMIT', 'TAIWAN_PERMIT', 'UNIFIED_SOCIAL_CREDIT_CODE', 'MOBILE', 'EMAIL', 'ADDRESS')) not null, "value_hash" bytea not null, "value_cipher" text not null, "value_masked" text not null, "body_hash" bytea null, "checksum_exception" boolean not null default false, "verification_status" text check ("verification_status" in ('UNVERIFIED', 'VERIFIED', 'FAILED')) not null default 'UNVERIFIED', "verification_method" text check ("verification_method" in ('SMS', 'CALL_BACK', 'EMAIL_LINK', 'IN_PERSON')) null, "verified_at" timestamptz null);`);
    this.addSql(`create index "source_identifier_body_idx" on "source_identifier" ("body_hash");`);
    this.addSql(`create index "source_identifier_value_idx" on "source_identifier" ("kind", "value_hash");`);
    this.addSql(`alter table "source_identifier" add constraint "source_identifier_record_value_unique" unique ("source_record_id", "kind", "value_hash");`);

    this.addSql(`create table "match_review" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "record_a_id" uuid not null, "record_b_id" uuid not null, "score" double precision not null, "rule" text not null, "evidence" jsonb not null, "status" text check ("status" in ('OPEN', 'APPROVED', 'REJECTED', 'SUPERSEDED')) not null default 'OPEN', "decided_by" text null, "decided_at" timestamptz null, "reason" text null, constraint "match_review_pkey" primary key ("id"), constraint match_review_decided_check check ((status = 'APPROVED' or status = 'REJECTED') = (decided_by is not null and decided_at is not null)), constraint match_review_pair_order_check check (record_a_id < record_b_id));`);
    this.addSql(`create index "match_review_record_b_id_index" on "match_review" ("record_b_id");`);
    this.addSql(`create index "match_review_queue_idx" on "match_review" ("status", "score", "created_at");`);
    this.addSql(`alter table "match_review" add constraint "match_review_pair_unique" unique ("record_a_id", "record_b_id");`);

    this.addSql(`create table "match_decision" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "record_a_id" uuid not null, "record_b_id" uuid not null, "verdict" text check ("verdict" in ('SAME_CUSTOMER', 'DIFFERENT_CUSTOMERS')) not null, "decided_by" text not null, "decided_at" timestamptz not null, "reason" text not null, constraint "match_decision_pkey" primary key ("id"), constraint match_decision_pair_order_check check (record_a_id < record_b_id));`);
    this.addSql(`create index "match_decision_record_b_id_index" on "match_decision" ("record_b_id");`);
    this.addSql(`alter table "match_decision" add constraint "match_decision_pair_unique" unique ("record_a_id", "record_b_id");`);

    this.addSql(`alter table "customer_merge" add constraint "customer_merge_survivor_id_foreign" foreign key ("survivor_id") references "customer" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "customer_merge" add constraint "customer_merge_absorbed_id_foreign" foreign key ("absorbed_id") references "customer" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "source_identifier" add constraint "source_identifier_source_record_id_foreign" foreign key ("source_record_id") references "source_record" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "match_review" add constraint "match_review_record_a_id_foreign" foreign key ("record_a_id") references "source_record" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "match_review" add constraint "match_review_record_b_id_foreign" foreign key ("record_b_id") references "source_record" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "match_decision" add constraint "match_decision_record_a_id_foreign" foreign key ("record_a_id") references "source_record" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "match_decision" add constraint "match_decision_record_b_id_foreign" foreign key ("record_b_id") references "source_record" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "audit_event" drop constraint if exists "audit_event_action_check";`);

    this.addSql(`alter table "audit_event" add constraint "audit_event_action_check" check("action" in ('PII_REVEAL', 'RULE_SET_ACTIVATION', 'ELIGIBILITY_DECISION', 'INGESTION_BATCH', 'SEGMENT_EXPORT', 'TRUSTED_DOCUMENT_CHANGE', 'CUSTOMER_MERGE', 'CUSTOMER_UNMERGE', 'MATCH_DECISION'));`);

    this.addSql(`alter table "customer" add column "lineage" jsonb not null default '{}';`);

    this.addSql(`alter table "source_record" add column "kind" text check ("kind" in ('INDIVIDUAL', 'ORGANISATION')) null, add column "name" text null, add column "name_key" text null, add column "name_pinyin" text null, add column "gender" text check ("gender" in ('MALE', 'FEMALE')) null, add column "birth_date" date null, add column "branch_id" uuid null, add column "marketing_consent" boolean null, add column "consent_at" timestamptz null, add column "consent_channel" text check ("consent_channel" in ('APP', 'WECHAT', 'CALL_CENTRE', 'PAPER', 'AGENT')) null, add column "link_evidence" jsonb null;`);
    this.addSql(`alter table "source_record" add constraint "source_record_branch_id_foreign" foreign key ("branch_id") references "branch" ("id") on update cascade on delete restrict;`);
    this.addSql(`create index "source_record_pinyin_birth_idx" on "source_record" ("name_pinyin", "birth_date");`);
    this.addSql(`create index "source_record_name_birth_idx" on "source_record" ("name_key", "birth_date");`);

    this.addSql(`alter table "identity_document" add column "source_record_id" uuid null;`);
    this.addSql(`alter table "identity_document" add constraint "identity_document_source_record_id_foreign" foreign key ("source_record_id") references "source_record" ("id") on update cascade on delete set null;`);
    this.addSql(`create index "identity_document_source_record_id_index" on "identity_document" ("source_record_id");`);

    this.addSql(`alter table "contact_point" add column "source_record_id" uuid null, add column "generic" boolean not null default false;`);
    this.addSql(`alter table "contact_point" add constraint "contact_point_source_record_id_foreign" foreign key ("source_record_id") references "source_record" ("id") on update cascade on delete set null;`);
    this.addSql(`create index "contact_point_source_record_id_index" on "contact_point" ("source_record_id");`);

    // Records kept before matching existed said what their customer holds: the earliest one
    // of each customer is given the customer's fields and identifiers. Pinyin needs the
    // application: such records are found by name key and identifiers until they are resent.
    this.addSql(`update source_record sr set kind = c.kind, name = c.name,
        name_key = lower(regexp_replace(normalize(c.name, NFC), '[[:space:]·•・]', '', 'g')),
        gender = c.gender, birth_date = c.birth_date, branch_id = c.branch_id,
        marketing_consent = case when c.consent_at is not null then c.marketing_consent end,
        consent_at = c.consent_at, consent_channel = c.consent_channel
      from customer c where c.id = sr.customer_id;`);
    this.addSql(`with first_record as (
        select distinct on (customer_id) customer_id, id from source_record
        order by customer_id, received_at, id)
      insert into source_identifier (source_record_id, kind, value_hash, value_cipher, value_masked, checksum_exception)
      select f.id, d.type, d.number_hash, d.number_cipher, d.number_masked, d.checksum_exception
      from identity_document d join first_record f using (customer_id)
      where d.number_cipher is not null
      on conflict do nothing;`);
    this.addSql(`with first_record as (
        select distinct on (customer_id) customer_id, id from source_record
        order by customer_id, received_at, id)
      insert into source_identifier (source_record_id, kind, value_hash, value_cipher, value_masked,
        verification_status, verification_method, verified_at)
      select f.id, p.kind, p.value_hash, p.value_cipher, p.value_masked,
        p.verification_status, p.verification_method, p.verified_at
      from contact_point p join first_record f using (customer_id)
      where p.value_cipher is not null
      on conflict do nothing;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "customer_merge" cascade;`);

    this.addSql(`drop table if exists "source_identifier" cascade;`);

    this.addSql(`drop table if exists "match_review" cascade;`);

    this.addSql(`drop table if exists "match_decision" cascade;`);

    this.addSql(`alter table "audit_event" drop constraint if exists "audit_event_action_check";`);

    this.addSql(`alter table "contact_point" drop constraint "contact_point_source_record_id_foreign";`);

    this.addSql(`alter table "identity_document" drop constraint "identity_document_source_record_id_foreign";`);

    this.addSql(`alter table "source_record" drop constraint "source_record_branch_id_foreign";`);

    this.addSql(`alter table "audit_event" add constraint "audit_event_action_check" check("action" in ('PII_REVEAL', 'RULE_SET_ACTIVATION', 'ELIGIBILITY_DECISION', 'INGESTION_BATCH', 'SEGMENT_EXPORT', 'TRUSTED_DOCUMENT_CHANGE'));`);

    this.addSql(`drop index "contact_point_source_record_id_index";`);
    this.addSql(`alter table "contact_point" drop column "source_record_id", drop column "generic";`);

    this.addSql(`alter table "customer" drop column "lineage";`);

    this.addSql(`drop index "identity_document_source_record_id_index";`);
    this.addSql(`alter table "identity_document" drop column "source_record_id";`);

    this.addSql(`drop index "source_record_pinyin_birth_idx";`);
    this.addSql(`drop index "source_record_name_birth_idx";`);
    this.addSql(`alter table "source_record" drop column "kind", drop column "name", drop column "name_key", drop column "name_pinyin", drop column "gender", drop column "birth_date", drop column "branch_id", drop column "marketing_consent", drop column "consent_at", drop column "consent_channel", drop column "link_evidence";`);
  }

}

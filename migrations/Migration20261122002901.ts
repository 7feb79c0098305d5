import { Migration } from '@mikro-orm/migrations';

export class Migration20261122002901 extends Migration {

  override async up(): Promise<void> {
    // CIF numbers are 'C' + this sequence, zero-padded to 10 digits.
    this.addSql(`create sequence "cif_no_seq";`);
    this.addSql(`create table "branch" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "code" text not null, "name" text not null, "level" text check ("level" in ('HEAD_OFFICE', 'PROVINCIAL', 'CITY', 'COUNTY')) not null, "parent_id" uuid null, "path" text not null, constraint "branch_pkey" primary key ("id"));`);
    this.addSql(`alter table "branch" add constraint "branch_code_unique" unique ("code");`);
    this.addSql(`alter table "branch" add constraint "branch_path_unique" unique ("path");`);
    this.addSql(`create index "branch_path_prefix_idx" on "branch" ("path" text_pattern_ops);`);

    this.addSql(`create table "customer" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "cif_no" text not null, "kind" text check ("kind" in ('INDIVIDUAL', 'ORGANISATION')) not null, "name" text not null, "gender" text check ("gender" in ('MALE', 'FEMALE')) null, "birth_date" date null, "branch_id" uuid not null, "status" text check ("status" in ('ACTIVE', 'MERGED', 'DECEASED')) not null default 'ACTIVE', "merged_into_id" uuid null, "marketing_consent" boolean not null default false, "consent_at" timestamptz null, "consent_channel" text check ("consent_channel" in ('APP', 'WECHAT', 'CALL_CENTRE', 'PAPER', 'AGENT')) null, "version" int not null default 1, constraint "customer_pkey" primary key ("id"), constraint customer_consent_check check (not marketing_consent or consent_at is not null), constraint customer_merged_into_check check ((status = 'MERGED') = (merged_into_id is not null)), constraint customer_individual_attributes_check check (kind = 'INDIVIDUAL' or (gender is null and birth_date is null)));`);
    this.addSql(`alter table "customer" add constraint "customer_cif_no_unique" unique ("cif_no");`);
    this.addSql(`create index "customer_branch_id_index" on "customer" ("branch_id");`);

    this.addSql(`create table "contact_point" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "customer_id" uuid not null, "kind" text check ("kind" in ('MOBILE', 'EMAIL', 'ADDRESS')) not null, "value" text not null, "value_hash" bytea not null, "primary" boolean not null default false, "verification_status" text check ("verification_status" in ('UNVERIFIED', 'VERIFIED', 'FAILED')) not null default 'UNVERIFIED', "verification_method" text check ("verification_method" in ('SMS', 'CALL_BACK', 'EMAIL_LINK', 'IN_PERSON')) null, "verified_at" timestamptz null, constraint "contact_point_pkey" primary key ("id"), constraint contact_point_verified_check check (verification_status = 'UNVERIFIED' or (verification_method is not null and verified_at is not null)));`);
    this.addSql(`create index "contact_point_customer_id_index" on "contact_point" ("customer_id");`);
    this.addSql(`create index "contact_point_value_hash_idx" on "contact_point" ("kind", "value_hash");`);

    this.addSql(`create table "identity_document" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "customer_id" uuid not null, "type" text check ("type" in ('RESIDENT_ID', 'PASSPORT', 'HK_MACAO_PERMIT', 'TAIWAN_PERMIT', 'UNIFIED_SOCIAL_CREDIT_CODE')) not null, "number" text not null, "number_hash" bytea not null, "checksum_exception" boolean not null default false, constraint "identity_document_pkey" primary key ("id"));`);
    this.addSql(`create index "identity_document_customer_id_index" on "identity_document" ("customer_id");`);
    this.addSql(`alter table "identity_document" add constraint "identity_document_type_hash_unique" unique ("type", "number_hash");`);

    this.addSql(`create table "source_record" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "source_system" text check ("source_system" in ('POLICY_ADMIN', 'CLAIMS', 'CALL_CENTRE', 'APP', 'WECHAT', 'AGENCY', 'DEALER')) not null, "source_key" text not null, "customer_id" uuid not null, "attributes" jsonb not null, "content_hash" text not null, "received_at" timestamptz not null, constraint "source_record_pkey" primary key ("id"));`);
    this.addSql(`create index "source_record_customer_id_index" on "source_record" ("customer_id");`);
    this.addSql(`alter table "source_record" add constraint "source_record_system_key_unique" unique ("source_system", "source_key");`);

    this.addSql(`create table "vehicle" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "vin" text not null, "plate" text null, "use" text check ("use" in ('FAMILY_PRIVATE', 'NON_OPERATING', 'OPERATING', 'SPECIAL')) not null, "new_energy" boolean not null default false, constraint "vehicle_pkey" primary key ("id"));`);
    this.addSql(`alter table "vehicle" add constraint "vehicle_vin_unique" unique ("vin");`);
    this.addSql(`create index "vehicle_plate_index" on "vehicle" ("plate");`);

    this.addSql(`create table "policy" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "policy_no" text not null, "line" text check ("line" in ('COMPULSORY_AUTO', 'COMMERCIAL_AUTO', 'PROPERTY', 'MARINE', 'LIABILITY', 'ACCIDENT_HEALTH')) not null, "product_code" text not null, "channel" text check ("channel" in ('DEALER', 'PROFESSIONAL_AGENCY', 'INDIVIDUAL_AGENT', 'DIRECT', 'PHONE_ONLINE', 'NEW_PLATFORM')) not null, "branch_id" uuid not null, "effective_date" date not null, "expiry_date" date not null, "premium" numeric(14,2) not null, "sum_insured" numeric(16,2) not null, "status" text check ("status" in ('PENDING', 'IN_FORCE', 'EXPIRED', 'CANCELLED')) not null, "renews_id" uuid null, "vehicle_id" uuid null, "source_system" text check ("source_system" in ('POLICY_ADMIN', 'CLAIMS', 'CALL_CENTRE', 'APP', 'WECHAT', 'AGENCY', 'DEALER')) not null, "content_hash" text not null, "version" int not null default 1, constraint "policy_pkey" primary key ("id"), constraint policy_auto_vehicle_check check (vehicle_id is not null or (line <> 'COMPULSORY_AUTO' and line <> 'COMMERCIAL_AUTO')), constraint policy_amounts_check check (premium >= 0 and sum_insured >= 0), constraint policy_period_check check (expiry_date >= effective_date));`);
    this.addSql(`alter table "policy" add constraint "policy_policy_no_unique" unique ("policy_no");`);
    this.addSql(`create index "policy_branch_id_index" on "policy" ("branch_id");`);
    this.addSql(`create index "policy_vehicle_id_index" on "policy" ("vehicle_id");`);
    this.addSql(`create index "policy_expiry_idx" on "policy" ("expiry_date");`);

    this.addSql(`create table "policy_party" ("policy_id" uuid not null, "customer_id" uuid not null, "role" text check ("role" in ('POLICYHOLDER', 'INSURED')) not null, constraint "policy_party_pkey" primary key ("policy_id", "customer_id", "role"));`);
    this.addSql(`create index "policy_party_customer_idx" on "policy_party" ("customer_id", "policy_id");`);

    this.addSql(`create table "claim" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "claim_no" text not null, "policy_id" uuid not null, "claimant_id" uuid not null, "accident_at" timestamptz not null, "accident_place" text not null, "report_channel" text check ("report_channel" in ('PHONE', 'WECHAT', 'APP', 'AGENT')) not null, "reported_at" timestamptz not null, "registered_at" timestamptz null, "surveyed_at" timestamptz null, "assessed_at" timestamptz null, "approved_at" timestamptz null, "paid_at" timestamptz null, "closed_at" timestamptz null, "status" text check ("status" in ('REPORTED', 'REGISTERED', 'SURVEYED', 'ASSESSED', 'APPROVED', 'PAID', 'CLOSED', 'REJECTED', 'WITHDRAWN')) not null, "reserve" numeric(14,2) not null, "paid_amount" numeric(14,2) not null default '0', "single_party" boolean not null default false, "injury" boolean not null default false, "fast_track" text check ("fast_track" in ('DOCUMENT_FREE', 'SURVEY_FREE', 'FLASH')) null, "advance_payment" boolean not null default false, "direct_settlement" boolean not null default false, "complaints" int not null default 0, "source_system" text check ("source_system" in ('POLICY_ADMIN', 'CLAIMS', 'CALL_CENTRE', 'APP', 'WECHAT', 'AGENCY', 'DEALER')) not null, "content_hash" text not null, "version" int not null default 1, constraint "claim_pkey" primary key ("id"), constraint claim_reported_after_accident_check check (reported_at >= accident_at), constraint claim_complaints_check check (complaints >= 0), constraint claim_amounts_check check (reserve >= 0 and paid_amount >= 0), constraint claim_stage_order_check check ((registered_at is null or reported_at is null or registered_at >= reported_at) and (surveyed_at is null or reported_at is null or surveyed_at >= reported_at) and (surveyed_at is null or registered_at is null or surveyed_at >= registered_at) and (assessed_at is null or reported_at is null or assessed_at >= reported_at) and (assessed_at is null or registered_at is null or assessed_at >= registered_at) and (assessed_at is null or surveyed_at is null or assessed_at >= surveyed_at) and (approved_at is null or reported_at is null or approved_at >= reported_at) and (approved_at is null or registered_at is null or approved_at >= registered_at) and (approved_at is null or surveyed_at is null or approved_at >= surveyed_at) and (approved_at is null or assessed_at is null or approved_at >= assessed_at) and (paid_at is null or reported_at is null or paid_at >= reported_at) and (paid_at is null or registered_at is null or paid_at >= registered_at) and (paid_at is null or surveyed_at is null or paid_at >= surveyed_at) and (paid_at is null or assessed_at is null or paid_at >= assessed_at) and (paid_at is null or approved_at is null or paid_at >= approved_at) and (closed_at is null or reported_at is null or closed_at >= reported_at) and (closed_at is null or registered_at is null or closed_at >= registered_at) and (closed_at is null or surveyed_at is null or closed_at >= surveyed_at) and (closed_at is null or assessed_at is null or closed_at >= assessed_at) and (closed_at is null or approved_at is null or closed_at >= approved_at) and (closed_at is null or paid_at is null or closed_at >= paid_at)));`);
    this.addSql(`alter table "claim" add constraint "claim_claim_no_unique" unique ("claim_no");`);
    this.addSql(`create index "claim_claimant_id_index" on "claim" ("claimant_id");`);
    this.addSql(`create index "claim_policy_accident_idx" on "claim" ("policy_id", "accident_at");`);

    this.addSql(`create table "risk_score" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "source_system" text check ("source_system" in ('POLICY_ADMIN', 'CLAIMS', 'CALL_CENTRE', 'APP', 'WECHAT', 'AGENCY', 'DEALER')) not null, "source_key" text not null, "subject_type" text check ("subject_type" in ('CUSTOMER', 'CLAIM', 'VEHICLE')) not null, "customer_id" uuid null, "claim_id" uuid null, "vehicle_id" uuid null, "stage" text check ("stage" in ('REPORT', 'SURVEY', 'ASSESSMENT', 'APPROVAL', 'UNDERWRITING')) not null, "model" text not null, "model_version" text not null, "score" numeric(8,2) not null, "level" text check ("level" in ('LOW', 'MEDIUM', 'HIGH')) not null, "fired_rules" jsonb not null, "scored_at" timestamptz not null, "content_hash" text not null, constraint "risk_score_pkey" primary key ("id"), constraint risk_score_score_check check (score >= 0), constraint risk_score_subject_check check ((subject_type = 'CUSTOMER' and customer_id is not null and claim_id is null and vehicle_id is null)
    or (subject_type = 'CLAIM' and claim_id is not null and customer_id is null and vehicle_id is null)
    or (subject_type = 'VEHICLE' and vehicle_id is not null and customer_id is null and claim_id is null)));`);
    this.addSql(`create index "risk_score_vehicle_latest_idx" on "risk_score" ("vehicle_id", "stage", "scored_at" desc) where "vehicle_id" is not null;`);
    this.addSql(`create index "risk_score_claim_latest_idx" on "risk_score" ("claim_id", "stage", "scored_at" desc) where "claim_id" is not null;`);
    this.addSql(`create index "risk_score_customer_latest_idx" on "risk_score" ("customer_id", "stage", "scored_at" desc) where "customer_id" is not null;`);
    this.addSql(`alter table "risk_score" add constraint "risk_score_source_unique" unique ("source_system", "source_key");`);

    this.addSql(`alter table "branch" add constraint "branch_parent_id_foreign" foreign key ("parent_id") references "branch" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "customer" add constraint "customer_branch_id_foreign" foreign key ("branch_id") references "branch" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "customer" add constraint "customer_merged_into_id_foreign" foreign key ("merged_into_id") references "customer" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "contact_point" add constraint "contact_point_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "identity_document" add constraint "identity_document_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "source_record" add constraint "source_record_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "policy" add constraint "policy_branch_id_foreign" foreign key ("branch_id") references "branch" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "policy" add constraint "policy_renews_id_foreign" foreign key ("renews_id") references "policy" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "policy" add constraint "policy_vehicle_id_foreign" foreign key ("vehicle_id") references "vehicle" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "policy_party" add constraint "policy_party_policy_id_foreign" foreign key ("policy_id") references "policy" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "policy_party" add constraint "policy_party_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "claim" add constraint "claim_policy_id_foreign" foreign key ("policy_id") references "policy" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "claim" add constraint "claim_claimant_id_foreign" foreign key ("claimant_id") references "customer" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "risk_score" add constraint "risk_score_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "risk_score" add constraint "risk_score_claim_id_foreign" foreign key ("claim_id") references "claim" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "risk_score" add constraint "risk_score_vehicle_id_foreign" foreign key ("vehicle_id") references "vehicle" ("id") on update cascade on delete restrict;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop sequence if exists "cif_no_seq";`);
    this.addSql(`alter table "branch" drop constraint "branch_parent_id_foreign";`);

    this.addSql(`alter table "customer" drop constraint "customer_branch_id_foreign";`);

    this.addSql(`alter table "policy" drop constraint "policy_branch_id_foreign";`);

    this.addSql(`alter table "customer" drop constraint "customer_merged_into_id_foreign";`);

    this.addSql(`alter table "contact_point" drop constraint "contact_point_customer_id_foreign";`);

    this.addSql(`alter table "identity_document" drop constraint "identity_document_customer_id_foreign";`);

    this.addSql(`alter table "source_record" drop constraint "source_record_customer_id_foreign";`);

    this.addSql(`alter table "policy_party" drop constraint "policy_party_customer_id_foreign";`);

    this.addSql(`alter table "claim" drop constraint "claim_claimant_id_foreign";`);

    this.addSql(`alter table "risk_score" drop constraint "risk_score_customer_id_foreign";`);

    this.addSql(`alter table "policy" drop constraint "policy_vehicle_id_foreign";`);

    this.addSql(`alter table "risk_score" drop constraint "risk_score_vehicle_id_foreign";`);

    this.addSql(`alter table "policy" drop constraint "policy_renews_id_foreign";`);

    this.addSql(`alter table "policy_party" drop constraint "policy_party_policy_id_foreign";`);

    this.addSql(`alter table "claim" drop constraint "claim_policy_id_foreign";`);

    this.addSql(`alter table "risk_score" drop constraint "risk_score_claim_id_foreign";`);

    this.addSql(`drop table if exists "branch" cascade;`);

    this.addSql(`drop table if exists "customer" cascade;`);

    this.addSql(`drop table if exists "contact_point" cascade;`);

    this.addSql(`drop table if exists "identity_document" cascade;`);

    this.addSql(`drop table if exists "source_record" cascade;`);

    this.addSql(`drop table if exists "vehicle" cascade;`);

    this.addSql(`drop table if exists "policy" cascade;`);

    this.addSql(`drop table if exists "policy_party" cascade;`);

    this.addSql(`drop table if exists "claim" cascade;`);

    this.addSql(`drop table if exists "risk_score" cascade;`);
  }

}

import { Migration } from '@mikro-orm/migrations';

/**
 * Changes that queued no tier recompute: a policy role or a risk score moved to another
 * customer by UPDATE (matching moving a record with the rows that name it by source key, a
 * steward splitting a record off), a risk score or a claim deleted, and a contact point
 * deleted (its source stopped sending a verified mobile). Both customers' tiers kept what
 * they no longer held, a HIGH score's gate included. Each change now queues the customers
 * of its rows as they were and as they are.
 */
const TRIGGERS = [
  { name: 'tier_queue_party_policy_party_update', on: 'update', table: 'policy_party', rows: 'new', call: `tier_queue_party('policy')` },
  { name: 'tier_queue_party_policy_party_update_old', on: 'update', table: 'policy_party', rows: 'old', call: `tier_queue_party('policy')` },
  { name: 'tier_queue_risk_score_risk_score_update', on: 'update', table: 'risk_score', rows: 'new', call: `tier_queue_risk_score('risk score')` },
  { name: 'tier_queue_risk_score_risk_score_update_old', on: 'update', table: 'risk_score', rows: 'old', call: `tier_queue_risk_score('risk score')` },
  { name: 'tier_queue_risk_score_risk_score_delete', on: 'delete', table: 'risk_score', rows: 'old', call: `tier_queue_risk_score('risk score')` },
  { name: 'tier_queue_claim_claim_delete', on: 'delete', table: 'claim', rows: 'old', call: `tier_queue_claim('claim')` },
  { name: 'tier_queue_contact_contact_point_delete', on: 'delete', table: 'contact_point', rows: 'old', call: `tier_queue_contact('contact')` },
];

export class Migration20261204400000 extends Migration {
  override async up(): Promise<void> {
    for (const t of TRIGGERS) {
      this.addSql(`create trigger ${t.name} after ${t.on} on ${t.table}
        referencing ${t.rows} table as changed_rows
        for each statement execute function ${t.call};`);
    }
  }

  override async down(): Promise<void> {
    for (const t of TRIGGERS) this.addSql(`drop trigger ${t.name} on ${t.table};`);
  }
}

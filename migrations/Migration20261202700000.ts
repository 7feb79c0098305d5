import { Migration } from '@mikro-orm/migrations';

const ACTIONS = (actions: string[]) =>
  `alter table "audit_event" add constraint "audit_event_action_check" check ("action" in (${actions.map((a) => `'${a}'`).join(', ')}));`;

const BEFORE = [
  'PII_REVEAL',
  'RULE_SET_ACTIVATION',
  'ELIGIBILITY_DECISION',
  'INGESTION_BATCH',
  'SEGMENT_EXPORT',
  'TRUSTED_DOCUMENT_CHANGE',
  'CUSTOMER_MERGE',
  'CUSTOMER_UNMERGE',
  'MATCH_DECISION',
];

/** Records that matching moves between customers outside a merge are audited too. */
export class Migration20261202700000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "audit_event" drop constraint "audit_event_action_check";`);
    // In the enum's order, as the entities write the check.
    this.addSql(ACTIONS([...BEFORE.slice(0, 8), 'CUSTOMER_REGROUP', ...BEFORE.slice(8)]));
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "audit_event" drop constraint "audit_event_action_check";`);
    this.addSql(ACTIONS(BEFORE));
  }
}

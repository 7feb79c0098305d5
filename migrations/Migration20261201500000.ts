import { Migration } from '@mikro-orm/migrations';

const ACTIONS = (actions: string[]) =>
  `alter table "audit_event" add constraint "audit_event_action_check" check ("action" in (${actions.map((a) => `'${a}'`).join(', ')}));`;

const BEFORE = [
  'PII_REVEAL',
  'RULE_SET_ACTIVATION',
  'ELIGIBILITY_DECISION',
  'INGESTION_BATCH',
  'SEGMENT_EXPORT',
];

/** Changes to the set of trusted documents are audited too. */
export class Migration20261201500000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "audit_event" drop constraint "audit_event_action_check";`);
    this.addSql(ACTIONS([...BEFORE, 'TRUSTED_DOCUMENT_CHANGE']));
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "audit_event" drop constraint "audit_event_action_check";`);
    this.addSql(ACTIONS(BEFORE));
  }
}

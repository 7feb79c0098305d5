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
  'CUSTOMER_REGROUP',
  'MATCH_DECISION',
  'BRANCH_CHANGE',
  'CUSTOMER_LOOKUP',
];

/**
 * A source system's API key created or revoked is audited: granting and taking away access
 * is a change an auditor reads in the log, which cannot be rewritten as the key's row can.
 */
export class Migration20261204300000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "audit_event" drop constraint "audit_event_action_check";`);
    this.addSql(ACTIONS([...BEFORE, 'API_KEY_CHANGE']));
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "audit_event" drop constraint "audit_event_action_check";`);
    this.addSql(ACTIONS(BEFORE));
  }
}

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
];

/**
 * Changes to the organisation tree are audited as every other change is: whose callers see
 * which customers follows from it. Its history (`branch_history`) stays the tree's own
 * record of each version.
 */
export class Migration20261203100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "audit_event" drop constraint "audit_event_action_check";`);
    this.addSql(ACTIONS([...BEFORE, 'BRANCH_CHANGE']));
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "audit_event" drop constraint "audit_event_action_check";`);
    this.addSql(ACTIONS(BEFORE));
  }
}

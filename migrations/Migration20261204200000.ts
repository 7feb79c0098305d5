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
];

/**
 * A lookup by an identity number or a mobile is audited: it answers whether a number the
 * caller guessed is a customer's, which the masks alone would not tell.
 */
export class Migration20261204200000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "audit_event" drop constraint "audit_event_action_check";`);
    this.addSql(ACTIONS([...BEFORE, 'CUSTOMER_LOOKUP']));
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "audit_event" drop constraint "audit_event_action_check";`);
    this.addSql(ACTIONS(BEFORE));
  }
}

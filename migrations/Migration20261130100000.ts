import { Migration } from '@mikro-orm/migrations';

/**
 * "Policy" means an insurance policy and nothing else: the versioned tier and entitlement
 * rule documents become rule sets. Everything is renamed in place, so every version,
 * assignment and decision keeps its rows and its links.
 */
const RENAMES = {
  table: [['policy_version', 'rule_set_version']],
  constraints: [
    ['rule_set_version', 'policy_version_pkey', 'rule_set_version_pkey'],
    ['rule_set_version', 'policy_version_kind_version_unique', 'rule_set_version_kind_version_unique'],
    ['rule_set_version', 'policy_version_lifecycle_check', 'rule_set_version_lifecycle_check'],
    ['rule_set_version', 'policy_version_kind_check', 'rule_set_version_kind_check'],
    ['rule_set_version', 'policy_version_status_check', 'rule_set_version_status_check'],
    ['tier_assignment', 'tier_assignment_policy_version_id_foreign', 'tier_assignment_rule_set_version_id_foreign'],
    ['eligibility_decision', 'eligibility_decision_tier_policy_version_id_foreign', 'eligibility_decision_tier_rule_set_version_id_foreign'],
    ['eligibility_decision', 'eligibility_decision_entitlement_policy_version_id_foreign', 'eligibility_decision_entitlement_rule_set_version_id_foreign'],
  ],
  indexes: [['policy_version_one_active', 'rule_set_version_one_active']],
  columns: [
    ['tier_assignment', 'policy_version_id', 'rule_set_version_id'],
    ['eligibility_decision', 'tier_policy_version_id', 'tier_rule_set_version_id'],
    ['eligibility_decision', 'entitlement_policy_version_id', 'entitlement_rule_set_version_id'],
  ],
} as const;

/** The guard of Migration20261122003224, under the table's name of the day. */
const immutable = (table: string, words: string) => `create function ${table}_immutable() returns trigger language plpgsql as $$
      begin
        if old.status <> 'DRAFT' and (new.document is distinct from old.document
            or new.kind is distinct from old.kind or new.version is distinct from old.version) then
          raise exception '${words} % % is %: its rules never change', old.kind, old.version, old.status
            using errcode = 'check_violation', constraint = '${table}_immutable';
        end if;
        return new;
      end $$;`;

export class Migration20261130100000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`drop trigger policy_version_immutable on "policy_version";`);
    this.addSql(`drop function policy_version_immutable();`);
    for (const [from, to] of RENAMES.table) this.addSql(`alter table "${from}" rename to "${to}";`);
    for (const [table, from, to] of RENAMES.constraints) {
      this.addSql(`alter table "${table}" rename constraint "${from}" to "${to}";`);
    }
    for (const [from, to] of RENAMES.indexes) this.addSql(`alter index "${from}" rename to "${to}";`);
    for (const [table, from, to] of RENAMES.columns) {
      this.addSql(`alter table "${table}" rename column "${from}" to "${to}";`);
    }
    this.addSql(immutable('rule_set_version', 'rule set version'));
    this.addSql(`create trigger rule_set_version_immutable before update on rule_set_version
      for each row execute function rule_set_version_immutable();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger rule_set_version_immutable on "rule_set_version";`);
    this.addSql(`drop function rule_set_version_immutable();`);
    for (const [table, from, to] of RENAMES.columns) {
      this.addSql(`alter table "${table}" rename column "${to}" to "${from}";`);
    }
    for (const [from, to] of RENAMES.indexes) this.addSql(`alter index "${to}" rename to "${from}";`);
    for (const [table, from, to] of RENAMES.constraints) {
      this.addSql(`alter table "${table}" rename constraint "${to}" to "${from}";`);
    }
    for (const [from, to] of RENAMES.table) this.addSql(`alter table "${to}" rename to "${from}";`);
    this.addSql(immutable('policy_version', 'policy version'));
    this.addSql(`create trigger policy_version_immutable before update on policy_version
      for each row execute function policy_version_immutable();`);
  }

}

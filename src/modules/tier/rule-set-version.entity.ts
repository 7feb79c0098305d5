import { Check, Entity, Enum, Index, Property, Unique } from '@mikro-orm/core';
import { BaseEntity } from '../../db/base.entity';

/** Which rule set a version belongs to: tiers, or the entitlements tiers grant. */
export enum RuleSetKind {
  TIER = 'TIER',
  ENTITLEMENT = 'ENTITLEMENT',
}

export enum RuleSetVersionStatus {
  DRAFT = 'DRAFT',
  ACTIVE = 'ACTIVE',
  RETIRED = 'RETIRED',
}

/**
 * A version of a rule set, kept forever. Editing means a new draft; an active or retired
 * version never changes (a trigger refuses it too), so every assignment and decision can
 * name the exact rules it followed. One version per kind is active at a time.
 */
@Entity({ tableName: 'rule_set_version' })
@Unique({ name: 'rule_set_version_kind_version_unique', properties: ['kind', 'version'] })
@Index({
  name: 'rule_set_version_one_active',
  expression:
    'create unique index "rule_set_version_one_active" on "rule_set_version" ("kind") where "status" = \'ACTIVE\'',
})
@Check({
  name: 'rule_set_version_lifecycle_check',
  expression: `(status = 'DRAFT' and activated_at is null and retired_at is null)
    or (status = 'ACTIVE' and activated_at is not null and retired_at is null)
    or (status = 'RETIRED' and activated_at is not null and retired_at is not null and retired_at >= activated_at)`,
})
export class RuleSetVersion extends BaseEntity<'status'> {
  @Enum({ items: () => RuleSetKind, type: 'text' })
  kind!: RuleSetKind;

  @Property({ type: 'integer' })
  version!: number;

  @Enum({ items: () => RuleSetVersionStatus, type: 'text', default: RuleSetVersionStatus.DRAFT })
  status: RuleSetVersionStatus = RuleSetVersionStatus.DRAFT;

  @Property({ type: 'json' })
  document!: Record<string, unknown>;

  @Property({ type: 'text' })
  note!: string;

  @Property({ type: 'text' })
  createdBy!: string;

  /** From this instant the version governs; it is also when the previous one retired. */
  @Property({ type: 'datetime', nullable: true })
  activatedAt?: Date;

  @Property({ type: 'datetime', nullable: true })
  retiredAt?: Date;
}

import { Check, Entity, Enum, Index, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { BaseEntity } from '../../db/base.entity';

/**
 * The levels of the organisation tree, from the head office (总公司) down to county branches
 * (四级机构). A branch sits exactly one level below its parent, so the level is the depth:
 * moving a branch moves its whole subtree's levels with it.
 */
export enum BranchLevel {
  HEAD_OFFICE = 'HEAD_OFFICE',
  PROVINCIAL = 'PROVINCIAL',
  CITY = 'CITY',
  COUNTY = 'COUNTY',
}

/** The levels top down: a child's level is the next one after its parent's. */
export const BRANCH_LEVELS: readonly BranchLevel[] = [
  BranchLevel.HEAD_OFFICE,
  BranchLevel.PROVINCIAL,
  BranchLevel.CITY,
  BranchLevel.COUNTY,
];

/**
 * Codes are the key source systems know a branch by, and `path` joins them with dots:
 * letters, digits and hyphens only, so that a code can neither split a path nor act as a
 * LIKE wildcard in the subtree filters.
 */
/** Letters, digits and hyphens, at least one of them a letter or a digit ("-" names nothing). */
export const BRANCH_CODE = /^(?=.*[0-9A-Za-z])[0-9A-Za-z-]{1,32}$/;

/**
 * A node of the insurer's organisation tree. `path` holds the codes from the head office
 * down ("0000.3200.3201"), so a subtree is one prefix match on an index instead of a
 * recursive query on every marketing filter.
 *
 * The tree is kept by the database (migrations Migration20261130120000 and 130000):
 * triggers compute `path`, refuse cycles, levels out of step with the parent, an open branch
 * under a closed one and the closing of a branch that still has open children or active
 * customers, and lock the parent against a concurrent closing or move; a move rewrites the
 * subtree's paths and levels; every change is recorded in `branch_history`.
 * A code never changes, and a branch is never deleted: it closes (`valid_to`).
 */
@Entity({ tableName: 'branch' })
@Index({
  name: 'branch_path_prefix_idx',
  expression: 'create index "branch_path_prefix_idx" on "branch" ("path" text_pattern_ops)',
})
@Index({
  name: 'branch_one_head_office',
  expression:
    'create unique index "branch_one_head_office" on "branch" ((true)) where "parent_id" is null',
})
// One code, one branch, whatever its letters' case: X4 and x4 read as one on paper.
@Index({
  name: 'branch_code_upper',
  expression: 'create unique index "branch_code_upper" on "branch" (upper("code"))',
})
@Check({
  name: 'branch_code_check',
  expression: `code ~ '^[0-9A-Za-z-]{1,32}$' and code ~ '[0-9A-Za-z]'`,
})
@Check({ name: 'branch_name_check', expression: `btrim(name) <> ''` })
@Check({
  name: 'branch_period_check',
  expression: 'valid_to is null or valid_to >= valid_from',
})
@Check({
  name: 'branch_successor_check',
  expression: 'successor_id is null or (valid_to is not null and successor_id <> id)',
})
export class Branch extends BaseEntity<'validFrom'> {
  @Property({ type: 'text', unique: true })
  code!: string;

  @Property({ type: 'text' })
  name!: string;

  @Enum({ items: () => BranchLevel, type: 'text' })
  level!: BranchLevel;

  @ManyToOne(() => Branch, { nullable: true, deleteRule: 'restrict' })
  @Index()
  parent?: Rel<Branch>;

  @Property({ type: 'text', unique: true })
  path!: string;

  /** The first business day the branch is open. */
  @Property({ type: 'date', defaultRaw: 'current_date' })
  validFrom!: string;

  /** The business day the branch closed: open up to the day before. Open while null. */
  @Property({ type: 'date', nullable: true })
  validTo?: string;

  /** Where a closed branch's customers went: later records naming it resolve there. */
  @ManyToOne(() => Branch, { nullable: true, deleteRule: 'restrict' })
  successor?: Rel<Branch>;
}

import {
  Check,
  Entity,
  Enum,
  Index,
  ManyToOne,
  PrimaryKey,
  Property,
  type Rel,
} from '@mikro-orm/core';
import { Branch, BranchLevel } from './branch.entity';

/** What a version of a branch changed from the one before it. */
export enum BranchChange {
  CREATED = 'CREATED',
  RENAMED = 'RENAMED',
  /** Put under another parent. */
  MOVED = 'MOVED',
  /** An ancestor moved: same parent, another path. */
  PATH_CHANGED = 'PATH_CHANGED',
  LEVEL_CHANGED = 'LEVEL_CHANGED',
  CLOSED = 'CLOSED',
  REOPENED = 'REOPENED',
  /** Another first day, closing day or successor, the branch staying open or closed. */
  VALIDITY_CHANGED = 'VALIDITY_CHANGED',
}

/**
 * Every version of every branch, written by a trigger on `branch` (so that no writer can
 * skip it): the row as it became, what changed, when (the hub's business clock, passed in
 * the transaction setting `cif.at`), who (`cif.actor`) and why (`cif.reason`). A version is
 * current from `recorded_at` until the next one's `recorded_at` (`superseded_at`), so the
 * subtree a branch was in at any moment can be read back. It is the seam for the audit log:
 * written here, never updated but to close it, and never deleted.
 */
@Entity({ tableName: 'branch_history' })
@Index({ name: 'branch_history_branch_idx', properties: ['branch', 'recordedAt'] })
@Index({
  name: 'branch_history_current',
  expression:
    'create unique index "branch_history_current" on "branch_history" ("branch_id") where "superseded_at" is null',
})
@Check({
  name: 'branch_history_changes_check',
  expression: `cardinality(changes) > 0 and changes <@ array[${Object.values(BranchChange)
    .map((c) => `'${c}'`)
    .join(', ')}]::text[]`,
})
export class BranchHistory {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => Branch, { deleteRule: 'restrict' })
  branch!: Rel<Branch>;

  @Property({ type: 'text' })
  code!: string;

  @Property({ type: 'text' })
  name!: string;

  @Enum({ items: () => BranchLevel, type: 'text' })
  level!: BranchLevel;

  @ManyToOne(() => Branch, { nullable: true, deleteRule: 'restrict' })
  parent?: Rel<Branch>;

  @Property({ type: 'text' })
  path!: string;

  @Property({ type: 'date' })
  validFrom!: string;

  @Property({ type: 'date', nullable: true })
  validTo?: string;

  @ManyToOne(() => Branch, { nullable: true, deleteRule: 'restrict' })
  successor?: Rel<Branch>;

  @Enum({ items: () => BranchChange, type: 'text', array: true })
  changes!: BranchChange[];

  @Property({ type: 'datetime' })
  recordedAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  supersededAt?: Date;

  /** The caller (token subject and role), the CLI user, or the database role for raw SQL. */
  @Property({ type: 'text' })
  changedBy!: string;

  @Property({ type: 'text', nullable: true })
  reason?: string;
}

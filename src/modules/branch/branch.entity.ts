import { Entity, Enum, Index, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { BaseEntity } from '../../db/base.entity';

export enum BranchLevel {
  HEAD_OFFICE = 'HEAD_OFFICE',
  PROVINCIAL = 'PROVINCIAL',
  CITY = 'CITY',
  COUNTY = 'COUNTY',
}

/**
 * A node of the insurer's organisation tree. `path` holds the codes from the head office
 * down ("0000.3200.3201"), so a subtree is one prefix match on an index instead of a
 * recursive query on every marketing filter.
 */
@Entity({ tableName: 'branch' })
@Index({
  name: 'branch_path_prefix_idx',
  expression: 'create index "branch_path_prefix_idx" on "branch" ("path" text_pattern_ops)',
})
export class Branch extends BaseEntity {
  @Property({ type: 'text', unique: true })
  code!: string;

  @Property({ type: 'text' })
  name!: string;

  @Enum({ items: () => BranchLevel, type: 'text' })
  level!: BranchLevel;

  @ManyToOne(() => Branch, { nullable: true, deleteRule: 'restrict' })
  parent?: Rel<Branch>;

  @Property({ type: 'text', unique: true })
  path!: string;
}

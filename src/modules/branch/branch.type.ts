import { DateTimeScalar, LocalDateScalar } from '../../graphql/scalars';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { FIELDS } from '../../auth/access';
import { Connection, ConnectionArgs } from '../../graphql/connection';
import { MaxItems } from '../../graphql/limits/items';
import { Column, Expression, ReadsFrom, Related, type Nested } from '../../read/read-model';
import { Branch, BranchLevel } from './branch.entity';
import { BranchChange, BranchHistory } from './branch-history.entity';

export enum BranchStatus {
  OPEN = 'OPEN',
  CLOSED = 'CLOSED',
}
registerEnumType(BranchStatus, { name: 'BranchStatus' });
registerEnumType(BranchChange, {
  name: 'BranchChange',
  description: 'What a version of a branch changed from the version before it.',
});

@ObjectType('Branch', { description: 'A node of the organisation tree (机构).' })
@ReadsFrom(() => Branch)
export class BranchView {
  @Field(() => ID)
  @Column()
  id!: string;

  @Field(() => String, { description: 'The key source systems know the branch by; never reused.' })
  @Column()
  code!: string;

  @Field(() => String)
  @Column()
  name!: string;

  @Field(() => BranchLevel)
  @Column()
  level!: BranchLevel;

  @Field(() => String, { description: 'Codes from the head office down, dot-separated.' })
  @Column()
  path!: string;

  @Field(() => BranchStatus, { description: 'CLOSED once validTo is set.' })
  @Expression((b) => `case when ${b.col('validTo')} is null then 'OPEN' else 'CLOSED' end`)
  status!: BranchStatus;

  @Field(() => LocalDateScalar, { description: 'The first business day the branch is open.' })
  @Column()
  validFrom!: string;

  @Field(() => LocalDateScalar, {
    nullable: true,
    description: 'The business day the branch closed: it was open up to the day before.',
  })
  @Column()
  validTo?: string;

  @Field(() => BranchView, { nullable: true })
  @Related({
    kind: 'one',
    type: () => BranchView,
    source: (branch, parent) => ({ where: [`${parent.col('id')} = ${branch.col('parent')}`] }),
  })
  parent?: Nested<BranchView>;

  // No rule bounds a branch's children; costed as a large one of a real tree (dozens of
  // cities under a province), with room, rather than as a contact list's 10: read through
  // parent { children } three times, 118 bytes read a million branches of a branch of 100.
  @MaxItems(200)
  @Field(() => [BranchView], { description: 'The branches directly under it, by code.' })
  @Related({
    kind: 'many',
    type: () => BranchView,
    source: (branch, child) => ({ where: [`${child.col('parent')} = ${branch.col('id')}`] }),
    orderBy: (child) => [{ sql: child.col('code'), type: 'text', direction: 'asc' }],
  })
  children!: Nested<BranchView>[];

  @Field(() => BranchView, {
    nullable: true,
    description: 'For a closed branch: the branch its active customers were moved to.',
  })
  @Related({
    kind: 'one',
    type: () => BranchView,
    source: (branch, successor) => ({
      where: [`${successor.col('id')} = ${branch.col('successor')}`],
    }),
  })
  successor?: Nested<BranchView>;

  @Field(() => BranchHistoryConnection, {
    description: 'Every version of the branch, newest first: renames, moves, closings.',
  })
  @Related({
    kind: 'connection',
    type: () => BranchVersionView,
    args: () => ConnectionArgs,
    access: FIELDS.branchHistory,
    source: (branch, version) => ({
      where: [`${version.col('branch')} = ${branch.col('id')}`],
    }),
    orderBy: (version) => [
      { sql: version.col('recordedAt'), type: 'timestamptz', direction: 'desc' },
      { sql: version.col('id'), type: 'int', direction: 'desc' },
    ],
  })
  history!: Nested<InstanceType<typeof BranchHistoryConnection>>;
}

@ObjectType('BranchVersion', {
  description:
    'A branch as it was from recordedAt until supersededAt, with what changed, who changed it and why.',
})
@ReadsFrom(() => BranchHistory)
export class BranchVersionView {
  @Field(() => String)
  @Column()
  code!: string;

  @Field(() => String)
  @Column()
  name!: string;

  @Field(() => BranchLevel)
  @Column()
  level!: BranchLevel;

  @Field(() => String, { description: 'The subtree it was in: codes from the head office down.' })
  @Column()
  path!: string;

  @Field(() => BranchView, { nullable: true })
  @Related({
    kind: 'one',
    type: () => BranchView,
    source: (version, parent) => ({ where: [`${parent.col('id')} = ${version.col('parent')}`] }),
  })
  parent?: Nested<BranchView>;

  @Field(() => LocalDateScalar)
  @Column()
  validFrom!: string;

  @Field(() => LocalDateScalar, { nullable: true })
  @Column()
  validTo?: string;

  @Field(() => BranchView, { nullable: true })
  @Related({
    kind: 'one',
    type: () => BranchView,
    source: (version, successor) => ({
      where: [`${successor.col('id')} = ${version.col('successor')}`],
    }),
  })
  successor?: Nested<BranchView>;

  @Field(() => [BranchChange])
  @Column()
  changes!: BranchChange[];

  @Field(() => DateTimeScalar)
  @Column()
  recordedAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  @Column()
  supersededAt?: Date;

  @Field(() => String, { description: 'Who made the change: subject (role), or the loader.' })
  @Column()
  changedBy!: string;

  @Field(() => String, { nullable: true })
  @Column()
  reason?: string;
}

export const BranchHistoryConnection = Connection(BranchVersionView, 'BranchVersion');
export const BranchConnection = Connection(BranchView, 'Branch');

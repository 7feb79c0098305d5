import { Field, ID, Int, ObjectType } from 'type-graphql';
import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import { Connection } from '../../graphql/connection';
import { Column, ReadsFrom, Related, type Nested } from '../../read/read-model';
import { RuleSetKind, RuleSetVersion, RuleSetVersionStatus } from './rule-set-version.entity';
import { TierAssignment } from './tier-assignment.entity';

@ObjectType('RuleSetVersion', { description: 'A version of the tier or entitlement rules.' })
@ReadsFrom(() => RuleSetVersion)
export class RuleSetVersionView {
  @Field(() => ID)
  @Column()
  id!: string;

  @Field(() => RuleSetKind)
  @Column()
  kind!: RuleSetKind;

  @Field(() => Int)
  @Column()
  version!: number;

  @Field(() => RuleSetVersionStatus)
  @Column()
  status!: RuleSetVersionStatus;

  @Field(() => String)
  @Column()
  note!: string;

  @Field(() => String)
  @Column()
  createdBy!: string;

  @Field(() => DateTimeResolver)
  @Column()
  createdAt!: Date;

  @Field(() => DateTimeResolver, { nullable: true })
  @Column()
  activatedAt?: Date;

  @Field(() => DateTimeResolver, { nullable: true })
  @Column()
  retiredAt?: Date;

  @Field(() => JSONObjectResolver, { description: 'The rules themselves.' })
  @Column()
  document!: Record<string, unknown>;
}

@ObjectType('TierAssignment', {
  description: 'A tier over a period, with the metric values and reasons it was decided on.',
})
@ReadsFrom(() => TierAssignment)
export class TierAssignmentView {
  @Field(() => String)
  @Column()
  tier!: string;

  @Field(() => String, { description: 'The risk-health class, e.g. QUALITY.' })
  @Column()
  riskClass!: string;

  @Field(() => String, { description: 'The value class, e.g. HIGH.' })
  @Column()
  valueClass!: string;

  @Field(() => [String], { description: 'In plain words, e.g. "no claim in 36 months".' })
  @Column()
  reasons!: string[];

  @Field(() => JSONObjectResolver, { description: 'The metric values used, by metric key.' })
  @Column()
  metrics!: Record<string, unknown>;

  @Field(() => String, { description: 'CHANGE, SCHEDULE or ACTIVATION.' })
  @Column()
  cause!: string;

  @Field(() => DateTimeResolver)
  @Column()
  validFrom!: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: 'Null while it holds.' })
  @Column()
  validTo?: Date;

  @Field(() => RuleSetVersionView)
  @Related({
    kind: 'one',
    type: () => RuleSetVersionView,
    source: (assignment, version) => ({
      where: [`${version.col('id')} = ${assignment.col('ruleSetVersion')}`],
    }),
  })
  ruleSetVersion!: Nested<RuleSetVersionView>;
}

export const TierAssignmentConnection = Connection(TierAssignmentView, 'TierAssignment');
export const RuleSetVersionConnection = Connection(RuleSetVersionView, 'RuleSetVersion');

/**
 * The end of a business day, as SQL: "the tier on 2026-07-01" is the tier that held when
 * that day ended in the business zone, the zone every hub session runs in (src/db/pg.ts).
 */
export const endOfDay = (dateSql: string) => `((${dateSql})::date + 1)::timestamptz`;

export const startOfDay = (dateSql: string) => `((${dateSql})::date)::timestamptz`;

/** The assignment in force at `at` (an instant, SQL), or the open one when `at` is absent. */
export const assignmentAt = (alias: string, at?: string) =>
  at
    ? `${alias}.valid_from < ${at} and (${alias}.valid_to is null or ${alias}.valid_to >= ${at})`
    : `${alias}.valid_to is null`;

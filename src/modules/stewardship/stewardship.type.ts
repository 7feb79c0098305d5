import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { JSONObjectResolver } from 'graphql-scalars';
import { ROWS } from '../../auth/rows';
import { Connection } from '../../graphql/connection';
import {
  Column,
  DerivedColumn,
  DerivedRow,
  Expression,
  ReadsFrom,
  Related,
  type Nested,
} from '../../read/read-model';
import type { SqlScope } from '../../read/sql-scope';
import { CustomerView } from '../customer/customer.type';
import { SourceRecordView } from '../customer/source-record.type';
import { CustomerMerge, MergeKind } from '../golden/customer-merge.entity';
import { MatchDecision, MatchVerdict } from '../golden/match-decision.entity';
import { MatchReview, ReviewStatus } from '../golden/match-review.entity';
import { DateTimeScalar } from '../../graphql/scalars';

registerEnumType(ReviewStatus, { name: 'ReviewStatus' });
registerEnumType(MatchVerdict, { name: 'MatchVerdict' });
registerEnumType(MergeKind, { name: 'MergeKind' });

/** The source record `column` of the row names, as a relation's source. */
const recordOf = (row: SqlScope, column: string, record: SqlScope) => ({
  where: [`${record.col('id')} = ${row.col(column)}`],
});

/** The customer the source record `column` of the row is with now. */
const customerOfRecord = (row: SqlScope, column: string, customer: SqlScope) => ({
  where: [
    `${customer.col('id')} = (select sr.customer_id from source_record sr where sr.id = ${row.col(column)})`,
  ],
});

@ObjectType('MatchEvidence', { description: 'One comparison of a pair of source records.' })
@DerivedRow()
export class MatchEvidenceView {
  @Field(() => String, { description: 'What was compared: name, birthDate, mobile...' })
  @Expression((item) => `${item.alias}.e->>'field'`)
  field!: string;

  @Field(() => String, { description: 'How it compared: agree, partial, disagree, missing...' })
  @Expression((item) => `${item.alias}.e->>'outcome'`)
  outcome!: string;

  @Field(() => Float, { description: 'Its weight in the score (log2 of a likelihood ratio).' })
  @Expression((item) => `(${item.alias}.e->>'weight')::float8`)
  weight!: number;

  @Field(() => String, { nullable: true, description: 'Anything more the comparison noted.' })
  @Expression((item) => `${item.alias}.e->>'detail'`)
  detail?: string;
}

@ObjectType('MatchReview', {
  description:
    'Two source records that may be one customer: their comparison scored between the review and link thresholds.',
})
@ReadsFrom(() => MatchReview, { rows: ROWS.matchReview })
export class MatchReviewView {
  @Field(() => ID)
  @Column()
  id!: string;

  @Field(() => Float, { description: 'The total weight of the comparison.' })
  @Column()
  score!: number;

  @Field(() => String, { description: 'The matching rule that proposed the pair.' })
  @Column()
  rule!: string;

  @Field(() => [MatchEvidenceView])
  @Related({
    kind: 'many',
    type: () => MatchEvidenceView,
    source: (review, item) => ({
      from: `jsonb_array_elements(${review.col('evidence')}) with ordinality as ${item.alias}(e, n)`,
      where: [],
    }),
    orderBy: (item) => [{ sql: `${item.alias}.n`, type: 'int', direction: 'asc' }],
  })
  evidence!: MatchEvidenceView[];

  @Field(() => ReviewStatus)
  @Column()
  status!: ReviewStatus;

  @Field(() => DateTimeScalar, { description: 'When matching proposed the pair.' })
  @Column()
  createdAt!: Date;

  @Field(() => SourceRecordView)
  @Related({
    seenWithParent: true,
    kind: 'one',
    type: () => SourceRecordView,
    source: (review, record) => recordOf(review, 'recordA', record),
  })
  recordA!: Nested<SourceRecordView>;

  @Field(() => SourceRecordView)
  @Related({
    seenWithParent: true,
    kind: 'one',
    type: () => SourceRecordView,
    source: (review, record) => recordOf(review, 'recordB', record),
  })
  recordB!: Nested<SourceRecordView>;

  @Field(() => CustomerView, { nullable: true, description: 'The customer record A is with now.' })
  @Related({
    kind: 'one',
    type: () => CustomerView,
    source: (review, customer) => customerOfRecord(review, 'recordA', customer),
  })
  customerA?: Nested<CustomerView>;

  @Field(() => CustomerView, { nullable: true, description: 'The customer record B is with now.' })
  @Related({
    kind: 'one',
    type: () => CustomerView,
    source: (review, customer) => customerOfRecord(review, 'recordB', customer),
  })
  customerB?: Nested<CustomerView>;

  @Field(() => String, { nullable: true })
  @Column()
  decidedBy?: string;

  @Field(() => DateTimeScalar, { nullable: true })
  @Column()
  decidedAt?: Date;

  @Field(() => String, { nullable: true, description: "The steward's reason." })
  @Column()
  reason?: string;
}

export const MatchReviewConnection = Connection(MatchReviewView, 'MatchReview');

@ObjectType('MatchDecision', {
  description:
    "A steward's verdict on two source records; matching never undoes it, directly or through others.",
})
@ReadsFrom(() => MatchDecision, { rows: ROWS.matchDecision })
export class MatchDecisionView {
  @Field(() => ID)
  @Column()
  id!: string;

  @Field(() => MatchVerdict)
  @Column()
  verdict!: MatchVerdict;

  @Field(() => SourceRecordView)
  @Related({
    seenWithParent: true,
    kind: 'one',
    type: () => SourceRecordView,
    source: (decision, record) => recordOf(decision, 'recordA', record),
  })
  recordA!: Nested<SourceRecordView>;

  @Field(() => SourceRecordView)
  @Related({
    seenWithParent: true,
    kind: 'one',
    type: () => SourceRecordView,
    source: (decision, record) => recordOf(decision, 'recordB', record),
  })
  recordB!: Nested<SourceRecordView>;

  @Field(() => String)
  @Column()
  decidedBy!: string;

  @Field(() => DateTimeScalar)
  @Column()
  decidedAt!: Date;

  @Field(() => String)
  @Column()
  reason!: string;
}

@ObjectType('MergedRows', { description: 'What a merge changed in one table.' })
@DerivedRow()
export class MergedRowsView {
  @Field(() => String)
  @DerivedColumn('table_name')
  table!: string;

  @Field(() => Int, {
    description:
      "Rows moved to the survivor; for tier_assignment, the absorbed customer's open tier, ended.",
  })
  @DerivedColumn('changed')
  changed!: number;

  @Field(() => Int, {
    description: 'Rows dropped because the survivor held the same (a role on a policy).',
  })
  @DerivedColumn('removed')
  removed!: number;
}

@ObjectType('CustomerMerge', {
  description: 'One customer absorbed into another; unmergeCustomers undoes it.',
})
@ReadsFrom(() => CustomerMerge, { rows: ROWS.customerMerge })
export class CustomerMergeView {
  @Field(() => ID)
  @Column()
  id!: string;

  @Field(() => MergeKind)
  @Column()
  kind!: MergeKind;

  @Field(() => CustomerView, { nullable: true, description: 'The customer that absorbed.' })
  @Related({
    kind: 'one',
    type: () => CustomerView,
    source: (merge, customer) => ({
      where: [`${customer.col('id')} = ${merge.col('survivor')}`],
    }),
  })
  survivor?: Nested<CustomerView>;

  @Field(() => CustomerView, {
    nullable: true,
    description: 'The customer absorbed (MERGED until the merge is undone, or merged again since).',
  })
  @Related({
    kind: 'one',
    type: () => CustomerView,
    source: (merge, customer) => ({
      where: [`${customer.col('id')} = ${merge.col('absorbed')}`],
    }),
  })
  absorbed?: Nested<CustomerView>;

  @Field(() => JSONObjectResolver, {
    nullable: true,
    description: 'The comparison that joined them, for automatic merges.',
  })
  @Column()
  evidence?: Record<string, unknown>;

  @Field(() => String)
  @Column()
  mergedBy!: string;

  @Field(() => DateTimeScalar)
  @Column()
  mergedAt!: Date;

  @Field(() => String, { nullable: true })
  @Column()
  reason?: string;

  @Field(() => [MergedRowsView], { description: 'What the merge changed, table by table.' })
  @Related({
    kind: 'many',
    type: () => MergedRowsView,
    source: (merge, rows) => {
      const part = (name: string) => `${merge.col('journal')}->'${name}'`;
      return {
        from: `(select k as table_name,
            coalesce(jsonb_array_length(${part('changed')}->k), 0) as changed,
            coalesce(jsonb_array_length(${part('removed')}->k), 0) as removed
          from (select jsonb_object_keys(${part('changed')}) as k
                union select jsonb_object_keys(${part('removed')})) keys) ${rows.alias}`,
        where: [],
      };
    },
    orderBy: (rows) => [{ sql: `${rows.alias}.table_name`, type: 'text', direction: 'asc' }],
  })
  changes!: MergedRowsView[];

  @Field(() => DateTimeScalar, { nullable: true })
  @Column()
  unmergedAt?: Date;

  @Field(() => String, { nullable: true })
  @Column()
  unmergedBy?: string;

  @Field(() => String, { nullable: true })
  @Column()
  unmergeReason?: string;
}

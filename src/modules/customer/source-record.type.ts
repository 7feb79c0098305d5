import { Field, Float, ID, ObjectType } from 'type-graphql';
import { JSONObjectResolver } from 'graphql-scalars';
import { FIELDS } from '../../auth/access';
import { ROWS } from '../../auth/rows';
import { Column, Expression, ReadsFrom, Related } from '../../read/read-model';
import { MatchEvidenceView } from '../stewardship/stewardship.type';
import { SourceSystem } from './customer.enums';
import { SourceRecord } from './source-record.entity';
import { DateTimeScalar } from '../../graphql/scalars';

@ObjectType('SourceRecord', { description: 'What one source system sent about the customer.' })
@ReadsFrom(() => SourceRecord, { rows: ROWS.sourceRecord })
export class SourceRecordView {
  @Field(() => ID)
  @Column()
  id!: string;

  @Field(() => SourceSystem)
  @Column()
  sourceSystem!: SourceSystem;

  @Field(() => String)
  @Column()
  sourceKey!: string;

  @Field(() => DateTimeScalar)
  @Column()
  receivedAt!: Date;

  @Field(() => String, {
    nullable: true,
    description:
      'Why matching put the record with its customer: SAME_DOCUMENT, ID_TYPO, PROBABILISTIC or STEWARD (a steward merged them). Null for a customer of one record.',
  })
  @Expression((record) => `${record.col('linkEvidence')}->>'rule'`)
  linkRule?: string;

  @Field(() => Float, { nullable: true, description: 'The total weight of that link.' })
  @Expression((record) => `(${record.col('linkEvidence')}->>'score')::float8`)
  linkScore?: number;

  @Field(() => String, {
    nullable: true,
    description: 'The record it was linked with, as SYSTEM:key.',
  })
  @Expression((record) => `${record.col('linkEvidence')}->>'with'`)
  linkedWith?: string;

  @Field(() => [MatchEvidenceView], { description: 'The comparisons behind the link.' })
  @Related({
    kind: 'many',
    type: () => MatchEvidenceView,
    source: (record, item) => ({
      from: `jsonb_array_elements(coalesce(${record.col('linkEvidence')}->'evidence', '[]')) with ordinality as ${item.alias}(e, n)`,
      where: [],
    }),
    orderBy: (item) => [{ sql: `${item.alias}.n`, type: 'int', direction: 'asc' }],
  })
  linkEvidence!: MatchEvidenceView[];

  @Field(() => JSONObjectResolver, {
    description:
      'As sent, with mobiles, e-mails and document numbers masked as everywhere: data stewards only.',
  })
  @Column({ access: FIELDS.sourceAttributes })
  attributes!: Record<string, unknown>;
}

/**
 * `sourceRecord` of a golden row that a source record carries (a contact point, an identity
 * document): its lineage, under the rule that guards the match evidence.
 */
export function CarriedBy(): PropertyDecorator {
  const related = Related({
    access: FIELDS.matchEvidence,
    seenWithParent: true,
    kind: 'one',
    type: () => SourceRecordView,
    source: (row, record) => ({ where: [`${record.col('id')} = ${row.col('sourceRecord')}`] }),
  });
  const field = Field(() => SourceRecordView, {
    nullable: true,
    description:
      'The source record that carries it (lineage; null for one loaded before matching): stewards and underwriting.',
  });
  return (target, key) => {
    related(target, key);
    field(target, key);
  };
}

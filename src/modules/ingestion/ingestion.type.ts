import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum RecordStatus {
  CREATED = 'CREATED',
  UPDATED = 'UPDATED',
  UNCHANGED = 'UNCHANGED',
  REJECTED = 'REJECTED',
}
registerEnumType(RecordStatus, { name: 'RecordStatus' });

@ObjectType('RecordError', { description: 'Why a record was rejected: which field, which rule.' })
export class RecordError {
  @Field(() => String, { description: 'Path inside the record, e.g. identityDocuments[0].number.' })
  field!: string;

  @Field(() => String, { description: 'A stable rule code, e.g. ID_CHECKSUM.' })
  rule!: string;

  @Field(() => String)
  message!: string;
}

@ObjectType('RecordOutcome')
export class RecordOutcome {
  @Field(() => Int, { description: 'Position of the record in the batch.' })
  index!: number;

  @Field(() => String, { description: 'The business key the record was sent under.' })
  key!: string;

  @Field(() => RecordStatus)
  status!: RecordStatus;

  @Field(() => ID, {
    nullable: true,
    description: 'The record in the hub (a customer for customer records).',
  })
  id?: string;

  @Field(() => [RecordError], { description: 'Why the record was rejected; empty otherwise.' })
  errors!: RecordError[];

  @Field(() => [RecordError], {
    description:
      'What was accepted but deserves a look at the source, e.g. USCC_CHECKSUM for an early credit code.',
  })
  warnings!: RecordError[];
}

@ObjectType('IngestionResult')
export class IngestionResult {
  @Field(() => Int)
  accepted!: number;

  @Field(() => Int)
  rejected!: number;

  @Field(() => [RecordOutcome])
  records!: RecordOutcome[];
}

/** What writing one record came to, and what it was accepted with but deserves a look. */
export interface IngestedRecord {
  status: RecordStatus;
  id: string;
  warnings?: RecordError[];
}

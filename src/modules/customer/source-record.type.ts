import { Field, ID, ObjectType } from 'type-graphql';
import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import { FIELDS } from '../../auth/access';
import { Column, ReadsFrom } from '../../read/read-model';
import { SourceSystem } from './customer.enums';
import { SourceRecord } from './source-record.entity';

@ObjectType('SourceRecord', { description: 'What one source system sent about the customer.' })
@ReadsFrom(() => SourceRecord)
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

  @Field(() => DateTimeResolver)
  @Column()
  receivedAt!: Date;

  @Field(() => JSONObjectResolver, { description: 'As sent, unmasked: data stewards only.' })
  @Column({ access: FIELDS.sourceAttributes })
  attributes!: Record<string, unknown>;
}

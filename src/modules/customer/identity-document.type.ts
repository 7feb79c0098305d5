import { Field, ID, ObjectType } from 'type-graphql';
import { FIELDS } from '../../auth/access';
import { Column, ReadsFrom, type Nested } from '../../read/read-model';
import { CarriedBy, type SourceRecordView } from './source-record.type';
import { IdentityDocumentType } from './customer.enums';
import { IdentityDocument } from './identity-document.entity';

@ObjectType('IdentityDocument')
@ReadsFrom(() => IdentityDocument)
export class IdentityDocumentView {
  @Field(() => ID)
  @Column()
  id!: string;

  @Field(() => IdentityDocumentType)
  @Column()
  type!: IdentityDocumentType;

  @Field(() => String, {
    description:
      'Masked to the last 4 characters (**************002X); refused to marketing. The whole number: reveal.',
  })
  @Column({ property: 'numberMasked', access: FIELDS.identityNumber })
  number!: string;

  @Field(() => Boolean, {
    description: 'A credit code that fails its GB 32100 check character but is legally valid.',
  })
  @Column()
  checksumException!: boolean;

  @CarriedBy()
  sourceRecord?: Nested<SourceRecordView>;
}

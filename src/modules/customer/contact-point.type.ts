import { Field, ID, ObjectType } from 'type-graphql';
import { FIELDS } from '../../auth/access';
import { Column, ReadsFrom, type Nested } from '../../read/read-model';
import { CarriedBy, type SourceRecordView } from './source-record.type';
import { ContactPoint } from './contact-point.entity';
import { ContactKind, VerificationMethod, VerificationStatus } from './customer.enums';
import { DateTimeScalar } from '../../graphql/scalars';

@ObjectType('ContactPoint')
@ReadsFrom(() => ContactPoint)
export class ContactPointView {
  @Field(() => ID)
  @Column()
  id!: string;

  @Field(() => ContactKind)
  @Column()
  kind!: ContactKind;

  @Field(() => String, {
    description: 'Masked (138****5678, z***@example.com, 江苏省***). The whole value: reveal.',
  })
  @Column({ property: 'valueMasked', access: FIELDS.contactValue })
  value!: string;

  @Field(() => Boolean)
  @Column()
  primary!: boolean;

  @Field(() => Boolean, {
    description:
      "A mobile or e-mail shared by many unrelated customers (a dealer's or an agent's phone): no evidence of who the customer is, and no way to reach them (contact authenticity). Never an address.",
  })
  @Column()
  generic!: boolean;

  @Field(() => VerificationStatus)
  @Column()
  verificationStatus!: VerificationStatus;

  @Field(() => VerificationMethod, { nullable: true })
  @Column()
  verificationMethod?: VerificationMethod;

  @Field(() => DateTimeScalar, { nullable: true })
  @Column()
  verifiedAt?: Date;

  @CarriedBy()
  sourceRecord?: Nested<SourceRecordView>;
}

import { Field, InputType, ObjectType } from 'type-graphql';
import { DateTimeScalar } from '../../graphql/scalars';

@ObjectType('TrustedDocument', {
  description:
    'A registered GraphQL document: roles restricted to trusted documents run only these, by hash.',
})
export class TrustedDocumentView {
  @Field(() => String, {
    description:
      'Lower-case hex SHA-256 of the document: send it as extensions.persistedQuery.sha256Hash or documentId.',
  })
  hash!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String)
  document!: string;

  @Field(() => String, { description: 'Who registered it: subject (role), or cli:<user>.' })
  registeredBy!: string;

  @Field(() => DateTimeScalar)
  registeredAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  revokedAt?: Date | null;

  @Field(() => String, { nullable: true })
  revokedBy?: string | null;
}

@ObjectType('TrustedDocumentRegistration')
export class TrustedDocumentRegistrationView {
  @Field(() => String, { description: 'CREATED, UNCHANGED (already registered) or REACTIVATED.' })
  outcome!: string;

  @Field(() => TrustedDocumentView)
  trustedDocument!: TrustedDocumentView;
}

@InputType('TrustedDocumentInput')
export class TrustedDocumentInput {
  @Field(() => String, { description: 'The document text, exactly as clients hash it.' })
  document!: string;

  @Field(() => String, { nullable: true, description: 'The operation name, for people.' })
  name?: string | null;
}

import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { RevealPurpose } from '../../auth/access';

registerEnumType(RevealPurpose, {
  name: 'RevealPurpose',
  description: 'Why the unmasked value is needed; recorded in the audit log.',
});

@InputType('RevealTarget', { description: 'Exactly one value to reveal.' })
export class RevealTarget {
  @Field(() => ID, { nullable: true, description: "An identity document's number." })
  identityDocumentId?: string;

  @Field(() => ID, { nullable: true, description: "A contact point's value." })
  contactPointId?: string;
}

@ObjectType('RevealedValue', { description: 'An unmasked value, given for a stated purpose.' })
export class RevealedValue {
  @Field(() => ID, { description: 'The identity document or contact point.' })
  id!: string;

  @Field(() => String)
  value!: string;

  @Field(() => RevealPurpose)
  purpose!: RevealPurpose;

  @Field(() => ID, { description: 'The audit entry that records this reveal.' })
  auditEventId!: string;
}

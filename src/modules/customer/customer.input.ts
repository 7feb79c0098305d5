import { Field, ID, InputType } from 'type-graphql';
import { IdentityDocumentType } from './customer.enums';

@InputType('IdentityDocumentKey')
export class IdentityDocumentKey {
  @Field(() => IdentityDocumentType)
  type!: IdentityDocumentType;

  @Field(() => String)
  number!: string;
}

@InputType('CustomerLookup', { description: 'Exactly one key that identifies the customer.' })
export class CustomerLookup {
  @Field(() => ID, { nullable: true, description: 'The hub id of the customer (a UUID).' })
  id?: string;

  @Field(() => String, { nullable: true })
  cifNo?: string;

  @Field(() => IdentityDocumentKey, { nullable: true })
  identityDocument?: IdentityDocumentKey;

  @Field(() => String, {
    nullable: true,
    description:
      "A mainland mobile number; the customer who verified it, else the latest to give it. A number shared by many customers (generic: a dealer's) finds only a holder who verified it by SMS or call-back.",
  })
  mobile?: string;

  @Field(() => String, { nullable: true, description: "The policy's policyholder." })
  policyNo?: string;

  @Field(() => String, {
    nullable: true,
    description:
      "The policyholder of the vehicle's current policy the caller sees: the latest started by today, else the first bought ahead.",
  })
  vin?: string;

  @Field(() => String, {
    nullable: true,
    description:
      'The policyholder of the current policy the caller sees (the latest started by today, else the first bought ahead) of the vehicle that policy gives this plate.',
  })
  plate?: string;
}

import { Field, ID, InputType } from 'type-graphql';
import { DateTimeScalar, DecimalScalar } from '../../graphql/scalars';
import { RuledField } from '../ingestion/field-rules';

@InputType('ClaimContextInput', {
  description: 'The claim as the front line knows it at report time.',
})
export class ClaimContextInput {
  @Field(() => DecimalScalar, { description: 'Estimated amount, CNY.' })
  amount!: string;

  @Field(() => Boolean)
  singleParty!: boolean;

  @Field(() => Boolean)
  injury!: boolean;

  @Field(() => DateTimeScalar)
  accidentAt!: Date;

  @RuledField('ClaimContextInput.accidentPlace', { nullable: true })
  accidentPlace?: string;

  @Field(() => Boolean, { nullable: true, description: 'Repair at a partner shop.' })
  partnerShop?: boolean;
}

@InputType('EligibilityRequest')
export class EligibilityRequest {
  @Field(() => ID, { description: 'The hub id of the customer (a UUID).' })
  customerId!: string;

  @Field(() => String, { description: 'A service code of the active entitlement rules.' })
  service!: string;

  @Field(() => ClaimContextInput)
  claim!: ClaimContextInput;
}

import { ArgsType, Field } from 'type-graphql';
import { LocalDateScalar } from './scalars';

@ArgsType()
export class AsOfArgs {
  @Field(() => LocalDateScalar, {
    nullable: true,
    description: 'Today or a past date (business time); defaults to today.',
  })
  asOf?: string;
}

import { LocalDateScalar } from './scalars';
import { ArgsType, Field } from 'type-graphql';

@ArgsType()
export class AsOfArgs {
  @Field(() => LocalDateScalar, { nullable: true, description: 'Defaults to today.' })
  asOf?: string;
}

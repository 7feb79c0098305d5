import { ArgsType, Field } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';

@ArgsType()
export class AsOfArgs {
  @Field(() => LocalDateResolver, { nullable: true, description: 'Defaults to today.' })
  asOf?: string;
}

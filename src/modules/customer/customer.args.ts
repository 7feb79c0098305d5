import { ArgsType, Field } from 'type-graphql';
import { ConnectionArgs } from '../../graphql/connection';
import { LineOfBusiness, PolicyStatus } from '../policy/policy.enums';

@ArgsType()
export class CustomerPoliciesArgs extends ConnectionArgs {
  @Field(() => [PolicyStatus], { nullable: true })
  status?: PolicyStatus[];

  @Field(() => [LineOfBusiness], { nullable: true })
  line?: LineOfBusiness[];
}

@ArgsType()
export class CustomerClaimsArgs extends ConnectionArgs {
  @Field(() => Boolean, { nullable: true, description: 'Only open (true) or finished (false).' })
  open?: boolean;
}

import { Args, FieldResolver, Info, Resolver, Root } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { compiledValue } from '../../graphql/compiled';
import { ConnectionArgs } from '../../graphql/connection';
import { ClaimConnection } from '../claim/claim.type';
import { PolicyView } from './policy.type';

/** Declares the arguments of Policy's relation fields; the read compiler applied them. */
@Resolver(() => PolicyView)
export class PolicyResolver {
  @FieldResolver(() => ClaimConnection)
  claims(
    @Root() root: PolicyView,
    @Args() _args: ConnectionArgs,
    @Info() info: GraphQLResolveInfo,
  ) {
    return compiledValue(root, info);
  }
}

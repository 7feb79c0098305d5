import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  Info,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { OPERATIONS } from '../../auth/access';
import { AsOfArgs } from '../../graphql/common.args';
import { compiledValue } from '../../graphql/compiled';
import type { RequestContext } from '../../graphql/context';
import { ConnectionArgs } from '../../graphql/connection';
import { ClaimConnection } from '../claim/claim.type';
import { EligibilityDecisionConnection } from '../entitlement/entitlement.type';
import { TierAssignmentConnection, TierAssignmentView } from '../tier/tier.type';
import { PolicyConnection } from '../policy/policy.type';
import { RiskHistoryView } from '../risk/risk-history.type';
import { CustomerClaimsArgs, CustomerPoliciesArgs, RiskScoresArgs } from './customer.args';
import { CustomerLookup } from './customer.input';
import { CustomerView, RiskScoreConnection } from './customer.type';

/**
 * Front-line and underwriting reads of one customer. Field resolvers here only declare the
 * arguments of relation fields: the read compiler has already applied them in SQL.
 */
@Resolver(() => CustomerView)
export class CustomerResolver {
  @Authorized(OPERATIONS.customerLookup)
  @Query(() => CustomerView, { nullable: true, description: 'One customer, by any one key.' })
  customer(
    @Arg('by', () => CustomerLookup) by: CustomerLookup,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<unknown> {
    const { lookup, key } = context.services.customerLookup.resolve(by);
    return context.read.lookup(info, lookup, key);
  }

  @FieldResolver(() => PolicyConnection)
  policies(
    @Root() root: CustomerView,
    @Args() _args: CustomerPoliciesArgs,
    @Info() info: GraphQLResolveInfo,
  ) {
    return compiledValue(root, info);
  }

  @FieldResolver(() => ClaimConnection)
  claims(
    @Root() root: CustomerView,
    @Args() _args: CustomerClaimsArgs,
    @Info() info: GraphQLResolveInfo,
  ) {
    return compiledValue(root, info);
  }

  @FieldResolver(() => RiskScoreConnection)
  riskScores(
    @Root() root: CustomerView,
    @Args() _args: RiskScoresArgs,
    @Info() info: GraphQLResolveInfo,
  ) {
    return compiledValue(root, info);
  }

  @FieldResolver(() => TierAssignmentView, { nullable: true })
  tier(@Root() root: CustomerView, @Args() _args: AsOfArgs, @Info() info: GraphQLResolveInfo) {
    return compiledValue(root, info);
  }

  @FieldResolver(() => TierAssignmentConnection)
  tierHistory(
    @Root() root: CustomerView,
    @Args() _args: ConnectionArgs,
    @Info() info: GraphQLResolveInfo,
  ) {
    return compiledValue(root, info);
  }

  @FieldResolver(() => EligibilityDecisionConnection)
  eligibilityDecisions(
    @Root() root: CustomerView,
    @Args() _args: ConnectionArgs,
    @Info() info: GraphQLResolveInfo,
  ) {
    return compiledValue(root, info);
  }

  @FieldResolver(() => RiskHistoryView)
  riskHistory(
    @Root() root: CustomerView,
    @Args() _args: AsOfArgs,
    @Info() info: GraphQLResolveInfo,
  ) {
    return compiledValue(root, info);
  }
}

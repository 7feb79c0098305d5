import { Arg, Args, Authorized, Ctx, Info, Query, Resolver } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { OPERATIONS } from '../../auth/access';
import type { RequestContext } from '../../graphql/context';
import { ConnectionArgs } from '../../graphql/connection';
import { CustomerConnection } from '../customer/customer.type';
import { MarketingCustomerFilter } from './marketing.input';

@Resolver()
export class MarketingResolver {
  @Authorized(OPERATIONS.marketingList)
  @Query(() => CustomerConnection, { description: 'A campaign segment of active customers.' })
  marketingCustomers(
    @Arg('filter', () => MarketingCustomerFilter, { nullable: true })
    filter: MarketingCustomerFilter | undefined,
    @Args() page: ConnectionArgs,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<unknown> {
    const source = context.services.marketing.segment(context.caller, filter);
    return context.read.connection(info, source, { first: page.first, after: page.after });
  }
}

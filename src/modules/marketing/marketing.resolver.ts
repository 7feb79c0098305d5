import { LocalDateScalar } from '../../graphql/scalars';
import { Arg, Args, Authorized, Ctx, Info, Query, Resolver } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { CompiledRead } from '../../graphql/raw-json';
import { OPERATIONS } from '../../auth/access';
import type { RequestContext } from '../../graphql/context';
import { ConnectionArgs } from '../../graphql/connection';
import { CustomerConnection } from '../customer/customer.type';
import { TierTransitionView } from '../tier/rule-set-admin.type';
import { MarketingCustomerFilter } from './marketing.input';
import { TierSegmentCountView } from './marketing.type';

@Resolver()
export class MarketingResolver {
  @Authorized(OPERATIONS.marketingList)
  @CompiledRead()
  @Query(() => CustomerConnection, { description: 'A campaign segment of active customers.' })
  async marketingCustomers(
    @Arg('filter', () => MarketingCustomerFilter, { nullable: true })
    filter: MarketingCustomerFilter | undefined,
    @Args() page: ConnectionArgs,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<unknown> {
    const source = await context.services.marketing.segment(context.caller, filter);
    return context.read.connection(info, source, { first: page.first, after: page.after });
  }

  @Authorized(OPERATIONS.marketingList)
  @Query(() => [TierSegmentCountView], {
    description: 'Customers of the segment per tier (and branch), best tier first.',
  })
  async tierSegmentSummary(
    @Arg('filter', () => MarketingCustomerFilter, { nullable: true })
    filter: MarketingCustomerFilter | undefined,
    @Arg('byBranch', () => Boolean, { defaultValue: false }) byBranch: boolean,
    @Arg('asOf', () => LocalDateScalar, {
      nullable: true,
      description: 'Tiers at the end of this date.',
    })
    asOf: string | undefined,
    @Ctx() context: RequestContext,
  ): Promise<TierSegmentCountView[]> {
    const { marketing } = context.services;
    return context.read.aggregate(
      await marketing.segment(context.caller, filter, { heldOn: asOf }),
      (rows) => marketing.tierCountsSql(rows, byBranch, asOf),
    );
  }

  @Authorized(OPERATIONS.marketingList)
  @Query(() => [TierTransitionView], {
    description: 'Customers of the segment per tier move since a date (from tier, to tier).',
  })
  async tierTransitionSummary(
    @Arg('filter', () => MarketingCustomerFilter, { nullable: true })
    filter: MarketingCustomerFilter | undefined,
    @Arg('since', () => LocalDateScalar) since: string,
    @Arg('byBranch', () => Boolean, { defaultValue: false }) byBranch: boolean,
    @Ctx() context: RequestContext,
  ): Promise<TierTransitionView[]> {
    const { marketing } = context.services;
    return context.read.aggregate(await marketing.segment(context.caller, filter), (rows) =>
      marketing.tierTransitionsSql(rows, since, byBranch),
    );
  }
}

import { Arg, Authorized, Ctx, Info, Query, Resolver } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { CompiledRead } from '../../graphql/raw-json';
import { OPERATIONS } from '../../auth/access';
import type { RequestContext } from '../../graphql/context';
import { CustomerLookup } from './customer.input';
import { CustomerView } from './customer.type';

/**
 * Front-line and underwriting reads of one customer; the arguments of its relation fields
 * are declared with them (CustomerView), and applied in SQL by the read compiler.
 */
@Resolver(() => CustomerView)
export class CustomerResolver {
  @Authorized(OPERATIONS.customerLookup)
  @CompiledRead()
  @Query(() => CustomerView, { nullable: true, description: 'One customer, by any one key.' })
  customer(
    @Arg('by', () => CustomerLookup) by: CustomerLookup,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<unknown> {
    return context.services.customerLookup.find(by, info);
  }
}

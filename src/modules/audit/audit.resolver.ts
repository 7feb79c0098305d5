import { Arg, Args, Authorized, Ctx, Info, Query, Resolver } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { CompiledRead } from '../../graphql/raw-json';
import { OPERATIONS } from '../../auth/access';
import type { RequestContext } from '../../graphql/context';
import { ConnectionArgs } from '../../graphql/connection';
import { auditEvents } from './audit-events';
import { AuditEventConnection, AuditEventFilter } from './audit.type';

@Resolver()
export class AuditResolver {
  @Authorized(OPERATIONS.auditRead)
  @CompiledRead()
  @Query(() => AuditEventConnection, { description: 'The audit log, newest first.' })
  auditEvents(
    @Arg('filter', () => AuditEventFilter, { nullable: true }) filter: AuditEventFilter | undefined,
    @Args() page: ConnectionArgs,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<unknown> {
    return context.read.connection(info, auditEvents(filter), {
      first: page.first,
      after: page.after,
    });
  }
}

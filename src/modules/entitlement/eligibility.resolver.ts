import { Arg, Authorized, Ctx, Info, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { CompiledRead } from '../../graphql/raw-json';
import { OPERATIONS } from '../../auth/access';
import type { RequestContext } from '../../graphql/context';
import { IdArg } from '../../graphql/id-arg';
import type { LookupSource } from '../../read/read-session';
import { actorOf } from '../audit/audit-log';
import { EligibilityRequest } from './eligibility.input';
import { EligibilityDecisionView } from './entitlement.type';

const DECISION_BY_ID: LookupSource = {
  type: () => EligibilityDecisionView,
  keyType: 'uuid',
  source: (d, key) => ({ where: [`${d.col('id')} = ${key}::uuid`] }),
};

@Resolver()
export class EligibilityResolver {
  @Authorized(OPERATIONS.eligibility)
  @Mutation(() => EligibilityDecisionView, {
    description:
      'Decides whether the customer may have the service for this claim, with every reason, and records it.',
  })
  async decideEligibility(
    @Arg('input', () => EligibilityRequest) input: EligibilityRequest,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<unknown> {
    const id = await context.services.eligibility.decide(
      actorOf(context.caller, context.requestId),
      context.read,
      input.customerId,
      input.service,
      input.claim,
    );
    return context.read.lookup(info, DECISION_BY_ID, id);
  }

  @Authorized(OPERATIONS.eligibility)
  @CompiledRead()
  @Query(() => EligibilityDecisionView, { nullable: true, description: 'A recorded decision.' })
  eligibilityDecision(
    @IdArg('id') id: string,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<unknown> {
    return context.read.lookup(info, DECISION_BY_ID, id);
  }
}

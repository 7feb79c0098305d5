import { Arg, Args, Authorized, Ctx, Info, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { OPERATIONS } from '../../auth/access';
import type { RequestContext } from '../../graphql/context';
import { ConnectionArgs } from '../../graphql/connection';
import { ID } from 'type-graphql';
import { PolicyKind, PolicyVersionStatus } from './policy-version.entity';
import {
  PolicyActivationView,
  PolicyDraftInput,
  PolicyDraftView,
  PolicyValidationView,
  TierTransitionView,
} from './policy-admin.type';
import { PolicyVersionConnection, PolicyVersionView } from './tier.type';

@Resolver()
export class RuleVersionResolver {
  @Authorized(OPERATIONS.policyRead)
  @Query(() => PolicyVersionConnection, { description: 'Rule versions, newest first.' })
  policyVersions(
    @Arg('kind', () => PolicyKind) kind: PolicyKind,
    @Arg('status', () => [PolicyVersionStatus], { nullable: true })
    status: PolicyVersionStatus[] | undefined,
    @Args() page: ConnectionArgs,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<unknown> {
    return context.read.connection(
      info,
      {
        type: () => PolicyVersionView,
        source: (v) => ({
          where: [
            `${v.col('kind')} = ${v.param(kind, 'text')}`,
            ...(status?.length ? [`${v.col('status')} = any(${v.param(status, 'text[]')})`] : []),
          ],
        }),
        orderBy: (v) => [
          { sql: v.col('version'), type: 'int', direction: 'desc' },
          { sql: v.col('id'), type: 'uuid', direction: 'asc' },
        ],
      },
      { first: page.first, after: page.after },
    );
  }

  @Authorized(OPERATIONS.policyAdmin)
  @Mutation(() => PolicyDraftView, {
    description: 'Saves a new draft version; its problems, if any, come back with it.',
  })
  async createPolicyDraft(
    @Arg('input', () => PolicyDraftInput) input: PolicyDraftInput,
    @Ctx() context: RequestContext,
  ): Promise<PolicyDraftView> {
    const draft = await context.services.policies.createDraft(
      context.caller,
      input.kind,
      input.document,
      input.note,
    );
    return {
      id: draft.version.id,
      version: draft.version.version,
      valid: draft.valid,
      problems: draft.problems,
    };
  }

  @Authorized(OPERATIONS.policyAdmin)
  @Query(() => PolicyValidationView, {
    description: 'Checks a version: overlaps, unreachable rules, gaps.',
  })
  validatePolicyVersion(
    @Arg('id', () => ID) id: string,
    @Ctx() context: RequestContext,
  ): Promise<PolicyValidationView> {
    return context.services.policies.validateVersion(id);
  }

  @Authorized(OPERATIONS.policyAdmin)
  @Query(() => [TierTransitionView], {
    description:
      'What activating a tier draft would do: customers per (current tier, new tier), nothing written.',
  })
  simulateTierPolicy(
    @Arg('id', () => ID) id: string,
    @Arg('byBranch', () => Boolean, { defaultValue: false }) byBranch: boolean,
    @Ctx() context: RequestContext,
  ): Promise<TierTransitionView[]> {
    return context.services.policies.simulate(id, byBranch);
  }

  @Authorized(OPERATIONS.policyAdmin)
  @Mutation(() => PolicyActivationView, {
    description: 'Makes a valid draft the active version; for tiers, recomputes every customer.',
  })
  async activatePolicyVersion(
    @Arg('id', () => ID) id: string,
    @Ctx() context: RequestContext,
  ): Promise<PolicyActivationView> {
    return { id, ...(await context.services.policies.activate(id)) };
  }
}

import { anyOf } from '../../read/sql-scope';
import { Arg, Args, Authorized, Ctx, Info, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { CompiledRead } from '../../graphql/raw-json';
import { OPERATIONS } from '../../auth/access';
import type { RequestContext } from '../../graphql/context';
import { ConnectionArgs } from '../../graphql/connection';
import { IdArg, OptionalIdArg } from '../../graphql/id-arg';
import { actorOf } from '../audit/audit-log';
import { RuleSetKind, RuleSetVersionStatus } from './rule-set-version.entity';
import type { LookupSource } from '../../read/read-session';
import {
  RuleSetDraftInput,
  RuleSetDraftView,
  RuleSetValidationView,
  TierTransitionView,
} from './rule-set-admin.type';
import { RuleSetActivationView, RuleSetVersionConnection, RuleSetVersionView } from './tier.type';

const ALONG_WITH =
  'A draft of the other kind, activated in the same transaction: entitlement rules that grant ' +
  'a tier the tier draft renames or adds are checked against its tiers, not the active ones.';

const ACTIVATION_BY_ID: LookupSource = {
  type: () => RuleSetActivationView,
  keyType: 'uuid',
  source: (job, key) => ({ where: [`${job.col('id')} = ${key}::uuid`] }),
};

@Resolver()
export class RuleSetVersionResolver {
  @Authorized(OPERATIONS.ruleSetRead)
  @CompiledRead()
  @Query(() => RuleSetVersionConnection, { description: 'Rule versions, newest first.' })
  ruleSetVersions(
    @Arg('kind', () => RuleSetKind) kind: RuleSetKind,
    @Arg('status', () => [RuleSetVersionStatus], { nullable: true })
    status: RuleSetVersionStatus[] | undefined,
    @Args() page: ConnectionArgs,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<unknown> {
    return context.read.connection(
      info,
      {
        type: () => RuleSetVersionView,
        source: (v) => ({
          where: [
            `${v.col('kind')} = ${v.param(kind, 'text')}`,
            ...anyOf(v, v.col('status'), status, 'status'),
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

  @Authorized(OPERATIONS.ruleSetAdmin)
  @Mutation(() => RuleSetDraftView, {
    description:
      "Saves a new draft version; its problems, if any, come back with it: a tier document's own, an entitlement document's against the active tiers. validateRuleSetVersion also names, for a tier draft, the active entitlement grants it would break activated alone.",
  })
  async createRuleSetDraft(
    @Arg('input', () => RuleSetDraftInput) input: RuleSetDraftInput,
    @Ctx() context: RequestContext,
  ): Promise<RuleSetDraftView> {
    const draft = await context.services.ruleSetVersions.createDraft(
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

  @Authorized(OPERATIONS.ruleSetAdmin)
  @Query(() => RuleSetValidationView, {
    description: 'Checks a version: overlaps, unreachable rules, gaps.',
  })
  validateRuleSetVersion(
    @IdArg('id') id: string,
    @OptionalIdArg('alongWith', { description: ALONG_WITH }) alongWith: string | undefined,
    @Ctx() context: RequestContext,
  ): Promise<RuleSetValidationView> {
    return context.services.ruleSetVersions.validateVersion(id, alongWith);
  }

  @Authorized(OPERATIONS.ruleSetAdmin)
  @Query(() => [TierTransitionView], {
    description:
      "What activating a tier draft would do: customers of the caller's branch and those under it per (current tier, new tier), nothing written.",
  })
  simulateTierRuleSet(
    @IdArg('id') id: string,
    @Arg('byBranch', () => Boolean, { defaultValue: false }) byBranch: boolean,
    @Ctx() context: RequestContext,
  ): Promise<TierTransitionView[]> {
    return context.services.ruleSetVersions.simulate(id, byBranch, context.caller.branchPath);
  }

  @Authorized(OPERATIONS.ruleSetAdmin)
  @Mutation(() => RuleSetActivationView, {
    description:
      'Starts making a valid draft the active version, as a job; for tiers it recomputes every ' +
      'customer. Returns at once: follow the job with ruleSetActivation(id).',
  })
  async activateRuleSetVersion(
    @IdArg('id') id: string,
    @OptionalIdArg('alongWith', { description: ALONG_WITH }) alongWith: string | undefined,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<unknown> {
    const job = await context.services.ruleSetVersions.activate(
      context.caller,
      actorOf(context.caller, context.requestId),
      id,
      alongWith,
    );
    return context.read.lookup(info, ACTIVATION_BY_ID, job);
  }

  @Authorized(OPERATIONS.ruleSetAdmin)
  @CompiledRead()
  @Query(() => RuleSetActivationView, { nullable: true, description: 'An activation job.' })
  async ruleSetActivation(
    @IdArg('id') id: string,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<unknown> {
    await context.services.ruleSetVersions.beforeFollowing(context.caller);
    return context.read.lookup(info, ACTIVATION_BY_ID, id);
  }
}

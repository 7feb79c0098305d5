import { refuseEmpty } from '../../read/sql-scope';
import { Arg, Args, Authorized, Ctx, Info, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { CompiledRead } from '../../graphql/raw-json';
import { OPERATIONS } from '../../auth/access';
import type { Caller } from '../../auth/roles';
import type { RequestContext } from '../../graphql/context';
import {
  BadUserInputError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
} from '../../graphql/errors';
import type { LookupSource } from '../../read/read-session';
import { actorOf } from '../audit/audit-log';
import { freeText } from '../ingestion/field-rules';
import { typedIdentifier } from '../../validation';
import { BranchesArgs, CloseBranchInput, MoveBranchInput, RenameBranchInput } from './branch.input';
import { BranchRuleError, type BranchChangeContext } from './branch.service';
import { BranchConnection, BranchStatus, BranchView } from './branch.type';

const lookupBy = (column: 'id' | 'code'): LookupSource => ({
  type: () => BranchView,
  keyType: column === 'id' ? 'uuid' : 'text',
  source: (b, key) => ({
    // One code is one branch whatever its case (CODE_CASE): x4 finds X4, by the index
    // branch_code_upper.
    where: [
      column === 'id' ? `${b.col('id')} = ${key}::uuid` : `upper(${b.col('code')}) = upper(${key})`,
    ],
  }),
});
const BRANCH_BY = { id: lookupBy('id'), code: lookupBy('code') };

/** Who changes the tree, for its history and the audit log, and why. */
function changeBy(context: RequestContext, operation: string, note?: string): BranchChangeContext {
  const { caller } = context;
  // The caller's words, as a steward's reason, before the hub adds its own.
  const said = note ? freeText(note, 'input.note', false) : undefined;
  return {
    by: actorOf(caller, context.requestId),
    reason: said ? `${operation}: ${said}` : operation,
    scope: caller.branchPath,
  };
}

/** The typed error of a broken tree rule, naming the input field and the rule. */
function asApiError(error: unknown, caller: Caller): unknown {
  if (!(error instanceof BranchRuleError)) return error;
  const [first] = error.problems;
  const details = { field: `input.${first.field}`, rule: first.rule };
  if (error.kind === 'not_found') {
    return new NotFoundError(first.message, details.field, details.rule);
  }
  if (error.kind === 'forbidden') {
    return new ForbiddenError(first.message, { ...details, role: caller.role });
  }
  if (error.kind === 'conflict') return new ConflictError(first.message, details);
  return new BadUserInputError(first.message, details);
}

/**
 * The branch a change wrote, as the caller selected it; the callers' cached branches are
 * read again, so that a move reaches this process's callers at once.
 */
async function changed(
  context: RequestContext,
  info: GraphQLResolveInfo,
  change: Promise<string>,
): Promise<unknown> {
  const id = await change.catch((error: unknown) =>
    Promise.reject(asApiError(error, context.caller)),
  );
  context.treeChanged();
  return context.read.lookup(info, BRANCH_BY.id, id);
}

/**
 * The organisation tree: reading it, and the administrators' changes to it. Loading it in
 * bulk is `ingestBranches` (IngestionResolver) or `npm run branches:load`.
 */
@Resolver(() => BranchView)
export class BranchResolver {
  @Authorized(OPERATIONS.branchRead)
  @CompiledRead()
  @Query(() => BranchConnection, {
    description: 'The organisation tree in path order: each branch before the branches under it.',
  })
  branches(
    @Args() args: BranchesArgs,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<unknown> {
    return context.read.connection(
      info,
      {
        type: () => BranchView,
        source: (b) => {
          const where: string[] = [];
          if (args.under !== undefined && args.under !== null) {
            // One code is one branch whatever its case (branch_code_upper).
            where.push(`exists (select 1 from branch root where upper(root.code) = upper(${b.param(typedIdentifier(args.under), 'text')})
              and (${b.col('path')} = root.path or ${b.col('path')} like root.path || '.%'))`);
          }
          refuseEmpty(args.status, 'status');
          if (args.status) {
            const closed = `${b.col('validTo')} is not null`;
            if (!args.status.includes(BranchStatus.OPEN)) where.push(closed);
            if (!args.status.includes(BranchStatus.CLOSED)) where.push(`not (${closed})`);
          }
          return { where };
        },
        orderBy: (b) => [{ sql: b.col('path'), type: 'text', direction: 'asc' }],
      },
      { first: args.first, after: args.after },
    );
  }

  @Authorized(OPERATIONS.branchRead)
  @CompiledRead()
  @Query(() => BranchView, { nullable: true, description: 'A branch by code.' })
  branch(
    @Arg('code', () => String) code: string,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<unknown> {
    return context.read.lookup(info, BRANCH_BY.code, typedIdentifier(code));
  }

  @Authorized(OPERATIONS.branchAdmin)
  @Mutation(() => BranchView, { description: 'Renames a branch; its code stays.' })
  renameBranch(
    @Arg('input', () => RenameBranchInput) input: RenameBranchInput,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<unknown> {
    return changed(
      context,
      info,
      context.services.branches.rename(
        changeBy(context, 'renameBranch', input.note),
        input.code,
        input.name,
      ),
    );
  }

  @Authorized(OPERATIONS.branchAdmin)
  @Mutation(() => BranchView, {
    description:
      'Moves a branch, with everything under it, under another parent: from then on its ' +
      "customers count in the new parent's subtree (marketing filters, exports, summaries).",
  })
  moveBranch(
    @Arg('input', () => MoveBranchInput) input: MoveBranchInput,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<unknown> {
    return changed(
      context,
      info,
      context.services.branches.move(
        changeBy(context, 'moveBranch', input.note),
        input.code,
        input.parentCode,
      ),
    );
  }

  @Authorized(OPERATIONS.branchAdmin)
  @Mutation(() => BranchView, {
    description:
      'Closes a branch that has no open branch under it, moving its active customers to ' +
      'moveCustomersTo when it has any.',
  })
  closeBranch(
    @Arg('input', () => CloseBranchInput) input: CloseBranchInput,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<unknown> {
    return changed(
      context,
      info,
      context.services.branches.close(changeBy(context, 'closeBranch', input.note), input.code, {
        on: input.on,
        moveCustomersTo: input.moveCustomersTo,
      }),
    );
  }
}

import { Arg, Args, Authorized, Ctx, Info, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { CompiledRead } from '../../graphql/raw-json';
import { OPERATIONS } from '../../auth/access';
import type { RequestContext } from '../../graphql/context';
import { ConnectionArgs } from '../../graphql/connection';
import { IdArg } from '../../graphql/id-arg';
import type { RootSource } from '../../read/compiler';
import type { LookupSource } from '../../read/read-session';
import { actorOf } from '../audit/audit-log';
import { MAX_FREE_TEXT } from '../ingestion/field-rules';
import { ReviewStatus } from '../golden/match-review.entity';
import { CustomerView } from '../customer/customer.type';
import {
  CustomerMergeView,
  MatchDecisionView,
  MatchReviewConnection,
  MatchReviewView,
} from './stewardship.type';

const byId = (type: () => Function): LookupSource => ({
  type,
  keyType: 'uuid',
  source: (row, key) => ({ where: [`${row.col('id')} = ${key}::uuid`] }),
});

const REVIEW_BY_ID = byId(() => MatchReviewView);
const MERGE_BY_ID = byId(() => CustomerMergeView);
const DECISION_BY_ID = byId(() => MatchDecisionView);

/** Review tasks of a status, the strongest first, then the oldest. */
function reviewQueue(status: ReviewStatus): RootSource {
  return {
    type: () => MatchReviewView,
    source: (r) => ({ where: [`${r.col('status')} = ${r.param(status, 'text')}`] }),
    orderBy: (r) => [
      // As numeric: a cursor carries it as exact decimal text, never in exponent form.
      { sql: `${r.col('score')}::numeric`, type: 'numeric', direction: 'desc' },
      { sql: r.col('createdAt'), type: 'timestamptz', direction: 'asc' },
      { sql: r.col('id'), type: 'uuid', direction: 'asc' },
    ],
  };
}

/** What a decision matching then acts on answers when its pair went out of the caller's sight. */
const OUT_OF_SIGHT =
  "Refused (FORBIDDEN, BRANCH_SCOPE) where that would join or take records of customers outside the caller's branches; null where it took a record of the pair to a new customer of such a branch.";

const REASON = {
  description:
    `Why: kept with the decision and in the audit log, a mobile, an identity number or an ` +
    `e-mail in it masked. Not blank; at most ${MAX_FREE_TEXT} characters, no control characters but line breaks and tabs.`,
};

/** Data stewards: the review queue, merges and unmerges, decisions that keep records apart. */
@Resolver()
export class StewardshipResolver {
  @Authorized(OPERATIONS.matchReviewRead)
  @CompiledRead()
  @Query(() => MatchReviewConnection, {
    description: 'Review tasks, the highest score first, then the oldest.',
  })
  matchReviews(
    @Arg('status', () => ReviewStatus, { defaultValue: ReviewStatus.OPEN }) status: ReviewStatus,
    @Args() page: ConnectionArgs,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<unknown> {
    return context.read.connection(info, reviewQueue(status), {
      first: page.first,
      after: page.after,
    });
  }

  @Authorized(OPERATIONS.stewardship)
  @CompiledRead()
  @Query(() => CustomerMergeView, { nullable: true, description: 'One merge.' })
  customerMerge(
    @IdArg('id') id: string,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<unknown> {
    return context.read.lookup(info, MERGE_BY_ID, id);
  }

  @Authorized(OPERATIONS.stewardship)
  @Mutation(() => MatchReviewView, {
    description:
      'The two records are one customer: their customers are merged (the older survives) and SAME_CUSTOMER is recorded.',
  })
  async approveMatchReview(
    @IdArg('id') id: string,
    @Arg('reason', () => String, REASON) reason: string,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<unknown> {
    const actor = actorOf(context.caller, context.requestId);
    await context.services.stewardship.approveReview(actor, context.read, id, reason);
    return context.read.lookup(info, REVIEW_BY_ID, id);
  }

  @Authorized(OPERATIONS.stewardship)
  @Mutation(() => MatchReviewView, {
    nullable: true,
    description: `The two records are different customers: DIFFERENT_CUSTOMERS is recorded, and the two customers' records are matched again. ${OUT_OF_SIGHT}`,
  })
  async rejectMatchReview(
    @IdArg('id') id: string,
    @Arg('reason', () => String, REASON) reason: string,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<unknown> {
    const actor = actorOf(context.caller, context.requestId);
    await context.services.stewardship.rejectReview(actor, context.read, id, reason);
    return context.read.lookup(info, REVIEW_BY_ID, id);
  }

  @Authorized(OPERATIONS.stewardship)
  @Mutation(() => CustomerMergeView, {
    description: 'Merges absorbedId into survivorId (force-merge), recorded as SAME_CUSTOMER.',
  })
  async mergeCustomers(
    @IdArg('survivorId') survivorId: string,
    @IdArg('absorbedId') absorbedId: string,
    @Arg('reason', () => String, REASON) reason: string,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<unknown> {
    const merge = await context.services.stewardship.merge(
      actorOf(context.caller, context.requestId),
      context.read,
      survivorId,
      absorbedId,
      reason,
    );
    return context.read.lookup(info, MERGE_BY_ID, merge);
  }

  @Authorized(OPERATIONS.stewardship)
  @Mutation(() => CustomerMergeView, {
    description:
      "Undoes a merge: the rows it moved go back and the absorbed customer is active again. Undoing a steward's merge then matches again the records their sources changed while merged, which may join the two again (an AUTOMATIC merge, listed in Customer.merges; undoing that one keeps them apart); refused (FORBIDDEN, BRANCH_SCOPE) where that would join or take records of customers outside the caller's branches.",
  })
  async unmergeCustomers(
    @IdArg('mergeId') mergeId: string,
    @Arg('reason', () => String, REASON) reason: string,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<unknown> {
    const merge = await context.services.stewardship.unmerge(
      actorOf(context.caller, context.requestId),
      context.read,
      mergeId,
      reason,
    );
    return context.read.lookup(info, MERGE_BY_ID, merge);
  }

  @Authorized(OPERATIONS.stewardship)
  @Mutation(() => CustomerView, {
    nullable: true,
    description:
      "Splits a source record off the customer matching linked it to: do-not-merge between it and every other record of the customer, and the record matched again, so that it leaves for a new customer or one it matches, with what names it by its source key. The customer keeps its id and its other records; mergeCustomers joins the two again. Returns the customer the record is with now (null where that is a new customer of a branch outside the caller's). Refused (FORBIDDEN, BRANCH_SCOPE) where it would join or take records of customers outside the caller's branches.",
  })
  async splitSourceRecord(
    @IdArg('recordId') recordId: string,
    @Arg('reason', () => String, REASON) reason: string,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<unknown> {
    const customer = await context.services.stewardship.splitRecord(
      actorOf(context.caller, context.requestId),
      context.read,
      recordId,
      reason,
    );
    return context.services.customerLookup.find({ id: customer }, info);
  }

  @Authorized(OPERATIONS.stewardship)
  @Mutation(() => MatchDecisionView, {
    nullable: true,
    description: `Do-not-merge: matching never joins the two customers; open review tasks between them are rejected, and their records are matched again. ${OUT_OF_SIGHT}`,
  })
  async markDifferentCustomers(
    @IdArg('customerIdA') customerIdA: string,
    @IdArg('customerIdB') customerIdB: string,
    @Arg('reason', () => String, REASON) reason: string,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<unknown> {
    const decision = await context.services.stewardship.markDifferent(
      actorOf(context.caller, context.requestId),
      context.read,
      customerIdA,
      customerIdB,
      reason,
    );
    return context.read.lookup(info, DECISION_BY_ID, decision);
  }
}

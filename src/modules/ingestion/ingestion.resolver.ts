import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { OPERATIONS } from '../../auth/access';
import { requireHeadOffice } from '../../auth/head-office';
import { Role } from '../../auth/roles';
import type { RequestContext } from '../../graphql/context';
import {
  BranchRecordInput,
  ClaimRecordInput,
  CustomerRecordInput,
  PolicyRecordInput,
  RiskScoreRecordInput,
} from './ingestion.input';
import { actorOf, type AuditActor } from '../audit/audit-log';
import { IngestionResult } from './ingestion.type';
import { MAX_BATCH } from './ingestion.service';

const BATCH = `At most ${MAX_BATCH} records; idempotent by source key; each record accepted or rejected with reasons.`;

/**
 * Records name their own branches, whoever sends them. A source system's key reads nothing
 * back; an administrator does, and one of a branch wrote another branch's policy onto its own
 * customer, or that branch's customer into its own, and then read its claims and scores. So
 * administrators send customers, policies, claims and scores from the head office only.
 */
function ingestingActor(context: RequestContext): AuditActor {
  if (context.caller.role === Role.ADMIN) {
    requireHeadOffice(context.caller, 'ingested records may name any branch');
  }
  return actorOf(context.caller, context.requestId);
}

@Resolver()
export class IngestionResolver {
  @Authorized(OPERATIONS.ingestion)
  @Mutation(() => IngestionResult, { description: `Customer source records. ${BATCH}` })
  ingestCustomers(
    @Arg('records', () => [CustomerRecordInput]) records: CustomerRecordInput[],
    @Ctx() context: RequestContext,
  ): Promise<IngestionResult> {
    return context.services.ingestion.customers(ingestingActor(context), records);
  }

  @Authorized(OPERATIONS.ingestion)
  @Mutation(() => IngestionResult, { description: `Policies, by policy number. ${BATCH}` })
  ingestPolicies(
    @Arg('records', () => [PolicyRecordInput]) records: PolicyRecordInput[],
    @Ctx() context: RequestContext,
  ): Promise<IngestionResult> {
    return context.services.ingestion.policies(ingestingActor(context), records);
  }

  @Authorized(OPERATIONS.ingestion)
  @Mutation(() => IngestionResult, { description: `Claims, by claim number. ${BATCH}` })
  ingestClaims(
    @Arg('records', () => [ClaimRecordInput]) records: ClaimRecordInput[],
    @Ctx() context: RequestContext,
  ): Promise<IngestionResult> {
    return context.services.ingestion.claims(ingestingActor(context), records);
  }

  @Authorized(OPERATIONS.branchIngestion)
  @Mutation(() => IngestionResult, {
    description:
      `The organisation tree. At most ${MAX_BATCH} records; idempotent by branch code; parents ` +
      `are written before their children whatever the order; each record accepted or rejected ` +
      `with reasons.`,
  })
  async ingestBranches(
    @Arg('records', () => [BranchRecordInput]) records: BranchRecordInput[],
    @Ctx() context: RequestContext,
  ): Promise<IngestionResult> {
    const actor = actorOf(context.caller, context.requestId);
    const result = await context.services.ingestion.branches(actor, records, {
      by: actor,
      reason: 'ingestBranches',
      scope: context.caller.branchPath,
    });
    if (result.accepted) context.treeChanged();
    return result;
  }

  @Authorized(OPERATIONS.ingestion)
  @Mutation(() => IngestionResult, { description: `Risk scores, appended by source key. ${BATCH}` })
  ingestRiskScores(
    @Arg('records', () => [RiskScoreRecordInput]) records: RiskScoreRecordInput[],
    @Ctx() context: RequestContext,
  ): Promise<IngestionResult> {
    return context.services.ingestion.riskScores(ingestingActor(context), records);
  }
}

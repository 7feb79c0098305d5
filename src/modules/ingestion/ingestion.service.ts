import type { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError } from '../../graphql/errors';
import { AuditAction, AuditEvent } from '../audit/audit-event.entity';
import { AuditLog, type AuditActor } from '../audit/audit-log';
import type { SourceSystem } from '../customer/customer.enums';
import type { PiiSealer } from '../customer/pii-sealer';
import type { BusinessClock } from '../../time/clock';
import type { Metrics } from '../../observability/metrics';
import { orderBranchRecords } from '../branch/branch-order';
import { BranchService, type BranchChangeContext } from '../branch/branch.service';
import { ingestBranch } from './branch.ingester';
import { ingestClaim } from './claim.ingester';
import { ingestCustomer } from './customer.ingester';
import type {
  BranchRecordInput,
  ClaimRecordInput,
  CustomerRecordInput,
  PolicyRecordInput,
  RiskScoreRecordInput,
} from './ingestion.input';
import { RecordStatus, type IngestionResult, type RecordOutcome } from './ingestion.type';
import { databaseRejection, RecordRejected, reject, rejectUnstorableText } from './record-errors';
import { ingestPolicy } from './policy.ingester';
import { ingestRiskScore } from './risk-score.ingester';

export const MAX_BATCH = 1000;

type IngestOne<R> = (em: EntityManager, record: R) => Promise<{ status: RecordStatus; id: string }>;

/**
 * Batched upserts from source systems. Each record runs in its own savepoint inside the
 * batch's transaction: a rejected record leaves nothing behind and does not stop the
 * others, and an accepted one is written whole.
 */
export class IngestionService {
  constructor(
    private readonly em: EntityManager,
    private readonly sealer: PiiSealer,
    private readonly clock: BusinessClock,
    private readonly metrics?: Metrics,
    /** The one source system the caller may send records of (an API key's); any when unset. */
    private readonly sourceSystem?: SourceSystem,
  ) {}

  private readonly audit = new AuditLog(this.clock);

  customers(actor: AuditActor, records: CustomerRecordInput[]): Promise<IngestionResult> {
    return this.batch(
      actor,
      records,
      (r) => `${r.sourceSystem}:${r.sourceKey}`,
      this.ownSystemOnly((em, r) => ingestCustomer(em, this.sealer, r)),
      'customer',
    );
  }

  policies(actor: AuditActor, records: PolicyRecordInput[]): Promise<IngestionResult> {
    return this.batch(
      actor,
      records,
      (r) => r.policyNo,
      this.ownSystemOnly(ingestPolicy),
      'policy',
    );
  }

  claims(actor: AuditActor, records: ClaimRecordInput[]): Promise<IngestionResult> {
    return this.batch(
      actor,
      records,
      (r) => r.claimNo,
      this.ownSystemOnly((em, r) => ingestClaim(em, this.clock, r)),
      'claim',
    );
  }

  riskScores(actor: AuditActor, records: RiskScoreRecordInput[]): Promise<IngestionResult> {
    return this.batch(
      actor,
      records,
      (r) => `${r.sourceSystem}:${r.sourceKey}`,
      this.ownSystemOnly(ingestRiskScore),
      'risk_score',
    );
  }

  /**
   * The organisation tree, by code. Parents are written before their children whatever
   * order the batch lists them in; outcomes come back in the batch's order.
   */
  async branches(
    actor: AuditActor,
    records: BranchRecordInput[],
    change: BranchChangeContext,
  ): Promise<IngestionResult> {
    const { order, problems } = orderBranchRecords(records);
    const branches = new BranchService(this.em, this.clock);
    const ordered = order.map((index) => ({ index, record: records[index] }));
    const result = await this.batch(
      actor,
      ordered,
      ({ record }) => record.code.trim(),
      (em, { index, record }) => {
        const problem = problems.get(index);
        if (problem) throw new RecordRejected([problem]);
        return ingestBranch(em, branches, change, record);
      },
      'branch',
      ({ record }) => record,
    );
    const outcomes = result.records
      .map((outcome) => ({ ...outcome, index: ordered[outcome.index].index }))
      .sort((a, b) => a.index - b.index);
    return { ...result, records: outcomes };
  }

  /** A caller bound to a source system sends that system's records, each checked alone. */
  private ownSystemOnly<R extends { sourceSystem: SourceSystem }>(
    ingestOne: IngestOne<R>,
  ): IngestOne<R> {
    const own = this.sourceSystem;
    if (!own) return ingestOne;
    return (em, record) => {
      if (record.sourceSystem !== own) {
        reject(
          'sourceSystem',
          'SOURCE_SYSTEM_MISMATCH',
          `this API key sends ${own} records only, got ${record.sourceSystem}`,
        );
      }
      return ingestOne(em, record);
    };
  }

  private async batch<R>(
    actor: AuditActor,
    records: R[],
    keyOf: (record: R) => string,
    ingestOne: IngestOne<R>,
    /** The metrics label of what is ingested. */
    kind = 'record',
    /** The record as the caller sent it, for the checks every record gets. */
    sent: (record: R) => unknown = (record) => record,
  ): Promise<IngestionResult> {
    if (records.length > MAX_BATCH) {
      throw new BadUserInputError(
        `a batch holds at most ${MAX_BATCH} records, got ${records.length}`,
        {
          field: 'records',
          rule: 'BATCH_SIZE',
        },
      );
    }
    const outcomes: RecordOutcome[] = [];
    await this.em.transactional(async (batch) => {
      for (const [index, record] of records.entries()) {
        const key = keyOf(record);
        try {
          rejectUnstorableText(sent(record));
          const result = await batch.transactional((savepoint) => ingestOne(savepoint, record));
          outcomes.push({ index, key, ...result, errors: [] });
        } catch (error) {
          const errors = error instanceof RecordRejected ? error.errors : databaseRejection(error);
          if (!errors) throw error;
          outcomes.push({ index, key, status: RecordStatus.REJECTED, errors });
        }
      }
      batch.create(
        AuditEvent,
        this.audit.entity(actor, {
          action: AuditAction.INGESTION_BATCH,
          target: { type: kind },
          details: { records: outcomes.length, ...countBy(outcomes, (o) => o.status) },
        }),
      );
    });
    for (const outcome of outcomes)
      this.metrics?.ingestedRecords.inc({ kind, outcome: outcome.status });
    const rejected = outcomes.filter((o) => o.status === RecordStatus.REJECTED).length;
    return { accepted: outcomes.length - rejected, rejected, records: outcomes };
  }
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

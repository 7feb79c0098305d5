import { DeadlockException, UniqueConstraintViolationException } from '@mikro-orm/core';
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
import { normalizeRecord } from './field-rules';
import { lockKeys } from './key-locks';
import type {
  BranchRecordInput,
  ClaimRecordInput,
  CustomerRecordInput,
  PolicyRecordInput,
  RiskScoreRecordInput,
} from './ingestion.input';
import {
  RecordStatus,
  type IngestionResult,
  type RecordError,
  type RecordOutcome,
} from './ingestion.type';
import { databaseRejection, RecordRejected, reject } from './record-errors';
import { ingestPolicy } from './policy.ingester';
import { ingestRiskScore } from './risk-score.ingester';

export const MAX_BATCH = 1000;

type IngestOne<R> = (em: EntityManager, record: R) => Promise<{ status: RecordStatus; id: string }>;

/** The input type of each kind of record, whose field rules every record meets first. */
const RECORD_TYPES = {
  customer: 'CustomerRecordInput',
  policy: 'PolicyRecordInput',
  claim: 'ClaimRecordInput',
  risk_score: 'RiskScoreRecordInput',
  branch: 'BranchRecordInput',
} as const;

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
    const branches = new BranchService(this.em, this.clock);
    return this.batch(
      actor,
      records,
      (r) => r.code,
      (em, r) => ingestBranch(em, branches, change, r),
      'branch',
      orderBranchRecords,
    );
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

  private async batch<R extends object>(
    actor: AuditActor,
    records: R[],
    keyOf: (record: R) => string,
    ingestOne: IngestOne<R>,
    /** What is ingested: its input type, and its metrics label. */
    kind: keyof typeof RECORD_TYPES,
    /**
     * The order to write the records in, and those refused whatever the database holds;
     * outcomes come back in the batch's order.
     */
    plan: (records: R[]) => { order: number[]; problems: Map<number, RecordError> } = (all) => ({
      order: [...all.keys()],
      problems: new Map(),
    }),
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
    const normalized = records.map((record) =>
      normalizeRecord(RECORD_TYPES[kind], record, this.clock),
    );
    const { order, problems } = plan(normalized.map((n) => n.record));
    const writable = order.filter((i) => !normalized[i]!.errors.length && !problems.has(i));
    const write = () =>
      this.em.transactional(async (batch) => {
        await lockKeys(
          batch,
          writable.map((i) => `${kind}:${keyOf(normalized[i]!.record)}`),
        );
        const outcomes: RecordOutcome[] = [];
        for (const index of order) {
          const { record, errors: broken } = normalized[index]!;
          const key = keyOf(record);
          try {
            const problem = problems.get(index);
            if (broken.length || problem)
              throw new RecordRejected([...broken, ...(problem ? [problem] : [])]);
            const result = await alone(batch, (em) => ingestOne(em, record));
            outcomes.push({ index, key, ...result, errors: [] });
          } catch (error) {
            const errors =
              error instanceof RecordRejected ? error.errors : databaseRejection(error);
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
        return outcomes;
      });
    const outcomes = await untilNoDeadlock(write);
    outcomes.sort((a, b) => a.index - b.index);
    for (const outcome of outcomes)
      this.metrics?.ingestedRecords.inc({ kind, outcome: outcome.status });
    const rejected = outcomes.filter((o) => o.status === RecordStatus.REJECTED).length;
    return { accepted: outcomes.length - rejected, rejected, records: outcomes };
  }
}

/**
 * Runs one record in a savepoint of the batch's transaction, with an identity map of its
 * own: a record that changes an entity and is then rejected takes the change with it, where
 * a shared map would hand it to the next record's flush. A unique key that another batch
 * inserted at the same time (its insert made ours wait, then win) is there to read once that
 * batch committed: the record runs once more, and updates the row or finds it unchanged.
 */
async function alone<T>(batch: EntityManager, run: (em: EntityManager) => Promise<T>): Promise<T> {
  const once = () => batch.fork({ keepTransactionContext: true }).transactional(run);
  try {
    return await once();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) return once();
    throw error;
  }
}

const BATCH_ATTEMPTS = 3;

/**
 * Two batches that write the same keys in crossing orders deadlock, and PostgreSQL aborts
 * one. Running the victim's record again cannot help (its batch still holds the keys the
 * other one waits for), so the whole batch runs again, once the other has gone on.
 */
async function untilNoDeadlock<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof DeadlockException) || attempt === BATCH_ATTEMPTS) throw error;
    }
  }
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

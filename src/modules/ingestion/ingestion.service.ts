import type { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError } from '../../graphql/errors';
import type { PiiHasher } from '../customer/pii-hasher';
import type { BusinessClock } from '../../time/clock';
import { ingestClaim } from './claim.ingester';
import { ingestCustomer } from './customer.ingester';
import type {
  ClaimRecordInput,
  CustomerRecordInput,
  PolicyRecordInput,
  RiskScoreRecordInput,
} from './ingestion.input';
import { RecordStatus, type IngestionResult, type RecordOutcome } from './ingestion.type';
import { databaseRejection, RecordRejected } from './record-errors';
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
    private readonly hasher: PiiHasher,
    private readonly clock: BusinessClock,
  ) {}

  customers(records: CustomerRecordInput[]): Promise<IngestionResult> {
    return this.batch(
      records,
      (r) => `${r.sourceSystem}:${r.sourceKey}`,
      (em, r) => ingestCustomer(em, this.hasher, r),
    );
  }

  policies(records: PolicyRecordInput[]): Promise<IngestionResult> {
    return this.batch(records, (r) => r.policyNo, ingestPolicy);
  }

  claims(records: ClaimRecordInput[]): Promise<IngestionResult> {
    return this.batch(
      records,
      (r) => r.claimNo,
      (em, r) => ingestClaim(em, this.clock, r),
    );
  }

  riskScores(records: RiskScoreRecordInput[]): Promise<IngestionResult> {
    return this.batch(records, (r) => `${r.sourceSystem}:${r.sourceKey}`, ingestRiskScore);
  }

  private async batch<R>(
    records: R[],
    keyOf: (record: R) => string,
    ingestOne: IngestOne<R>,
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
          const result = await batch.transactional((savepoint) => ingestOne(savepoint, record));
          outcomes.push({ index, key, ...result, errors: [] });
        } catch (error) {
          const errors = error instanceof RecordRejected ? error.errors : databaseRejection(error);
          if (!errors) throw error;
          outcomes.push({ index, key, status: RecordStatus.REJECTED, errors });
        }
      }
    });
    const rejected = outcomes.filter((o) => o.status === RecordStatus.REJECTED).length;
    return { accepted: outcomes.length - rejected, rejected, records: outcomes };
  }
}

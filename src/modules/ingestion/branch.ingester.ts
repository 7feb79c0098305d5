import type { EntityManager } from '@mikro-orm/postgresql';
import {
  BranchRuleError,
  type BranchChangeContext,
  type BranchService,
} from '../branch/branch.service';
import type { BranchRecordInput } from './ingestion.input';
import { RecordStatus } from './ingestion.type';
import { RecordRejected } from './record-errors';

/** Writes one branch of the organisation tree; a broken tree rule rejects the record. */
export async function ingestBranch(
  em: EntityManager,
  branches: BranchService,
  change: BranchChangeContext,
  record: BranchRecordInput,
): Promise<{ status: RecordStatus; id: string }> {
  try {
    const { status, id } = await branches.write(em, change, record);
    return { status: RecordStatus[status], id };
  } catch (error) {
    if (error instanceof BranchRuleError) throw new RecordRejected(error.problems);
    throw error;
  }
}

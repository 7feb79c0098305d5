import type { EntityManager } from '@mikro-orm/postgresql';
import type { BusinessClock } from '../../time/clock';
import type { BranchFileRow } from './branch-file';
import { orderBranchRecords, type TreeProblem } from './branch-order';
import {
  BranchRuleError,
  BranchService,
  type BranchChangeContext,
  type BranchWrite,
} from './branch.service';

export interface BranchLoadOutcome {
  line: number;
  code: string;
  status: BranchWrite | 'REJECTED';
  problems: TreeProblem[];
}

export interface BranchLoadOptions {
  change: BranchChangeContext;
  /** Records per transaction. */
  batchSize?: number;
  /** Check every record against the tree and write nothing. */
  dryRun?: boolean;
  onProgress?: (done: number, total: number, step: string) => void;
}

class DryRunDone extends Error {}

/**
 * Writes the branches of a file with the rules of `ingestBranches`: parents before children
 * across the whole file, each record in its own savepoint, in transactions of `batchSize`
 * records. A rejected record leaves nothing behind and stops nothing; loading the same file
 * again changes nothing. Outcomes come back in file order.
 */
export async function loadBranchRows(
  em: EntityManager,
  clock: BusinessClock,
  rows: BranchFileRow[],
  options: BranchLoadOptions,
): Promise<BranchLoadOutcome[]> {
  const { change, batchSize = 1000, dryRun = false, onProgress } = options;
  const branches = new BranchService(em, clock);
  const outcomes = new Map<number, BranchLoadOutcome>();
  const reject = (row: BranchFileRow, problems: TreeProblem[]) =>
    outcomes.set(row.line, { line: row.line, code: row.record.code, status: 'REJECTED', problems });

  const readable = rows.filter((row) => {
    if (row.problems.length) reject(row, row.problems);
    return !row.problems.length;
  });
  const { order, problems } = orderBranchRecords(
    readable.map((row) => row.record),
    (i) => `line ${readable[i]!.line}`,
  );
  const pending = order.flatMap((i) => {
    const problem = problems.get(i);
    if (problem) reject(readable[i], [problem]);
    return problem ? [] : [readable[i]];
  });

  let done = rows.length - pending.length;
  onProgress?.(done, rows.length, 'branches');
  const writeAll = async (db: EntityManager) => {
    for (let start = 0; start < pending.length; start += batchSize) {
      const batch = pending.slice(start, start + batchSize);
      await db.transactional(async (tx) => {
        for (const row of batch) {
          try {
            const { status } = await tx.transactional((savepoint) =>
              branches.write(savepoint, change, row.record),
            );
            outcomes.set(row.line, { line: row.line, code: row.record.code, status, problems: [] });
          } catch (error) {
            if (!(error instanceof BranchRuleError)) throw error;
            reject(row, error.problems);
          }
        }
      });
      done += batch.length;
      onProgress?.(done, rows.length, 'branches');
    }
  };
  if (dryRun) {
    await em
      .transactional(async (outer) => {
        await writeAll(outer);
        throw new DryRunDone();
      })
      .catch((error: unknown) => {
        if (!(error instanceof DryRunDone)) throw error;
      });
  } else {
    await writeAll(em);
  }
  return [...outcomes.values()].sort((a, b) => a.line - b.line);
}

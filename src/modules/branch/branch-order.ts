import { maskPersonalNumbers } from '../../logger';
import { namedAtMost, NAMED_AT_MOST } from '../../messages';
import { parentsFirst } from '../ingestion/parents-first';

/** What ordering needs of a branch record: its key and its parent's. */
export interface TreeRecord {
  code: string;
  parentCode?: string | null;
}

export interface TreeProblem {
  field: string;
  rule: string;
  message: string;
}

export interface BranchOrder {
  /** Every record's index, each after the record of its parent when that is in the list. */
  order: number[];
  /** Records that cannot be written whatever the tree holds, by index. */
  problems: Map<number, TreeProblem>;
}

/** A record's content as compared between repeats: blank and absent fields are the same. */
const content = (record: TreeRecord) =>
  JSON.stringify(
    Object.entries(record)
      .map(([field, value]) => [field, typeof value === 'string' ? value.trim() : value])
      .filter(([, value]) => value !== null && value !== undefined && value !== '')
      .sort(([a], [b]) => String(a).localeCompare(String(b))),
  );

/**
 * Orders branch records so that a parent is written before its children, whatever order a
 * file or a batch lists them in, keeping the given order otherwise. A code listed twice with
 * other content is ambiguous (which one is the branch?): the later records are refused; an
 * identical repeat is a retry, written as the first (and so UNCHANGED). Records whose parents
 * lead back to themselves within the list would form a cycle, and are refused too.
 */
export function orderBranchRecords(
  records: readonly TreeRecord[],
  /** How a message names a record: its index in a batch, its line in a file. */
  named: (index: number) => string = String,
): BranchOrder {
  const problems = new Map<number, TreeProblem>();
  const byCode = new Map<string, number>();
  records.forEach((record, i) => {
    const code = record.code.trim();
    const first = byCode.get(code);
    if (first === undefined) byCode.set(code, i);
    else if (content(record) !== content(records[first])) {
      problems.set(i, {
        field: 'code',
        rule: 'DUPLICATE_IN_BATCH',
        message: maskPersonalNumbers(
          `code ${code} is listed more than once with other content (first at ${named(first)})`,
        ),
      });
    }
  });
  const parentOf = (i: number): number | undefined => {
    const parent = records[i].parentCode?.trim();
    return parent ? byCode.get(parent) : undefined;
  };

  const { order, cycles } = parentsFirst(records.length, parentOf, (i) => problems.has(i));
  for (const cycle of cycles) {
    const codes = cycle.map((i) => records[i].code.trim());
    // Every record of a cycle is told it: one named whole closes on its first code, one too
    // long for that says how many it holds.
    const path =
      codes.length > NAMED_AT_MOST ? namedAtMost(codes, ' -> ') : [...codes, codes[0]].join(' -> ');
    const message = maskPersonalNumbers(`the records make a cycle: ${path}`);
    for (const i of cycle) problems.set(i, { field: 'parentCode', rule: 'CYCLE', message });
  }
  // A retry of a refused record is refused as it is.
  records.forEach((record, i) => {
    const first = problems.get(byCode.get(record.code.trim())!);
    if (first && !problems.has(i)) problems.set(i, first);
  });
  return { order, problems };
}

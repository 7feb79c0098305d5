import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * How long a branch found by its code is trusted before it is read again: a branch closed or
 * moved meanwhile takes this long to reach callers already seen. Unknown codes are never
 * cached, so a branch created a moment ago is found at once.
 */
const BRANCH_CACHE_MS = 30_000;

export interface KnownBranch {
  path: string;
  open: boolean;
}

/**
 * Branches by code, as every request names them (its caller's branch, a segment's): read
 * once per code and kept a while, so naming a branch costs a request no statement.
 */
export class BranchDirectory {
  private readonly branches = new Map<
    string,
    { until: number; branch: Promise<KnownBranch | undefined> }
  >();

  constructor(private readonly em: EntityManager) {}

  /** `fresh`: read now, whatever is kept (and keep what is read). */
  find(code: string, options: { fresh?: boolean } = {}): Promise<KnownBranch | undefined> {
    const now = Date.now();
    const cached = this.branches.get(code);
    if (cached && cached.until > now && !options.fresh) return cached.branch;
    // Requests naming one branch together share one lookup.
    const entry = {
      until: now + BRANCH_CACHE_MS,
      // One code is one branch whatever its case (branch_code_upper): x4 names X4.
      branch: this.em
        .fork()
        .execute<{ path: string; valid_to: string | null }[]>(
          'select path, valid_to from branch where upper(code) = upper(?)',
          [code],
        )
        .then(([found]) => (found ? { path: found.path, open: !found.valid_to } : undefined)),
    };
    const forget = () => this.branches.get(code) === entry && this.branches.delete(code);
    entry.branch.then((found) => found || forget(), forget);
    this.branches.set(code, entry);
    return entry.branch;
  }

  /**
   * Reads every branch afresh: the tree changed in this process. (Another process's change
   * reaches requests within BRANCH_CACHE_MS.)
   */
  forget(): void {
    this.branches.clear();
  }
}

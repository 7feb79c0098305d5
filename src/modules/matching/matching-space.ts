/**
 * The advisory lock over the whole matching space. A large batch takes it alone, a smaller
 * one shared before the locks of its own keys (CustomerBatch.lock), and a steward's merge,
 * unmerge or decision alone: they rewrite customers that batches and other stewards may be
 * rewriting too, and taken one after another they never close a cycle of row locks.
 */
export const MATCHING_SPACE = `hashtextextended('matching space', 0)`;

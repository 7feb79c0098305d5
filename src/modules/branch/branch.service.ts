import { typedIdentifier } from '../../validation';
import { maskPersonalNumbers } from '../../logger';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { BusinessClock } from '../../time/clock';
import { BRANCH_CODE, BRANCH_LEVELS, BranchLevel } from './branch.entity';
import type { TreeProblem } from './branch-order';
import { AuditAction, AuditEvent } from '../audit/audit-event.entity';
import { actorName, AuditLog, type AuditActor } from '../audit/audit-log';
import { normalizeField } from '../ingestion/field-rules';
import { MIN_BIRTH_DATE as EARLIEST_DAY } from '../../validation/instants';

/**
 * Who changes the tree and why, recorded with every version in `branch_history` and, for
 * each change, in the audit log.
 */
export interface BranchChangeContext {
  /** The caller, or the loader's operator (commandLineActor). */
  by: AuditActor;
  /** The operation, and the caller's note when given. */
  reason: string;
  /**
   * The caller's branch path, when a caller's branch bounds what it may change: the
   * branches under it, which it may place under any branch of its subtree. Moving a branch
   * in from elsewhere, or out, would change what every caller of two subtrees may see. The
   * head office's callers and the loader change the whole tree.
   */
  scope?: string;
}

/** A branch as a record (from a source system or a file) states it. */
export interface BranchRecord {
  code: string;
  name: string;
  level: BranchLevel;
  parentCode?: string | null;
  validFrom?: string | null;
  validTo?: string | null;
}

export type BranchWrite = 'CREATED' | 'UPDATED' | 'UNCHANGED';

/**
 * How a broken rule is reported: the caller's input, the stored state, a missing branch, or
 * a branch outside the caller's scope.
 */
export type BranchRuleKind = 'input' | 'conflict' | 'not_found' | 'forbidden';

/** One or more broken tree rules, each naming the field it concerns and a stable rule code. */
export class BranchRuleError extends Error {
  constructor(
    readonly kind: BranchRuleKind,
    readonly problems: TreeProblem[],
  ) {
    super(problems.map((p) => `${p.field}: ${p.rule}: ${p.message}`).join('; '));
  }
}

/** The advisory lock a move of the branch tree holds until it commits. */
const TREE_MOVES = `hashtextextended('branch tree moves', 0)`;

// Messages name codes the caller wrote, which may be anything that fits a code (a mobile).
const rule = (kind: BranchRuleKind, field: string, code: string, message: string) =>
  new BranchRuleError(kind, [{ field, rule: code, message: maskPersonalNumbers(message) }]);

/**
 * CYCLE when `branch` would go under itself or a branch of its own subtree. Checked before the
 * dates: a branch under this one opened after it, so the dates would call a cycle a matter
 * of days.
 */
function cycleCheck(
  branch: { code: string; path: string },
  parent: { code: string; path: string },
): void {
  if (parent.path === branch.path) {
    throw rule('input', 'parentCode', 'CYCLE', `${branch.code} cannot go under itself`);
  }
  if (parent.path.startsWith(`${branch.path}.`)) {
    throw rule(
      'input',
      'parentCode',
      'CYCLE',
      `${branch.code} cannot go under ${parent.code}, which lies under it`,
    );
  }
}

/**
 * The database's tree rules (migration Migration20261130120000), by the constraint name its
 * triggers raise with: the field each concerns and the rule code the API reports. The
 * triggers' own words say what is wrong; an index or a check constraint says only its name
 * and the row's key, so those rules carry a message of their own.
 */
const TREE_CONSTRAINTS: Record<
  string,
  { field: string; rule: string; kind: BranchRuleKind; message?: string }
> = {
  branch_cycle: { field: 'parentCode', rule: 'CYCLE', kind: 'input' },
  branch_level: { field: 'level', rule: 'LEVEL_MISMATCH', kind: 'input' },
  branch_one_head_office: {
    field: 'parentCode',
    rule: 'ONE_HEAD_OFFICE',
    kind: 'input',
    message: 'the tree has its head office already: any other branch needs a parentCode',
  },
  branch_period_check: {
    field: 'validTo',
    rule: 'PERIOD',
    kind: 'input',
    message: 'a branch cannot close before the day it opened',
  },
  branch_code_check: {
    field: 'code',
    rule: 'CODE_FORMAT',
    kind: 'input',
    message: 'must be 1 to 32 letters, digits or hyphens',
  },
  branch_code_upper: {
    field: 'code',
    rule: 'CODE_CASE',
    kind: 'input',
    message: 'another branch has this code in other letter case: one code is one branch',
  },
  branch_name_check: {
    field: 'name',
    rule: 'REQUIRED',
    kind: 'input',
    message: 'must not be blank',
  },
  branch_parent_closed: { field: 'parentCode', rule: 'PARENT_CLOSED', kind: 'conflict' },
  branch_open_children: { field: 'validTo', rule: 'OPEN_CHILDREN', kind: 'conflict' },
  branch_active_customers: { field: 'validTo', rule: 'ACTIVE_CUSTOMERS', kind: 'conflict' },
  customer_branch_open: { field: 'moveCustomersTo', rule: 'BRANCH_CLOSED', kind: 'conflict' },
};

/** The rule a database error on a tree write broke, or undefined for any other error. */
export function treeRuleOf(error: unknown): BranchRuleError | undefined {
  const { constraint, message } = error as { constraint?: string; message?: string };
  const known = constraint ? TREE_CONSTRAINTS[constraint] : undefined;
  if (!known) return undefined;
  // Knex puts the statement before the database's own words.
  const text = known.message ?? (message ?? '').split(' - ').pop()!;
  return rule(known.kind, known.field, known.rule, text);
}

interface StoredBranch {
  id: string;
  code: string;
  name: string;
  level: BranchLevel;
  path: string;
  parent_id: string | null;
  valid_from: string;
  valid_to: string | null;
  successor_id: string | null;
}

const NEXT_LEVEL = (level: BranchLevel): BranchLevel | undefined =>
  BRANCH_LEVELS[BRANCH_LEVELS.indexOf(level) + 1];

/** The head office's path has no parent's before it. */
const isHeadOffice = (path: string) => !path.includes('.');

/** A branch the caller may rename, move, close or rewrite: one under its own. */
function changeable(change: BranchChangeContext, branch: StoredBranch): void {
  const { scope } = change;
  if (!scope || isHeadOffice(scope) || branch.path.startsWith(`${scope}.`)) return;
  throw rule(
    'forbidden',
    'code',
    'BRANCH_SCOPE',
    `${branch.code} is not under the caller's branch ${lastCode(scope)}`,
  );
}

/** A branch the caller may put a branch or customers under: its own or one under it. */
function placeable(
  change: BranchChangeContext,
  target: StoredBranch | undefined,
  field: string,
): void {
  const { scope } = change;
  if (!scope || isHeadOffice(scope)) return;
  if (target && (target.path === scope || target.path.startsWith(`${scope}.`))) return;
  throw rule(
    'forbidden',
    field,
    'BRANCH_SCOPE',
    target
      ? `${target.code} is not the caller's branch ${lastCode(scope)} or under it`
      : `only the head office's callers add a branch without a parent`,
  );
}

const lastCode = (path: string) => path.slice(path.lastIndexOf('.') + 1);

/**
 * The organisation tree's writes: loading it from records, and renaming, moving and
 * closing branches. The tree's rules live in the database, which every writer meets; this
 * service checks what it can say better first (formats, dates, missing branches), writes
 * with plain SQL (a move rewrites a whole subtree in the database, which entities held in
 * an identity map would not see) and turns the database's refusals into named rules.
 */
export class BranchService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: BusinessClock,
  ) {}

  /**
   * Writes one branch as a record states it, in the caller's transaction: `validTo` absent
   * means open (a closed branch is reopened), `validFrom` absent keeps the stored day (today
   * for a new branch). Resending the same record changes nothing and records no version.
   */
  async write(
    em: EntityManager,
    change: BranchChangeContext,
    record: BranchRecord,
  ): Promise<{ status: BranchWrite; id: string }> {
    const code = record.code.trim();
    // The record's field rules, whoever wrote it: ingestion has applied them, a file has not.
    const { value: name, errors: problems } = normalizeField(
      'BranchRecordInput.name',
      record.name,
      'name',
    );
    const parentCode = record.parentCode?.trim() || undefined;
    if (!BRANCH_CODE.test(code)) {
      problems.push({
        field: 'code',
        rule: 'CODE_FORMAT',
        message: 'a code is 1 to 32 letters, digits or hyphens, not hyphens alone',
      });
    }
    if (parentCode === code) {
      problems.push({
        field: 'parentCode',
        rule: 'CYCLE',
        message: 'a branch cannot be its own parent',
      });
    }
    problems.push(
      ...this.periodProblems(record.validFrom ?? undefined, record.validTo ?? undefined),
    );
    if (problems.length) throw new BranchRuleError('input', problems);

    const existing = await this.find(em, code, true);
    if (existing && existing.code !== code) {
      // One code, one branch: X4 and x4 would read as one on paper and two in the tree.
      throw rule(
        'input',
        'code',
        'CODE_CASE',
        `branch ${existing.code} has this code in other letter case: one code is one branch`,
      );
    }
    const parent = parentCode ? await this.find(em, parentCode) : undefined;
    if (parentCode && !parent) {
      throw rule('input', 'parentCode', 'UNKNOWN_BRANCH', 'no branch has this code');
    }
    if (existing && parent) cycleCheck(existing, parent);
    const validFrom = record.validFrom ?? existing?.valid_from ?? this.clock.today();
    const validTo = record.validTo ?? null;
    const period = this.periodProblems(validFrom, validTo ?? undefined);
    if (period.length) throw new BranchRuleError('input', period);
    // The tree as it stood on any day has no branch under one not opened yet.
    if (parent && validFrom < parent.valid_from) {
      throw rule(
        'input',
        'validFrom',
        'PARENT_PERIOD',
        `${parent.code} opened on ${parent.valid_from}: a branch under it opens on that day or later`,
      );
    }
    if (!existing) {
      placeable(change, parent, 'parentCode');
      const id = randomUUID();
      await this.describe(em, change, id, {
        code,
        created: { name, level: record.level, parentCode, validFrom, validTo },
      });
      const now = this.clock.now().toISOString();
      await this.run(() =>
        em.execute(
          `insert into branch (id, created_at, updated_at, code, name, level, parent_id, path,
             valid_from, valid_to)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            id,
            now,
            now,
            code,
            name,
            record.level,
            parent?.id ?? null,
            parent ? `${parent.path}.${code}` : code,
            validFrom,
            validTo,
          ],
        ),
      );
      return { status: 'CREATED', id };
    }
    const same =
      existing.name === name &&
      existing.level === record.level &&
      existing.parent_id === (parent?.id ?? null) &&
      existing.valid_from === validFrom &&
      existing.valid_to === validTo;
    if (same) return { status: 'UNCHANGED', id: existing.id };
    changeable(change, existing);
    if (existing.parent_id !== (parent?.id ?? null) && existing.valid_to && validTo) {
      // As moveBranch: a closed branch's history stands where it was made.
      throw rule(
        'conflict',
        'parentCode',
        'BRANCH_CLOSED',
        `${existing.code} closed on ${existing.valid_to}: reopen it to move it`,
      );
    }
    if (validFrom > existing.valid_from)
      await this.noEarlierChild(em, existing, validFrom, 'validFrom');
    if (validTo && validTo !== existing.valid_to)
      await this.noLaterChild(em, existing, validTo, 'validTo');
    if (existing.parent_id !== (parent?.id ?? null)) placeable(change, parent, 'parentCode');
    await this.describe(em, change, existing.id, {
      code,
      changed: { name, level: record.level, parentCode, validFrom, validTo },
    });
    await this.update(em, existing.id, {
      name,
      level: record.level,
      parent_id: parent?.id ?? null,
      valid_from: validFrom,
      valid_to: validTo,
      // A reopened branch serves its own customers again.
      successor_id: validTo === null ? null : existing.successor_id,
    });
    return { status: 'UPDATED', id: existing.id };
  }

  /** Gives a branch a new name; its code, and so its meaning, stay. */
  rename(change: BranchChangeContext, code: string, name: string): Promise<string> {
    return this.em.transactional(async (em) => {
      const branch = await this.existing(em, code);
      changeable(change, branch);
      const { value: trimmed, errors } = normalizeField('RenameBranchInput.name', name, 'name');
      if (errors.length) throw new BranchRuleError('input', errors);
      if (trimmed !== branch.name) {
        await this.describe(em, change, branch.id, {
          code: branch.code,
          renamed: { from: branch.name, to: trimmed },
        });
        await this.update(em, branch.id, { name: trimmed });
      }
      return branch.id;
    });
  }

  /**
   * Puts a branch under another parent, one level below it. Its subtree goes with it, paths
   * and levels alike: from the commit on, its customers count under the new parent's
   * subtree and no longer under the old one's.
   */
  move(change: BranchChangeContext, code: string, parentCode: string): Promise<string> {
    return this.em.transactional(async (em) => {
      // One move of the tree at a time: two opposite moves (A under B, B under A) each saw
      // the tree without the other's, and rewriting each other's subtree paths they deadlocked.
      // The later one now waits, reads the tree as the first left it, and is a CYCLE.
      await em.execute(`select pg_advisory_xact_lock(${TREE_MOVES})`);
      const branch = await this.existing(em, code);
      changeable(change, branch);
      if (branch.valid_to) {
        // Its history stands as it closed: its policies would count under the new parent.
        throw rule(
          'conflict',
          'code',
          'BRANCH_CLOSED',
          `${branch.code} closed on ${branch.valid_to}: reopen it to move it`,
        );
      }
      const parent = await this.find(em, typedIdentifier(parentCode));
      if (!parent) {
        throw rule('input', 'parentCode', 'UNKNOWN_BRANCH', 'no branch has this code');
      }
      if (parent.id === branch.parent_id) return branch.id;
      placeable(change, parent, 'parentCode');
      cycleCheck(branch, parent);
      if (branch.valid_from < parent.valid_from) {
        throw rule(
          'input',
          'parentCode',
          'PARENT_PERIOD',
          `${parent.code} opened on ${parent.valid_from}, after ${branch.code}, which opened on ${branch.valid_from}: the tree as it stood then had no parent to put it under`,
        );
      }
      const level = NEXT_LEVEL(parent.level);
      if (!level) {
        throw rule(
          'input',
          'parentCode',
          'LEVEL_MISMATCH',
          `${parent.code} is ${parent.level}, the lowest level: no branch goes under it`,
        );
      }
      // The branches under it move with it: each is named, as its own move would be.
      const under = await em.execute<{ code: string }[]>(
        `select code from branch where path like ? || '.%' order by path`,
        [branch.path],
      );
      await this.describe(em, change, branch.id, {
        code: branch.code,
        moved: {
          from: branch.path,
          toParent: parent.code,
          withIt: under.map((b) => b.code),
        },
      });
      await this.update(
        em,
        branch.id,
        { parent_id: parent.id, level },
        { LEVEL_MISMATCH: 'parentCode' },
      );
      return branch.id;
    });
  }

  /**
   * Closes a branch on a day (today by default; not a later day). A branch with open
   * branches under it, or with active customers, stays open, unless `moveCustomersTo`
   * names an open branch: its active customers then move there in the same transaction,
   * and it becomes the closed branch's successor, to which later records naming the closed
   * branch resolve. Closing a closed branch again changes nothing.
   */
  close(
    change: BranchChangeContext,
    code: string,
    options: { on?: string; moveCustomersTo?: string },
  ): Promise<string> {
    return this.em.transactional(async (em) => {
      const branch = await this.existing(em, code);
      changeable(change, branch);
      const on = options.on ?? this.clock.today();
      const period = this.periodProblems(branch.valid_from, on, 'on');
      if (period.length) throw new BranchRuleError('input', period);
      if (!branch.valid_to) await this.noLaterChild(em, branch, on, 'on');
      if (branch.valid_to) {
        // A retry of the closing that was done changes nothing, as any closing again.
        const successor = options.moveCustomersTo
          ? await this.find(em, typedIdentifier(options.moveCustomersTo))
          : undefined;
        if (
          (options.on ?? branch.valid_to) === branch.valid_to &&
          (!options.moveCustomersTo || (successor && successor.id === branch.successor_id))
        ) {
          return branch.id;
        }
        throw rule(
          'conflict',
          'code',
          'ALREADY_CLOSED',
          `${branch.code} closed on ${branch.valid_to}`,
        );
      }
      let successor: StoredBranch | undefined;
      if (options.moveCustomersTo) {
        const target = typedIdentifier(options.moveCustomersTo);
        successor = await this.find(em, target);
        if (!successor) {
          throw rule('input', 'moveCustomersTo', 'UNKNOWN_BRANCH', 'no branch has this code');
        }
        placeable(change, successor, 'moveCustomersTo');
        if (successor.id === branch.id) {
          throw rule(
            'input',
            'moveCustomersTo',
            'SAME_BRANCH',
            'customers must move to another branch',
          );
        }
        if (successor.valid_to) {
          throw rule(
            'conflict',
            'moveCustomersTo',
            'BRANCH_CLOSED',
            `${successor.code} closed on ${successor.valid_to}`,
          );
        }
        // The tree on the closing day has the customers in a branch open that day.
        if (successor.valid_from > on) {
          throw rule(
            'input',
            'moveCustomersTo',
            'SUCCESSOR_PERIOD',
            `${successor.code} opened on ${successor.valid_from}, after the closing on ${on}`,
          );
        }
      }
      let moved = 0;
      if (successor) {
        // Writers of customers wait for the closing (see the branch_tree_check trigger), and
        // taking the lock before moving them keeps two closings from deadlocking.
        await em.execute('lock table customer in share row exclusive mode');
        const result = await this.run(() =>
          em.execute<{ moved: number }[]>(
            `with moved as (
               update customer set branch_id = ?, updated_at = ?, version = version + 1
               where branch_id = ? and status = 'ACTIVE' returning 1)
             select count(*)::int as moved from moved`,
            [successor!.id, this.clock.now().toISOString(), branch.id],
          ),
        );
        moved = result[0].moved;
        // The records naming it name its successor from now on, as a record naming it that
        // arrives later does: a customer's golden record computed again stays where it was
        // moved, and reopening the branch later does not take customers back one by one.
        await em.execute(`update source_record set branch_id = ? where branch_id = ?`, [
          successor!.id,
          branch.id,
        ]);
      }
      // How many customers moved is kept in the audit entry, read within the actor's branch,
      // and not in the reason: every branch's stewards read the history.
      await this.describe(em, change, branch.id, {
        code: branch.code,
        closed: { on, successor: successor?.code ?? null, customersMoved: moved },
      });
      await this.update(
        em,
        branch.id,
        { valid_to: on, successor_id: successor?.id ?? null },
        { OPEN_CHILDREN: 'code', ACTIVE_CUSTOMERS: 'moveCustomersTo', PERIOD: 'on' },
      );
      return branch.id;
    });
  }

  /** PARENT_PERIOD, naming `field`, when a branch under `branch` opened before `day`. */
  private async noEarlierChild(
    em: EntityManager,
    branch: StoredBranch,
    day: string,
    field: string,
  ): Promise<void> {
    const [child] = await em.execute<{ code: string; valid_from: string }[]>(
      `select code, valid_from::text as valid_from from branch
       where parent_id = ? and valid_from < ? order by valid_from limit 1`,
      [branch.id, day],
    );
    if (child) {
      throw rule(
        'input',
        field,
        'PARENT_PERIOD',
        `${child.code}, under ${branch.code}, opened on ${child.valid_from}: ${branch.code} opens on that day or earlier`,
      );
    }
  }

  /**
   * PARENT_PERIOD, naming `field`, when a branch under `branch` opened after `day` or stayed
   * open past it: the tree as it stood on any day has no branch under one closed already.
   * (One still open is OPEN_CHILDREN, the database's.)
   */
  private async noLaterChild(
    em: EntityManager,
    branch: StoredBranch,
    day: string,
    field: string,
  ): Promise<void> {
    const [child] = await em.execute<{ code: string; valid_from: string; valid_to: string }[]>(
      `select code, valid_from::text as valid_from, valid_to::text as valid_to from branch
       where parent_id = ? and (valid_from > ? or valid_to > ?)
       order by greatest(valid_from, valid_to) desc limit 1`,
      [branch.id, day, day],
    );
    if (child) {
      const until =
        child.valid_from > day
          ? `opened on ${child.valid_from}`
          : `was open until ${child.valid_to}`;
      throw rule(
        'input',
        field,
        'PARENT_PERIOD',
        `${child.code}, under ${branch.code}, ${until}: ${branch.code} closes on that day or later`,
      );
    }
  }

  private async existing(em: EntityManager, code: string): Promise<StoredBranch> {
    // Typed by hand: full-width digits and letters are the same code.
    const branch = await this.find(em, typedIdentifier(code), true);
    if (!branch) throw rule('not_found', 'code', 'UNKNOWN_BRANCH', 'no branch has this code');
    return branch;
  }

  /**
   * A branch by code, whatever its letter case (one code is one branch: CODE_CASE); `lock`
   * holds it against other writers of the tree until commit.
   */
  private async find(
    em: EntityManager,
    code: string,
    lock = false,
  ): Promise<StoredBranch | undefined> {
    const [row] = await em.execute<StoredBranch[]>(
      `select id, code, name, level, path, parent_id, valid_from::text as valid_from,
         valid_to::text as valid_to, successor_id
       from branch where upper(code) = upper(?)${lock ? ' for no key update' : ''}`,
      [code],
    );
    return row;
  }

  private periodProblems(
    validFrom: string | undefined,
    validTo: string | undefined,
    field = 'validTo',
  ) {
    const problems: TreeProblem[] = [];
    // The tree has no branch that opens later: a branch is open from the day it is recorded
    // (tokens name it, customers are placed in it), so a later first day would be untrue.
    if (validFrom && validFrom > this.clock.today()) {
      problems.push({
        field: 'validFrom',
        rule: 'FUTURE_DATE',
        message: `a branch opens on the day it is recorded open or earlier, not on ${validFrom}`,
      });
    }
    if (validFrom && validFrom < EARLIEST_DAY) {
      problems.push({
        field: 'validFrom',
        rule: 'DATE_RANGE',
        message: `must be ${EARLIEST_DAY} or later, got ${validFrom}`,
      });
    }
    if (validTo && validTo > this.clock.today()) {
      problems.push({
        field,
        rule: 'FUTURE_DATE',
        message: `a branch closes on the day it is recorded closed or earlier, not on ${validTo}`,
      });
    }
    if (validFrom && validTo && validTo < validFrom) {
      problems.push({
        field,
        rule: 'PERIOD',
        message: `the branch opened on ${validFrom}: it cannot close on ${validTo}`,
      });
    }
    return problems;
  }

  /**
   * Tells the history trigger who is changing the tree, when (business time) and why, and
   * audits the change in the same transaction: it commits with the change or not at all.
   * The reason holds the caller's note, masked by the caller as steward reasons are.
   */
  private async describe(
    em: EntityManager,
    change: BranchChangeContext,
    branchId: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    const { reason } = change;
    await em.execute(
      `select set_config('cif.actor', ?, true), set_config('cif.at', ?, true),
         set_config('cif.reason', ?, true)`,
      [actorName(change.by), this.clock.now().toISOString(), reason],
    );
    await em.insert(
      AuditEvent,
      new AuditLog(this.clock).entity(change.by, {
        action: AuditAction.BRANCH_CHANGE,
        target: { type: 'Branch', id: branchId },
        purpose: reason,
        details,
      }),
    );
  }

  private async update(
    em: EntityManager,
    id: string,
    values: Partial<Omit<StoredBranch, 'id' | 'code' | 'path'>>,
    /** The field to name for a broken rule, by rule code, when not the record's own. */
    fields: Record<string, string> = {},
  ): Promise<void> {
    const columns = Object.keys(values);
    await this.run(
      () =>
        em.execute(
          `update branch set ${columns.map((c) => `${c} = ?`).join(', ')}, updated_at = ? where id = ?`,
          [...Object.values(values), this.clock.now().toISOString(), id],
        ),
      fields,
    );
  }

  /** Runs a write, turning the tree rules the database enforces into named rules. */
  private async run<T>(write: () => Promise<T>, fields: Record<string, string> = {}): Promise<T> {
    try {
      return await write();
    } catch (error) {
      const broken = treeRuleOf(error);
      if (!broken) throw error;
      throw new BranchRuleError(
        broken.kind,
        broken.problems.map((p) => ({ ...p, field: fields[p.rule] ?? p.field })),
      );
    }
  }
}

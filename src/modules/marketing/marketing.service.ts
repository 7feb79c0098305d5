import { typedIdentifier } from '../../validation';
import { Role, type Caller } from '../../auth/roles';
import { BadUserInputError, ForbiddenError } from '../../graphql/errors';
import type { RootSource } from '../../read/compiler';
import { equalsAny, refuseEmpty, type SqlScope } from '../../read/sql-scope';
import { CustomerStatus } from '../customer/customer.enums';
import { CustomerView } from '../customer/customer.type';
import type { ActiveRuleSets } from '../tier/active-rule-sets';
import { textLiteral } from '../tier/rule-set/compile';
import { assignmentAt, endOfKnownDay, startOfDay } from '../tier/tier.type';
import type { BusinessClock } from '../../time/clock';
import { knownDay } from '../../graphql/known-day';
import { TierMove, type MarketingCustomerFilter } from './marketing.input';
import { SegmentCount } from './segment-count.entity';
import type { BranchDirectory, KnownBranch } from '../branch/branch-directory';
import { BRANCH_CODE } from '../branch/branch.entity';

const MAX_DAYS = 3660;

type SegmentRows = { from: string; where: string; row: SqlScope };

/** Each code of `given` one of `known`, else UNKNOWN_TIER naming the first that is not. */
function knownTiers(field: string, given: string[] | null | undefined, known: readonly string[]) {
  const unknown = (given ?? []).findIndex((t) => !known.includes(t));
  if (unknown < 0) return;
  // Named by its place, not quoted: what a caller typed may be anyone's name.
  const at = `${field}[${unknown}]`;
  throw new BadUserInputError(`${at} is no tier of the rules (${known.join(', ')})`, {
    field: at,
    rule: 'UNKNOWN_TIER',
  });
}

function days(field: string, value: number | undefined): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value) || value < 0 || value > MAX_DAYS) {
    throw new BadUserInputError(`${field} must be from 0 to ${MAX_DAYS} days`, {
      field,
      rule: 'DAYS_RANGE',
    });
  }
  return value;
}

/** Whether branch path `inner` is `outer` or under it. */
const within = (inner: string, outer: string) => inner === outer || inner.startsWith(`${outer}.`);

/** A tier's rank (1 = best) in a rule set version, as SQL; null where the version lacks it. */
const tierRank = (versionSql: string, tierSql: string) =>
  `(select (t->>'rank')::int from rule_set_version v, jsonb_array_elements(v.document->'tiers') t
    where v.id = ${versionSql} and t->>'code' = ${tierSql})`;

/**
 * The rank of the tier an assignment `tp` left, as the version of the assignment `tn` that
 * replaced it ranks it, or, where that version renamed or dropped it, as its own did.
 */
const leftRank = (tn: string, tp: string) =>
  `coalesce(${tierRank(`${tn}.rule_set_version_id`, `${tp}.tier`)}, ${tierRank(`${tp}.rule_set_version_id`, `${tp}.tier`)})`;

/**
 * Whether assignment `tn`, replacing `tp`, moved the customer: another tier, unless a new
 * version gave the tier left another name at the same rank (a rename re-issues a tier, as an
 * unchanged one is re-issued, and is no move).
 */
const tierMoved = (tn: string, tp: string) =>
  `(${tn}.tier <> ${tp}.tier and (${tn}.rule_set_version_id = ${tp}.rule_set_version_id
    or ${tierRank(`${tn}.rule_set_version_id`, `${tn}.tier`)} is distinct from ${leftRank(tn, tp)}))`;

/** Turns a marketing filter into the row source of a customer list, for one caller. */
export class MarketingService {
  constructor(
    private readonly ruleSets: ActiveRuleSets,
    private readonly clock: BusinessClock,
    private readonly branches: BranchDirectory,
  ) {}

  /**
   * Checks the branch `filter.branchCode` names, and returns the code as typed identifiers
   * read. A code no branch has would give an empty campaign, as would a closed branch (its
   * customers moved on when it closed) or a branch outside the caller's own (its row rule
   * leaves none of that branch's customers): each is refused. The tree is reference data
   * every role reads, so saying which is the case tells nothing about anyone. The directory
   * may hold a branch as it was a moment ago in another process: a refusal is decided on the
   * tree as it is now, and the segment's SQL reads the subtree itself.
   */
  private async checkedBranch(caller: Caller, code: string): Promise<string> {
    const field = 'filter.branchCode';
    const typed = typedIdentifier(code);
    const problem = (branch: KnownBranch | undefined) =>
      !branch
        ? new BadUserInputError(`${field} names no branch`, { field, rule: 'UNKNOWN_BRANCH' })
        : !branch.open
          ? new BadUserInputError(`${field} names a closed branch, which holds no customers`, {
              field,
              rule: 'BRANCH_CLOSED',
            })
          : !within(branch.path, caller.branchPath) && !within(caller.branchPath, branch.path)
            ? new ForbiddenError(`${field} names a branch outside the caller's`, {
                role: caller.role,
                field,
                rule: 'BRANCH_SCOPE',
              })
            : undefined;
    if (!BRANCH_CODE.test(typed)) throw problem(undefined)!;
    if (!problem(await this.branches.find(typed))) return typed;
    const refused = problem(await this.branches.find(typed, { fresh: true }));
    if (refused) throw refused;
    return typed;
  }

  /** A tier's position by rank in the active tier rule set, as SQL (1 = best). */
  private rankSql(tierSql: string): string {
    const tiers = [...(this.ruleSets.tier?.document.tiers ?? [])].sort((a, b) => a.rank - b.rank);
    return `array_position(array[${tiers.map((t) => textLiteral(t.code)).join(', ')}]::text[], ${tierSql})`;
  }

  /** Counts per tier (and branch) over a segment's rows, best tier first. */
  tierCountsSql(segment: SegmentRows, byBranch: boolean, asOf?: string): string {
    const { from, where, row } = segment;
    const at = endOfKnownDay(row, this.clock, 'asOf', asOf);
    return `select ta.tier, ${byBranch ? 'b.code' : 'null::text'} as "branchCode", count(*)::int as customers
      from ${from}
      left join tier_assignment ta on ta.customer_id = ${row.col('id')} and ${assignmentAt('ta', at)}
      ${byBranch ? `join branch b on b.id = ${row.col('branch')}` : ''}
      ${where}
      group by 1, 2 order by ${this.rankSql('ta.tier')} nulls last, 2`;
  }

  /** Customers per (from tier, to tier) move since a date over a segment's rows. */
  tierTransitionsSql(segment: SegmentRows, since: string, byBranch: boolean): string {
    const { from, where, row } = segment;
    knownDay(this.clock, 'since', since);
    return `select tp.tier as "fromTier", tn.tier as "toTier",
        ${byBranch ? 'b.code' : 'null::text'} as "branchCode", count(distinct tn.customer_id)::int as customers
      from ${from}
      join tier_assignment tn on tn.customer_id = ${row.col('id')}
      join tier_assignment tp on tp.customer_id = tn.customer_id and tp.valid_to = tn.valid_from
      ${byBranch ? `join branch b on b.id = ${row.col('branch')}` : ''}
      ${where ? `${where} and` : 'where'} tn.valid_from >= ${startOfDay(row.param(since, 'date'))}
        and ${tierMoved('tn', 'tp')}
      group by 1, 2, 3 order by ${this.rankSql('tp.tier')}, ${this.rankSql('tn.tier')}, 3`;
  }

  /**
   * `heldOn`: a past day whose tiers are counted (tierSegmentSummary's asOf). The customers
   * known that day count, those merged away or deceased since as they held their tier then,
   * and none known since, so that a day's counts do not change with what happened after it
   * (the row rules still apply: marketing counts only the customers it may reach now).
   */
  async segment(
    caller: Caller,
    given?: MarketingCustomerFilter | null,
    options: { heldOn?: string } = {},
  ): Promise<RootSource> {
    // null, as everywhere in the filter, is no condition.
    const filter = given ?? {};
    if (caller.role === Role.MARKETING && filter.consentGiven === false) {
      throw new ForbiddenError('Marketing may only see customers who consented to marketing', {
        role: caller.role,
        field: 'filter.consentGiven',
      });
    }
    // Marketing never sees a customer without consent: the row rule (src/auth/rows.ts)
    // holds it here as everywhere, and asking for the opposite is refused outright.
    const consent = filter.consentGiven;
    // A later day is refused wherever it is given, as for tier(asOf:): its tiers are not
    // known, and a filter that ignored it would answer as if they were.
    knownDay(this.clock, 'filter.tierAsOf', filter.tierAsOf ?? undefined);
    knownDay(this.clock, 'filter.tierChange.since', filter.tierChange?.since);
    // A window or a day alone would be no condition at all: a campaign of everyone, said
    // nowhere.
    const alone: [unknown, unknown, string, string][] = [
      [
        filter.claimsWithinDays,
        filter.hasClaims,
        'hasClaims',
        'claimsWithinDays, the window of its claims',
      ],
      [filter.tierAsOf, filter.tiers, 'tiers', 'tierAsOf, the day they are held on'],
    ];
    for (const [given, needed, field, what] of alone) {
      if (given != null && needed == null) {
        throw new BadUserInputError(`filter.${field} is required with filter.${what}`, {
          field: `filter.${field}`,
          rule: 'REQUIRED',
        });
      }
    }
    refuseEmpty(filter.tiers, 'filter.tiers');
    refuseEmpty(filter.lines, 'filter.lines');
    refuseEmpty(filter.channels, 'filter.channels');
    refuseEmpty(filter.tierChange?.from, 'filter.tierChange.from');
    refuseEmpty(filter.tierChange?.to, 'filter.tierChange.to');
    if (
      filter.branchCode !== undefined &&
      filter.branchCode !== null &&
      !filter.branchCode.trim()
    ) {
      throw new BadUserInputError('filter.branchCode is blank: leave it out for every branch', {
        field: 'filter.branchCode',
        rule: 'REQUIRED',
      });
    }
    const branchCode = filter.branchCode
      ? await this.checkedBranch(caller, filter.branchCode)
      : undefined;
    // Tiers held now are the active rules' tiers: another code is a typo, which would give an
    // empty campaign. A past date's tiers, and those a customer moved from or to, may be
    // those of a retired version.
    const active = this.ruleSets.tier?.document.tiers.map((t) => t.code) ?? [];
    const past = !!filter.tierAsOf && filter.tierAsOf < this.clock.today();
    knownTiers('filter.tiers', filter.tiers, past ? this.ruleSets.tiersEverHeld : active);
    knownTiers('filter.tierChange.from', filter.tierChange?.from, this.ruleSets.tiersEverHeld);
    knownTiers('filter.tierChange.to', filter.tierChange?.to, this.ruleSets.tiersEverHeld);
    const expiring = days('filter.expiringWithinDays', filter.expiringWithinDays);
    const claimsWindow = days('filter.claimsWithinDays', filter.claimsWithinDays);
    // Tiers held now are the customer's current tier; tiers on a past date need the history.
    const current = filter.tiers?.length && !filter.tierAsOf ? filter.tiers : undefined;

    /** Conditions on what a customer and a segment count (SegmentCount) both carry. */
    const heldOn =
      options.heldOn && options.heldOn < this.clock.today() ? options.heldOn : undefined;
    const counted = (c: SqlScope): string[] => {
      const active = `${c.col('status')} = '${CustomerStatus.ACTIVE}'`;
      const at = heldOn && endOfKnownDay(c, this.clock, 'asOf', heldOn);
      const where = at
        ? [
            // Those the hub knew that day, and no one it came to know since.
            `${c.col('createdAt')} < ${at}`,
            `(${active} or exists (select 1 from tier_assignment h
              where h.customer_id = ${c.col('id')} and ${assignmentAt('h', at)}))`,
          ]
        : [active];
      // null, as for every other field, is no condition.
      if (consent !== undefined && consent !== null)
        where.push(`${c.col('marketingConsent')} = ${c.param(consent, 'boolean')}`);
      if (branchCode !== undefined) {
        // An array, not a join: the planner, which cannot know how many branches a code's
        // subtree holds, then keeps to the ordered index range instead of a branch at a time.
        const code = c.param(branchCode, 'text');
        where.push(`${c.col('branch')} = any(array(select b.id from branch b, branch root
            where upper(root.code) = upper(${code})
              and (b.path = root.path or b.path like root.path || '.%')))`);
      }
      if (current) where.push(equalsAny(c, c.col('currentTier'), current));
      return where;
    };
    const onlyCounted =
      current !== undefined &&
      !filter.lines?.length &&
      !filter.channels?.length &&
      expiring === undefined &&
      (filter.hasClaims === undefined || filter.hasClaims === null) &&
      !filter.tierChange;

    return {
      type: () => CustomerView,
      orderBy: (c) => [{ sql: c.col('cifNo'), type: 'text', direction: 'asc' }],
      ...(onlyCounted && {
        counts: {
          entity: () => SegmentCount,
          column: 'customers',
          source: (s: SqlScope) => ({ where: counted(s) }),
        },
      }),
      source: (c: SqlScope) => {
        const where = counted(c);
        const policy: string[] = [];
        if (filter.lines?.length) policy.push(equalsAny(c, 'p.line', filter.lines));
        if (filter.channels?.length) {
          policy.push(equalsAny(c, 'p.channel', filter.channels));
        }
        if (expiring !== undefined) {
          const today = c.param(this.clock.today(), 'date');
          policy.push(`p.expiry_date between ${today} and ${today} + ${c.param(expiring, 'int')}`);
        }
        if (policy.length) {
          where.push(`exists (select 1 from policy_party pp join policy p on p.id = pp.policy_id
            where pp.customer_id = ${c.col('id')} and p.status = 'IN_FORCE' and ${policy.join(' and ')})`);
        }
        if (filter.hasClaims !== undefined && filter.hasClaims !== null) {
          // By default the 12 months the tier's claimCount12m counts, not 365 days and today.
          const today = c.param(this.clock.today(), 'date');
          const since =
            claimsWindow === undefined
              ? `(${today} - interval '12 months')::date + 1`
              : `${today} - ${c.param(claimsWindow, 'int')}`;
          where.push(`${filter.hasClaims ? '' : 'not '}exists (select 1 from policy_party pp
            join claim cl on cl.policy_id = pp.policy_id
            where pp.customer_id = ${c.col('id')} and cl.status not in ('REJECTED', 'WITHDRAWN')
              and cl.accident_at >= ${startOfDay(since)})`);
        }
        const at = filter.tiers?.length
          ? endOfKnownDay(c, this.clock, 'filter.tierAsOf', filter.tierAsOf)
          : undefined;
        if (at) {
          where.push(`exists (select 1 from tier_assignment ta where ta.customer_id = ${c.col('id')}
            and ${equalsAny(c, 'ta.tier', filter.tiers!)} and ${assignmentAt('ta', at)})`);
        }
        const change = filter.tierChange;
        if (change) {
          // A change is an assignment that replaced another: the old one closed as it opened.
          const moved = [
            `tn.valid_from >= ${startOfDay(c.param(change.since, 'date'))}`,
            // A new rule version re-issues unchanged tiers, and renamed ones: not moves.
            tierMoved('tn', 'tp'),
            ...(change.from?.length ? [equalsAny(c, 'tp.tier', change.from)] : []),
            ...(change.to?.length ? [equalsAny(c, 'tn.tier', change.to)] : []),
            // Ranked by the rules the move was made under (leftRank).
            ...(change.direction
              ? [
                  `${tierRank('tn.rule_set_version_id', 'tn.tier')} ${change.direction === TierMove.DOWN ? '>' : '<'}
                   ${leftRank('tn', 'tp')}`,
                ]
              : []),
          ];
          where.push(`exists (select 1 from tier_assignment tn
            join tier_assignment tp on tp.customer_id = tn.customer_id and tp.valid_to = tn.valid_from
            where tn.customer_id = ${c.col('id')} and ${moved.join(' and ')})`);
        }
        return { where };
      },
    };
  }
}

import type { EntityManager } from '@mikro-orm/postgresql';
import type { Pool } from 'pg';
import { requireHeadOffice } from '../../auth/head-office';
import type { Caller } from '../../auth/roles';
import type { AuditActor } from '../audit/audit-log';
import { BadUserInputError, ConflictError, NotFoundError } from '../../graphql/errors';
import { DEFAULT_ENTITLEMENT_RULE_SET } from '../entitlement/rule-set/default-rule-set';
import { validateEntitlementRuleSet } from '../entitlement/rule-set/validate';
import type { ActiveRuleSets } from './active-rule-sets';
import { DEFAULT_TIER_RULE_SET } from './rule-set/default-rule-set';
import type { TierRuleSetDocument } from './rule-set/document';
import { validateRuleSet, type RuleSetProblem } from './rule-set/validate';
import { RuleSetKind, RuleSetVersion, RuleSetVersionStatus } from './rule-set-version.entity';
import type { RuleSetActivations } from './rule-set-activation.service';
import { inTransaction, type TierService, type TransitionCount } from './tier.service';
import type { BusinessClock } from '../../time/clock';
import { freeText } from '../ingestion/field-rules';

const DEFAULTS: Record<RuleSetKind, object> = {
  [RuleSetKind.TIER]: DEFAULT_TIER_RULE_SET,
  [RuleSetKind.ENTITLEMENT]: DEFAULT_ENTITLEMENT_RULE_SET,
};

/**
 * Rule sets are the company's: one activation re-tiers every customer, and its job counts
 * them all. So only the head office's administrators draft and activate them; a branch's
 * administrators simulate a draft over their own customers.
 */
const COMPANY_WIDE = 'rule sets apply to the whole company';

/** The lock under which the next version number of `kind` is taken and used. */
const numberingLock = (kind: RuleSetKind) => `rule_set_version number ${kind}`;

/**
 * Activates the shipped default of each kind as its version 1 where none is active: a new
 * installation tiers its customers and grants services from the first start.
 */
export async function ensureActiveRuleSets(
  pool: Pool,
  ruleSets: ActiveRuleSets,
  clock: BusinessClock,
): Promise<void> {
  for (const kind of [RuleSetKind.TIER, RuleSetKind.ENTITLEMENT]) {
    await inTransaction(pool, async (client) => {
      await client.query(`select pg_advisory_xact_lock(hashtext('rule_set_version'))`);
      const active = await client.query(
        `select 1 from rule_set_version where kind = $1 and status = 'ACTIVE'`,
        [kind],
      );
      if (active.rowCount) return;
      await client.query(`select pg_advisory_xact_lock(hashtext($1))`, [numberingLock(kind)]);
      await client.query(
        `insert into rule_set_version (id, kind, version, status, document, note, created_by, activated_at)
         values (gen_random_uuid(), $1, coalesce((select max(version) from rule_set_version where kind = $1), 0) + 1,
           'ACTIVE', $2, 'The shipped default', 'cif-hub', $3)`,
        [kind, DEFAULTS[kind], clock.now()],
      );
    });
  }
  await ruleSets.refresh();
}

/**
 * The tier codes of a pair of versions, one of each kind; of a tier draft with problems of its
 * own, none (its entitlement rules then fit no tier: the draft's problems say why).
 */
const tiersOf = (a: RuleSetVersion, b: RuleSetVersion): string[] => {
  const checked = validateRuleSet((a.kind === RuleSetKind.TIER ? a : b).document);
  return checked.ok ? checked.ruleSet.tiers.map((t) => t.code) : [];
};

export interface Validation {
  valid: boolean;
  problems: RuleSetProblem[];
}

/** The lifecycle of rule versions: drafts, validation, simulation, activation. */
export class RuleSetVersionService {
  constructor(
    private readonly em: EntityManager,
    private readonly tiers: TierService,
    private readonly ruleSets: ActiveRuleSets,
    private readonly activations: RuleSetActivations,
  ) {}

  /**
   * Entitlement rules are checked against the tiers of the active tier rule set, or `tiers`,
   * those of the tier draft they are to be activated with.
   */
  validate(kind: RuleSetKind, document: unknown, tiers?: readonly string[]): Validation {
    const result =
      kind === RuleSetKind.TIER
        ? validateRuleSet(document)
        : validateEntitlementRuleSet(
            document,
            tiers ?? (this.ruleSets.tier?.document.tiers ?? []).map((t) => t.code),
          );
    return result.ok ? { valid: true, problems: [] } : { valid: false, problems: result.problems };
  }

  /** Saves a draft even when it has problems, so it can be fixed in steps; they are returned. */
  async createDraft(
    caller: Caller,
    kind: RuleSetKind,
    document: Record<string, unknown>,
    note: string,
  ): Promise<{ version: RuleSetVersion } & Validation> {
    requireHeadOffice(caller, COMPANY_WIDE);
    // What the draft changes: kept with the version for good, as a steward's reason is.
    const said = freeText(note, 'input.note', true)!;
    // Numbers are taken one at a time per kind, so that drafts saved at once are numbered in
    // turn instead of colliding on the unique (kind, version).
    const version = await this.em.transactional(async (em) => {
      await em.execute('select pg_advisory_xact_lock(hashtext(?))', [numberingLock(kind)]);
      const [{ next }] = await em.execute<{ next: number }[]>(
        'select coalesce(max(version), 0) + 1 as next from rule_set_version where kind = ?',
        [kind],
      );
      return em.create(RuleSetVersion, {
        kind,
        version: Number(next),
        document,
        note: said,
        createdBy: `${caller.subject} (${caller.role})`,
      });
    });
    // The document's own problems, which an editor marks at their paths: the rules of the
    // other kind it may go with are not chosen yet (validateVersion, activate).
    return { version, ...this.validate(kind, document) };
  }

  /**
   * A version's problems as activating it alone checks them: its own, and for a tier draft
   * without any, the active entitlement rules' grants to tiers it renames or drops (they go
   * with it, and the job would fail), under `activeEntitlementRules.`.
   */
  private aloneProblems(kind: RuleSetKind, document: unknown): Validation {
    const own = this.validate(kind, document);
    const grants = this.ruleSets.entitlement?.document;
    if (kind !== RuleSetKind.TIER || !own.valid || !grants) return own;
    const tiers = (document as TierRuleSetDocument).tiers.map((t) => t.code);
    const fit = this.validate(RuleSetKind.ENTITLEMENT, grants, tiers);
    const problems = fit.problems.map((p) => ({
      ...p,
      path: `activeEntitlementRules.${p.path}`,
      message: `${p.message} (activate this version with alongWith: an entitlement draft that grants its tiers)`,
    }));
    return { valid: problems.length === 0, problems };
  }

  /**
   * Before an activation is read: its counts are the whole company's, so it is the head
   * office's to follow, as to start (a branch's simulation counts its own customers); and
   * the jobs whose process died are marked FAILED (see RuleSetActivations.failAbandoned), or
   * a client following one would read RUNNING until the next start or activation.
   */
  async beforeFollowing(caller: Caller): Promise<void> {
    requireHeadOffice(caller, COMPANY_WIDE);
    await this.activations.failAbandoned();
  }

  async get(id: string, field = 'id'): Promise<RuleSetVersion> {
    const version = await this.em.findOne(RuleSetVersion, { id });
    if (!version) throw new NotFoundError(`${field}: no rule set version has this id`, field);
    return version;
  }

  /**
   * A version's problems; with `alongWith`, those of the pair as activating them together
   * checks it: the entitlement rules against the tier draft's tiers, the other version's
   * problems named under `alongWith.`.
   */
  async validateVersion(id: string, alongWith?: string): Promise<Validation> {
    const version = await this.get(id);
    if (alongWith === undefined) return this.aloneProblems(version.kind, version.document);
    const other = await this.along(version, alongWith);
    const tiers = tiersOf(version, other);
    const own = this.validate(version.kind, version.document, tiers);
    const theirs = this.validate(other.kind, other.document, tiers);
    const problems = [
      ...own.problems,
      ...theirs.problems.map((p) => ({ ...p, path: `alongWith.${p.path}` })),
    ];
    return { valid: problems.length === 0, problems };
  }

  /**
   * The version `alongWith` names, to be activated with `version`: a draft of the other kind
   * (WRONG_KIND or NOT_A_DRAFT naming `alongWith` otherwise).
   */
  private async along(version: RuleSetVersion, alongWith: string): Promise<RuleSetVersion> {
    const other = await this.get(alongWith, 'alongWith');
    if (other.kind === version.kind) {
      throw new BadUserInputError(
        `alongWith must be a version of the other kind than ${version.kind}`,
        { field: 'alongWith', rule: 'WRONG_KIND' },
      );
    }
    if (other.status !== RuleSetVersionStatus.DRAFT) {
      throw new ConflictError(
        `alongWith: version ${other.version} is ${other.status}, not a draft`,
        {
          field: 'alongWith',
          rule: 'NOT_A_DRAFT',
        },
      );
    }
    return other;
  }

  /**
   * A draft fit to simulate or activate: a draft, of the kind, without problems (entitlement
   * rules checked against `tiers` where given). Problems name `field`.
   */
  private async validDraft(
    id: string,
    options: { kind?: RuleSetKind; tiers?: readonly string[]; field?: string } = {},
  ): Promise<RuleSetVersion> {
    const { kind, tiers, field = 'id' } = options;
    const version = await this.get(id, field);
    if (kind && version.kind !== kind) {
      throw new BadUserInputError(
        `rule set version ${id} holds ${version.kind} rules, not ${kind}`,
        { field, rule: 'WRONG_KIND' },
      );
    }
    if (version.status !== RuleSetVersionStatus.DRAFT) {
      throw new ConflictError(`version ${version.version} is ${version.status}, not a draft`, {
        field,
        rule: 'NOT_A_DRAFT',
      });
    }
    const { valid, problems } = this.validate(version.kind, version.document, tiers);
    if (!valid) {
      throw new BadUserInputError(
        `version ${version.version} has ${problems.length} problem(s): ${problems[0].path}: ${problems[0].message}`,
        {
          field: `${field === 'id' ? '' : `${field}.`}document.${problems[0].path}`,
          rule: problems[0].rule,
        },
      );
    }
    return version;
  }

  async simulate(id: string, byBranch: boolean, branchPath: string): Promise<TransitionCount[]> {
    const version = await this.validDraft(id, { kind: RuleSetKind.TIER });
    return this.tiers.simulate(
      version.document as unknown as TierRuleSetDocument,
      byBranch,
      branchPath,
    );
  }

  /**
   * Starts activating a valid draft as a job and returns the job's id at once: a tier
   * activation recomputes every customer (see RuleSetActivations). `alongWith`, a valid
   * draft of the other kind, is switched in the same transaction, its entitlement rules
   * checked against the tier draft's tiers: a tier renamed or added keeps or gets its
   * services from the same instant.
   */
  async activate(
    caller: Caller,
    actor: AuditActor,
    id: string,
    alongWith?: string,
  ): Promise<string> {
    requireHeadOffice(caller, COMPANY_WIDE);
    if (alongWith === undefined) {
      const version = await this.validDraft(id);
      const [problem] = this.aloneProblems(version.kind, version.document).problems;
      if (problem) {
        throw new BadUserInputError(
          `version ${version.version}: ${problem.path}: ${problem.message}`,
          {
            field: problem.path,
            rule: problem.rule,
          },
        );
      }
      return this.activations.start(actor, version);
    }
    const version = await this.get(id);
    const other = await this.along(version, alongWith);
    const tiers = tiersOf(version, other);
    // The tier draft first: its own problems before those its tiers give the other.
    const [first, second] =
      version.kind === RuleSetKind.TIER
        ? [
            { id, field: 'id' },
            { id: alongWith, field: 'alongWith' },
          ]
        : [
            { id: alongWith, field: 'alongWith' },
            { id, field: 'id' },
          ];
    await this.validDraft(first.id, { tiers, field: first.field });
    await this.validDraft(second.id, { tiers, field: second.field });
    return this.activations.start(actor, version, other);
  }
}

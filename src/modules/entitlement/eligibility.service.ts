import type { EntityManager } from '@mikro-orm/postgresql';
import type { Pool } from 'pg';
import { AuditAction, AuditEvent } from '../audit/audit-event.entity';
import { AuditLog, type AuditActor } from '../audit/audit-log';
import type { ReadSession } from '../../read/read-session';
import { BadUserInputError, validOrThrow } from '../../graphql/errors';
import { happened, PAST_INSTANTS } from '../../validation/instants';
import { decimalParts } from '../../graphql/scalars';
import { checkUuid } from '../../validation';
import { normalizeField } from '../ingestion/field-rules';
import { Customer } from '../customer/customer.entity';
import { CustomerStatus } from '../customer/customer.enums';
import { currentCustomers } from '../customer/current-customers';
import type { ActiveRuleSets, ActiveVersion } from '../tier/active-rule-sets';
import { textLiteral } from '../tier/rule-set/compile';
import { TIER_SWITCH } from '../tier/tier-switch';
import { RuleSetVersion } from '../tier/rule-set-version.entity';
import { EligibilityDecision } from './eligibility-decision.entity';
import { met, REASON } from './reason-codes';
import { grantParameters, withheldSql } from './entitlement.sql';
import type {
  EntitlementRuleSetDocument,
  ServiceDefinition,
  ServiceParameters,
} from './rule-set/document';
import type { BusinessClock } from '../../time/clock';

export interface ClaimContext {
  amount: string;
  singleParty: boolean;
  injury: boolean;
  accidentAt: Date;
  accidentPlace?: string;
  partnerShop?: boolean;
}

interface Reason {
  code: string;
  text: string;
}

/** Decimal CNY as whole fen (cents), so that limits compare exactly. */
function fen(field: string, amount: string): bigint {
  // By value, as ingestion reads amounts: 1.10000 and -0.00 are amounts with 2 decimals.
  const { negative, whole, fraction } = decimalParts(amount);
  const match = negative
    ? null
    : /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(`${whole || '0'}.${fraction}`.replace(/\.$/, ''));
  if (!match) {
    throw new BadUserInputError(
      `${field} must be a non-negative amount below 1,000,000,000,000 with at most 2 decimals`,
      { field, rule: 'AMOUNT_FORMAT' },
    );
  }
  return BigInt(match[1]) * 100n + BigInt((match[2] ?? '').padEnd(2, '0'));
}

/** Whole fen as "12,345.60 CNY": the digits grouped as text, never through a float. */
export function formatCny(fen: bigint): string {
  const yuan = (fen / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${yuan}.${(fen % 100n).toString().padStart(2, '0')} CNY`;
}

/** Whether `minute` of the day lies in [from, to) hours, a window that may wrap midnight (20 to 8). */
const inWindow = (minute: number, from: number, to: number) =>
  from <= to ? minute >= from * 60 && minute < to * 60 : minute >= from * 60 || minute < to * 60;

const hhmm = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** Each parameter's rule: a reason for when the claim keeps to it, one for when it does not. */
function checkParameters(
  parameters: ServiceParameters,
  claim: ClaimContext,
  clock: BusinessClock,
): { met: Reason[]; broken: Reason[] } {
  const kept: Reason[] = [];
  const broken: Reason[] = [];
  const rule = (ok: boolean, code: string, yes: string, no: string) =>
    (ok ? kept : broken).push({ code: ok ? met(code) : code, text: ok ? yes : no });
  const amount = fen('input.claim.amount', claim.amount);
  const claimed = formatCny(amount);
  if (parameters.maxClaimAmount !== undefined) {
    const max = fen('maxClaimAmount', parameters.maxClaimAmount);
    rule(
      amount <= max,
      REASON.OVER_MAX_AMOUNT,
      `claim ${claimed} within the ${formatCny(max)} limit`,
      `claim ${claimed} above the ${formatCny(max)} limit`,
    );
  }
  if (parameters.minClaimAmount !== undefined) {
    const min = fen('minClaimAmount', parameters.minClaimAmount);
    rule(
      amount >= min,
      REASON.UNDER_MIN_AMOUNT,
      `claim ${claimed} at least ${formatCny(min)}`,
      `claim ${claimed} below the ${formatCny(min)} minimum`,
    );
  }
  if (parameters.singlePartyOnly) {
    rule(
      claim.singleParty,
      REASON.NOT_SINGLE_PARTY,
      'a single-party accident',
      'only for single-party accidents',
    );
  }
  if (parameters.noInjury) {
    rule(!claim.injury, REASON.INJURY, 'no one was injured', 'not for accidents with injuries');
  }
  if (parameters.partnerShopOnly) {
    rule(
      claim.partnerShop === true,
      REASON.NOT_PARTNER_SHOP,
      'repair at a partner shop',
      'only for repairs at a partner shop',
    );
  }
  if (parameters.hoursFrom !== undefined && parameters.hoursTo !== undefined) {
    // The window is on the business zone's wall clock, whatever the caller's offset.
    const minute = clock.minuteOfDay(claim.accidentAt);
    const window = `${parameters.hoursFrom}:00 to ${parameters.hoursTo}:00 (${clock.zone})`;
    rule(
      inWindow(minute, parameters.hoursFrom, parameters.hoursTo),
      REASON.OUTSIDE_HOURS,
      `accident at ${hhmm(minute)}, within ${window}`,
      `accident at ${hhmm(minute)}, outside ${window}`,
    );
  }
  return { met: kept, broken };
}

/**
 * Eligibility at report time: is this customer, for this claim, entitled to this service?
 * Deterministic: the answer depends only on the request, the customer's current tier
 * assignment and the active rule versions, all of which the recorded decision names.
 */
export class EligibilityService {
  constructor(
    private readonly em: EntityManager,
    private readonly pool: Pool,
    private readonly ruleSets: ActiveRuleSets,
    private readonly clock: BusinessClock,
  ) {}

  private readonly audit = new AuditLog(this.clock);

  /** Decides and records, with its audit entry; a customer the caller may not see is missing. */
  async decide(
    actor: AuditActor,
    read: ReadSession,
    customerId: string,
    serviceCode: string,
    claim: ClaimContext,
  ): Promise<string> {
    // The version active in the database now, whatever this instance last heard: the
    // decision records the rules it was actually made under.
    const { entitlement: rules } = await this.ruleSets.activeIn(this.pool);
    if (!rules)
      throw new Error('no entitlement rule set is active: call ensureActiveRuleSets() at start-up');
    // Asked at report time: an accident in the future or before 1900 is a typing error, and
    // would stand in the audited decisions for good.
    if (!happened(this.clock, claim.accidentAt)) {
      throw new BadUserInputError(`input.claim.accidentAt must be ${PAST_INSTANTS}`, {
        field: 'input.claim.accidentAt',
        rule: 'INSTANT_RANGE',
      });
    }
    // Free text kept for good with the decision and read by other roles: the field rules of
    // a claim record's place, and what it says of a person masked, as a steward's reason is.
    if (claim.accidentPlace !== undefined && claim.accidentPlace !== null) {
      const place = normalizeField(
        'ClaimContextInput.accidentPlace',
        claim.accidentPlace,
        'input.claim.accidentPlace',
      );
      const [problem] = place.errors;
      if (problem) {
        const says = problem.message.replace(`${problem.field}: `, '');
        throw new BadUserInputError(`${problem.field}: ${says}`, {
          field: problem.field,
          rule: problem.rule,
        });
      }
      claim = { ...claim, accidentPlace: place.value };
    }
    const service = rules.document.services.find((s) => s.code === serviceCode);
    if (!service) {
      throw new BadUserInputError(
        `the service is not in entitlement rules v${rules.version}; known: ${rules.document.services.map((s) => s.code).join(', ')}`,
        { field: 'input.service', rule: 'UNKNOWN_SERVICE' },
      );
    }
    // A merged-away id is decided for its survivor, whose tier it is now.
    const [id] = await currentCustomers(this.em, read, [
      ['input.customerId', validOrThrow('input.customerId', checkUuid(customerId))],
    ]);
    const customer = await this.em.findOneOrFail(Customer, { id });
    return this.em.transactional((em) => this.record(em, actor, customer, rules, service, claim));
  }

  /**
   * Reads the tier and records the decision, dated then, within a tier activation's switch
   * or wholly outside it (TIER_SWITCH): never on the old tier once the history says the new.
   */
  private async record(
    em: EntityManager,
    actor: AuditActor,
    customer: Customer,
    rules: ActiveVersion<EntitlementRuleSetDocument>,
    service: ServiceDefinition,
    claim: ClaimContext,
  ): Promise<string> {
    await em.execute(`select pg_advisory_xact_lock_shared(${TIER_SWITCH})`);
    const decidedAt = this.clock.now();
    const serviceCode = service.code;
    // The code is one of the rule set's, so it goes into the SQL as a literal.
    const [assignment] = await em.execute<
      { tier: string; rule_set_version_id: string; withheld: string[] }[]
    >(
      `select a.tier, a.rule_set_version_id, ${withheldSql(rules.document, textLiteral(serviceCode), 'a')} as withheld
       from tier_assignment a where a.customer_id = ? and a.valid_to is null`,
      [customer.id],
    );
    const grant =
      assignment &&
      rules.document.grants.find(
        (g) => g.service === serviceCode && g.tiers.includes(assignment.tier),
      );
    const parameters: ServiceParameters = grant
      ? grantParameters(service, grant)
      : service.parameters;

    const reasons: Reason[] = [];
    let allowed = true;
    const deny = (reason: Reason) => {
      allowed = false;
      reasons.push(reason);
    };
    if (!assignment) {
      // Only active customers are tiered: a deceased or dissolved one never will be.
      deny({
        code: REASON.NO_TIER,
        text:
          customer.status === CustomerStatus.ACTIVE
            ? 'the customer has no tier yet'
            : `the customer is ${customer.status}: only active customers have a tier`,
      });
    } else if (!grant) {
      const tiers = rules.document.grants
        .filter((g) => g.service === serviceCode)
        .flatMap((g) => g.tiers);
      deny({
        code: REASON.NOT_IN_TIER,
        text: `tier ${assignment.tier} does not include ${service.name} (${tiers.length ? `granted to ${tiers.join(', ')}` : 'granted to no tier'})`,
      });
    } else {
      reasons.push({
        code: REASON.TIER_GRANTS,
        text: `tier ${assignment.tier} grants ${service.name}`,
      });
    }
    for (const gate of assignment?.withheld ?? []) {
      const [code, ...text] = gate.split(': ');
      deny({ code, text: text.join(': ') });
    }
    const { met, broken } = checkParameters(parameters, claim, this.clock);
    broken.forEach(deny);
    reasons.push(...met);

    const decision = em.create(EligibilityDecision, {
      customer: em.getReference(Customer, customer.id),
      service: serviceCode,
      context: { ...claim, accidentAt: claim.accidentAt.toISOString() },
      allowed,
      reasons,
      parameters: { ...parameters },
      tier: assignment?.tier,
      tierRuleSetVersion: assignment
        ? em.getReference(RuleSetVersion, assignment.rule_set_version_id)
        : undefined,
      entitlementRuleSetVersion: em.getReference(RuleSetVersion, rules.id),
      decidedBy: `${actor.subject} (${actor.role})`,
      createdAt: decidedAt,
      updatedAt: decidedAt,
    });
    em.create(
      AuditEvent,
      this.audit.entity(actor, {
        action: AuditAction.ELIGIBILITY_DECISION,
        target: { type: 'Customer', id: customer.id },
        details: { decision: decision.id, service: serviceCode, allowed },
      }),
    );
    await em.flush();
    return decision.id;
  }
}

import type { EntityManager } from '@mikro-orm/postgresql';
import { LockMode } from '@mikro-orm/core';
import { boundSql, pgArray } from '../../db/bound-sql';
import { queueCustomerTiers } from '../tier/recompute-queue';
import { lockKeys } from './key-locks';
import { customerKey } from './shared-rows';
import { Claim } from '../claim/claim.entity';
import { ClaimStatus } from '../claim/claim.enums';
import { PartyRole } from '../policy/policy.enums';
import { PolicyParty } from '../policy/policy-party.entity';
import { Policy } from '../policy/policy.entity';
import type { ClaimRecordInput } from './ingestion.input';
import { RecordStatus, type IngestedRecord, type RecordError } from './ingestion.type';
import { contentHash, keptBy, RecordErrors } from './record-errors';
import { findCustomer, referenceKey } from './references';
import type { BusinessClock } from '../../time/clock';

const STAGES = [
  'reportedAt',
  'registeredAt',
  'surveyedAt',
  'assessedAt',
  'approvedAt',
  'paidAt',
  'closedAt',
] as const;

/**
 * The stage each status says the claim has reached, in STAGES' order. A rejected or
 * withdrawn claim ends at whatever stage it had reached.
 */
const STAGE_OF_STATUS: Partial<Record<ClaimStatus, (typeof STAGES)[number]>> = {
  [ClaimStatus.REPORTED]: 'reportedAt',
  [ClaimStatus.REGISTERED]: 'registeredAt',
  [ClaimStatus.SURVEYED]: 'surveyedAt',
  [ClaimStatus.ASSESSED]: 'assessedAt',
  [ClaimStatus.APPROVED]: 'approvedAt',
  [ClaimStatus.PAID]: 'paidAt',
  [ClaimStatus.CLOSED]: 'closedAt',
};

/** What a claim record's optional fields are when left out: declared once, for the claim and its hash. */
const CLAIM_DEFAULTS = {
  paidAmount: '0',
  singleParty: false,
  injury: false,
  advancePayment: false,
  directSettlement: false,
  complaints: 0,
} as const;

/** The record without the optional fields it gives as their defaults (amounts by value). */
function withoutDefaults(record: ClaimRecordInput): Partial<ClaimRecordInput> {
  return Object.fromEntries(
    Object.entries(record).filter(([field, value]) => {
      const given = CLAIM_DEFAULTS[field as keyof typeof CLAIM_DEFAULTS];
      return (
        given === undefined || (field === 'paidAmount' ? Number(value) !== 0 : value !== given)
      );
    }),
  );
}

/**
 * Upserts a claim by its number, on a policy the hub already holds. The record has met its
 * field rules (normalizeRecord): its text is trimmed and well-formed. A claim moved to
 * another policy adds the one it left to `left`, whose holders are queued once the batch
 * commits (queueClaimHolders).
 */
export async function ingestClaim(
  em: EntityManager,
  clock: BusinessClock,
  record: ClaimRecordInput,
  left: Set<string>,
): Promise<IngestedRecord> {
  const errors = new RecordErrors();
  errors.require(
    (record.complaints ?? 0) >= 0,
    'complaints',
    'NON_NEGATIVE',
    'must be zero or more',
  );
  errors.require(
    record.reportedAt >= record.accidentAt,
    'reportedAt',
    'STAGE_ORDER',
    'must not be before accidentAt',
  );
  // Each stage that happened must come after every earlier stage that happened. A payment in
  // advance (垫付) is made before assessment, so it stands outside that order: after the
  // registration (or the report) and before the closing.
  const advance = record.advancePayment ? 'paidAt' : undefined;
  let previous: { stage: string; at: Date } | undefined;
  for (const stage of STAGES) {
    const at = record[stage];
    if (!at || stage === advance) continue;
    if (previous && at < previous.at)
      errors.add(stage, 'STAGE_ORDER', `must not be before ${previous.stage}`);
    previous = { stage, at };
  }
  if (advance && record.paidAt) {
    const [after, at] = record.registeredAt
      ? ['registeredAt', record.registeredAt]
      : ['reportedAt', record.reportedAt];
    if (record.paidAt < at) errors.add('paidAt', 'STAGE_ORDER', `must not be before ${after}`);
    if (record.closedAt && record.closedAt < record.paidAt) {
      errors.add('closedAt', 'STAGE_ORDER', 'must not be before paidAt');
    }
  }
  errors.require(
    record.status !== ClaimStatus.CLOSED || !!record.closedAt,
    'closedAt',
    'REQUIRED',
    'a closed claim needs its closing time',
  );
  errors.throwIfAny();
  // A retry is answered as such whatever changed around it since (a policy period
  // shortened under the claim, a rule added since): the record was checked when stored.
  // A field sent as its default says what leaving it out says: the same claim. (A claim
  // stored as sent before carries the hash of what it was sent as.)
  const hash = contentHash(withoutDefaults(record));
  const existing = await em.findOne(Claim, { claimNo: record.claimNo });
  keptBy(existing, record);
  if (existing && [hash, contentHash(record)].includes(existing.contentHash)) {
    return { status: RecordStatus.UNCHANGED, id: existing.id };
  }
  checkStatus(errors, record);
  // Held (share) until the batch commits: a resend of the policy that moves its period
  // waits, and then sees this claim (CLAIMS_OUTSIDE_PERIOD), instead of both passing.
  const policy = await em.findOne(
    Policy,
    { policyNo: record.policyNo },
    { lockMode: LockMode.PESSIMISTIC_READ },
  );
  errors.require(!!policy, 'policyNo', 'UNKNOWN_POLICY', 'no policy with this number is known');
  if (policy && existing && existing.policy.id !== policy.id) {
    // And the policy the claim leaves: a batch changing that policy's holders waits, or is
    // waited for, so that the claim's triggers queue the holders it has once the move
    // commits (they read the holders of the moment, and missed one changed meanwhile). A
    // merge moving its roles takes no such lock: its holders are queued after the commit.
    await em.execute(`select 1 from policy where id = ? for share`, [existing.policy.id]);
    left.add(existing.policy.id);
  }
  if (policy) {
    // Cover runs over business days: 00:30 Beijing on the first day is inside it.
    const accident = clock.dayOf(record.accidentAt);
    errors.require(
      accident >= policy.effectiveDate && accident <= policy.expiryDate,
      'accidentAt',
      'OUTSIDE_COVER',
      `the accident is outside the policy period ${policy.effectiveDate} to ${policy.expiryDate}`,
    );
  }
  const holder =
    !record.claimant && policy
      ? await em.findOne(
          PolicyParty,
          { policy, role: PartyRole.POLICYHOLDER },
          { populate: ['customer'] },
        )
      : undefined;
  const claimant = record.claimant
    ? await findCustomer(em, errors, 'claimant', record.claimant)
    : holder?.customer;
  errors.throwIfAny();

  const values = {
    claimNo: record.claimNo,
    policy: policy!,
    claimant: claimant!,
    claimantRef: record.claimant ? referenceKey(record.claimant) : holder?.customerRef,
    accidentAt: record.accidentAt,
    accidentPlace: record.accidentPlace,
    reportChannel: record.reportChannel,
    reportedAt: record.reportedAt,
    registeredAt: record.registeredAt,
    surveyedAt: record.surveyedAt,
    assessedAt: record.assessedAt,
    approvedAt: record.approvedAt,
    paidAt: record.paidAt,
    closedAt: record.closedAt,
    status: record.status,
    reserve: record.reserve,
    paidAmount: record.paidAmount ?? CLAIM_DEFAULTS.paidAmount,
    singleParty: record.singleParty ?? CLAIM_DEFAULTS.singleParty,
    injury: record.injury ?? CLAIM_DEFAULTS.injury,
    fastTrack: record.fastTrack,
    advancePayment: record.advancePayment ?? CLAIM_DEFAULTS.advancePayment,
    directSettlement: record.directSettlement ?? CLAIM_DEFAULTS.directSettlement,
    complaints: record.complaints ?? CLAIM_DEFAULTS.complaints,
    sourceSystem: record.sourceSystem,
    contentHash: hash,
  };
  // A stage the stored claim had reached and the record drops: a claim reopened, or a
  // message older than the one stored arriving late. The source's word is kept; the caller
  // is told, since payments and closures go with it.
  const warnings: RecordError[] = existing ? claimRolledBack(existing, values) : [];
  const claim = existing ? em.assign(existing, values) : em.create(Claim, values);
  await em.flush();
  return {
    status: existing ? RecordStatus.UPDATED : RecordStatus.CREATED,
    id: claim.id,
    warnings,
  };
}

/**
 * The status agrees with the stages: no stage after the one the status names has a time (a
 * REPORTED claim with a closing time says two things), except a payment in advance (垫付,
 * `advancePayment`), made before assessment; and a PAID claim has paid something. A stage
 * may be skipped (a SURVEY_FREE claim has no survey), so the status's own stage may lack a
 * time. REJECTED and WITHDRAWN end a claim at any stage.
 */
function checkStatus(errors: RecordErrors, record: ClaimRecordInput): void {
  // A payment counts from the day it was made (paidAt): an amount without it would count
  // from the accident, before anything was paid. Whatever the status, rejected claims too.
  errors.require(
    !(Number(record.paidAmount ?? 0) > 0) || !!record.paidAt,
    'paidAt',
    'REQUIRED',
    'a claim that has paid something says when (paidAmount without paidAt)',
  );
  const reached = STAGE_OF_STATUS[record.status];
  if (!reached) return;
  for (const later of STAGES.slice(STAGES.indexOf(reached) + 1)) {
    if (later === 'paidAt' && record.advancePayment) continue;
    errors.require(
      !record[later],
      later,
      'STATUS_STAGE',
      `set, but a ${record.status} claim has not reached that stage`,
    );
  }
  errors.require(
    record.status !== ClaimStatus.PAID || Number(record.paidAmount ?? 0) > 0,
    'paidAmount',
    'STATUS_STAGE',
    'a PAID claim has paid something',
  );
}

/** Claims ended without reaching a closing: a record naming them open again reopens them. */
const ENDED_UNCLOSED: ClaimStatus[] = [ClaimStatus.REJECTED, ClaimStatus.WITHDRAWN];

/**
 * What a record takes back of the stored claim: a stage it had reached and the record drops,
 * a rejection or withdrawal the record reopens, a payment it lowers. A claim reopened, or a
 * message older than the one stored arriving late: the source's word is kept, and the caller
 * told, since payments, closures and the loss ratio go with it.
 */
function claimRolledBack(
  stored: Claim,
  values: Pick<Claim, (typeof STAGES)[number] | 'status' | 'paidAmount'>,
): RecordError[] {
  return [
    ...STAGES.filter((stage) => stored[stage] && !values[stage]).map((stage) => ({
      field: stage,
      rule: 'STAGE_DROPPED',
      message: 'the stored claim had reached this stage, and this record has not',
    })),
    ...(ENDED_UNCLOSED.includes(stored.status) && !ENDED_UNCLOSED.includes(values.status)
      ? [
          {
            field: 'status',
            rule: 'STAGE_DROPPED',
            message: `the stored claim was ${stored.status}, and this record reopens it`,
          },
        ]
      : []),
    ...(Number(values.paidAmount) < Number(stored.paidAmount)
      ? [
          {
            field: 'paidAmount',
            rule: 'STAGE_DROPPED',
            message: `the stored claim had paid ${stored.paidAmount}, and this record less`,
          },
        ]
      : []),
  ];
}

/**
 * Queues, once a batch of claims or of scores on claims has committed, the holders of the
 * claims' policies as they are then, and of the policies claims moved off (`left`). A
 * trigger queued the holders it read when the row was written; a merge, an unmerge or a
 * regroup moving those policies' roles in a transaction still open then queued the new
 * holder itself, whose recompute could run before the claim or score committed: that
 * holder's tier never saw it, or still counted a claim gone elsewhere. Claims and scores
 * take no lock that such a move waits for, so neither waits for the other. The holders are
 * locked as a batch of policies or claims locks them (shared-rows.ts): such a batch queues
 * them one record at a time, in its records' order, and queueing them all at once in id
 * order beside it was a deadlock.
 */
export async function queueClaimHolders(
  em: EntityManager,
  written: 'claim' | 'risk_score',
  ids: string[],
  left: string[] = [],
): Promise<void> {
  if (ids.length === 0 && left.length === 0) return;
  const claims =
    written === 'claim'
      ? 'select unnest(?::uuid[])'
      : 'select claim_id from risk_score where id in (select unnest(?::uuid[]))';
  await em.transactional(async (tx) => {
    const holders = (
      await boundSql<{ customer_id: string }[]>(
        tx,
        `select distinct pp.customer_id from policy_party pp
         where pp.policy_id in (select c.policy_id from claim c where c.id in (${claims})
                                union all select unnest(?::uuid[]))`,
        [pgArray(ids), pgArray(left)],
      )
    ).map((h) => h.customer_id);
    await lockKeys(tx, [], holders.map(customerKey));
    await queueCustomerTiers(tx, holders, written === 'claim' ? 'claim' : 'risk score');
  });
}

import type { EntityManager } from '@mikro-orm/postgresql';
import { checkVin } from '../../validation';
import { Claim } from '../claim/claim.entity';
import { RiskSubjectType } from '../risk/risk.enums';
import { RiskScore } from '../risk/risk-score.entity';
import { Vehicle } from '../vehicle/vehicle.entity';
import type { RiskScoreRecordInput } from './ingestion.input';
import { RecordStatus } from './ingestion.type';
import { contentHash, RecordErrors, reject } from './record-errors';
import { findCustomer, referenceKey } from './references';

/**
 * Appends a score. Scores are history: a source key once written never changes. The record
 * has met its field rules (normalizeRecord): its text is trimmed and well-formed.
 */
export async function ingestRiskScore(
  em: EntityManager,
  record: RiskScoreRecordInput,
): Promise<{ status: RecordStatus; id: string }> {
  const errors = new RecordErrors();
  const { customer: customerRef, claimNo, vin } = record.subject;
  const given = [customerRef, claimNo, vin].filter((v) => v !== undefined && v !== null).length;
  errors.require(
    given === 1,
    'subject',
    'EXACTLY_ONE',
    'give exactly one of customer, claimNo and vin',
  );
  const subject: Partial<Pick<RiskScore, 'customer' | 'claim' | 'vehicle'>> & {
    subjectType?: RiskSubjectType;
  } = {};
  if (given === 1 && customerRef) {
    subject.customer = await findCustomer(em, errors, 'subject.customer', customerRef);
    subject.subjectType = RiskSubjectType.CUSTOMER;
  } else if (given === 1 && claimNo) {
    subject.claim = (await em.findOne(Claim, { claimNo })) ?? undefined;
    errors.require(
      !!subject.claim,
      'subject.claimNo',
      'UNKNOWN_CLAIM',
      'no claim with this number is known',
    );
    subject.subjectType = RiskSubjectType.CLAIM;
  } else if (given === 1 && vin) {
    const checked = errors.check('subject.vin', checkVin(vin));
    subject.vehicle = checked
      ? ((await em.findOne(Vehicle, { vin: checked.normalized })) ?? undefined)
      : undefined;
    errors.require(
      !checked || !!subject.vehicle,
      'subject.vin',
      'UNKNOWN_VEHICLE',
      'no vehicle with this VIN is known',
    );
    subject.subjectType = RiskSubjectType.VEHICLE;
  }
  // The rules a score fired are a set: one rule twice says nothing a score can mean.
  // Every repeat is named, as every other broken field is.
  const first = new Map<string, number>();
  record.firedRules.forEach(({ code }, i) => {
    const earlier = first.get(code);
    if (earlier === undefined) first.set(code, i);
    else {
      errors.add(
        `firedRules[${i}].code`,
        'DUPLICATE_CODE',
        `names the rule firedRules[${earlier}] names: each rule fires once`,
      );
    }
  });
  errors.throwIfAny();

  // In a rule engine's order or another, the same rules are the same score. (Scores stored
  // before the order stopped counting carry the hash of the order they came in.)
  const byCode = [...record.firedRules].sort((a, b) => a.code.localeCompare(b.code));
  const hash = contentHash({ ...record, firedRules: byCode });
  const existing = await em.findOne(RiskScore, {
    sourceSystem: record.sourceSystem,
    sourceKey: record.sourceKey,
  });
  if (existing) {
    if (existing.contentHash === hash || existing.contentHash === contentHash(record)) {
      return { status: RecordStatus.UNCHANGED, id: existing.id };
    }
    reject(
      'sourceKey',
      'IMMUTABLE',
      'a score under this source key was already recorded differently; scores are never overwritten',
    );
  }
  // A claim is scored once it happened: a score dated before its accident is a wrong date.
  // (Checked on a new score only: one stored before its claim moved, or before this rule,
  // is answered UNCHANGED when resent, as a retry.)
  if (subject.claim && record.scoredAt.getTime() < subject.claim.accidentAt.getTime()) {
    reject('scoredAt', 'BEFORE_SUBJECT', "must not be before the claim's accident");
  }
  const score = em.create(RiskScore, {
    sourceSystem: record.sourceSystem,
    sourceKey: record.sourceKey,
    subjectType: subject.subjectType!,
    customer: subject.customer,
    customerRef: customerRef ? referenceKey(customerRef) : undefined,
    claim: subject.claim,
    vehicle: subject.vehicle,
    stage: record.stage,
    model: record.model,
    modelVersion: record.modelVersion,
    score: record.score,
    level: record.level,
    firedRules: byCode.map(({ code, description, weight }) => ({
      code,
      description,
      weight,
    })),
    scoredAt: record.scoredAt,
    contentHash: hash,
  });
  await em.flush();
  return { status: RecordStatus.CREATED, id: score.id };
}

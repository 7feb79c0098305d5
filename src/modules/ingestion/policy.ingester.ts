import type { EntityManager } from '@mikro-orm/postgresql';
import { LockMode } from '@mikro-orm/core';
import { checkPlate, checkVin } from '../../validation';
import { AUTO_LINES, PartyRole, PolicyStatus } from '../policy/policy.enums';
import { PolicyParty } from '../policy/policy-party.entity';
import { Policy } from '../policy/policy.entity';
import { Claim } from '../claim/claim.entity';
import { Vehicle } from '../vehicle/vehicle.entity';
import type { PolicyRecordInput, VehicleInput } from './ingestion.input';
import { RecordStatus, type IngestedRecord, type RecordError } from './ingestion.type';
import { addDays, anniversary, type BusinessClock } from '../../time/clock';
import { MAX_COVER_YEARS } from '../../validation/instants';
import { asSet, contentHash, keptBy, RecordErrors } from './record-errors';
import { findBranch, findCustomer, referenceKey } from './references';

function checkVehicle(errors: RecordErrors, vehicle: VehicleInput) {
  const vin = errors.check('vehicle.vin', checkVin(vehicle.vin));
  const plate = vehicle.plate
    ? errors.check('vehicle.plate', checkPlate(vehicle.plate))
    : undefined;
  return {
    vin: vin?.normalized,
    plate: plate?.normalized,
    newEnergy: vehicle.newEnergy ?? plate?.newEnergy ?? false,
  };
}

/** What a renewal must share with the policy it renews. */
interface Continued {
  line: string;
  vin?: string;
  holderId?: string;
}

/** A stored policy as a renewal compares it. */
async function continuedOf(em: EntityManager, policy: Policy): Promise<Continued> {
  const car = policy.vehicle && (await em.findOne(Vehicle, policy.vehicle.id));
  const holder = await em.findOne(PolicyParty, { policy, role: PartyRole.POLICYHOLDER });
  return { line: policy.line, vin: car?.vin, holderId: holder?.customer.id };
}

/** The first way `renewal` does not continue `renewed`, as [rule, what differs]. */
function discontinuity(renewal: Continued, renewed: Continued): [string, string] | undefined {
  if (renewal.line !== renewed.line) return ['RENEWAL_LINE', 'another line'];
  if (renewal.vin && renewal.vin !== renewed.vin) return ['RENEWAL_VEHICLE', 'another vehicle'];
  if (renewal.holderId && renewed.holderId && renewal.holderId !== renewed.holderId) {
    return ['RENEWAL_HOLDER', 'another policyholder'];
  }
  return undefined;
}

/**
 * A renewal continues the policy it renews: the same line, the same car for auto lines, the
 * same policyholder, and one renewal of a policy (a cancelled one aside; the database holds
 * that too, as the unique index policy_renews_once). Any other link would count as a
 * renewal its holder never made, and lift their value class: three property policies of a
 * first-year customer each naming their auto policy read as three renewals. Held from both
 * ends: a renewed policy resent as another line or holder would break its renewal as well.
 */
async function checkRenewals(
  em: EntityManager,
  errors: RecordErrors,
  record: PolicyRecordInput,
  renews: Policy | null | undefined,
  renewers: Policy[],
  self: Continued,
): Promise<void> {
  if (renews && renews.policyNo !== record.policyNo) {
    // A cancelled policy ran no term to continue, and gave its place back to the one it
    // renewed: continuing it would make a second chain of one car's cover.
    errors.require(
      renews.status !== PolicyStatus.CANCELLED || record.status === PolicyStatus.CANCELLED,
      'renewsPolicyNo',
      'RENEWS_CANCELLED',
      'renews a cancelled policy: renew the policy it renewed, or the one that replaced it',
    );
    const broken = discontinuity(self, await continuedOf(em, renews));
    if (broken) {
      errors.require(false, 'renewsPolicyNo', broken[0], `renews a policy of ${broken[1]}`);
    }
    if (record.status !== PolicyStatus.CANCELLED) {
      const other = await em.findOne(Policy, {
        renews,
        policyNo: { $ne: record.policyNo },
        status: { $ne: PolicyStatus.CANCELLED },
      });
      errors.require(
        !other,
        'renewsPolicyNo',
        'ALREADY_RENEWED',
        `policy ${other?.policyNo} renews it already: a policy is renewed once`,
      );
    }
  }
  for (const renewer of renewers.filter((r) => r.status !== PolicyStatus.CANCELLED)) {
    const broken = discontinuity(await continuedOf(em, renewer), self);
    if (broken) {
      const field =
        { RENEWAL_LINE: 'line', RENEWAL_VEHICLE: 'vehicle.vin' }[broken[0]] ?? 'parties';
      errors.require(
        false,
        field,
        broken[0],
        `policy ${renewer.policyNo} renews this one, and would renew a policy of ${broken[1]}`,
      );
    }
  }
}

/**
 * Upserts a policy by its number, with its parties and, for auto lines, its vehicle. The
 * record has met its field rules (normalizeRecord): its text is trimmed and well-formed.
 */
export async function ingestPolicy(
  em: EntityManager,
  clock: BusinessClock,
  record: PolicyRecordInput,
): Promise<IngestedRecord> {
  const errors = new RecordErrors();
  errors.require(
    record.expiryDate >= record.effectiveDate,
    'expiryDate',
    'PERIOD_ORDER',
    'must not be before effectiveDate',
  );
  const auto = AUTO_LINES.includes(record.line);
  errors.require(
    !auto || !!record.vehicle,
    'vehicle',
    'REQUIRED',
    `a ${record.line} policy needs its vehicle`,
  );
  const vehicle = record.vehicle ? checkVehicle(errors, record.vehicle) : undefined;
  const holders = record.parties.filter((p) => p.role === PartyRole.POLICYHOLDER).length;
  errors.require(
    holders === 1,
    'parties',
    'ONE_POLICYHOLDER',
    `needs exactly one policyholder, got ${holders}`,
  );
  errors.throwIfAny();

  // The record as stored: parties are a set, and the vehicle as checkVehicle reads it (a VIN
  // in lower case, newEnergy left out for false), so a resend of the same content is UNCHANGED.
  const hash = contentHash({
    ...record,
    parties: asSet(
      record.parties.map((p) => ({ role: p.role, ref: referenceKey(p.customer) })),
      (p) => `${p.role} ${p.ref}`,
    ),
    vehicle: record.vehicle && { ...record.vehicle, ...vehicle },
  });
  // Held until the batch commits: a claim checked against this period meanwhile waits, and
  // then reads the period as written (see ingestClaim).
  const existing = await em.findOne(
    Policy,
    { policyNo: record.policyNo },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  );
  keptBy(existing, record);
  const warnings = statusWarnings(record, clock.today());
  // A retry is answered as such whatever rule came since (a longest term, a vehicle only
  // on auto lines, the renewal rules): the record was checked when stored.
  if (existing?.contentHash === hash) {
    return { status: RecordStatus.UNCHANGED, id: existing.id, warnings };
  }
  const lastDay = addDays(anniversary(record.effectiveDate, MAX_COVER_YEARS), -1);
  errors.require(
    record.expiryDate <= lastDay,
    'expiryDate',
    'PERIOD_LENGTH',
    `must be ${lastDay} or before: a policy runs at most ${MAX_COVER_YEARS} years`,
  );
  // A vehicle is described by its current policy, and found by its plate: another line's
  // policy naming it would rewrite its plate and give it another holder.
  errors.require(
    auto || !record.vehicle,
    'vehicle',
    'VEHICLE_LINE',
    `a ${record.line} policy insures no vehicle: only ${AUTO_LINES.join(' and ')} do`,
  );
  const branch = await findBranch(em, errors, 'branchCode', record.branchCode);
  const parties = [];
  for (const [i, party] of record.parties.entries()) {
    const customer = await findCustomer(em, errors, `parties[${i}].customer`, party.customer);
    if (customer) parties.push({ role: party.role, customer, ref: referenceKey(party.customer) });
  }
  // Renewals run forward in time: a policy renewing itself, or two renewing each other,
  // would count as renewals that never happened (and lift a customer's value class). Itself
  // whether or not it is stored yet: its own stored start would compare a policy with what
  // it was, not what it becomes.
  const self = record.renewsPolicyNo === record.policyNo;
  errors.require(!self, 'renewsPolicyNo', 'RENEWAL_ORDER', 'a policy cannot renew itself');
  const renews =
    record.renewsPolicyNo && !self
      ? await em.findOne(Policy, { policyNo: record.renewsPolicyNo })
      : undefined;
  errors.require(
    renews !== null,
    'renewsPolicyNo',
    'UNKNOWN_POLICY',
    'no policy with this number is known',
  );
  if (renews) {
    errors.require(
      renews.effectiveDate < record.effectiveDate,
      'renewsPolicyNo',
      'RENEWAL_ORDER',
      `the renewed policy must start before this one, and it starts on ${renews.effectiveDate}`,
    );
  }
  // The policies renewing this one, read once for both ends' rules.
  const renewers = await em.find(
    Policy,
    { renews: { policyNo: record.policyNo } },
    { orderBy: { effectiveDate: 'asc', policyNo: 'asc' } },
  );
  await checkRenewals(em, errors, record, renews, renewers, {
    line: record.line,
    vin: vehicle?.vin,
    holderId: parties.find((p) => p.role === PartyRole.POLICYHOLDER)?.customer.id,
  });
  const renewer = renewers.find((r) => r.effectiveDate <= record.effectiveDate);
  errors.require(
    !renewer,
    'effectiveDate',
    'RENEWAL_ORDER',
    `policy ${renewer?.policyNo} renews this one and starts on ${renewer?.effectiveDate}: this one must start before it`,
  );
  errors.throwIfAny();
  if (existing) warnings.push(...(await claimsOutside(em, clock, existing, record)));
  // A cancellation is no status a policy leaves by itself: a record naming it otherwise is a
  // reinstatement, or a message older than the cancellation arriving late. The source's word
  // is kept (policies carry no time to tell which), and the caller told: premium, tenure and
  // the tier go with it.
  if (existing?.status === PolicyStatus.CANCELLED && record.status !== PolicyStatus.CANCELLED) {
    warnings.push({
      field: 'status',
      rule: 'CANCELLATION_DROPPED',
      message: `the stored policy was CANCELLED, and this record makes it ${record.status}`,
    });
  }

  let vehicleEntity: Vehicle | undefined;
  if (vehicle && record.vehicle) {
    const known = await em.findOne(Vehicle, { vin: vehicle.vin! });
    vehicleEntity = known ?? em.create(Vehicle, { vin: vehicle.vin!, use: record.vehicle.use });
    // The car as its latest policy describes it: a policy sent late (a backfill of an old
    // year) would put back a plate the car no longer carries, and the car would not be
    // found by the one it does. Of two starting the same day (the compulsory and the
    // commercial policy), the later number, whichever arrives last.
    const later =
      known &&
      (await em.count(Policy, {
        vehicle: known,
        policyNo: { $ne: record.policyNo },
        $or: [
          { effectiveDate: { $gt: record.effectiveDate } },
          { effectiveDate: record.effectiveDate, policyNo: { $gt: record.policyNo } },
        ],
      }));
    if (!later) {
      vehicleEntity.plate = vehicle.plate ?? vehicleEntity.plate;
      vehicleEntity.use = record.vehicle.use;
      vehicleEntity.newEnergy = vehicle.newEnergy;
    }
  }
  const values = {
    policyNo: record.policyNo,
    line: record.line,
    productCode: record.productCode,
    channel: record.channel,
    branch: branch!,
    effectiveDate: record.effectiveDate,
    expiryDate: record.expiryDate,
    premium: record.premium,
    sumInsured: record.sumInsured,
    status: record.status,
    renews: renews ?? undefined,
    vehicle: vehicleEntity,
    vehiclePlate: vehicle?.plate ?? null,
    vehicleUse: record.vehicle?.use ?? null,
    vehicleNewEnergy: vehicle?.newEnergy ?? null,
    sourceSystem: record.sourceSystem,
    contentHash: hash,
  };
  const policy = existing ? em.assign(existing, values) : em.create(Policy, values);
  if (existing) await em.nativeDelete(PolicyParty, { policy: existing });
  const seen = new Set<string>();
  for (const party of parties) {
    const key = `${party.role}:${party.customer.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    em.create(PolicyParty, {
      policy,
      customer: party.customer,
      role: party.role,
      customerRef: party.ref,
    });
  }
  await em.flush();
  return {
    status: existing ? RecordStatus.UPDATED : RecordStatus.CREATED,
    id: policy.id,
    warnings,
  };
}

/**
 * Claims on the policy whose accident the new period leaves out (a period corrected
 * shorter): they stay on it, but their system can no longer update them (OUTSIDE_COVER)
 * until one of the two is put right.
 */
async function claimsOutside(
  em: EntityManager,
  clock: BusinessClock,
  policy: Policy,
  record: PolicyRecordInput,
): Promise<RecordError[]> {
  if (policy.effectiveDate === record.effectiveDate && policy.expiryDate === record.expiryDate) {
    return [];
  }
  const days = (await em.find(Claim, { policy }, { fields: ['accidentAt'] })).map((c) =>
    clock.dayOf(c.accidentAt),
  );
  const problems: RecordError[] = [];
  const before = days.filter((day) => day < record.effectiveDate).length;
  const after = days.filter((day) => day > record.expiryDate).length;
  if (before) {
    problems.push({
      field: 'effectiveDate',
      rule: 'CLAIMS_OUTSIDE_PERIOD',
      message: `${before} claim(s) on this policy had their accident before this day`,
    });
  }
  if (after) {
    problems.push({
      field: 'expiryDate',
      rule: 'CLAIMS_OUTSIDE_PERIOD',
      message: `${after} claim(s) on this policy had their accident after this day`,
    });
  }
  return problems;
}

/**
 * A status its period contradicts on the business day, which the source has most likely not
 * updated yet: the policy is stored as sent (it is the source's word), and the caller told.
 * Front-line lists and marketing's line filters go by the status.
 */
function statusWarnings(record: PolicyRecordInput, today: string): RecordError[] {
  const running = [PolicyStatus.PENDING, PolicyStatus.IN_FORCE].includes(record.status);
  if (running && record.expiryDate < today) {
    return [
      {
        field: 'status',
        rule: 'STATUS_PERIOD',
        message: `${record.status}, but the policy period ended on ${record.expiryDate}`,
      },
    ];
  }
  if (record.status === PolicyStatus.IN_FORCE && record.effectiveDate > today) {
    return [
      {
        field: 'status',
        rule: 'STATUS_PERIOD',
        message: `IN_FORCE, but the policy period starts on ${record.effectiveDate}`,
      },
    ];
  }
  if (record.status === PolicyStatus.EXPIRED && record.expiryDate >= today) {
    return [
      {
        field: 'status',
        rule: 'STATUS_PERIOD',
        message: `EXPIRED, but the policy period runs to ${record.expiryDate}`,
      },
    ];
  }
  return [];
}

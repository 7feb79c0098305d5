import { randomUUID } from 'node:crypto';
import { Role } from '../../src/auth/roles';
import type {
  ContactKind,
  CustomerKind,
  IdentityDocumentType,
} from '../../src/modules/customer/customer.enums';
import { PiiCipher } from '../../src/modules/customer/pii-cipher';
import { PiiHasher } from '../../src/modules/customer/pii-hasher';
import { PiiSealer } from '../../src/modules/customer/pii-sealer';
import type { IdentifierKind } from '../../src/modules/golden/source-identifier.entity';
import { GOLDEN_FIELDS } from '../../src/modules/golden/survivorship';
import { CONTACT_KINDS, maskSourceAttributes } from '../../src/modules/ingestion/customer-records';
import { nameForms } from '../../src/modules/matching/names';
import { addDays } from '../../src/time/clock';
import { checkMobile, checkPlate, checkResidentId, checkVin } from '../../src/validation';
import { TEST_SECRETS, type TestHub } from './test-app';

/** The check character a validator accepts: the generator cannot disagree with the rule. */
function complete(
  body: string,
  candidates: string,
  accepts: (candidate: string) => boolean,
  at = body.length,
): string {
  for (const c of candidates) {
    const value = body.slice(0, at) + c + body.slice(at);
    if (accepts(value)) return value;
  }
  throw new Error(`no check character completes ${body}`);
}

/**
 * A valid GB 11643 number: region 320102, the birth date, an odd (male) or even sequence.
 * A birth day has 450 sequence numbers: past those, numbers are born a day later.
 */
export function residentId(n: number, birth = birthDay(n), male = true): string {
  const sequence = String((n % 450) * 2 + (male ? 1 : 2)).padStart(3, '0');
  // Any day's number, a later one too: a test may stand the hub's clock there.
  return complete(
    `320102${birth}${sequence}`,
    '0123456789X',
    (v) => checkResidentId(v, '9999-12-31').ok,
  );
}

/** 12 March 1985 for the first 450 numbers, a day later for each 450 after. */
function birthDay(n: number): string {
  return addDays('1985-03-12', Math.floor(n / 450)).replaceAll('-', '');
}

/** A valid ISO 3779 VIN: the check digit at position 9. */
export function vin(n: number): string {
  return complete(
    `LSVAB2BMKN${String(n).padStart(6, '0')}`,
    '0123456789X',
    (v) => checkVin(v).ok,
    8,
  );
}

export const mobile = (n: number) => `139${String(n).padStart(8, '0')}`;
export const plate = (n: number) => `苏A${String(n % 100000).padStart(5, '0')}`;

let lastNumber = 0;

/**
 * A record number no earlier call in this test file returned, so that a test's customers,
 * documents, mobiles, policies and claims are its own whatever ran before it (each test
 * file has its own module state and its own database).
 */
export function nextNumber(): number {
  return nextNumbers(1);
}

/**
 * The first of `count` consecutive record numbers that no earlier call returned, for a test
 * whose people are n, n + 1, ... n + count - 1: a number it only adds to must be its own too.
 */
export function nextNumbers(count: number): number {
  lastNumber += count;
  return lastNumber - count + 1;
}

export const BRANCHES = [
  ['0000', 'Head office', 'HEAD_OFFICE', null, '0000'],
  ['3200', 'Jiangsu', 'PROVINCIAL', '0000', '0000.3200'],
  ['3201', 'Nanjing', 'CITY', '3200', '0000.3200.3201'],
  ['3202', 'Wuxi', 'CITY', '3200', '0000.3200.3202'],
  ['3300', 'Zhejiang', 'PROVINCIAL', '0000', '0000.3300'],
  ['3301', 'Hangzhou', 'CITY', '3300', '0000.3300.3301'],
] as const;

/** The branch every test hub's database starts with (see startTestHub). */
export const HEAD_OFFICE = BRANCHES[0];

/** Branches (all of BRANCHES by default), parents first; those already there are kept. */
export async function insertBranches(
  hub: Pick<TestHub, 'sql'>,
  branches: readonly (typeof BRANCHES)[number][] = BRANCHES,
): Promise<void> {
  for (const [code, name, level, parent, path] of branches) {
    await hub.sql(
      `insert into branch (id, code, name, level, parent_id, path)
       values (gen_random_uuid(), $1, $2, $3, (select id from branch where code = $4), $5)
       on conflict (code) do nothing`,
      [code, name, level, parent, path],
    );
  }
}

export function customerRecord(n: number, overrides: Record<string, unknown> = {}) {
  return {
    sourceSystem: 'POLICY_ADMIN',
    sourceKey: `PA-${n}`,
    kind: 'INDIVIDUAL',
    name: `客户${n}`,
    branchCode: '3201',
    identityDocuments: [{ type: 'RESIDENT_ID', number: residentId(n) }],
    contactPoints: [
      {
        kind: 'MOBILE',
        value: mobile(n),
        verificationStatus: 'VERIFIED',
        verificationMethod: 'SMS',
        verifiedAt: '2026-03-01T08:00:00Z',
      },
      { kind: 'EMAIL', value: `c${n}@example.cn` },
    ],
    marketingConsent: { given: n % 2 === 0, at: '2026-01-05T10:00:00Z', channel: 'APP' },
    ...overrides,
  };
}

export function autoPolicyRecord(
  n: number,
  holderCifNo: string,
  overrides: Record<string, unknown> = {},
) {
  return {
    sourceSystem: 'POLICY_ADMIN',
    policyNo: `PCA${String(n).padStart(8, '0')}`,
    line: 'COMMERCIAL_AUTO',
    productCode: 'CA-2026',
    channel: 'DEALER',
    branchCode: '3201',
    effectiveDate: '2026-01-01',
    expiryDate: '2026-12-31',
    premium: '4280.50',
    sumInsured: '150000.00',
    status: 'IN_FORCE',
    parties: [
      { role: 'POLICYHOLDER', customer: { cifNo: holderCifNo } },
      { role: 'INSURED', customer: { cifNo: holderCifNo } },
    ],
    vehicle: { vin: vin(n), plate: plate(n), use: 'FAMILY_PRIVATE' },
    ...overrides,
  };
}

export function claimRecord(n: number, policyNo: string, overrides: Record<string, unknown> = {}) {
  return {
    sourceSystem: 'CLAIMS',
    claimNo: `CL${String(n).padStart(8, '0')}`,
    policyNo,
    accidentAt: '2026-05-10T21:30:00Z',
    accidentPlace: '南京市玄武区',
    reportChannel: 'PHONE',
    reportedAt: '2026-05-10T22:00:00Z',
    registeredAt: '2026-05-11T09:00:00Z',
    surveyedAt: '2026-05-11T15:00:00Z',
    status: 'SURVEYED',
    reserve: '3200.00',
    singleParty: true,
    ...overrides,
  };
}

/** A claim just reported, nothing after: accident at 10:00, reported at 11:00 UTC. */
export function reportedClaimRecord(n: number, policyNo: string, day: string, reserve: string) {
  return claimRecord(n, policyNo, {
    accidentAt: `${day}T10:00:00Z`,
    reportedAt: `${day}T11:00:00Z`,
    registeredAt: null,
    surveyedAt: null,
    status: 'REPORTED',
    reserve,
  });
}

export function riskScoreRecord(
  n: number,
  subject: Record<string, unknown>,
  overrides: Record<string, unknown> = {},
) {
  return {
    sourceSystem: 'CLAIMS',
    sourceKey: `RS-${n}`,
    subject,
    stage: 'REPORT',
    model: 'claims-rules',
    modelVersion: 'v3',
    score: '72.5',
    level: 'HIGH',
    firedRules: [{ code: 'R017', description: 'reported after 21:00', weight: '30' }],
    scoredAt: '2026-05-10T22:01:00Z',
    ...overrides,
  };
}

export const INGEST_CUSTOMERS = `mutation ($records: [CustomerRecordInput!]!) {
  ingestCustomers(records: $records) { accepted rejected records { index key status id errors { field rule message } } } }`;
export const INGEST_POLICIES = `mutation ($records: [PolicyRecordInput!]!) {
  ingestPolicies(records: $records) { accepted rejected records { index key status id errors { field rule message } } } }`;
export const INGEST_CLAIMS = `mutation ($records: [ClaimRecordInput!]!) {
  ingestClaims(records: $records) { accepted rejected records { index key status id errors { field rule message } } } }`;
export const INGEST_RISK_SCORES = `mutation ($records: [RiskScoreRecordInput!]!) {
  ingestRiskScores(records: $records) { accepted rejected records { index key status id errors { field rule message } } } }`;

/** The CIF numbers of customers by id, in the order given. */
export async function cifNumbers(hub: TestHub, ids: string[]): Promise<string[]> {
  const rows = await hub.sql<{ cif_no: string }>(
    'select cif_no from customer where id = any($1::uuid[]) order by array_position($1::uuid[], id)',
    [ids],
  );
  return rows.map((r) => r.cif_no);
}

/** Policy record dates for a year of cover that began `daysAgo` days before the business day `today`. */
export function coverFrom(today: string, daysAgo: number) {
  return { effectiveDate: addDays(today, -daysAgo), expiryDate: addDays(today, 364 - daysAgo) };
}

/**
 * A customer with a verified mobile and a policy that began 100 days ago, ingested and
 * recomputed: BLUE (no history yet, low value). Each call makes a new one.
 */
export async function insuredCustomer(
  hub: TestHub,
): Promise<{ id: string; n: number; policyNo: string }> {
  const n = nextNumber();
  const customers = await hub.gql(INGEST_CUSTOMERS, { records: [customerRecord(n)] });
  const { id } = customers.data!.ingestCustomers.records[0];
  const [cif] = await cifNumbers(hub, [id]);
  const policy = autoPolicyRecord(n, cif!, coverFrom(hub.clock.today(), 100));
  const policies = await hub.gql(INGEST_POLICIES, { records: [policy] });
  if (policies.data!.ingestPolicies.accepted !== 1) throw new Error('the policy was rejected');
  await hub.app.services.tiers.drainQueue();
  return { id, n, policyNo: policy.policyNo };
}

export interface TwoYearCustomer {
  id: string;
  cifNo: string;
  /** The record number of the customer, their car and their current policy. */
  n: number;
  policyNo: string;
}

/**
 * Ingests a customer with two policy years on one car, placed around the business day
 * `today`: a year of cover that ended a year ago (3,000 CNY), and the current one, in force
 * for the last 100 days at `premium`. Without a claim or a score, 5,000 CNY or more makes the
 * customer DIAMOND (23 claim-free months; high value), less makes them SILVER.
 */
export async function ingestTwoYearCustomer(
  hub: TestHub,
  today: string,
  options: {
    premium: string;
    branchCode?: string;
    /** The record number, if the caller needs it before (for `mobile(n)`, say). */
    n?: number;
    customer?: Record<string, unknown>;
  },
): Promise<TwoYearCustomer> {
  const n = options.n ?? nextNumber();
  const branch = options.branchCode ? { branchCode: options.branchCode } : {};
  const customers = await hub.gql(INGEST_CUSTOMERS, {
    records: [customerRecord(n, { ...branch, ...options.customer })],
  });
  const [outcome] = customers.data!.ingestCustomers.records;
  if (outcome.status !== 'CREATED') throw new Error(`customer ${n}: ${JSON.stringify(outcome)}`);
  const [cifNo] = await cifNumbers(hub, [outcome.id]);
  const current = autoPolicyRecord(n, cifNo!, {
    ...branch,
    ...coverFrom(today, 100),
    premium: options.premium,
  });
  const policies = await hub.gql(INGEST_POLICIES, {
    records: [
      autoPolicyRecord(nextNumber(), cifNo!, {
        ...branch,
        ...coverFrom(today, 730),
        status: 'EXPIRED',
        premium: '3000.00',
        vehicle: current.vehicle,
      }),
      current,
    ],
  });
  if (policies.data?.ingestPolicies.rejected !== 0)
    throw new Error(`policies of customer ${n}: ${JSON.stringify(policies)}`);
  return { id: outcome.id, cifNo: cifNo!, n, policyNo: current.policyNo };
}

/**
 * A portfolio customer's two risk scores, on its claim and on itself, under keys of their
 * own: RS-<n> is a test's own score of record n.
 */
function portfolioScores(n: number, claimNo: string, cifNo: string) {
  return [
    riskScoreRecord(n, { claimNo }, { sourceKey: `RS-P${n}-CLAIM` }),
    riskScoreRecord(
      n,
      { customer: { cifNo } },
      { sourceKey: `RS-P${n}-CUSTOMER`, stage: 'UNDERWRITING', level: 'LOW', score: '12' },
    ),
  ];
}

/**
 * `count` customers, each with an auto policy, a claim and a risk score on the claim and
 * on the customer, all through the ingestion API. Returns the customers' CIF numbers.
 */
export async function ingestPortfolio(hub: TestHub, count: number, from = 1): Promise<string[]> {
  const ns = Array.from({ length: count }, (_, i) => from + i);
  const customers = await hub.gql(INGEST_CUSTOMERS, { records: ns.map((n) => customerRecord(n)) });
  const cifs = await cifNumbers(
    hub,
    customers.data!.ingestCustomers.records.map((r: { id: string }) => r.id),
  );
  await hub.gql(INGEST_POLICIES, { records: ns.map((n, i) => autoPolicyRecord(n, cifs[i])) });
  await hub.gql(INGEST_CLAIMS, {
    records: ns.map((n) => claimRecord(n, autoPolicyRecord(n, '').policyNo)),
  });
  await hub.gql(INGEST_RISK_SCORES, {
    records: ns.flatMap((n, i) => portfolioScores(n, claimRecord(n, '').claimNo, cifs[i]!)),
  });
  return cifs;
}

/**
 * Inserts rows into `table` in one statement: each row an object keyed by column name.
 * Values go through the table's own row type (`jsonb_populate_recordset`), so a bytea is
 * given as `\x` hex text and a jsonb column takes the JSON value as it is.
 */
async function insertRows(hub: TestHub, table: string, rows: Record<string, unknown>[]) {
  const columns = Object.keys(rows[0]!)
    .map((c) => `"${c}"`)
    .join(', ');
  await hub.sql(
    `insert into ${table} (${columns}) select ${columns} from jsonb_populate_recordset(null::${table}, $1::jsonb)`,
    [JSON.stringify(rows)],
  );
}

/** A factory vehicle as a policy row describes it (and the vehicle row, from its latest). */
function vehicleAsDescribed(vehicle: { plate: string; use: string }) {
  const plate = checkPlate(vehicle.plate);
  if (!plate.ok) throw new Error(`factory plate ${vehicle.plate} is invalid`);
  return {
    vehicle_plate: plate.value.normalized,
    vehicle_use: vehicle.use,
    vehicle_new_energy: plate.value.newEnergy,
  };
}

/**
 * The portfolio of `ingestPortfolio` (the same records, keys and values) written straight
 * into the tables, one statement per table, for fixtures that need many customers and test
 * the read path rather than ingestion: 100 customers take a few hundredths of a second
 * instead of ingestion's tens of seconds on a busy machine. The rows are those ingestion
 * leaves: a source record per customer saying what it holds (name forms, identifiers
 * sealed, resident IDs' bodies digested) that matching finds, the golden record with its
 * lineage, identity numbers and contact values sealed by `PiiSealer` with the test keys
 * (encrypted, masked, hashed: lookups find them) and masked in the source records; the
 * tables' triggers queue every customer for a tier recompute, as ingestion does. The rows
 * carry no ingestion content hash: resending one of these records through ingestion updates
 * it rather than finding it unchanged. Returns the customers' CIF numbers.
 */
export async function insertPortfolio(hub: TestHub, count: number, from = 1): Promise<string[]> {
  const sealer = new PiiSealer(
    new PiiHasher(TEST_SECRETS.piiHashKey),
    new PiiCipher(TEST_SECRETS.piiEncryptionKeys, TEST_SECRETS.piiEncryptionKeyId),
  );
  const hex = (digest: Buffer) => `\\x${digest.toString('hex')}`;
  const branchIds = new Map(
    (await hub.sql<{ code: string; id: string }>('select code, id from branch')).map((b) => [
      b.code,
      b.id,
    ]),
  );
  const cifNos = (
    await hub.sql<{ n: string }>(
      `select nextval('cif_no_seq') as n from generate_series(1, $1::int)`,
      [count],
    )
  )
    .map((r) => Number(r.n))
    .sort((a, b) => a - b)
    .map((n) => `C${String(n).padStart(10, '0')}`);
  const portfolio = Array.from({ length: count }, (_, i) => {
    const n = from + i;
    const customer = customerRecord(n);
    const policy = autoPolicyRecord(n, cifNos[i]!);
    const claim = claimRecord(n, policy.policyNo);
    const resident = checkResidentId(customer.identityDocuments[0]!.number);
    if (!resident.ok)
      throw new Error(`factory resident ID ${customer.identityDocuments[0]!.number} is invalid`);
    // As customer-records.ts prepares them: normalised, sealed, a resident ID's body digested.
    const identifiers = [
      ...customer.identityDocuments.map((d) => ({
        kind: d.type as IdentifierKind,
        sealed: sealer.seal(d.type as IdentityDocumentType, d.number),
        body:
          d.type === 'RESIDENT_ID'
            ? sealer.hasher.digest('RESIDENT_ID_BODY', d.number.slice(0, 17))
            : null,
        status: 'UNVERIFIED',
        method: null,
        verifiedAt: null,
      })),
      ...customer.contactPoints.map((p: Record<string, string | undefined>) => {
        const mobile = p.kind === 'MOBILE' ? checkMobile(p.value!) : undefined;
        const value = mobile?.ok ? mobile.value.normalized : p.value!.toLowerCase();
        return {
          kind: p.kind as IdentifierKind,
          sealed: sealer.seal(p.kind as ContactKind, value),
          body: null,
          status: p.verificationStatus ?? 'UNVERIFIED',
          method: p.verificationMethod ?? null,
          verifiedAt: p.verifiedAt ?? null,
        };
      }),
    ];
    return {
      n,
      cifNo: cifNos[i]!,
      customer,
      person: { gender: resident.value.gender, birthDate: resident.value.birthDate },
      identifiers,
      policy,
      claim,
      scores: portfolioScores(n, claim.claimNo, cifNos[i]!),
      ids: {
        customer: randomUUID(),
        sourceRecord: randomUUID(),
        policy: randomUUID(),
        vehicle: randomUUID(),
      },
      claimId: randomUUID(),
    };
  });

  await insertRows(
    hub,
    'customer',
    portfolio.map(({ customer: c, person, cifNo, ids }) => ({
      id: ids.customer,
      cif_no: cifNo,
      kind: c.kind,
      name: c.name,
      gender: person.gender,
      birth_date: person.birthDate,
      branch_id: branchIds.get(c.branchCode),
      marketing_consent: c.marketingConsent.given,
      consent_at: c.marketingConsent.at,
      consent_channel: c.marketingConsent.channel,
      lineage: Object.fromEntries(GOLDEN_FIELDS.map((field) => [field, ids.sourceRecord])),
    })),
  );
  await insertRows(
    hub,
    'source_record',
    portfolio.map(({ customer: c, person, ids }) => {
      const names = nameForms(c.kind as CustomerKind, c.name);
      return {
        id: ids.sourceRecord,
        source_system: c.sourceSystem,
        source_key: c.sourceKey,
        customer_id: ids.customer,
        attributes: maskSourceAttributes({ ...c, ...person }),
        content_hash: 'inserted by a test factory',
        received_at: hub.clock.now().toISOString(),
        kind: c.kind,
        name: c.name,
        name_key: names.key,
        name_pinyin: names.pinyin || null,
        gender: person.gender,
        birth_date: person.birthDate,
        branch_id: branchIds.get(c.branchCode),
        marketing_consent: c.marketingConsent.given,
        consent_at: c.marketingConsent.at,
        consent_channel: c.marketingConsent.channel,
      };
    }),
  );
  await insertRows(
    hub,
    'source_identifier',
    portfolio.flatMap(({ identifiers, ids }) =>
      identifiers.map((i) => ({
        source_record_id: ids.sourceRecord,
        kind: i.kind,
        value_hash: hex(i.sealed.hash),
        value_cipher: i.sealed.cipher,
        value_masked: i.sealed.masked,
        body_hash: i.body && hex(i.body),
        verification_status: i.status,
        verification_method: i.method,
        verified_at: i.verifiedAt,
      })),
    ),
  );
  await insertRows(
    hub,
    'identity_document',
    portfolio.flatMap(({ identifiers, ids }) =>
      identifiers
        .filter((i) => !CONTACT_KINDS.has(i.kind))
        .map((i) => ({
          id: randomUUID(),
          customer_id: ids.customer,
          source_record_id: ids.sourceRecord,
          type: i.kind,
          number_cipher: i.sealed.cipher,
          number_masked: i.sealed.masked,
          number_hash: hex(i.sealed.hash),
        })),
    ),
  );
  await insertRows(
    hub,
    'contact_point',
    portfolio.flatMap(({ identifiers, ids }) =>
      identifiers
        .filter((i) => CONTACT_KINDS.has(i.kind))
        .map((i) => ({
          id: randomUUID(),
          customer_id: ids.customer,
          source_record_id: ids.sourceRecord,
          kind: i.kind,
          value_cipher: i.sealed.cipher,
          value_masked: i.sealed.masked,
          value_hash: hex(i.sealed.hash),
          primary: i.kind === 'MOBILE',
          verification_status: i.status,
          verification_method: i.method,
          verified_at: i.verifiedAt,
        })),
    ),
  );
  await insertRows(
    hub,
    'vehicle',
    portfolio.map(({ policy: { vehicle }, ids }) => {
      const described = vehicleAsDescribed(vehicle);
      return {
        id: ids.vehicle,
        vin: vehicle.vin,
        plate: described.vehicle_plate,
        use: described.vehicle_use,
        new_energy: described.vehicle_new_energy,
      };
    }),
  );
  await insertRows(
    hub,
    'policy',
    portfolio.map(({ policy: p, ids }) => ({
      ...vehicleAsDescribed(p.vehicle),
      id: ids.policy,
      policy_no: p.policyNo,
      line: p.line,
      product_code: p.productCode,
      channel: p.channel,
      branch_id: branchIds.get(p.branchCode),
      effective_date: p.effectiveDate,
      expiry_date: p.expiryDate,
      premium: p.premium,
      sum_insured: p.sumInsured,
      status: p.status,
      vehicle_id: ids.vehicle,
      source_system: p.sourceSystem,
      content_hash: 'inserted by a test factory',
    })),
  );
  await insertRows(
    hub,
    'policy_party',
    portfolio.flatMap(({ policy: p, ids }) =>
      p.parties.map((party) => ({
        policy_id: ids.policy,
        customer_id: ids.customer,
        role: party.role,
      })),
    ),
  );
  await insertRows(
    hub,
    'claim',
    portfolio.map(({ claim: c, ids, claimId }) => ({
      id: claimId,
      claim_no: c.claimNo,
      policy_id: ids.policy,
      claimant_id: ids.customer,
      accident_at: c.accidentAt,
      accident_place: c.accidentPlace,
      report_channel: c.reportChannel,
      reported_at: c.reportedAt,
      registered_at: c.registeredAt,
      surveyed_at: c.surveyedAt,
      status: c.status,
      reserve: c.reserve,
      single_party: c.singleParty,
      source_system: c.sourceSystem,
      content_hash: 'inserted by a test factory',
    })),
  );
  await insertRows(
    hub,
    'risk_score',
    portfolio.flatMap(({ scores, ids, claimId }) =>
      scores.map((s) => ({
        id: randomUUID(),
        source_system: s.sourceSystem,
        source_key: s.sourceKey,
        subject_type: 'customer' in s.subject ? 'CUSTOMER' : 'CLAIM',
        customer_id: 'customer' in s.subject ? ids.customer : null,
        claim_id: 'customer' in s.subject ? null : claimId,
        stage: s.stage,
        model: s.model,
        model_version: s.modelVersion,
        score: s.score,
        level: s.level,
        fired_rules: s.firedRules,
        scored_at: s.scoredAt,
        content_hash: 'inserted by a test factory',
      })),
    ),
  );
  return cifNos;
}

/**
 * An eligibility decision recorded by the front line for `customerId`, on a small
 * single-party claim of the day before; its id.
 */
export async function recordDecision(hub: TestHub, customerId: string): Promise<string> {
  const decided = await hub.gql(
    `mutation ($input: EligibilityRequest!) { decideEligibility(input: $input) { id } }`,
    {
      input: {
        customerId,
        service: 'ROADSIDE_RESCUE',
        claim: {
          amount: '800.00',
          singleParty: true,
          injury: false,
          accidentAt: new Date(hub.clock.now().getTime() - 86_400_000).toISOString(),
          accidentPlace: '南京市鼓楼区',
        },
      },
    },
    Role.FRONTLINE,
  );
  if (decided.errors) throw new Error(JSON.stringify(decided.errors));
  return decided.data!.decideEligibility.id;
}

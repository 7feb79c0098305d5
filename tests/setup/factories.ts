import { checkResidentId, checkVin } from '../../src/validation';
import type { TestHub } from './test-app';

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

/** A valid GB 11643 number: region 320102, the birth date, an odd (male) or even sequence. */
export function residentId(n: number, birth = '19850312', male = true): string {
  const sequence = String((n % 450) * 2 + (male ? 1 : 2)).padStart(3, '0');
  return complete(`320102${birth}${sequence}`, '0123456789X', (v) => checkResidentId(v).ok);
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

export const BRANCHES = [
  ['0000', 'Head office', 'HEAD_OFFICE', null, '0000'],
  ['3200', 'Jiangsu', 'PROVINCIAL', '0000', '0000.3200'],
  ['3201', 'Nanjing', 'CITY', '3200', '0000.3200.3201'],
  ['3202', 'Wuxi', 'CITY', '3200', '0000.3200.3202'],
  ['3300', 'Zhejiang', 'PROVINCIAL', '0000', '0000.3300'],
  ['3301', 'Hangzhou', 'CITY', '3300', '0000.3300.3301'],
] as const;

export async function insertBranches(hub: TestHub): Promise<void> {
  for (const [code, name, level, parent, path] of BRANCHES) {
    await hub.sql(
      `insert into branch (id, code, name, level, parent_id, path)
       values (gen_random_uuid(), $1, $2, $3, (select id from branch where code = $4), $5)`,
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
    records: ns.flatMap((n, i) => [
      riskScoreRecord(n * 2, { claimNo: claimRecord(n, '').claimNo }),
      riskScoreRecord(
        n * 2 + 1,
        { customer: { cifNo: cifs[i] } },
        { stage: 'UNDERWRITING', level: 'LOW', score: '12' },
      ),
    ]),
  });
  return cifs;
}

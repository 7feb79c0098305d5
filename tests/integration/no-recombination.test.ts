import {
  getNamedType,
  GraphQLObjectType,
  isLeafType,
  isObjectType,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';
import { visibility } from '../../src/auth/access';
import { ROLES, Role } from '../../src/auth/roles';
import { checkResidentId } from '../../src/validation';
import {
  autoPolicyRecord,
  cifNumbers,
  claimRecord,
  customerRecord,
  INGEST_CLAIMS,
  INGEST_CUSTOMERS,
  INGEST_POLICIES,
  INGEST_RISK_SCORES,
  insertBranches,
  nextNumber,
  recordDecision,
  riskScoreRecord,
} from '../setup/factories';
import { accessOf } from '../setup/access';
import { startTestHub, type TestHub } from '../setup/test-app';

/**
 * A resident ID from Beijing's Chaoyang district (110105) of someone born on 23 August
 * 1979, and a mobile whose middle 4 are 4826: digits that appear nowhere else in this
 * customer's data (see `the customer's other data`), so that finding them in what a role
 * read can only mean they leaked.
 */
const REGION = '110105';
const BIRTH = '19790823';
const ID = (() => {
  for (const check of '0123456789X') {
    const id = `${REGION}${BIRTH}417${check}`;
    if (checkResidentId(id).ok) return id;
  }
  throw new Error('no check character completes the resident ID');
})();
const MOBILE = { prefix: '137', middle: '4826', last: '0519' };
const MOBILE_NUMBER = `${MOBILE.prefix}${MOBILE.middle}${MOBILE.last}`;

/** How each query field that reaches a customer's data reaches this test's customer. */
const ROOTS = (fixture: {
  id: string;
  vin: string;
  decisionId: string;
  mergeId: string;
}): Record<string, string> => ({
  customer: `(by: { id: "${fixture.id}" })`,
  marketingCustomers: '(first: 5)',
  vehicle: `(vin: "${fixture.vin}")`,
  eligibilityDecision: `(id: "${fixture.decisionId}")`,
  auditEvents: '(first: 50)',
  customerMerge: `(id: "${fixture.mergeId}")`,
  matchReviews: '(first: 5)',
});

const reaches = (from: GraphQLNamedType, to: string, seen = new Set<string>()): boolean => {
  if (!isObjectType(from) || seen.has(from.name)) return false;
  if (from.name === to) return true;
  seen.add(from.name);
  return Object.values(from.getFields()).some((f) => reaches(getNamedType(f.type), to, seen));
};

/**
 * Every field `role` may read under `type`, one selection per field: what the schema offers,
 * less what the access declarations refuse the role. A type already on the path is not
 * entered again (it reads the same rows' same fields); an edge gives its cursor, its node
 * being the connection's `nodes`; pages are kept small for the cost limit.
 */
function selections(type: GraphQLObjectType, role: Role, path: string[]): string[] {
  const fields: string[] = [];
  const edge = 'node' in type.getFields() && 'cursor' in type.getFields();
  for (const field of Object.values(type.getFields())) {
    if (edge && field.name === 'node') continue;
    if (visibility(accessOf(type.name, field.name), role) === 'denied') continue;
    const named = getNamedType(field.type);
    if (isLeafType(named)) {
      fields.push(field.name);
      continue;
    }
    if (!isObjectType(named) || path.includes(named.name)) continue;
    const args = field.args.some((a) => a.name === 'first') ? '(first: 5)' : '';
    const inner = selections(named, role, [...path, named.name]);
    if (inner.length) fields.push(`${field.name}${args} { ${inner.join(' ')} }`);
  }
  return fields;
}

/**
 * Every text a response carries, each leaf with the field's own type: cursors opened (they
 * encode the keys a page is ordered by), JSON objects as their text. Random identifiers
 * (UUIDs) are left out: they derive from nothing about the person, and their hex digits
 * would match any 4 digits by chance.
 */
function texts(value: unknown, type: GraphQLOutputType, field = ''): string[] {
  const named = getNamedType(type);
  if (value === null || value === undefined || named.name === 'ID') return [];
  if (Array.isArray(value)) return value.flatMap((item) => texts(item, type, field));
  if (isObjectType(named)) {
    return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) =>
      texts(inner, named.getFields()[key]!.type, key),
    );
  }
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/cursor$/i.test(field)) text = Buffer.from(text, 'base64url').toString('utf8');
  return [text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '')];
}

const normalized = (text: string) => text.replace(/[^0-9A-Za-z]/g, '').toUpperCase();
const digitRuns = (text: string) => text.match(/\d+/g) ?? [];

describe('masks that cannot be recombined', () => {
  let hub: TestHub;
  let schema: GraphQLSchema;
  let roots: Record<string, string>;
  let sent: unknown[];

  beforeAll(async () => {
    hub = await startTestHub();
    schema = hub.app.schema;
    await insertBranches(hub);
    const n = nextNumber();
    const customer = customerRecord(n, {
      identityDocuments: [{ type: 'RESIDENT_ID', number: ID }],
      contactPoints: [
        {
          kind: 'MOBILE',
          value: MOBILE_NUMBER,
          verificationStatus: 'VERIFIED',
          verificationMethod: 'SMS',
          verifiedAt: '2026-03-01T08:00:00Z',
        },
        { kind: 'EMAIL', value: 'liu.wen@example.cn' },
        { kind: 'ADDRESS', value: '北京市朝阳区建国路88号院3号楼' },
      ],
      marketingConsent: { given: true, at: '2026-01-05T10:00:00Z', channel: 'APP' },
    });
    const created = await hub.gql(INGEST_CUSTOMERS, { records: [customer] });
    const { id } = created.data!.ingestCustomers.records[0];
    const [cifNo] = await cifNumbers(hub, [id]);
    const policy = autoPolicyRecord(n, cifNo!);
    const claim = claimRecord(n, policy.policyNo);
    const scores = [
      riskScoreRecord(n, { claimNo: claim.claimNo }),
      riskScoreRecord(
        n,
        { customer: { cifNo } },
        { sourceKey: `RS-${n}-CUSTOMER`, stage: 'UNDERWRITING' },
      ),
    ];
    await hub.gql(INGEST_POLICIES, { records: [policy] });
    await hub.gql(INGEST_CLAIMS, { records: [claim] });
    await hub.gql(INGEST_RISK_SCORES, { records: scores });
    await hub.app.services.tiers.drainQueue();
    const decisionId = await recordDecision(hub, id);
    // A call-centre customer merged into this one, so that the merge reaches the customer
    // too; the policy record outranks it, so the golden fields stay this customer's.
    const m = nextNumber();
    const other = await hub.gql(INGEST_CUSTOMERS, {
      records: [
        customerRecord(m, {
          sourceSystem: 'CALL_CENTRE',
          sourceKey: `CC-${m}`,
          identityDocuments: [],
          contactPoints: [],
        }),
      ],
    });
    const merged = await hub.gql(
      `mutation ($survivor: ID!, $absorbed: ID!) {
         mergeCustomers(survivorId: $survivor, absorbedId: $absorbed, reason: "one person") { id } }`,
      { survivor: id, absorbed: other.data!.ingestCustomers.records[0].id },
    );
    roots = ROOTS({
      id,
      vin: policy.vehicle.vin,
      decisionId,
      mergeId: merged.data!.mergeCustomers.id,
    });
    sent = [customer, policy, claim, scores];
  });
  afterAll(() => hub.close());

  it("has a customer whose hidden digits appear nowhere in the customer's other data", () => {
    const others = JSON.stringify(sent).replaceAll(ID, '').replaceAll(MOBILE_NUMBER, '');
    for (const hidden of [REGION, MOBILE.middle]) expect(others).not.toContain(hidden);
  });

  it('knows how to reach the customer through every query that can reach customers', () => {
    const query = schema.getQueryType()!;
    const reaching = Object.values(query.getFields())
      .filter((field) => reaches(getNamedType(field.type), 'Customer'))
      .map((field) => field.name);
    expect(reaching.filter((name) => !(name in roots))).toEqual([]);
  });

  describe.each(ROLES)('%s', (role) => {
    const may = (type: string, field: string) =>
      visibility(accessOf(type, field), role) !== 'denied';
    /** The queries the role may call, of those that reach the customer. */
    const called: string[] = [];
    const read: string[] = [];

    beforeAll(async () => {
      const query = schema.getQueryType()!;
      for (const [name, args] of Object.entries(roots)) {
        const field = query.getFields()[name];
        if (!field) continue;
        const probe = await hub.gql(`{ ${name}${args} { __typename } }`, {}, role);
        if (probe.errors?.[0]?.extensions.code === 'FORBIDDEN') continue;
        called.push(name);
        const named = getNamedType(field.type) as GraphQLObjectType;
        // Asked field by field: all at once would break the limits on a query's size.
        for (const fields of selections(named, role, [named.name])) {
          const res = await hub.gql(`{ ${name}${args} { ${fields} } }`, {}, role);
          expect(res.errors).toBeUndefined();
          read.push(...texts(res.data![name], field.type));
        }
      }
    });

    it('reads the masked values it may read, so that what follows is about them', () => {
      const reached = called.some((name) => name !== 'auditEvents' && name !== 'vehicle');
      expect(read.includes(`**************${ID.slice(-4)}`)).toBe(
        reached && may('IdentityDocument', 'number'),
      );
      expect(read.includes(`${MOBILE.prefix}****${MOBILE.last}`)).toBe(
        reached && may('ContactPoint', 'value'),
      );
    });

    it('reads no full identity number or mobile number', () => {
      const all = read.map(normalized);
      expect(all.filter((text) => text.includes(ID))).toEqual([]);
      expect(all.filter((text) => text.includes(MOBILE_NUMBER))).toEqual([]);
    });

    it("reads none of the ID's region digits, nor the hidden part of the mobile", () => {
      const runs = read.flatMap(digitRuns);
      expect(runs.filter((run) => run.includes(REGION))).toEqual([]);
      expect(runs.filter((run) => run.includes(MOBILE.middle))).toEqual([]);
      // Nor the 14 characters the ID's mask hides, whole.
      expect(read.map(normalized).filter((text) => text.includes(ID.slice(0, 14)))).toEqual([]);
    });

    it('reads the birth date, which the ID mask hides, only if it may read birth dates', () => {
      const reached = called.includes('customer') || called.includes('marketingCustomers');
      const found = read.some((text) => normalized(text).includes(BIRTH));
      expect(found).toBe(reached && may('Customer', 'birthDate'));
    });
  });
});

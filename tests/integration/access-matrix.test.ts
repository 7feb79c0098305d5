import { randomUUID } from 'node:crypto';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import { OPERATIONS, visibility } from '../../src/auth/access';
import { ROLES, Role } from '../../src/auth/roles';
import { readTypeSpecs } from '../../src/read/read-model';
import { ingestPortfolio, insertBranches, nextNumber } from '../setup/factories';
import { accessOf } from '../setup/access';
import { startTestHub, type GraphQLResponse, type TestHub } from '../setup/test-app';

/**
 * The access declarations, checked as a matrix over HTTP. Operations: every query and
 * mutation the code authorizes, for every role, called with arguments made up from the
 * schema's own types. Fields: every field under a declared field rule, for every role that
 * can reach customers, by the shortest path from its root; the first refused field on the
 * path is FORBIDDEN, a masked one comes back masked.
 */

/** A value of `type` that passes GraphQL validation: what the operation does with it varies. */
function sample(type: GraphQLInputType): string {
  if (isNonNullType(type)) return sample(type.ofType);
  if (isListType(type)) return '[]';
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    const required = Object.values(type.getFields()).filter((f) => isNonNullType(f.type));
    return `{ ${required.map((f) => `${f.name}: ${sample(f.type)}`).join(', ')} }`;
  }
  const scalars: Record<string, string> = {
    ID: `"${randomUUID()}"`,
    String: '"X0"',
    Int: '1',
    Boolean: 'false',
    LocalDate: '"2026-01-01"',
    DateTime: '"2026-01-01T00:00:00Z"',
    Decimal: '"1.00"',
    JSONObject: '{}',
  };
  const value = scalars[type.name];
  if (!value) throw new Error(`no sample for scalar ${type.name}`);
  return value;
}

function call(field: GraphQLField<unknown, unknown>, kind: 'query' | 'mutation'): string {
  const required = field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);
  const args = required.length
    ? `(${required.map((a) => `${a.name}: ${sample(a.type)}`).join(', ')})`
    : '';
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  return `${kind} { ${field.name}${args}${selection} }`;
}

interface Step {
  type: string;
  field: string;
  /** The text of the step in a query, with its arguments. */
  text: string;
}

/** The shortest path of fields from `from` to each object type under it (connections by nodes). */
function paths(schema: GraphQLSchema, from: string): Map<string, Step[]> {
  const found = new Map<string, Step[]>([[from, []]]);
  const queue = [from];
  while (queue.length) {
    const name = queue.shift()!;
    const type = schema.getType(name) as GraphQLObjectType;
    for (const field of Object.values(type.getFields())) {
      let named = getNamedType(field.type);
      if (!isObjectType(named)) continue;
      const args = field.args.some((a) => a.name === 'first') ? '(first: 3)' : '';
      let text = `${field.name}${args}`;
      if (named.name.endsWith('Connection') && 'nodes' in named.getFields()) {
        named = getNamedType(named.getFields().nodes!.type) as GraphQLObjectType;
        text = `${text} { nodes`;
      }
      if (found.has(named.name)) continue;
      found.set(named.name, [...found.get(name)!, { type: name, field: field.name, text }]);
      queue.push(named.name);
    }
  }
  return found;
}

describe('the access matrix', () => {
  let hub: TestHub;
  let cif: string;

  const as = async (role: Role, query: string) => {
    const response = await fetch(hub.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${hub.token(role)}` },
      body: JSON.stringify({ query }),
    });
    return (await response.json()) as Omit<GraphQLResponse, 'status'>;
  };

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
    [cif] = await ingestPortfolio(hub, 1, nextNumber() * 10);
    await hub.sql(
      `update customer set marketing_consent = true, consent_at = now() where cif_no = $1`,
      [cif],
    );
    await hub.app.services.tiers.drainQueue();
  });
  afterAll(() => hub.close());

  it('lets each role call exactly the operations OPERATIONS gives it', async () => {
    const schema = hub.app.schema;
    const authorized = getMetadataStorage().authorizedFields;
    const roots = [
      ['query', schema.getQueryType()!],
      ['mutation', schema.getMutationType()!],
    ] as const;
    let checked = 0;
    for (const [kind, root] of roots) {
      for (const field of Object.values(root.getFields())) {
        const rule = authorized.find((f) => f.fieldName === field.name);
        // Every operation is declared in OPERATIONS: none is open by omission.
        expect([field.name, Object.values(OPERATIONS).includes(rule?.roles as never)]).toEqual([
          field.name,
          true,
        ]);
        for (const role of ROLES) {
          const res = await as(role, call(field, kind));
          const refused = (res.errors ?? []).some(
            (e) => e.extensions.code === 'FORBIDDEN' && /may not call/.test(e.message),
          );
          expect([kind, field.name, role, refused]).toEqual([
            kind,
            field.name,
            role,
            !(rule!.roles as string[]).includes(role),
          ]);
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('reads each declared field in full, masked or not at all, as FIELDS says, at any depth', async () => {
    const schema = hub.app.schema;
    const fromCustomer = paths(schema, 'Customer');
    const governed = [...readTypeSpecs().values()].flatMap((spec) =>
      [...spec.fields]
        .filter(([, field]) => field.access)
        .map(([name]) => ({
          type: getMetadataStorage().objectTypes.find((t) => t.target === spec.target)!.name,
          field: name,
        })),
    );
    const entries = governed.filter(({ type }) => fromCustomer.has(type));
    expect(entries.length).toBeGreaterThan(10);
    const reachers = ROLES.filter(
      (role) =>
        (OPERATIONS.customerLookup as readonly Role[]).includes(role) ||
        (OPERATIONS.marketingList as readonly Role[]).includes(role),
    );
    for (const role of reachers) {
      const viaLookup = (OPERATIONS.customerLookup as readonly Role[]).includes(role);
      for (const { type, field } of entries) {
        const steps = fromCustomer.get(type)!;
        const target = (schema.getType(type) as GraphQLObjectType).getFields()[field]!;
        const named = getNamedType(target.type);
        const leaf = isLeafType(named)
          ? field
          : `${field}${target.args.some((a) => a.name === 'first') ? '(first: 3)' : ''} { __typename }`;
        const inner = steps.reduceRight(
          (body, step) => `${step.text} { ${body} }${step.text.endsWith('{ nodes') ? ' }' : ''}`,
          leaf,
        );
        const query = viaLookup
          ? `{ customer(by: { cifNo: "${cif}" }) { ${inner} } }`
          : `{ marketingCustomers(first: 50) { nodes { ${inner} } } }`;
        const refusedAt = [...steps, { type, field, text: field }].find(
          (step) => visibility(accessOf(step.type, step.field), role) === 'denied',
        );
        const res = await as(role, query);
        if (refusedAt) {
          expect([role, type, field, res.errors?.[0]?.extensions]).toEqual([
            role,
            type,
            field,
            expect.objectContaining({
              code: 'FORBIDDEN',
              field: `${refusedAt.type}.${refusedAt.field}`,
            }),
          ]);
          continue;
        }
        expect([role, type, field, res.errors]).toEqual([role, type, field, undefined]);
        if (visibility(accessOf(type, field), role) === 'masked') {
          const values = JSON.stringify(res.data).match(new RegExp(`"${field}":"([^"]*)"`, 'g'));
          expect([role, type, field, values?.every((v) => v.includes('*'))]).toEqual([
            role,
            type,
            field,
            true,
          ]);
        }
      }
    }
  });
});

import { getNamedType, isLeafType, isNonNullType, isObjectType } from 'graphql';
import { Role } from '../../src/auth/roles';
import { insertBranches, insertPortfolio, nextNumber, vin } from '../setup/factories';
import { startTestHub, type TestHub } from '../setup/test-app';

/**
 * Where each type's fields are reached from, as a query with `FIELD` where the field goes:
 * every optional argument is asked with null and left out, and both must answer alike.
 */
const PLACES: Record<string, (v: { cifNo: string; vin: string }) => string> = {
  Query: () => '{ FIELD }',
  Mutation: () => 'mutation { FIELD }',
  Customer: ({ cifNo }) => `{ customer(by: { cifNo: "${cifNo}" }) { FIELD } }`,
  Policy: ({ cifNo }) => `{ customer(by: { cifNo: "${cifNo}" }) { policies { nodes { FIELD } } } }`,
  Claim: ({ cifNo }) => `{ customer(by: { cifNo: "${cifNo}" }) { claims { nodes { FIELD } } } }`,
  Vehicle: ({ vin: v }) => `{ vehicle(vin: "${v}") { FIELD } }`,
  Branch: () => '{ branches(first: 1) { nodes { FIELD } } }',
};

/**
 * What a field needs besides the argument asked with null: the first of these that is not
 * that argument (a vehicle is asked by VIN, or by plate when the VIN is the one asked).
 */
const REQUIRED: Record<string, string[]> = {
  'Query.ruleSetVersions': ['kind: TIER'],
  'Query.tierTransitionSummary': ['since: "2020-01-01"'],
  'Query.validateRuleSetVersion': ['id: "00000000-0000-4000-8000-000000000000"'],
  'Query.vehicle': ['vin: "VIN"', 'plate: "苏B00000"'],
  'Mutation.activateRuleSetVersion': ['id: "00000000-0000-4000-8000-000000000000"'],
};

/** Fields asked of a record that is not there, which refuse the same whatever the argument. */
const ANSWERED_REFUSED: Record<string, string> = {
  'Query.validateRuleSetVersion': 'NOT_FOUND',
  'Mutation.activateRuleSetVersion': 'NOT_FOUND',
};

describe('an optional argument given as null', () => {
  let hub: TestHub;
  let values: { cifNo: string; vin: string };

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
    const n = nextNumber();
    const [cifNo] = await insertPortfolio(hub, 1, n);
    values = { cifNo: cifNo!, vin: vin(n) };
  });
  afterAll(() => hub.close());

  it('answers as the argument left out, for every optional argument of the schema', async () => {
    const asked: string[] = [];
    for (const type of Object.values(hub.app.schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        for (const argument of field.args.filter((a) => !isNonNullType(a.type))) {
          const where = `${type.name}.${field.name}(${argument.name})`;
          const place = PLACES[type.name];
          if (!place) throw new Error(`no place to ask ${where} from: add one to PLACES`);
          const required = REQUIRED[`${type.name}.${field.name}`]
            ?.find((other) => !other.startsWith(`${argument.name}:`))
            ?.replace('VIN', values.vin);
          const query = (...args: (string | undefined)[]) => {
            const given = args.filter(Boolean).join(', ');
            const leaf = isLeafType(getNamedType(field.type));
            return place(values).replace(
              'FIELD',
              `${field.name}${given ? `(${given})` : ''}${leaf ? '' : ' { __typename }'}`,
            );
          };
          const withNull = await hub.gql(query(required, `${argument.name}: null`), {}, Role.ADMIN);
          const without = await hub.gql(query(required), {}, Role.ADMIN);
          // Answered, so that null is asked of a field that runs: not refused for another reason.
          expect([where, without.errors?.[0]?.extensions?.code]).toEqual([
            where,
            ANSWERED_REFUSED[`${type.name}.${field.name}`],
          ]);
          expect([where, withNull]).toEqual([where, without]);
          expect([where, JSON.stringify(withNull)]).not.toEqual([
            where,
            expect.stringContaining('INTERNAL_SERVER_ERROR'),
          ]);
          asked.push(where);
        }
      }
    }
    expect(asked).toEqual(expect.arrayContaining(['Query.auditEvents(filter)']));
  });
});

import { Role } from '../../src/auth/roles';
import { startTestHub, type TestHub } from '../setup/test-app';

/** Every operation with an `ID!` argument naming a row by its uuid, and a role allowed it. */
const BY_ID: [string, string, Role][] = [
  ['eligibilityDecision', '{ eligibilityDecision(id: $id) { __typename } }', Role.FRONTLINE],
  ['validateRuleSetVersion', '{ validateRuleSetVersion(id: $id) { __typename } }', Role.ADMIN],
  ['simulateTierRuleSet', '{ simulateTierRuleSet(id: $id) { __typename } }', Role.ADMIN],
  ['ruleSetActivation', '{ ruleSetActivation(id: $id) { __typename } }', Role.ADMIN],
  [
    'activateRuleSetVersion',
    'mutation { activateRuleSetVersion(id: $id) { __typename } }',
    Role.ADMIN,
  ],
];

describe('ids that are not uuids', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub.close());

  it.each(BY_ID)('%s refuses one as bad input naming the argument', async (_name, op, role) => {
    // The same operation with a variable declared: `mutation { ... }` or `{ ... }`.
    const operation = op.startsWith('mutation')
      ? op.replace('mutation {', 'mutation ($id: ID!) {')
      : `query ($id: ID!) ${op}`;
    for (const id of ['x', '42', "1' or '1'='1", '3f0c0d5e-7a1b-4c2d-9e8f-0123456789a']) {
      const res = await hub.gql(operation, { id }, role);
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0].extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'id',
        rule: 'UUID_FORMAT',
      });
      expect(res.errors![0].message).toMatch(/^id: must be a UUID/);
    }
    expect(hub.logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('refuses one written in the query text too', async () => {
    const res = await hub.gql('{ eligibilityDecision(id: "x") { id } }', {}, Role.FRONTLINE);
    expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
  });

  it('refuses one as the id of a customer lookup or an eligibility request, naming the field', async () => {
    const lookup = 'query ($by: CustomerLookup!) { customer(by: $by) { cifNo } }';
    const byVariable = await hub.gql(lookup, { by: { id: 'x' } }, Role.FRONTLINE);
    const byLiteral = await hub.gql('{ customer(by: { id: "x" }) { cifNo } }', {}, Role.FRONTLINE);
    for (const res of [byVariable, byLiteral]) {
      expect(res.errors![0].extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'by.id',
        rule: 'UUID_FORMAT',
      });
    }
    const decision = await hub.gql(
      `mutation ($input: EligibilityRequest!) { decideEligibility(input: $input) { id } }`,
      {
        input: {
          customerId: 'x',
          service: 'FLASH_CLAIM',
          claim: {
            amount: '100.00',
            singleParty: true,
            injury: false,
            accidentAt: hub.clock.now(),
          },
        },
      },
      Role.FRONTLINE,
    );
    expect(decision.errors![0].extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.customerId',
      rule: 'UUID_FORMAT',
    });
  });

  it('refuses a variable that is not even text, or not a value of its enum, naming it', async () => {
    const notText = await hub.gql(
      'query ($id: ID!) { eligibilityDecision(id: $id) { id } }',
      { id: 4.5 },
      Role.FRONTLINE,
    );
    expect(notText.errors![0].extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'id',
      rule: 'VARIABLE_TYPE',
    });
    const notKind = await hub.gql(
      'query ($kind: RuleSetKind!) { ruleSetVersions(kind: $kind) { totalCount } }',
      { kind: 'POLICY' },
      Role.FRONTLINE,
    );
    expect(notKind.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'kind' });
    expect(hub.logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('still answers a well-formed id that names nothing, in any case', async () => {
    const missing = '3F0C0D5E-7A1B-4C2D-9E8F-0123456789AB';
    const decision = await hub.gql(
      `{ eligibilityDecision(id: "${missing}") { id } }`,
      {},
      Role.FRONTLINE,
    );
    expect(decision.errors).toBeUndefined();
    expect(decision.data!.eligibilityDecision).toBeNull();
    const version = await hub.gql(`{ validateRuleSetVersion(id: "${missing}") { valid } }`);
    expect(version.errors![0].extensions.code).toBe('NOT_FOUND');
  });

  it('answers an id nothing has without quoting it back', async () => {
    // A UUID's last group is twelve digits: a mobile fits in it.
    const id = '00000000-0000-4000-8000-013800138000';
    const refused = await Promise.all(
      [
        [
          Role.FRONTLINE,
          `mutation ($id: ID!) { decideEligibility(input: { customerId: $id, service: "FLASH_CLAIM",
            claim: { amount: "1", singleParty: true, injury: false, accidentAt: "2026-01-01T00:00:00Z" } }) { id } }`,
        ],
        [Role.ADMIN, `mutation ($id: ID!) { activateRuleSetVersion(id: $id) { id } }`],
        [
          Role.STEWARD,
          `mutation ($id: ID!) { unmergeCustomers(mergeId: $id, reason: "x") { id } }`,
        ],
        [Role.STEWARD, `mutation ($id: ID!) { approveMatchReview(id: $id, reason: "x") { id } }`],
        [
          Role.FRONTLINE,
          `mutation ($id: ID!) { reveal(target: { contactPointId: $id }, purpose: CLAIM_CONTACT) { value } }`,
        ],
      ].map(async ([role, query]) => (await hub.gql(query!, { id }, role as Role)).errors![0]!),
    );
    for (const error of refused) {
      expect(error.extensions.code).toBe('NOT_FOUND');
      expect(error.message).not.toMatch(/\d{7}/);
    }
  });
});

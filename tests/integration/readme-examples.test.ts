import fs from 'node:fs';
import path from 'node:path';
import { parse, type OperationDefinitionNode } from 'graphql';
import { Client } from 'pg';
import { Role } from '../../src/auth/roles';
import { parseConfig } from '../../src/config/config';
import { seedDemoData } from '../../seeds/demo-data';
import { startTestHub, TEST_SECRETS, type TestHub } from '../setup/test-app';
import { PiiCipher } from '../../src/modules/customer/pii-cipher';
import { readmeExamples } from '../../console/readme-examples';

/**
 * The README's examples, as a new user runs them on a fresh `npm start`: the demo data as
 * it seeds them (as many customers, today), then every ```graphql block in the order the
 * README gives it, each with the variables the README states for it. An example answers
 * when it has no errors and every root field holds data: not null, and a list or connection
 * with at least one item, unless the README says it starts empty.
 */

const README = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');

interface Example {
  name: string;
  query: string;
  /** What the README states as the variables: a ```json block right after, or "with variables `{...}`". */
  variables?: Record<string, unknown>;
  mutation: boolean;
}

function examples(): Example[] {
  return readmeExamples(README).map(({ query, variables }) => {
    const [operation] = parse(query).definitions as OperationDefinitionNode[];
    return {
      name: operation.name!.value,
      query,
      variables: variables === undefined ? undefined : JSON.parse(variables),
      mutation: operation.operation === 'mutation',
    };
  });
}

/** The role each example is written for; the rest are administrators' (admin may do all). */
const ROLE_OF: Record<string, Role> = {
  LoadBranches: Role.INGEST,
  Organisation: Role.FRONTLINE,
  FrontLineProfile: Role.FRONTLINE,
  RevealMobile: Role.FRONTLINE,
  UnderwritingHistory: Role.UNDERWRITING,
  RenewalCampaign: Role.MARKETING,
  IngestCustomers: Role.INGEST,
  FrontLineTier: Role.FRONTLINE,
  DocumentFreeClaim: Role.FRONTLINE,
  TierAudit: Role.UNDERWRITING,
  TierSegments: Role.MARKETING,
  GoldRenewals: Role.MARKETING,
  MovedDownFromGold: Role.MARKETING,
};

/** Root fields the README says are empty on a fresh demo: nobody's tier has moved yet. */
const EMPTY_ON_A_FRESH_DEMO = new Set([
  'TierSegments.movesSinceJuly',
  'MovedDownFromGold.marketingCustomers',
]);

type Answers = Record<string, Record<string, any>>;

/**
 * Variables the README cannot state, because they come from an earlier example's answer:
 * the customer's id, the document to edit, the draft and the job.
 */
const CHAINED: Record<string, (answers: Answers) => Record<string, unknown>> = {
  DocumentFreeClaim: (a) => ({ customerId: a.FrontLineTier?.customer.id }),
  RevealMobile: (a) => ({
    contactPointId: a.FrontLineProfile?.customer.contactPoints.find(
      (c: { kind: string }) => c.kind === 'MOBILE',
    )?.id,
  }),
  DraftTierRuleSet: (a) => {
    if (!a.ActiveTierRuleSet) return { document: undefined };
    // "Edit the document, e.g. set the first HIGH value rule to premium12m >= 6000".
    const document = structuredClone(a.ActiveTierRuleSet.ruleSetVersions.nodes[0].document);
    const high = document.valueClasses.find((c: { code: string }) => c.code === 'HIGH');
    high.when[0].all[0] = { metric: 'premium12m', op: '>=', value: 6000 };
    return { document };
  },
  ValidateDraft: (a) => ({ id: a.DraftTierRuleSet?.createRuleSetDraft.id }),
  SimulateDraft: (a) => ({ id: a.DraftTierRuleSet?.createRuleSetDraft.id }),
  ActivateDraft: (a) => ({ id: a.DraftTierRuleSet?.createRuleSetDraft.id }),
  Activation: (a) => ({ id: a.ActivateDraft?.activateRuleSetVersion.id }),
};

describe('the README examples, on the demo data of a fresh start', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub({ headOffice: false });
    const client = new Client({ connectionString: hub.databaseUrl });
    await client.connect();
    try {
      await seedDemoData(client, {
        // What `npm start` seeds without configuration.
        customers: parseConfig({}).demoCustomers,
        piiHashKey: TEST_SECRETS.piiHashKey,
        cipher: new PiiCipher(TEST_SECRETS.piiEncryptionKeys, TEST_SECRETS.piiEncryptionKeyId),
        today: hub.clock.today(),
        timeZone: hub.clock.zone,
      });
    } finally {
      await client.end();
    }
    await hub.app.services.tiers.recomputeAll();
  }, 180_000);
  afterAll(() => hub.close());

  it('finds the examples and the variables the README gives them', () => {
    const all = examples();
    expect(all.length).toBeGreaterThanOrEqual(20);
    const names = all.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    for (const example of all) {
      const [operation] = parse(example.query).definitions as OperationDefinitionNode[];
      const required = (operation.variableDefinitions ?? [])
        .filter((v) => v.type.kind === 'NonNullType')
        .map((v) => v.variable.name.value);
      const given = Object.keys({ ...example.variables, ...CHAINED[example.name]?.({}) });
      // Every required variable comes from the README or from an earlier answer.
      expect([example.name, required.filter((v) => !given.includes(v))]).toEqual([
        example.name,
        [],
      ]);
    }
  });

  it('answers every example with data, in the order the README gives them', async () => {
    const answers: Answers = {};
    const problems: string[] = [];

    // The curl example of "Example queries".
    const curl = /-d '(\{"query".*?\})'/.exec(README);
    const request = JSON.parse(curl![1]) as { query: string; variables: Record<string, unknown> };
    const first = await hub.gql(request.query, request.variables, Role.FRONTLINE);
    if (first.errors || !first.data?.customer) problems.push(`curl: ${JSON.stringify(first)}`);

    for (const example of examples()) {
      const variables = {
        ...example.variables,
        ...(CHAINED[example.name] ? CHAINED[example.name](answers) : {}),
      };
      const res = await hub.gql(example.query, variables, ROLE_OF[example.name] ?? Role.ADMIN);
      if (res.errors) {
        problems.push(`${example.name}: ${JSON.stringify(res.errors)}`);
        continue;
      }
      answers[example.name] = res.data!;
      for (const [field, value] of Object.entries(res.data!)) {
        const where = `${example.name}.${field}`;
        if (value === null) problems.push(`${where} is null`);
        if (EMPTY_ON_A_FRESH_DEMO.has(where)) continue;
        if (Array.isArray(value) && value.length === 0) problems.push(`${where} is empty`);
        if (value?.totalCount === 0) problems.push(`${where} has no items`);
      }
      if (example.name === 'ActivateDraft') await hub.app.services.activations.idle();
    }
    expect(problems).toEqual([]);
    expect(Object.keys(answers)).toEqual(examples().map((e) => e.name));

    // What the examples say they do, they did.
    expect(answers.LoadBranches.ingestBranches).toMatchObject({ accepted: 1, rejected: 0 });
    expect(answers.IngestCustomers.ingestCustomers).toMatchObject({ accepted: 1, rejected: 0 });
    expect(answers.CloseBranch.closeBranch).toMatchObject({ status: 'CLOSED' });
    expect(answers.DraftTierRuleSet.createRuleSetDraft.valid).toBe(true);
    expect(answers.Activation.ruleSetActivation.state).toBe('SUCCEEDED');
  }, 180_000);

  it('exports the segment of the README export example', async () => {
    const filter = /--data-urlencode 'filter=(\{.*?\})'/.exec(README)![1];
    const url = `${hub.url.replace('/graphql', '/export/customers')}?${new URLSearchParams({ format: 'ndjson', filter })}`;
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${hub.token(Role.MARKETING)}` },
    });
    expect(response.status).toBe(200);
    const lines = (await response.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(1);
    expect(lines[lines.length - 1]).toEqual({ end: true, exported: lines.length - 1 });
  });
});

import { Role } from '../../src/auth/roles';
import { DEFAULT_TIER_RULE_SET } from '../../src/modules/tier/rule-set/default-rule-set';
import { startTestHub, type TestHub } from '../setup/test-app';

const DRAFT = `mutation ($input: RuleSetDraftInput!) {
  createRuleSetDraft(input: $input) { id version valid } }`;

describe('rule set drafts created at the same time', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub.close());

  it('all succeed, numbered one after another', async () => {
    const [{ latest }] = await hub.sql<{ latest: number }>(
      `select max(version) as latest from rule_set_version where kind = 'TIER'`,
    );
    const drafts = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        hub.gql(
          DRAFT,
          { input: { kind: 'TIER', document: DEFAULT_TIER_RULE_SET, note: `Draft ${i}` } },
          Role.ADMIN,
        ),
      ),
    );
    expect(drafts.map((d) => d.errors)).toEqual(drafts.map(() => undefined));
    const numbers = drafts.map((d) => d.data!.createRuleSetDraft.version as number);
    expect(numbers.sort((a, b) => a - b)).toEqual(
      Array.from({ length: 8 }, (_, i) => latest + 1 + i),
    );
    expect(hub.logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('numbers each kind on its own', async () => {
    const [tier, entitlement] = await Promise.all(
      (['TIER', 'ENTITLEMENT'] as const).map((kind) =>
        hub.gql(DRAFT, { input: { kind, document: {}, note: 'Both at once' } }, Role.ADMIN),
      ),
    );
    const versions = await hub.sql<{ kind: string; latest: number }>(
      'select kind, max(version) as latest from rule_set_version group by kind order by kind',
    );
    expect(versions).toEqual([
      { kind: 'ENTITLEMENT', latest: entitlement.data!.createRuleSetDraft.version },
      { kind: 'TIER', latest: tier.data!.createRuleSetDraft.version },
    ]);
  });
});

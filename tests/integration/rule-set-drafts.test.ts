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

describe('a rule set draft’s note', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub.close());

  const draft = (note: string) =>
    hub.gql(DRAFT, { input: { kind: 'TIER', document: {}, note } }, Role.ADMIN);
  const saved = async (id: string) =>
    (await hub.sql<{ note: string }>(`select note from rule_set_version where id = $1`, [id]))[0]!
      .note;

  it('is kept for good as a steward’s reason is: set out on lines, masked, never blank or escaped', async () => {
    const lines = await draft('  Raise GOLD to 8,000 CNY.\r\nAsked by 13800138000.\n');
    expect(lines.errors).toBeUndefined();
    expect(await saved(lines.data!.createRuleSetDraft.id)).toBe(
      'Raise GOLD to 8,000 CNY.\r\nAsked by [digits].',
    );
    for (const [note, rule] of [
      [' \u200b ', 'REQUIRED'],
      ['Raise GOLD\u001b[2J', 'CONTROL_CHARACTER'],
      ['Raise GOLD\rLower GOLD', 'CONTROL_CHARACTER'],
      ['Raise \u202eDLOG', 'CONTROL_CHARACTER'],
      ['x'.repeat(1001), 'MAX_LENGTH'],
    ] as const) {
      const refused = await draft(note);
      expect(refused.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.note',
        rule,
      });
    }
  });
});

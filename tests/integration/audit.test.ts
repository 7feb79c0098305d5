import { Role } from '../../src/auth/roles';
import { DEFAULT_ENTITLEMENT_RULE_SET } from '../../src/modules/entitlement/rule-set/default-rule-set';
import { addDays } from '../../src/time/clock';
import { activateAndWait } from '../setup/activation';
import {
  customerRecord,
  INGEST_CUSTOMERS,
  insertBranches,
  nextNumber,
  nextNumbers,
} from '../setup/factories';
import { startTestHub, type TestHub } from '../setup/test-app';

const EVENTS = `query ($filter: AuditEventFilter) { auditEvents(filter: $filter, first: 50) {
  totalCount nodes { id occurredAt action actorSubject actorRole actorBranch requestId
    targetType targetId purpose details } } }`;

describe('the audit log', () => {
  let hub: TestHub;

  const post = async (role: Role, query: string, variables: Record<string, unknown> = {}) => {
    const response = await fetch(hub.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${hub.token(role)}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: any; errors?: any[] };
    return { requestId: response.headers.get('x-request-id')!, ...body };
  };
  const events = async (filter: Record<string, unknown>) => {
    const res = await hub.gql(EVENTS, { filter }, Role.ADMIN);
    expect(res.errors).toBeUndefined();
    return res.data!.auditEvents.nodes as Record<string, any>[];
  };

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
  });
  afterAll(() => hub.close());

  it('refuses UPDATE, DELETE and TRUNCATE, even to the connection that owns the table', async () => {
    const n = nextNumber();
    await post(Role.INGEST, INGEST_CUSTOMERS, { records: [customerRecord(n)] });
    const [{ count }] = await hub.sql<{ count: number }>(
      'select count(*)::int as count from audit_event',
    );
    expect(count).toBeGreaterThan(0);
    for (const statement of [
      `update audit_event set actor_subject = 'someone else'`,
      'delete from audit_event',
      'truncate audit_event',
    ]) {
      await expect(hub.sql(statement)).rejects.toThrow(/append-only/);
    }
    const [{ after }] = await hub.sql<{ after: number }>(
      'select count(*)::int as after from audit_event',
    );
    expect(after).toBe(count);
  });

  it('records an ingestion batch with its caller, request and counts, and no personal data', async () => {
    const n = nextNumbers(2);
    const good = customerRecord(n);
    const res = await post(Role.INGEST, INGEST_CUSTOMERS, {
      records: [good, { ...customerRecord(n + 1), name: '' }],
    });
    const [entry] = await events({ requestId: res.requestId });
    expect(entry).toMatchObject({
      action: 'INGESTION_BATCH',
      actorSubject: 'test-ingest',
      actorRole: 'ingest',
      actorBranch: '0000',
      requestId: res.requestId,
      targetType: 'customer',
      details: { records: 2, CREATED: 1, REJECTED: 1 },
    });
    const raw = JSON.stringify(entry);
    expect(raw).not.toContain(good.identityDocuments[0].number);
    expect(raw).not.toContain(good.contactPoints[0].value);
  });

  it('records an activation when it is requested, and why in its draft’s words', async () => {
    const note = 'Advance payment for BLUE, asked by claims';
    const drafted = await hub.gql(
      `mutation ($input: RuleSetDraftInput!) { createRuleSetDraft(input: $input) { id } }`,
      { input: { kind: 'ENTITLEMENT', document: DEFAULT_ENTITLEMENT_RULE_SET, note } },
    );
    const id = drafted.data!.createRuleSetDraft.id;
    const { job } = await activateAndWait(hub, id);
    const [entry] = await events({ actions: ['RULE_SET_ACTIVATION'], targetId: id });
    expect(entry).toMatchObject({
      actorRole: 'admin',
      targetType: 'RuleSetVersion',
      purpose: note,
      details: { activation: job.id },
    });
  });

  it('records a segment export with its filter and size, and no personal value typed into the filter', async () => {
    const yesterday = addDays(hub.clock.today(), -1);
    const filter = JSON.stringify({
      tiers: ['GOLD'],
      tierAsOf: yesterday,
      branchCode: '3201',
    });
    const url = `${hub.url.replace('/graphql', '/export/customers')}?${new URLSearchParams({ format: 'csv', filter })}`;
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${hub.token(Role.MARKETING, '3200')}` },
    });
    expect(response.status).toBe(200);
    await response.text();
    const [entry] = await events({ actions: ['SEGMENT_EXPORT'], actorSubject: 'test-marketing' });
    expect(entry).toMatchObject({
      actorBranch: '3200',
      requestId: response.headers.get('x-request-id'),
      details: {
        format: 'csv',
        filter: {
          tiers: ['GOLD'],
          // A date's digits read as a number someone typed: masked as well.
          tierAsOf: '[masked]',
          branchCode: '3201',
        },
        customers: Number(response.headers.get('x-total-count')),
      },
    });
  });

  it('records a change to the trusted documents', async () => {
    const res = await post(
      Role.ADMIN,
      `mutation ($input: TrustedDocumentInput!) { registerTrustedDocument(input: $input) {
        outcome trustedDocument { hash } } }`,
      { input: { document: `query AuditProbe${nextNumber()} { __typename }` } },
    );
    const { hash } = res.data!.registerTrustedDocument.trustedDocument;
    const [entry] = await events({ actions: ['TRUSTED_DOCUMENT_CHANGE'], targetId: hash });
    expect(entry).toMatchObject({
      actorRole: 'admin',
      requestId: res.requestId,
      targetType: 'TrustedDocument',
      details: { outcome: 'CREATED' },
    });
  });

  it('is read by administrators only, filtered and newest first', async () => {
    for (const role of [
      Role.FRONTLINE,
      Role.UNDERWRITING,
      Role.MARKETING,
      Role.STEWARD,
      Role.INGEST,
    ]) {
      const res = await post(role, EVENTS);
      expect(res.errors![0].extensions.code).toBe('FORBIDDEN');
    }
    // Batches of its own, a moment apart: the file's other tests run in any order.
    const sent: string[] = [];
    const first = nextNumbers(2);
    for (const n of [first, first + 1]) {
      sent.push(
        (await post(Role.INGEST, INGEST_CUSTOMERS, { records: [customerRecord(n)] })).requestId,
      );
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const all = await events({ actions: ['INGESTION_BATCH'] });
    const times = all.map((e) => Date.parse(e.occurredAt));
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expect(all.every((e) => e.action === 'INGESTION_BATCH')).toBe(true);
    const ours = all.map((e) => e.requestId).filter((id) => sent.includes(id));
    expect(ours).toEqual([...sent].reverse());
    expect(await events({ actorSubject: 'nobody-at-all' })).toEqual([]);
  });
});

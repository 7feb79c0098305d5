import { Role } from '../../src/auth/roles';
import { signToken } from '../../src/auth/tokens';
import { ingestPortfolio, insertBranches, residentId } from '../setup/factories';
import { startTestHub, TEST_SECRETS, type TestHub } from '../setup/test-app';

const post = (hub: TestHub, body: unknown, headers: Record<string, string> = {}) =>
  fetch(hub.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('callers and roles', () => {
  let hub: TestHub;
  let cifs: string[];

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
    cifs = await ingestPortfolio(hub, 4);
  });
  afterAll(() => hub.close());

  it('answers 401 UNAUTHENTICATED without a token, with a forged one and with an expired one', async () => {
    const query = { query: `{ customer(by: { cifNo: "${cifs[0]}" }) { cifNo } }` };
    const forged = signToken(
      'another-secret-that-is-long-enough-0123456789',
      { subject: 'x', role: Role.ADMIN, branchCode: '0000' },
      3600,
    );
    const expired = signToken(
      TEST_SECRETS.jwtSecret,
      { subject: 'x', role: Role.ADMIN, branchCode: '0000' },
      -120,
    );
    for (const headers of [
      {} as Record<string, string>,
      { authorization: `Bearer ${forged}` },
      { authorization: `Bearer ${expired}` },
      { authorization: 'Basic abc' },
    ]) {
      const response = await post(hub, query, headers);
      expect(response.status).toBe(401);
      const body = (await response.json()) as {
        data?: unknown;
        errors: { extensions: { code: string } }[];
      };
      expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(body.data).toBeUndefined();
    }
  });

  it('refuses marketing the front-line lookup, and the front line the marketing list', async () => {
    const lookup = await hub.gql(
      `{ customer(by: { cifNo: "${cifs[0]}" }) { cifNo } }`,
      {},
      Role.MARKETING,
    );
    expect(lookup.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', role: 'marketing' });
    expect(lookup.data!.customer).toBeNull();
    const list = await hub.gql('{ marketingCustomers { totalCount } }', {}, Role.FRONTLINE);
    expect(list.errors![0].extensions.code).toBe('FORBIDDEN');
  });

  it('refuses marketing identity numbers and birth dates, wherever in the query they are asked for', async () => {
    for (const field of [
      'identityDocuments { number }',
      'birthDate',
      'policies { nodes { parties { customer { identityDocuments { number } } } } }',
    ]) {
      const res = await hub.gql(
        `{ marketingCustomers { nodes { cifNo ${field} } } }`,
        {},
        Role.MARKETING,
      );
      expect(res.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', role: 'marketing' });
      expect(res.data).toBeNull();
    }
  });

  it('shows marketing only consenting customers, with masked contacts', async () => {
    const res = await hub.gql(
      '{ marketingCustomers { totalCount nodes { cifNo marketingConsent birthYear contactPoints { kind value } } } }',
      {},
      Role.MARKETING,
    );
    expect(res.errors).toBeUndefined();
    const { totalCount, nodes } = res.data!.marketingCustomers;
    // The factory gives consent to even-numbered customers only.
    expect(totalCount).toBe(2);
    expect(nodes.map((n: { cifNo: string }) => n.cifNo)).toEqual([cifs[1], cifs[3]]);
    expect(nodes[0]).toMatchObject({ marketingConsent: true, birthYear: 1985 });
    expect(nodes[0].contactPoints).toEqual([
      { kind: 'EMAIL', value: 'c***@example.cn' },
      { kind: 'MOBILE', value: '139****0002' },
    ]);
    const withoutConsent = await hub.gql(
      '{ marketingCustomers(filter: { consentGiven: false }) { totalCount } }',
      {},
      Role.MARKETING,
    );
    expect(withoutConsent.errors![0].extensions).toMatchObject({
      code: 'FORBIDDEN',
      field: 'filter.consentGiven',
    });
  });

  it('shows data stewards masked numbers and the source records, and the front line no source records', async () => {
    const query = `{ customer(by: { cifNo: "${cifs[0]}" }) { identityDocuments { number } contactPoints { value } sourceRecords { sourceKey } } }`;
    const steward = await hub.gql(query, {}, Role.STEWARD);
    // Whole values only through reveal, for a purpose.
    expect(steward.data!.customer.identityDocuments[0].number).toBe(
      `**************${residentId(1).slice(-4)}`,
    );
    expect(steward.data!.customer.contactPoints.map((c: { value: string }) => c.value)).toEqual([
      'c***@example.cn',
      '139****0001',
    ]);
    expect(steward.data!.customer.sourceRecords).toEqual([{ sourceKey: 'PA-1' }]);
    const frontline = await hub.gql(query, {}, Role.FRONTLINE);
    expect(frontline.errors![0].extensions).toMatchObject({
      code: 'FORBIDDEN',
      field: 'Customer.sourceRecords',
    });
  });

  it('masks unexpected failures behind a correlation id: no SQL, no stack', async () => {
    await hub.sql('alter table risk_score rename to risk_score_gone');
    try {
      const requestId = 'req-correlation';
      const response = await post(
        hub,
        { query: `{ customer(by: { cifNo: "${cifs[0]}" }) { latestRiskScores { level } } }` },
        { authorization: `Bearer ${hub.token(Role.FRONTLINE)}`, 'x-request-id': requestId },
      );
      const res = (await response.json()) as { errors?: any[] };
      const [error] = res.errors!;
      expect(error.extensions.code).toBe('INTERNAL_SERVER_ERROR');
      expect(error.extensions.correlationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(error.message).toBe(
        `Internal server error (correlation id ${error.extensions.correlationId})`,
      );
      expect(JSON.stringify(res)).not.toMatch(/risk_score|select|stacktrace/i);
      const logged = hub.logs.find(
        (l) => l.fields?.correlationId === error.extensions.correlationId,
      );
      expect(JSON.stringify(logged)).toMatch(/relation \\"risk_score\\" does not exist/);
      // The error's line joins the request's own by its id.
      expect(logged!.fields!.requestId).toBe(requestId);
      expect(
        hub.logs.find((l) => l.message === 'request' && l.fields?.requestId === requestId),
      ).toBeDefined();
    } finally {
      await hub.sql('alter table risk_score_gone rename to risk_score');
    }
  });

  it('answers malformed GraphQL with BAD_USER_INPUT', async () => {
    const res = await hub.gql('{ customer(by: { cifNo: 1 }) { nope } }', {}, Role.FRONTLINE);
    expect(res.status).toBe(400);
    expect(res.errors!.every((e) => e.extensions.code === 'BAD_USER_INPUT')).toBe(true);
  });
});

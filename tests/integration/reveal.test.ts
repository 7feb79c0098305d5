import { Role } from '../../src/auth/roles';
import {
  autoPolicyRecord,
  cifNumbers,
  claimRecord,
  customerRecord,
  INGEST_CLAIMS,
  INGEST_CUSTOMERS,
  INGEST_POLICIES,
  insertBranches,
  nextNumber,
} from '../setup/factories';
import { startTestHub, type GraphQLResponse, type TestHub } from '../setup/test-app';

const REVEAL = `mutation ($purpose: RevealPurpose!, $target: RevealTarget!) {
  reveal(purpose: $purpose, target: $target) { id value purpose auditEventId } }`;

describe('revealing a personal value, for a purpose', () => {
  let hub: TestHub;
  let record: ReturnType<typeof customerRecord>;
  let documentId: string;
  let mobileId: string;
  let n: number;
  let cif: string;

  const as = async (role: Role, branch: string, variables: Record<string, unknown>) => {
    const response = await fetch(hub.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${hub.token(role, branch)}`,
      },
      body: JSON.stringify({ query: REVEAL, variables }),
    });
    return (await response.json()) as Omit<GraphQLResponse, 'status'>;
  };
  const reveals = async () =>
    (
      await hub.sql<{ n: number }>(
        `select count(*)::int as n from audit_event where action = 'PII_REVEAL'`,
      )
    )[0].n;

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
    n = nextNumber();
    record = customerRecord(n, { branchCode: '3201' });
    const ingested = await hub.gql(INGEST_CUSTOMERS, { records: [record] });
    [cif] = (await cifNumbers(hub, [ingested.data!.ingestCustomers.records[0].id])) as [string];
    const profile = await hub.gql(
      `{ customer(by: { cifNo: "${cif}" }) { identityDocuments { id number } contactPoints { id kind value } } }`,
      {},
      Role.STEWARD,
    );
    documentId = profile.data!.customer.identityDocuments[0].id;
    mobileId = profile.data!.customer.contactPoints.find(
      (c: { kind: string }) => c.kind === 'MOBILE',
    ).id;
    // Read without a reveal, everyone gets the mask.
    expect(profile.data!.customer.identityDocuments[0].number).not.toBe(
      record.identityDocuments[0].number,
    );
  });
  afterAll(() => hub.close());

  it('gives the value for a purpose the role may state, and audits who, why and what', async () => {
    const before = await reveals();
    const claimContact = () =>
      as(Role.FRONTLINE, '3201', {
        purpose: 'CLAIM_CONTACT',
        target: { contactPointId: mobileId },
      });
    // A claim contact is about a claim: of a customer with none, it is refused.
    const refused = await claimContact();
    expect(refused.errors![0].extensions).toMatchObject({
      code: 'FORBIDDEN',
      field: 'purpose',
      rule: 'PURPOSE_NOT_MET',
    });
    expect(await reveals()).toBe(before);
    const policy = autoPolicyRecord(n, cif);
    await hub.gql(INGEST_POLICIES, { records: [policy] });
    await hub.gql(INGEST_CLAIMS, { records: [claimRecord(n, policy.policyNo)] });
    const mobile = await claimContact();
    expect(mobile.errors).toBeUndefined();
    expect(mobile.data!.reveal).toMatchObject({
      id: mobileId,
      value: record.contactPoints[0].value,
      purpose: 'CLAIM_CONTACT',
    });
    const number = await as(Role.STEWARD, '3200', {
      purpose: 'DATA_CORRECTION',
      target: { identityDocumentId: documentId },
    });
    expect(number.data!.reveal.value).toBe(record.identityDocuments[0].number);
    expect(await reveals()).toBe(before + 2);
    const [entry] = await hub.sql(
      `select actor_subject, actor_role, actor_branch, target_type, target_id, purpose, details
       from audit_event where id = $1`,
      [mobile.data!.reveal.auditEventId],
    );
    expect(entry).toMatchObject({
      actor_subject: 'test-frontline',
      actor_role: 'frontline',
      actor_branch: '3201',
      target_type: 'ContactPoint',
      target_id: mobileId,
      purpose: 'CLAIM_CONTACT',
    });
    expect(JSON.stringify(entry)).not.toContain(record.contactPoints[0].value);
    // The log names the entry by the id the reveal gave, a string as every ID is.
    const logged = await hub.gql(
      `query ($id: String!) { auditEvents(filter: { targetId: $id }) { nodes { id purpose } } }`,
      { id: mobileId },
      Role.ADMIN,
    );
    expect(logged.data!.auditEvents.nodes).toContainEqual({
      id: mobile.data!.reveal.auditEventId,
      purpose: 'CLAIM_CONTACT',
    });
  });

  it.each([
    [Role.MARKETING, 'CLAIM_CONTACT', 'contactPointId', 'FORBIDDEN'],
    [Role.ADMIN, 'DATA_CORRECTION', 'identityDocumentId', 'FORBIDDEN'],
    [Role.FRONTLINE, 'DATA_CORRECTION', 'identityDocumentId', 'FORBIDDEN'],
    [Role.FRONTLINE, 'CLAIM_CONTACT', 'identityDocumentId', 'FORBIDDEN'],
    [Role.UNDERWRITING, 'CLAIM_CONTACT', 'contactPointId', 'FORBIDDEN'],
  ])('refuses %s revealing for %s (%s) and audits nothing', async (role, purpose, key, code) => {
    const before = await reveals();
    const target = { [key]: key === 'contactPointId' ? mobileId : documentId };
    const res = await as(role, '0000', { purpose, target });
    expect(res.errors![0].extensions.code).toBe(code);
    expect(res.data).toBeNull();
    expect(await reveals()).toBe(before);
  });

  it('answers for a record outside the branch as for one that does not exist', async () => {
    const outside = await as(Role.FRONTLINE, '3301', {
      purpose: 'CLAIM_CONTACT',
      target: { contactPointId: mobileId },
    });
    const missing = await as(Role.FRONTLINE, '3301', {
      purpose: 'CLAIM_CONTACT',
      target: { contactPointId: '00000000-0000-4000-8000-000000000000' },
    });
    for (const refused of [outside, missing]) {
      expect(refused.errors![0].extensions).toEqual({
        code: 'NOT_FOUND',
        field: 'target.contactPointId',
      });
    }
    expect(outside.errors![0].message.replace(mobileId, 'ID')).toBe(
      missing.errors![0].message.replace('00000000-0000-4000-8000-000000000000', 'ID'),
    );
  });

  it('counts for a claim contact only a claim the caller sees', async () => {
    // A third party's claim on another branch's policy: the claimant is the caller's
    // customer, the claim is not one the caller handles.
    const m = nextNumber();
    const claimant = customerRecord(m, { branchCode: '3201' });
    const holder = customerRecord(nextNumber(), { branchCode: '3301' });
    const ingested = await hub.gql(INGEST_CUSTOMERS, { records: [claimant, holder] });
    const [claimantCif, holderCif] = (await cifNumbers(
      hub,
      ingested.data!.ingestCustomers.records.map((r: { id: string }) => r.id),
    )) as [string, string];
    const policy = autoPolicyRecord(m, holderCif, { branchCode: '3301' });
    await hub.gql(INGEST_POLICIES, { records: [policy] });
    const claim = claimRecord(m, policy.policyNo, { claimant: { cifNo: claimantCif } });
    const claimed = await hub.gql(INGEST_CLAIMS, { records: [claim] });
    expect(claimed.data!.ingestClaims.records[0].status).toBe('CREATED');
    const profile = await hub.gql(
      `{ customer(by: { cifNo: "${claimantCif}" }) { contactPoints { id kind } } }`,
      {},
      Role.STEWARD,
    );
    const contactPointId = profile.data!.customer.contactPoints.find(
      (c: { kind: string }) => c.kind === 'MOBILE',
    ).id;
    const reveal = (branch: string) =>
      as(Role.FRONTLINE, branch, { purpose: 'CLAIM_CONTACT', target: { contactPointId } });
    expect((await reveal('3201')).errors![0].extensions).toMatchObject({
      code: 'FORBIDDEN',
      rule: 'PURPOSE_NOT_MET',
    });
    // The head office sees the claim, and may call about it.
    expect((await reveal('0000')).data!.reveal.value).toBe(claimant.contactPoints[0].value);
  });

  it('names one target, by a well-formed id', async () => {
    const both = await as(Role.STEWARD, '0000', {
      purpose: 'DATA_CORRECTION',
      target: { contactPointId: mobileId, identityDocumentId: documentId },
    });
    expect(both.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'EXACTLY_ONE',
    });
    const malformed = await as(Role.STEWARD, '0000', {
      purpose: 'DATA_CORRECTION',
      target: { contactPointId: 'not-a-uuid' },
    });
    expect(malformed.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'target.contactPointId',
    });
  });
});

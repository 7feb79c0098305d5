import { Role } from '../../src/auth/roles';
import {
  autoPolicyRecord,
  claimRecord,
  customerRecord,
  INGEST_CLAIMS,
  INGEST_CUSTOMERS,
  INGEST_POLICIES,
  INGEST_RISK_SCORES,
  insertBranches,
  residentId,
  riskScoreRecord,
  vin,
} from '../setup/factories';
import { startTestHub, type TestHub } from '../setup/test-app';

const counts = (hub: TestHub) =>
  hub.sql(`select
    (select count(*) from customer)::int as customers,
    (select count(*) from identity_document)::int as documents,
    (select count(*) from contact_point)::int as contacts,
    (select count(*) from source_record)::int as sources,
    (select count(*) from policy)::int as policies,
    (select count(*) from policy_party)::int as parties,
    (select count(*) from vehicle)::int as vehicles,
    (select count(*) from claim)::int as claims,
    (select count(*) from risk_score)::int as scores,
    (select max(updated_at) from customer) as last_customer_update,
    (select max(updated_at) from policy) as last_policy_update`);

describe('ingestion from source systems', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
  });
  afterAll(() => hub.close());

  it('changes nothing when the same batches are sent twice', async () => {
    const customers = [customerRecord(1), customerRecord(2)];
    const first = await hub.gql(INGEST_CUSTOMERS, { records: customers });
    expect(first.data!.ingestCustomers.records.map((r: { status: string }) => r.status)).toEqual([
      'CREATED',
      'CREATED',
    ]);
    const [{ cif_no: cif1 }] = await hub.sql(`select cif_no from customer where id = $1`, [
      first.data!.ingestCustomers.records[0].id,
    ]);
    const batches: [string, unknown[]][] = [
      [INGEST_POLICIES, [autoPolicyRecord(1, cif1)]],
      [INGEST_CLAIMS, [claimRecord(1, autoPolicyRecord(1, cif1).policyNo)]],
      [
        INGEST_RISK_SCORES,
        [
          riskScoreRecord(1, { claimNo: claimRecord(1, '').claimNo }),
          riskScoreRecord(2, { vin: vin(1) }),
        ],
      ],
    ];
    for (const [mutation, records] of batches) {
      const res = await hub.gql(mutation, { records });
      expect(Object.values(res.data!)[0]).toMatchObject({ accepted: records.length, rejected: 0 });
    }
    const before = await counts(hub);

    const again = await hub.gql(INGEST_CUSTOMERS, { records: customers });
    expect(again.data!.ingestCustomers.records.map((r: { status: string }) => r.status)).toEqual([
      'UNCHANGED',
      'UNCHANGED',
    ]);
    for (const [mutation, records] of batches) {
      const res = await hub.gql(mutation, { records });
      const result = Object.values(res.data!)[0] as { records: { status: string }[] };
      expect(result.records.every((r) => r.status === 'UNCHANGED')).toBe(true);
    }
    expect(await counts(hub)).toEqual(before);
    expect(before[0]).toMatchObject({
      customers: 2,
      documents: 2,
      contacts: 4,
      sources: 2,
      policies: 1,
      parties: 2,
      vehicles: 1,
      claims: 1,
      scores: 2,
    });
  });

  it('links a second source record with the same identity document to the same customer', async () => {
    const res = await hub.gql(INGEST_CUSTOMERS, {
      records: [
        customerRecord(1, {
          sourceSystem: 'CALL_CENTRE',
          sourceKey: '95510-77',
          contactPoints: [],
        }),
      ],
    });
    const [outcome] = res.data!.ingestCustomers.records;
    expect(outcome.status).toBe('UPDATED');
    const rows = await hub.sql(
      `select c.cif_no, count(s.*)::int as sources from customer c join source_record s on s.customer_id = c.id
       where c.id = $1 group by c.cif_no`,
      [outcome.id],
    );
    expect(rows).toEqual([{ cif_no: 'C0000000001', sources: 2 }]);
  });

  it('rejects bad records with every reason and accepts the rest of the batch', async () => {
    const badId = residentId(3).slice(0, 17) + (residentId(3).endsWith('0') ? '1' : '0');
    const res = await hub.gql(INGEST_CUSTOMERS, {
      records: [
        customerRecord(3, {
          identityDocuments: [{ type: 'RESIDENT_ID', number: badId }],
          contactPoints: [{ kind: 'MOBILE', value: '1234' }],
        }),
        customerRecord(4),
        customerRecord(5, { kind: 'ORGANISATION', gender: 'MALE', branchCode: '9999' }),
      ],
    });
    const [bad, good, org] = res.data!.ingestCustomers.records;
    expect(res.data!.ingestCustomers).toMatchObject({ accepted: 1, rejected: 2 });
    expect(good.status).toBe('CREATED');
    expect(bad.status).toBe('REJECTED');
    expect(bad.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'identityDocuments[0].number', rule: 'ID_CHECKSUM' }),
        expect.objectContaining({ field: 'contactPoints[0].value', rule: 'MOBILE_FORMAT' }),
      ]),
    );
    expect(org.errors.map((e: { field: string; rule: string }) => `${e.field} ${e.rule}`)).toEqual(
      expect.arrayContaining(['kind ORGANISATION_ATTRIBUTES', 'branchCode UNKNOWN_BRANCH']),
    );
    expect(
      await hub.sql(`select 1 from source_record where source_key in ('PA-3', 'PA-5')`),
    ).toEqual([]);
  });

  it('rejects a policy or claim that names an unknown customer or policy', async () => {
    const policy = await hub.gql(INGEST_POLICIES, {
      records: [autoPolicyRecord(9, 'C0000009999')],
    });
    expect(policy.data!.ingestPolicies.records[0]).toMatchObject({
      status: 'REJECTED',
      errors: [
        { field: 'parties[0].customer', rule: 'UNKNOWN_CUSTOMER' },
        { field: 'parties[1].customer', rule: 'UNKNOWN_CUSTOMER' },
      ],
    });
    const claim = await hub.gql(INGEST_CLAIMS, { records: [claimRecord(9, 'PNOPE')] });
    expect(claim.data!.ingestClaims.records[0]).toMatchObject({
      status: 'REJECTED',
      errors: [{ field: 'policyNo', rule: 'UNKNOWN_POLICY' }],
    });
  });

  it('checks amounts, periods and stage order', async () => {
    const res = await hub.gql(INGEST_POLICIES, {
      records: [
        autoPolicyRecord(10, 'C0000000001', {
          premium: '-1.00',
          expiryDate: '2025-12-31',
          vehicle: null,
        }),
      ],
    });
    expect(
      res
        .data!.ingestPolicies.records[0].errors.map(
          (e: { field: string; rule: string }) => `${e.field} ${e.rule}`,
        )
        .sort(),
    ).toEqual(['expiryDate PERIOD_ORDER', 'premium NON_NEGATIVE', 'vehicle REQUIRED']);
    const claim = await hub.gql(INGEST_CLAIMS, {
      records: [
        claimRecord(10, 'PCA00000001', {
          surveyedAt: '2026-05-10T23:00:00Z',
          registeredAt: '2026-05-11T09:00:00Z',
          status: 'CLOSED',
        }),
      ],
    });
    expect(
      claim.data!.ingestClaims.records[0].errors.map(
        (e: { field: string; rule: string }) => `${e.field} ${e.rule}`,
      ),
    ).toEqual(['surveyedAt STAGE_ORDER', 'closedAt REQUIRED']);
  });

  it('never overwrites a risk score: a changed resend under the same key is rejected', async () => {
    const res = await hub.gql(INGEST_RISK_SCORES, {
      records: [riskScoreRecord(1, { claimNo: 'CL00000001' }, { score: '99' })],
    });
    expect(res.data!.ingestRiskScores.records[0]).toMatchObject({
      status: 'REJECTED',
      errors: [{ rule: 'IMMUTABLE' }],
    });
    expect(await hub.sql(`select score::text from risk_score where source_key = 'RS-1'`)).toEqual([
      { score: '72.50' },
    ]);
  });

  it('writes a record whole or not at all when the database refuses part of it', async () => {
    // A rule only the database knows, failing on the last row the record writes.
    await hub.sql(`create function refuse_test_contact() returns trigger language plpgsql as $$
      begin
        if new.value = 'refused@example.cn' then
          raise exception 'refused' using errcode = 'check_violation', constraint = 'contact_point_test_rule';
        end if;
        return new;
      end $$`);
    await hub.sql(
      `create trigger refuse_test_contact before insert on contact_point for each row execute function refuse_test_contact()`,
    );
    try {
      const refused = customerRecord(20, {
        contactPoints: [{ kind: 'EMAIL', value: 'refused@example.cn' }],
      });
      const res = await hub.gql(INGEST_CUSTOMERS, {
        records: [customerRecord(21), refused, customerRecord(22)],
      });
      expect(res.data!.ingestCustomers.records.map((r: { status: string }) => r.status)).toEqual([
        'CREATED',
        'REJECTED',
        'CREATED',
      ]);
      expect(res.data!.ingestCustomers.records[1].errors).toEqual([
        {
          field: 'contact_point_test_rule',
          rule: 'CHECK',
          message: 'breaks the database rule contact_point_test_rule',
        },
      ]);
      expect(await hub.sql(`select 1 from source_record where source_key = 'PA-20'`)).toEqual([]);
      const docs = await hub.sql(
        `select count(*)::int as n from identity_document where number = $1`,
        [residentId(20)],
      );
      expect(docs).toEqual([{ n: 0 }]);
      expect(
        await hub.sql(
          `select source_key from source_record where source_key in ('PA-21', 'PA-22') order by 1`,
        ),
      ).toEqual([{ source_key: 'PA-21' }, { source_key: 'PA-22' }]);
    } finally {
      await hub.sql('drop trigger refuse_test_contact on contact_point');
    }
  });

  it('refuses batches over 1,000 records and callers without the ingest role', async () => {
    const big = await hub.gql(INGEST_CUSTOMERS, {
      records: Array.from({ length: 1001 }, (_, i) => customerRecord(1000 + i)),
    });
    expect(big.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'records',
      rule: 'BATCH_SIZE',
    });
    const frontline = await hub.gql(
      INGEST_CUSTOMERS,
      { records: [customerRecord(30)] },
      Role.FRONTLINE,
    );
    expect(frontline.errors![0].extensions.code).toBe('FORBIDDEN');
    const ingest = await hub.gql(INGEST_CUSTOMERS, { records: [customerRecord(30)] }, Role.INGEST);
    expect(ingest.data!.ingestCustomers.accepted).toBe(1);
  });
});

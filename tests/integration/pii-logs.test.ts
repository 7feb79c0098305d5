import { Role } from '../../src/auth/roles';
import { checkResidentId } from '../../src/validation';
import {
  customerRecord,
  INGEST_CLAIMS,
  INGEST_CUSTOMERS,
  INGEST_RISK_SCORES,
  insertBranches,
  nextNumber,
  reportedClaimRecord,
  riskScoreRecord,
} from '../setup/factories';
import { startTestHub, type TestHub } from '../setup/test-app';

/**
 * A resident ID of region 110105 born on `birth` (YYYYMMDD), with the check character that
 * fits the rest: valid, unless the birth date itself is not.
 */
function residentIdBornOn(birth: string, sequence: string): string {
  for (const check of '0123456789X') {
    const id = `110105${birth}${sequence}${check}`;
    const checked = checkResidentId(id);
    if (checked.ok || checked.violations.every((v) => v.rule !== 'ID_CHECKSUM')) return id;
  }
  throw new Error(`no check character completes ${birth}`);
}

/** The same ID with another check character: well formed, wrong. */
const wrongCheck = (id: string) => id.slice(0, 17) + (id.endsWith('7') ? '8' : '7');

const IDS = {
  wrongCheck: wrongCheck(residentIdBornOn('19790823', '417')),
  impossibleBirth: residentIdBornOn('19791332', '417'),
  mismatched: residentIdBornOn('19860214', '523'),
  unknown: residentIdBornOn('19910607', '631'),
  unknownBranch: residentIdBornOn('19720319', '745'),
  internal: residentIdBornOn('19650930', '859'),
};
const MOBILES = {
  badNetwork: '12748260519',
  // Two mobiles masked alike (135****0519).
  twin: '13548260519',
  otherTwin: '13577770519',
  unknown: '13948261357',
  asNumber: '15948262468',
  unknownBranch: '18648263579',
  // Written as people write them, in a date field by mistake.
  spaced: '+86 138 4826 4680',
  dashed: '138-4826-5791',
};
const EMAILS = { bad: 'liu.wen@example', unknownBranch: 'zhou.min@example.cn' };
const ADDRESSES = { unknownBranch: '北京市朝阳区建国路88号院3号楼' };
const NAMES = { misplaced: '褚晓芳' };

/** What must appear nowhere: each value, and the parts a mask hides. */
const SECRETS = [
  ...Object.values(IDS).flatMap((id) => [
    id,
    id.slice(0, 14),
    `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`,
  ]),
  ...Object.values(MOBILES).flatMap((mobile) => [mobile, mobile.slice(3)]),
  ...Object.values(EMAILS),
  ...Object.values(ADDRESSES),
  ...Object.values(NAMES),
];

const LOOKUP = `query ($by: CustomerLookup!) { customer(by: $by) { cifNo } }`;

describe('personal data in logs and error messages', () => {
  let hub: TestHub;
  /** The response bodies of the test running, as sent. */
  let responses: string[];
  const send = async (query: string, variables: Record<string, unknown>, role: Role) => {
    const res = await hub.gql(query, variables, role);
    responses.push(JSON.stringify(res));
    return res;
  };

  beforeEach(() => {
    responses = [];
  });

  /** None of the values, nor the parts masks hide, in a response or in any log line. */
  afterEach(() => {
    expect(responses.length).toBeGreaterThan(0);
    const lines = hub.logs.map((line) => JSON.stringify(line));
    expect(lines.length).toBeGreaterThan(0);
    for (const secret of SECRETS) {
      expect({ secret, found: [...responses, ...lines].filter((t) => t.includes(secret)) }).toEqual(
        { secret, found: [] },
      );
    }
  });

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
  });
  afterAll(() => hub.close());

  it('rejects bad ingestion records naming fields and rules, not values', async () => {
    const records = [
      customerRecord(nextNumber(), {
        identityDocuments: [{ type: 'RESIDENT_ID', number: IDS.wrongCheck }],
      }),
      customerRecord(nextNumber(), {
        identityDocuments: [{ type: 'RESIDENT_ID', number: IDS.impossibleBirth }],
      }),
      customerRecord(nextNumber(), {
        identityDocuments: [{ type: 'RESIDENT_ID', number: IDS.mismatched }],
        birthDate: '1986-02-15',
      }),
      customerRecord(nextNumber(), {
        contactPoints: [
          { kind: 'MOBILE', value: MOBILES.badNetwork },
          { kind: 'EMAIL', value: EMAILS.bad },
        ],
      }),
      customerRecord(nextNumber(), {
        branchCode: '9999',
        identityDocuments: [{ type: 'RESIDENT_ID', number: IDS.unknownBranch }],
        contactPoints: [
          { kind: 'MOBILE', value: MOBILES.unknownBranch },
          { kind: 'EMAIL', value: EMAILS.unknownBranch },
          { kind: 'ADDRESS', value: ADDRESSES.unknownBranch },
        ],
      }),
    ];
    const res = await send(INGEST_CUSTOMERS, { records }, Role.INGEST);
    const outcomes = res.data!.ingestCustomers.records;
    // A mistyped check character alone is kept for matching, with a warning (not shown here).
    expect(outcomes.map((o: { status: string }) => o.status)).toEqual([
      'CREATED',
      ...Array(records.length - 1).fill('REJECTED'),
    ]);
    expect(
      outcomes.map((o: { errors: { rule: string }[] }) => o.errors.map((e) => e.rule)),
    ).toEqual([
      [],
      ['ID_BIRTH_DATE'],
      ['ID_BIRTH_DATE_MISMATCH'],
      ['MOBILE_FORMAT', 'EMAIL_FORMAT'],
      ['UNKNOWN_BRANCH'],
    ]);
  });

  it('refuses bad lookups by field and rule, and answers unknown ones with null', async () => {
    const bad = [
      { identityDocument: { type: 'RESIDENT_ID', number: IDS.wrongCheck } },
      { identityDocument: { type: 'RESIDENT_ID', number: IDS.impossibleBirth } },
      { mobile: MOBILES.badNetwork },
      { id: MOBILES.unknown },
    ];
    for (const by of bad) {
      const res = await send(LOOKUP, { by }, Role.FRONTLINE);
      expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    }
    for (const by of [
      { identityDocument: { type: 'RESIDENT_ID', number: IDS.unknown } },
      { mobile: MOBILES.unknown },
    ]) {
      const res = await send(LOOKUP, { by }, Role.FRONTLINE);
      expect(res.data).toEqual({ customer: null });
    }
  });

  it('refuses variables of the wrong shape without quoting them', async () => {
    const wrong = [
      { mobile: Number(MOBILES.asNumber) },
      { identityDocument: { number: IDS.unknown } },
      { mobile: MOBILES.unknown, phone: MOBILES.asNumber },
    ];
    for (const by of wrong) {
      const res = await send(LOOKUP, { by }, Role.FRONTLINE);
      expect(res.errors![0].extensions.code).toBe('BAD_USER_INPUT');
    }
    const record = customerRecord(nextNumber(), {
      identityDocuments: [{ number: IDS.unknown }],
      contactPoints: [{ kind: 'MOBILE', value: MOBILES.unknown }],
    });
    const res = await send(INGEST_CUSTOMERS, { records: [record] }, Role.INGEST);
    expect(res.errors![0].extensions.code).toBe('BAD_USER_INPUT');
    // A value in a field of another type: a date, a date-time.
    for (const [mistake, field, rule] of [
      [{ birthDate: MOBILES.spaced }, 'records[0].birthDate', 'DATE_FORMAT'],
      [{ birthDate: NAMES.misplaced }, 'records[0].birthDate', 'DATE_FORMAT'],
      [
        { marketingConsent: { given: true, at: MOBILES.dashed, channel: 'APP' } },
        'records[0].marketingConsent.at',
        'DATE_TIME_FORMAT',
      ],
    ] as const) {
      const refused = await send(
        INGEST_CUSTOMERS,
        { records: [customerRecord(nextNumber(), mistake)] },
        Role.INGEST,
      );
      expect(refused.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field, rule });
    }
    const literal = await send(
      `mutation { ingestCustomers(records: [{ sourceSystem: APP, sourceKey: "K-1", kind: INDIVIDUAL,
        name: "x", branchCode: "3201", birthDate: "${MOBILES.dashed}" }]) { accepted } }`,
      {},
      Role.INGEST,
    );
    expect(literal.errors![0].extensions).toMatchObject({
      field: 'records[0].birthDate',
      rule: 'DATE_FORMAT',
    });
  });

  it('refuses values written into the document or an export filter without quoting them', async () => {
    const written = [
      [`{ customer(by: { cifNo: ${MOBILES.asNumber} }) { cifNo } }`, Role.FRONTLINE],
      [
        `{ customer(by: { cifNo: "C1" }) { tier(asOf: "${IDS.unknown}") { tier } } }`,
        Role.FRONTLINE,
      ],
      [
        `mutation { ingestCustomers(records: [{ sourceSystem: APP, sourceKey: "K", kind: INDIVIDUAL,
          name: "王芳", branchCode: "3201", contactPoints: [{ kind: MOBILE, value: ${MOBILES.asNumber} }] }])
          { accepted } }`,
        Role.INGEST,
      ],
      [
        `mutation { decideEligibility(input: { customerId: "00000000-0000-4000-8000-000000000000",
          service: "ROADSIDE_RESCUE", claim: { amount: "${MOBILES.asNumber}.12.5", singleParty: true,
          injury: false, accidentAt: "2026-07-14T11:40:00+08:00" } }) { id } }`,
        Role.FRONTLINE,
      ],
    ] as const;
    for (const [query, role] of written) {
      const res = await send(query, {}, role);
      expect(res.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    }
    // The Decimal's own rule, and where the literal sits.
    expect(JSON.parse(responses[3]!).errors[0].extensions).toMatchObject({
      rule: 'DECIMAL_FORMAT',
      field: 'input.claim.amount',
    });

    for (const filter of [{ tierAsOf: IDS.unknown }, { expiringWithinDays: MOBILES.asNumber }]) {
      const url = `${hub.url.replace('/graphql', '/export/customers')}?${new URLSearchParams({ format: 'csv', filter: JSON.stringify(filter) })}`;
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${hub.token(Role.MARKETING)}` },
      });
      expect(response.status).toBe(400);
      responses.push(await response.text());
    }
  });

  it('refuses unknown references without repeating them', async () => {
    const customers = await send(
      INGEST_CUSTOMERS,
      { records: [customerRecord(nextNumber(), { branchCode: MOBILES.unknown })] },
      Role.INGEST,
    );
    expect(customers.data!.ingestCustomers.records[0].errors).toEqual([
      { field: 'branchCode', rule: 'UNKNOWN_BRANCH', message: 'no branch has this code' },
    ]);
    const claims = await send(
      INGEST_CLAIMS,
      { records: [reportedClaimRecord(nextNumber(), IDS.unknown, '2026-05-10', '100.00')] },
      Role.INGEST,
    );
    expect(claims.data!.ingestClaims.records[0].errors[0]).toMatchObject({
      rule: 'UNKNOWN_POLICY',
    });
    const scores = await send(
      INGEST_RISK_SCORES,
      { records: [riskScoreRecord(nextNumber(), { claimNo: EMAILS.bad })] },
      Role.INGEST,
    );
    expect(scores.data!.ingestRiskScores.records[0].errors[0]).toMatchObject({
      field: 'subject.claimNo',
    });
    const decided = await send(
      `mutation ($input: EligibilityRequest!) { decideEligibility(input: $input) { id } }`,
      {
        input: {
          customerId: '00000000-0000-4000-8000-000000000000',
          service: IDS.unknown,
          claim: {
            amount: '1.00',
            singleParty: true,
            injury: false,
            accidentAt: '2026-07-14T11:40:00+08:00',
          },
        },
      },
      Role.FRONTLINE,
    );
    expect(decided.errors![0].extensions).toMatchObject({ rule: 'UNKNOWN_SERVICE' });

    // An operation name the document does not hold is not logged as the operation.
    const named = await fetch(hub.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${hub.token(Role.FRONTLINE)}`,
      },
      body: JSON.stringify({ query: '{ __typename }', operationName: `x${MOBILES.unknown}` }),
    });
    expect(named.status).toBe(400);
    const text = await named.text();
    // Said as it is: the document has one operation, and another name was asked for.
    expect(JSON.parse(text).errors[0].message).toBe(
      'No operation of the document has the operationName given.',
    );
    responses.push(text);
    const empty = await fetch(hub.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${hub.token(Role.FRONTLINE)}`,
      },
      body: JSON.stringify({ query: '{ __typename }', operationName: '' }),
    });
    expect(((await empty.json()) as { errors: { message: string }[] }).errors[0]!.message).toBe(
      'No operation of the document has the operationName given.',
    );
  });

  it('rejects a record the database refuses by constraint, and logs a failure without its SQL', async () => {
    // A rule only the database knows: no two customers' mobiles end alike.
    await hub.sql(
      `create unique index pii_logs_test_mobile on contact_point (value_masked) where kind = 'MOBILE'`,
    );
    // And a failure it does not explain: any customer born on 30 September 1965.
    await hub.sql(`create function pii_logs_test_refuse() returns trigger language plpgsql as $$
      begin
        if new.birth_date = '1965-09-30' then raise exception 'refused by a test'; end if;
        return new;
      end $$`);
    await hub.sql(`create trigger pii_logs_test_refuse before insert or update on customer
      for each row execute function pii_logs_test_refuse()`);
    try {
      const [a, b] = [nextNumber(), nextNumber()];
      const twins = [
        customerRecord(a, { contactPoints: [{ kind: 'MOBILE', value: MOBILES.twin }] }),
        customerRecord(b, { contactPoints: [{ kind: 'MOBILE', value: MOBILES.otherTwin }] }),
      ];
      const res = await send(INGEST_CUSTOMERS, { records: twins }, Role.INGEST);
      expect(res.data!.ingestCustomers.records[1]).toMatchObject({
        status: 'REJECTED',
        errors: [{ field: 'pii_logs_test_mobile', rule: 'UNIQUE' }],
      });
      const record = customerRecord(nextNumber(), {
        name: '王芳',
        identityDocuments: [{ type: 'RESIDENT_ID', number: IDS.internal }],
      });
      const failed = await send(INGEST_CUSTOMERS, { records: [record] }, Role.INGEST);
      const correlationId = failed.errors![0].extensions.correlationId;
      expect(failed.errors![0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
      const logged = hub.logs.find((l) => l.fields?.correlationId === correlationId);
      expect(JSON.stringify(logged)).toMatch(/refused by a test/);
      for (const secret of ['王芳', '1965-09-30', 'insert into']) {
        expect(JSON.stringify(logged)).not.toContain(secret);
      }
    } finally {
      await hub.sql('drop index pii_logs_test_mobile');
      await hub.sql('drop trigger pii_logs_test_refuse on customer');
      await hub.sql('drop function pii_logs_test_refuse()');
    }
  });
});

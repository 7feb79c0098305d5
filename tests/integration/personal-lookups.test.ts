import { Role } from '../../src/auth/roles';
import {
  cifNumbers,
  customerRecord,
  INGEST_CUSTOMERS,
  insertBranches,
  mobile,
  nextNumbers,
  residentId,
} from '../setup/factories';
import { startTestHub, type TestHub } from '../setup/test-app';

const LOOKUP = `query ($by: CustomerLookup!) { customer(by: $by) { cifNo } }`;

describe('a lookup by an identity number or a mobile', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub({ config: { personalLookupsPerMinute: 4 } });
    await insertBranches(hub);
  });
  afterAll(() => hub.close());

  const lookups = () =>
    hub.sql<{ actor: string; details: Record<string, unknown>; customer: string | null }>(
      `select e.actor_subject as actor, e.details,
         coalesce(d.customer_id, cp.customer_id)::text as customer
       from audit_event e
       left join identity_document d
         on d.type = e.details->>'type' and d.number_hash = decode(e.details->>'digest', 'hex')
       left join contact_point cp
         on cp.kind = e.details->>'type' and cp.value_hash = decode(e.details->>'digest', 'hex')
       where e.action = 'CUSTOMER_LOOKUP' order by e.id`,
    );

  it('is audited, found or not, under the digest that names whose number it was, and counted against its own budget', async () => {
    const n = nextNumbers(2);
    const created = await hub.gql(INGEST_CUSTOMERS, { records: [customerRecord(n)] });
    const { id } = created.data!.ingestCustomers.records[0];
    const [cifNo] = await cifNumbers(hub, [id]);
    const ask = (by: Record<string, unknown>) => hub.gql(LOOKUP, { by }, Role.FRONTLINE);

    // A number that is the customer's, one that is no one's (a guess), a mobile.
    expect(
      (await ask({ identityDocument: { type: 'RESIDENT_ID', number: residentId(n) } })).data,
    ).toEqual({ customer: { cifNo } });
    const guessed = residentId(n + 1);
    expect(
      (await ask({ identityDocument: { type: 'RESIDENT_ID', number: guessed } })).data,
    ).toEqual({ customer: null });
    expect((await ask({ mobile: mobile(n) })).data).toEqual({ customer: { cifNo } });
    // A CIF number is no one's personal number, nor a credit code: neither audited nor
    // counted.
    for (let i = 0; i < 5; i++) {
      expect(
        (
          await ask({
            identityDocument: { type: 'UNIFIED_SOCIAL_CREDIT_CODE', number: '91350100M000100Y43' },
          })
        ).data,
      ).toEqual({ customer: null });
    }
    for (let i = 0; i < 5; i++)
      expect((await ask({ cifNo })).data).toEqual({ customer: { cifNo } });

    const entries = await lookups();
    expect(
      entries.map(({ details: { by, type, found }, customer }) => [by, type, found, customer]),
    ).toEqual([
      ['identityDocument', 'RESIDENT_ID', true, id],
      ['identityDocument', 'RESIDENT_ID', false, null],
      ['mobile', 'MOBILE', true, id],
    ]);
    // The log names whose number it was, never the number.
    expect(JSON.stringify(entries)).not.toContain(residentId(n).slice(6, 14));
    expect(JSON.stringify(entries)).not.toContain(mobile(n).slice(3, 7));

    // Two aliases take the last of the budget's four and one more: refused, as a burst of
    // requests over RATE_LIMIT_PER_MINUTE is, and not audited as a lookup.
    const burst = await hub.gql(
      `query ($a: CustomerLookup!, $b: CustomerLookup!) {
        a: customer(by: $a) { cifNo } b: customer(by: $b) { cifNo } }`,
      { a: { mobile: mobile(n) }, b: { mobile: mobile(n + 1) } },
      Role.FRONTLINE,
    );
    expect(burst.status).toBe(429);
    expect(burst.errors).toEqual([
      expect.objectContaining({
        path: ['b'],
        extensions: expect.objectContaining({
          code: 'RATE_LIMITED',
          setting: 'PERSONAL_LOOKUPS_PER_MINUTE',
          max: 4,
        }),
      }),
    ]);
    expect(await lookups()).toHaveLength(4);
    // Another caller has a budget of its own, and other keys go on for this one.
    expect((await hub.gql(LOOKUP, { by: { mobile: mobile(n) } }, Role.UNDERWRITING)).data).toEqual({
      customer: { cifNo },
    });
    expect((await ask({ cifNo })).data).toEqual({ customer: { cifNo } });
  });
});

import { Role } from '../../src/auth/roles';
import { addDays } from '../../src/time/clock';
import {
  customerRecord,
  INGEST_CLAIMS,
  INGEST_CUSTOMERS,
  ingestTwoYearCustomer,
  insertBranches,
  nextNumber,
  reportedClaimRecord,
  type TwoYearCustomer,
} from '../setup/factories';
import { countStatements } from '../setup/statements';
import { startTestHub, type TestHub } from '../setup/test-app';

const PAGE = `query ($filter: MarketingCustomerFilter, $after: String) {
  marketingCustomers(filter: $filter, first: 2, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { cifNo } } }`;
const MERGE = `mutation ($survivor: ID!, $absorbed: ID!, $reason: String!) {
  mergeCustomers(survivorId: $survivor, absorbedId: $absorbed, reason: $reason) { id } }`;
const UNMERGE = `mutation ($id: ID!, $reason: String!) {
  unmergeCustomers(mergeId: $id, reason: $reason) { id } }`;

const CONSENT = { given: true, at: '2026-01-05T10:00:00Z', channel: 'APP' };
const NO_CONSENT = { given: false, at: '2026-02-05T10:00:00Z', channel: 'APP' };

interface Segment {
  tiers: string[];
  branchCode: string;
  consentGiven?: boolean;
}

const PATHS: Record<string, string> = {
  '3200': '0000.3200',
  '3201': '0000.3200.3201',
  '3300': '0000.3300',
};

/**
 * Segment totals come from segment_count, which the database keeps from every change to
 * customers and their tier assignments. Each test changes its own customers and compares
 * what marketing reads with the segment counted from the assignments themselves, so that
 * the other tests' customers in the same database are counted on both sides.
 */
describe('segment counts and pages', () => {
  let hub: TestHub;
  let today: string;

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
    today = hub.clock.today();
  });
  afterAll(() => hub.close());

  /** A consenting customer with a tier: DIAMOND at 6,000 CNY, SILVER at 3,000. */
  async function customer(branchCode: string, premium = '6000.00'): Promise<TwoYearCustomer> {
    const built = await ingestTwoYearCustomer(hub, today, {
      premium,
      branchCode,
      customer: { marketingConsent: CONSENT },
    });
    await hub.app.services.tiers.drainQueue();
    return built;
  }

  /** The customer's record sent again with `changes`: survivorship rewrites the golden row. */
  async function resend(built: TwoYearCustomer, changes: Record<string, unknown>) {
    const res = await hub.gql(INGEST_CUSTOMERS, {
      records: [customerRecord(built.n, { branchCode: '3201', ...changes })],
    });
    expect(res.data!.ingestCustomers.records[0].status).toBe('UPDATED');
  }

  /** A claim whose reserve is well above the premium earned: the customer becomes WATCH. */
  async function costlyClaim(built: TwoYearCustomer) {
    const res = await hub.gql(INGEST_CLAIMS, {
      records: [reportedClaimRecord(nextNumber(), built.policyNo, addDays(today, -10), '9000.00')],
    });
    expect(res.data!.ingestClaims.accepted).toBe(1);
    await hub.app.services.tiers.drainQueue();
  }

  /** The segment's CIF numbers, counted from the open tier assignments. */
  async function expected(segment: Segment, branchPath = PATHS[segment.branchCode]!) {
    const rows = await hub.sql<{ cif_no: string }>(
      `select c.cif_no from customer c
       join branch b on b.id = c.branch_id
       join tier_assignment a on a.customer_id = c.id and a.valid_to is null
       where c.status = 'ACTIVE' and c.marketing_consent = $3 and a.tier = any($1)
         and (b.path = $2 or b.path like $2 || '.%')
       order by c.cif_no`,
      [segment.tiers, branchPath, segment.consentGiven ?? true],
    );
    return rows.map((r) => r.cif_no);
  }

  /** Every page of the segment as `role` of `branch` reads it, two customers a page. */
  async function pages(segment: Segment, role = Role.MARKETING, branch = '0000') {
    const totals: number[] = [];
    const cifNos: string[] = [];
    let after: string | undefined;
    do {
      const response = await fetch(hub.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${hub.token(role, branch)}`,
        },
        body: JSON.stringify({ query: PAGE, variables: { filter: segment, after } }),
      });
      const { data, errors } = (await response.json()) as {
        data: { marketingCustomers: any };
        errors?: unknown;
      };
      expect(errors).toBeUndefined();
      const page = data.marketingCustomers;
      totals.push(page.totalCount);
      cifNos.push(...page.nodes.map((n: { cifNo: string }) => n.cifNo));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : undefined;
    } while (after);
    return { totals, cifNos };
  }

  /** Marketing reads exactly the segment, with its exact size on every page. */
  async function expectExact(segment: Segment, role = Role.MARKETING) {
    const cifNos = await expected(segment);
    const read = await pages(segment, role);
    expect(read.cifNos).toEqual(cifNos);
    expect(new Set(read.totals)).toEqual(new Set([cifNos.length]));
    return cifNos;
  }

  /**
   * The database's own bookkeeping agrees with the rows: each customer's current tier is
   * its open assignment's, and segment_count sums to the customers of each key.
   */
  async function expectBalanced() {
    const drift = await hub.sql(
      `select c.id from customer c
       left join tier_assignment a on a.customer_id = c.id and a.valid_to is null
       where c.current_tier is distinct from a.tier`,
    );
    expect(drift).toEqual([]);
    const unbalanced = await hub.sql(
      `select * from (
         select current_tier, branch_id, status, marketing_consent, sum(customers)::int as n
         from segment_count group by 1, 2, 3, 4 having sum(customers) <> 0) counted
       full join (
         select current_tier, branch_id, status, marketing_consent, count(*)::int as n
         from customer where current_tier is not null group by 1, 2, 3, 4) actual
       using (current_tier, branch_id, status, marketing_consent)
       where counted.n is distinct from actual.n`,
    );
    expect(unbalanced).toEqual([]);
  }

  it('sums the counts when the filter is only what they hold, and counts the rows otherwise', async () => {
    await customer('3201');
    const counted = await countStatements(() =>
      hub.gql(PAGE, { filter: { tiers: ['DIAMOND'], branchCode: '3200' } }, Role.MARKETING),
    );
    const total = counted.result.data!.marketingCustomers.totalCount;
    expect(total).toBe((await expected({ tiers: ['DIAMOND'], branchCode: '3200' })).length);
    expect(counted.statements.join('\n')).toContain('segment_count');

    const filtered = { tiers: ['DIAMOND'], branchCode: '3200', lines: ['COMMERCIAL_AUTO'] };
    const plain = await countStatements(() => hub.gql(PAGE, { filter: filtered }, Role.MARKETING));
    expect(plain.result.data!.marketingCustomers.totalCount).toBe(total);
    expect(plain.statements.join('\n')).not.toContain('segment_count');
  });

  it('follows customers from tier to tier, through the worker, a fold and a full recompute', async () => {
    const moving = await customer('3201');
    const staying = await customer('3201');
    const silver = await customer('3201', '3000.00');
    const diamonds = await expectExact({ tiers: ['DIAMOND'], branchCode: '3200' });
    expect(diamonds).toEqual(expect.arrayContaining([moving.cifNo, staying.cifNo]));
    expect(await expectExact({ tiers: ['SILVER'], branchCode: '3200' })).toContain(silver.cifNo);

    await costlyClaim(moving);
    const after = await expectExact({ tiers: ['DIAMOND'], branchCode: '3200' });
    expect(after).toEqual(diamonds.filter((c) => c !== moving.cifNo));
    expect(await expectExact({ tiers: ['WATCH'], branchCode: '3200' })).toContain(moving.cifNo);
    const both = await expectExact({ tiers: ['DIAMOND', 'WATCH'], branchCode: '3200' });
    expect(both).toEqual(expect.arrayContaining(diamonds));
    await expectBalanced();

    await hub.app.services.tiers.foldSegmentCounts();
    const [{ rows }] = await hub.sql<{ rows: number }>(
      `select count(*)::int as rows from (select 1 from segment_count
       group by current_tier, branch_id, status, marketing_consent having count(*) > 1) k`,
    );
    expect(rows).toBe(0);
    await expectExact({ tiers: ['DIAMOND'], branchCode: '3200' });

    await hub.app.services.tiers.recomputeAll();
    await expectExact({ tiers: ['DIAMOND'], branchCode: '3200' });
    await expectExact({ tiers: ['WATCH', 'SILVER'], branchCode: '3200' });
    await expectBalanced();
  });

  it('leaves fresh statistics after a full recompute, and vacuums where autovacuum is off', async () => {
    await customer('3201');
    await hub.app.services.tiers.recomputeAll();
    const [{ autovacuum }] = await hub.sql<{ autovacuum: boolean }>(
      `select current_setting('autovacuum')::boolean as autovacuum`,
    );
    const tables = await hub.sql(
      `select relname, last_analyze is not null as analyzed, last_vacuum is not null as vacuumed
       from pg_stat_user_tables where relname in ('customer', 'tier_assignment', 'segment_count')
       order by relname`,
    );
    expect(tables).toEqual(
      ['customer', 'segment_count', 'tier_assignment'].map((relname) => ({
        relname,
        analyzed: true,
        vacuumed: !autovacuum,
      })),
    );
  });

  it('follows consent, branch and status changes', async () => {
    const withdrawing = await customer('3201');
    const moving = await customer('3201');
    const dying = await customer('3201');
    const diamonds = { tiers: ['DIAMOND'], branchCode: '3200' };
    const all = await expectExact(diamonds);
    expect(all).toEqual(expect.arrayContaining([withdrawing.cifNo, moving.cifNo, dying.cifNo]));

    await resend(withdrawing, { marketingConsent: NO_CONSENT });
    expect(await expectExact(diamonds)).not.toContain(withdrawing.cifNo);
    const refused = { ...diamonds, consentGiven: false };
    expect(await expectExact(refused, Role.ADMIN)).toContain(withdrawing.cifNo);

    await resend(moving, { branchCode: '3301', marketingConsent: CONSENT });
    expect(await expectExact(diamonds)).not.toContain(moving.cifNo);
    expect(await expectExact({ tiers: ['DIAMOND'], branchCode: '3300' })).toContain(moving.cifNo);

    await hub.sql(`update customer set status = 'DECEASED' where id = $1`, [dying.id]);
    expect(await expectExact(diamonds)).toEqual(
      all.filter((c) => ![withdrawing.cifNo, moving.cifNo, dying.cifNo].includes(c)),
    );
    await expectBalanced();
  });

  it('counts for a branch marketer only the customers of its branch', async () => {
    await customer('3201');
    await customer('3202');
    const segment = { tiers: ['DIAMOND'], branchCode: '3200' };
    const nanjing = await expected(segment, PATHS['3201']);
    const read = await pages(segment, Role.MARKETING, '3201');
    expect(read.cifNos).toEqual(nanjing);
    expect(new Set(read.totals)).toEqual(new Set([nanjing.length]));
    expect(nanjing.length).toBeLessThan((await expected(segment)).length);
  });

  it('follows a merge and its undoing', async () => {
    const survivor = await customer('3201');
    const absorbed = await customer('3301');
    const jiangsu = { tiers: ['DIAMOND'], branchCode: '3200' };
    const zhejiang = { tiers: ['DIAMOND'], branchCode: '3300' };
    expect(await expectExact(zhejiang)).toContain(absorbed.cifNo);

    const merged = await hub.gql(
      MERGE,
      { survivor: survivor.id, absorbed: absorbed.id, reason: 'same person, checked by phone' },
      Role.STEWARD,
    );
    expect(merged.errors).toBeUndefined();
    expect(await expectExact(zhejiang)).not.toContain(absorbed.cifNo);
    // Survivorship may give the survivor the absorbed customer's branch, and the recompute
    // a tier from both customers' policies: wherever it goes, the counts follow.
    await hub.app.services.tiers.drainQueue();
    await expectExact(jiangsu);
    await expectExact(zhejiang);
    await expectBalanced();

    const undone = await hub.gql(
      UNMERGE,
      { id: merged.data!.mergeCustomers.id, reason: 'two people after all' },
      Role.STEWARD,
    );
    expect(undone.errors).toBeUndefined();
    expect(await expectExact(zhejiang)).toContain(absorbed.cifNo);
    await hub.app.services.tiers.drainQueue();
    expect(await expectExact(jiangsu)).toContain(survivor.cifNo);
    expect(await expectExact(zhejiang)).toContain(absorbed.cifNo);
    await expectBalanced();
  });

  it('stays exact when recomputes, ingestion, merges and folds run side by side', async () => {
    const built: TwoYearCustomer[] = [];
    for (let i = 0; i < 6; i += 1) built.push(await customer(i % 2 ? '3201' : '3301'));
    // Tiers to change: the queue holds three customers with a costly claim each.
    for (const c of built.slice(0, 3)) {
      const res = await hub.gql(INGEST_CLAIMS, {
        records: [reportedClaimRecord(nextNumber(), c.policyNo, addDays(today, -10), '9000.00')],
      });
      expect(res.data!.ingestClaims.accepted).toBe(1);
    }
    const { tiers } = hub.app.services;
    const [absorbed, , , moving, withdrawing, survivor] = built;
    await Promise.all([
      tiers.recomputeAll(),
      tiers.drainQueue(),
      resend(moving!, { branchCode: '3202', marketingConsent: CONSENT }),
      resend(withdrawing!, { marketingConsent: NO_CONSENT }),
      hub.gql(
        MERGE,
        { survivor: survivor!.id, absorbed: absorbed!.id, reason: 'same person, checked by phone' },
        Role.STEWARD,
      ),
      tiers.foldSegmentCounts(),
      tiers.foldSegmentCounts(),
    ]);
    await tiers.drainQueue();
    await tiers.foldSegmentCounts();
    await expectBalanced();
    for (const tierSet of [['DIAMOND'], ['WATCH'], ['DIAMOND', 'WATCH', 'SILVER']]) {
      for (const branchCode of ['3200', '3300']) await expectExact({ tiers: tierSet, branchCode });
    }
  });
});

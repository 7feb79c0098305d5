import { randomUUID } from 'node:crypto';
import { Role } from '../../src/auth/roles';
import { addDays } from '../../src/time/clock';
import { MergeKind } from '../../src/modules/golden/customer-merge.entity';
import {
  CUSTOMER_REFERENCES,
  mergeCustomers,
  unmergeCustomers,
} from '../../src/modules/stewardship/merge';
import {
  autoPolicyRecord,
  cifNumbers,
  claimRecord,
  customerRecord,
  INGEST_CLAIMS,
  INGEST_CUSTOMERS,
  INGEST_POLICIES,
  INGEST_RISK_SCORES,
  insertBranches,
  insertPortfolio,
  mobile,
  nextNumbers,
  recordDecision,
  residentId,
  riskScoreRecord,
} from '../setup/factories';
import { countStatements } from '../setup/statements';
import { startTestHub, type GraphQLResponse, type TestHub } from '../setup/test-app';

const MERGE = `mutation ($survivor: ID!, $absorbed: ID!, $reason: String!) {
  mergeCustomers(survivorId: $survivor, absorbedId: $absorbed, reason: $reason) {
    id kind mergedBy reason survivor { id } absorbed { id status } changes { table changed removed } } }`;
const UNMERGE = `mutation ($id: ID!, $reason: String!) {
  unmergeCustomers(mergeId: $id, reason: $reason) { id unmergedAt unmergedBy unmergeReason } }`;
const LOOKUP = `query ($by: CustomerLookup!) { customer(by: $by) { id cifNo status resolvedFrom } }`;
const REVIEWS = `query ($status: ReviewStatus, $first: Int, $after: String) {
  matchReviews(status: $status, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id score rule status createdAt decidedBy decidedAt reason
      evidence { field outcome weight detail }
      recordA { id sourceSystem sourceKey receivedAt } recordB { id sourceSystem sourceKey receivedAt }
      customerA { id cifNo } customerB { id cifNo } } } }`;
const EVENTS = `query ($filter: AuditEventFilter) { auditEvents(filter: $filter, first: 50) {
  nodes { action actorSubject actorRole targetType targetId purpose details } } }`;

const REASON = 'same person: ID card and mobile checked by phone';

describe('stewardship', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
  });
  afterAll(() => hub.close());

  const ok = <T = Record<string, any>>(res: GraphQLResponse<T>): T => {
    expect(res.errors).toBeUndefined();
    return res.data!;
  };

  /** As a caller of another branch (hub.gql's tokens are the head office's). */
  const asBranch = async (role: Role, branch: string, query: string, variables: object) => {
    const response = await fetch(hub.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${hub.token(role, branch)}`,
      },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as Omit<GraphQLResponse, 'status'>;
  };

  /**
   * `count` customers of the portfolio factory (a policy, a claim, scores each), as matching
   * leaves them (source records that say what their customer holds, the golden records
   * computed from them), with tiers computed.
   */
  async function customers(count: number): Promise<{ id: string; cifNo: string }[]> {
    const from = nextNumbers(count);
    const cifNos = await insertPortfolio(hub, count, from);
    const rows = await hub.sql<{ id: string; cif_no: string }>(
      `select id, cif_no from customer where cif_no = any($1) order by cif_no`,
      [cifNos],
    );
    await hub.app.services.tiers.drainQueue();
    return rows.map((r) => ({ id: r.id, cifNo: r.cif_no }));
  }

  const merge = async (survivor: string, absorbed: string, reason = REASON) =>
    ok(await hub.gql(MERGE, { survivor, absorbed, reason }, Role.STEWARD)).mergeCustomers;

  /** An open review task between two source records (matching's scores aside); its id. */
  const openTask = async (recordA: string, recordB: string, score = 20) =>
    (
      await hub.sql<{ id: string }>(
        `insert into match_review (id, record_a_id, record_b_id, score, rule, evidence)
         select gen_random_uuid(), least($1::uuid, $2::uuid), greatest($1::uuid, $2::uuid), $3,
           'PROBABILISTIC', '[]' returning id`,
        [recordA, recordB, score],
      )
    )[0]!.id;

  /** The first source record of each customer, by id. */
  const firstRecords = async (...customerIds: string[]) =>
    new Map(
      (
        await hub.sql<{ customer_id: string; id: string }>(
          `select distinct on (customer_id) customer_id, id from source_record
           where customer_id = any($1) order by customer_id, received_at, id`,
          [customerIds],
        )
      ).map((r) => [r.customer_id, r.id]),
    );

  const ingest = async (...records: Record<string, unknown>[]) =>
    ok(await hub.gql(INGEST_CUSTOMERS, { records }, Role.INGEST)).ingestCustomers.records as {
      id: string;
      status: string;
    }[];

  /** Record `k`'s mobile, as a contact point without its verification. */
  const mobileOf = (k: number) => ({ kind: 'MOBILE', value: mobile(k) });

  /** Record `k` of the factory without documents: only matching's scores hold it. */
  const undocumented = (k: number, overrides: Record<string, unknown> = {}) =>
    customerRecord(k, { identityDocuments: [], ...overrides });

  /** A steward's word that customers `a` and `b` are two people. */
  const markDifferent = async (a: string, b: string) =>
    ok(
      await hub.gql(
        `mutation ($a: ID!, $b: ID!) {
          markDifferentCustomers(customerIdA: $a, customerIdB: $b, reason: "two people") { id } }`,
        { a, b },
        Role.STEWARD,
      ),
    );

  /**
   * Customers A (record n) and B (record n + 1) that a steward said are different, B with a
   * second record (CLAIMS) that joined it: no documents, so only the decision keeps them apart.
   */
  async function keptApart(n: number) {
    const [a] = await ingest(undocumented(n));
    const [b] = await ingest(undocumented(n + 1));
    await markDifferent(a!.id, b!.id);
    const [c] = await ingest(undocumented(n + 1, { sourceSystem: 'CLAIMS' }));
    expect(c!.id).toBe(b!.id);
    return { a: a!, b: b! };
  }

  /**
   * Every row that refers to these customers, table by table (every table a merge moves),
   * the customers' own rows and the decisions on their records, without the bookkeeping
   * columns a merge and an unmerge stamp (updated_at, version).
   */
  async function snapshot(ids: string[]): Promise<Record<string, unknown[]>> {
    const rows = async (table: string, where: string, values: unknown[]) =>
      (
        await hub.sql<{ row: unknown }>(
          `select to_jsonb(t) - 'updated_at' - 'version' as row from ${table} t
           where ${where} order by (to_jsonb(t) - 'updated_at' - 'version')::text`,
          values,
        )
      ).map((r) => r.row);
    const state: Record<string, unknown[]> = {
      customer: await rows('customer', 'id = any($1)', [ids]),
      match_decision: await rows(
        'match_decision',
        `exists (select 1 from source_record sr where sr.customer_id = any($1)
           and sr.id in (t.record_a_id, t.record_b_id))`,
        [ids],
      ),
    };
    for (const ref of CUSTOMER_REFERENCES.filter((r) => r.merge === 'move')) {
      state[`${ref.table}.${ref.column}`] = await rows(ref.table, `${ref.column} = any($1)`, [ids]);
    }
    return state;
  }

  describe('merging customers', () => {
    it('declares what a merge does with every foreign key to customer', async () => {
      const keys = await hub.sql<{ table: string; column: string }>(
        `select c.conrelid::regclass::text as table, a.attname as column
         from pg_constraint c
         join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any(c.conkey)
         where c.contype = 'f' and c.confrelid = 'customer'::regclass
         order by 1, 2`,
      );
      const names = (refs: { table: string; column: string }[]) =>
        refs.map(({ table, column }) => `${table}.${column}`).sort();
      expect(names([...CUSTOMER_REFERENCES])).toEqual(names(keys));
    });

    it('moves every row of the absorbed customer to the survivor, and an unmerge restores exactly what was', async () => {
      const [a, b, x] = await customers(3);
      // B is also a holder on A's policy (a role both hold), and X was merged into B before.
      await hub.sql(
        `insert into policy_party (policy_id, customer_id, role)
         select policy_id, $2, role from policy_party where customer_id = $1 and role = 'POLICYHOLDER'`,
        [a!.id, b!.id],
      );
      await recordDecision(hub, b!.id);
      const earlier = await merge(b!.id, x!.id);
      await hub.app.services.tiers.drainQueue();
      const before = await snapshot([a!.id, b!.id, x!.id]);

      hub.clock.set(new Date(Date.now() + 60_000));
      try {
        const merged = await merge(a!.id, b!.id);
        expect(merged).toMatchObject({
          kind: 'STEWARD',
          mergedBy: 'test-steward (steward)',
          reason: REASON,
          survivor: { id: a!.id },
          absorbed: { id: b!.id, status: 'MERGED' },
        });
        const moved = Object.fromEntries(
          merged.changes.map((m: { table: string }) => [m.table, m]),
        );
        expect(moved).toMatchObject({
          source_record: { changed: 2, removed: 0 },
          claim: { changed: 2 },
          policy_party: { changed: 4, removed: 1 },
          eligibility_decision: { changed: 1 },
          customer: { changed: 1 },
          // B's open tier ended; its history stays B's.
          tier_assignment: { changed: 1, removed: 0 },
        });
        expect(await snapshot([a!.id, b!.id, x!.id])).not.toEqual(before);
        const [rowsOfB] = await hub.sql<{ n: number }>(
          `select (select count(*) from source_record where customer_id = $1)
            + (select count(*) from policy_party where customer_id = $1)
            + (select count(*) from claim where claimant_id = $1)
            + (select count(*) from risk_score where customer_id = $1)
            + (select count(*) from identity_document where customer_id = $1)
            + (select count(*) from contact_point where customer_id = $1)
            + (select count(*) from eligibility_decision where customer_id = $1) as n`,
          [b!.id],
        );
        expect(Number(rowsOfB!.n)).toBe(0);
        // X, merged into B before, now points at A: a merged-away id resolves in one step.
        const [chained] = await hub.sql(`select merged_into_id from customer where id = $1`, [
          x!.id,
        ]);
        expect(chained).toEqual({ merged_into_id: a!.id });
        // B's tier ended at the merge and its history stays B's: A has one tier on any day.
        const [tiersOfB] = await hub.sql(
          `select count(*)::int as periods, count(*) filter (where valid_to is null)::int as open
           from tier_assignment where customer_id = $1`,
          [b!.id],
        );
        expect(tiersOfB).toEqual({ periods: expect.any(Number), open: 0 });
        expect(tiersOfB!.periods).toBeGreaterThan(0);
        const queued = await hub.sql(
          `select customer_id from tier_recompute_queue where customer_id = $1`,
          [a!.id],
        );
        expect(queued).toHaveLength(1);
        // A steward reading A finds both: the one to undo first, then the one it took in.
        const history = ok(
          await hub.gql(
            `query ($id: ID!) { customer(by: { id: $id }) { merges { id } } }`,
            { id: a!.id },
            Role.STEWARD,
          ),
        ).customer.merges;
        expect(history).toEqual([{ id: merged.id }, { id: earlier.id }]);
        // The earlier merge cannot be undone while its survivor is merged away.
        const refused = await hub.gql(UNMERGE, { id: earlier.id, reason: 'wrong' }, Role.STEWARD);
        expect(refused.errors?.[0]?.extensions).toMatchObject({
          code: 'CONFLICT',
          rule: 'MERGED_SINCE',
          laterMerge: merged.id,
        });

        const undone = ok(
          await hub.gql(UNMERGE, { id: merged.id, reason: 'two brothers' }, Role.STEWARD),
        ).unmergeCustomers;
        expect(undone).toMatchObject({
          id: merged.id,
          unmergedBy: 'test-steward (steward)',
          unmergeReason: 'two brothers',
        });
        expect(await snapshot([a!.id, b!.id, x!.id])).toEqual(before);
        const again = await hub.gql(UNMERGE, { id: merged.id, reason: 'again' }, Role.STEWARD);
        expect(again.errors?.[0]?.extensions).toMatchObject({ rule: 'ALREADY_UNMERGED' });
      } finally {
        hub.clock.set(undefined);
      }
    });

    it("brings the absorbed customer's tier history along to the survivor, and takes it back when undone", async () => {
      const [a, b] = await customers(2);
      const HISTORY = `query ($id: ID!) { customer(by: { id: $id }) {
        tier { customerId } tierHistory(first: 50) { totalCount nodes { customerId validTo } } } }`;
      const history = async (id: string) =>
        ok(await hub.gql(HISTORY, { id }, Role.UNDERWRITING)).customer as {
          tier: { customerId: string };
          tierHistory: { totalCount: number; nodes: { customerId: string; validTo: string }[] };
        };
      const holders = (h: Awaited<ReturnType<typeof history>>) =>
        [...new Set(h.tierHistory.nodes.map((n) => n.customerId))].sort();
      expect(holders(await history(a!.id))).toEqual([a!.id]);
      const before = (await history(a!.id)).tierHistory.totalCount;
      const ofB = (await history(b!.id)).tierHistory.totalCount;

      const merged = await merge(a!.id, b!.id);
      await hub.app.services.tiers.drainQueue();
      const after = await history(a!.id);
      expect(holders(after)).toEqual([a!.id, b!.id].sort());
      expect(after.tier.customerId).toBe(a!.id);
      // B's periods are its own, closed at the merge; A's go on, recomputed.
      expect(after.tierHistory.nodes.filter((n) => n.customerId === b!.id)).toHaveLength(ofB);
      expect(
        after.tierHistory.nodes.filter((n) => n.customerId === b!.id && n.validTo === null),
      ).toEqual([]);
      expect(after.tierHistory.totalCount).toBeGreaterThanOrEqual(before + ofB);

      ok(await hub.gql(UNMERGE, { id: merged.id, reason: 'two people' }, Role.STEWARD));
      expect(holders(await history(a!.id))).toEqual([a!.id]);
      expect(holders(await history(b!.id))).toEqual([b!.id]);
    });

    it('merges many pairs in as many statements as one pair', async () => {
      const pairs = await customers(10);
      const run = (n: number) =>
        countStatements(() =>
          hub.app.orm.em.fork().transactional((em) =>
            mergeCustomers(
              em,
              hub.clock,
              Array.from({ length: n }, (_, i) => ({
                survivorId: pairs[2 * i + (n === 1 ? 0 : 2)]!.id,
                absorbedId: pairs[2 * i + (n === 1 ? 1 : 3)]!.id,
                kind: MergeKind.AUTOMATIC,
                mergedBy: 'matching',
              })),
            ),
          ),
        );
      const one = await run(1);
      const four = await run(4);
      expect(one.result).toHaveLength(1);
      expect(four.result).toHaveLength(4);
      expect(four.statements).toHaveLength(one.statements.length);
    });

    it('undoes an automatic merge with a do-not-merge decision, and a steward merge by removing its own', async () => {
      const [a, b, c, d] = await customers(4);
      const records = await firstRecords(a!.id, b!.id, c!.id, d!.id);
      // A task between them, which the merge supersedes...
      const task = await openTask(records.get(a!.id)!, records.get(b!.id)!);
      const [automatic] = await hub.app.orm.em.fork().transactional((em) =>
        mergeCustomers(em, hub.clock, [
          {
            survivorId: a!.id,
            absorbedId: b!.id,
            kind: MergeKind.AUTOMATIC,
            evidence: { rule: 'identity document' },
            mergedBy: 'matching',
          },
        ]),
      );
      await hub.app.orm.em
        .fork()
        .transactional((em) => unmergeCustomers(em, hub.clock, automatic!, 'matching', 'a twin'));
      // ...and which stays superseded: the two are different customers now, never proposed.
      expect(await hub.sql(`select status from match_review where id = $1`, [task])).toEqual([
        { status: 'SUPERSEDED' },
      ]);
      // Between each customer's first record: after a merge both are the survivor's.
      const decisionsOf = (x: string, y: string) =>
        hub.sql(
          `select verdict, reason from match_decision
           where record_a_id = least($1::uuid, $2::uuid) and record_b_id = greatest($1::uuid, $2::uuid)`,
          [records.get(x), records.get(y)],
        );
      expect(await decisionsOf(a!.id, b!.id)).toEqual([
        { verdict: 'DIFFERENT_CUSTOMERS', reason: 'a twin' },
      ]);

      const steward = await merge(c!.id, d!.id);
      expect(await decisionsOf(c!.id, d!.id)).toEqual([
        { verdict: 'SAME_CUSTOMER', reason: REASON },
      ]);
      ok(await hub.gql(UNMERGE, { id: steward.id, reason: 'not the same' }, Role.STEWARD));
      expect(await decisionsOf(c!.id, d!.id)).toEqual([]);
    });
  });

  describe('a merged-away customer', () => {
    it('is found by its id and CIF number as the survivor, saying which customer was asked for', async () => {
      const [a, b] = await customers(2);
      const merged = await merge(a!.id, b!.id);
      for (const by of [{ id: b!.id }, { cifNo: b!.cifNo }]) {
        const found = ok(await hub.gql(LOOKUP, { by }, Role.FRONTLINE)).customer;
        expect(found).toEqual({
          id: a!.id,
          cifNo: a!.cifNo,
          status: 'ACTIVE',
          resolvedFrom: b!.id,
        });
      }
      const survivor = ok(await hub.gql(LOOKUP, { by: { id: a!.id } }, Role.FRONTLINE)).customer;
      expect(survivor.resolvedFrom).toBeNull();
      // The steward finds the merge on either customer, to undo it.
      const merges = ok(
        await hub.gql(
          `query ($by: CustomerLookup!) { customer(by: $by) { merges { id kind survivor { id } absorbed { id } } } }`,
          { by: { cifNo: b!.cifNo } },
          Role.STEWARD,
        ),
      ).customer.merges;
      expect(merges).toEqual([
        { id: merged.id, kind: 'STEWARD', survivor: { id: a!.id }, absorbed: { id: b!.id } },
      ]);
      ok(await hub.gql(UNMERGE, { id: merged.id, reason: 'not the same' }, Role.STEWARD));
      const again = ok(await hub.gql(LOOKUP, { by: { id: b!.id } }, Role.FRONTLINE)).customer;
      expect(again).toEqual({ id: b!.id, cifNo: b!.cifNo, status: 'ACTIVE', resolvedFrom: null });
    });
    it('refuses to merge a merged-away customer, naming the argument that holds it', async () => {
      const [a, b, c, d] = await customers(4);
      await merge(b!.id, a!.id);
      await merge(c!.id, b!.id);
      const refusal = async (survivor: string, absorbed: string) =>
        (await hub.gql(MERGE, { survivor, absorbed, reason: REASON }, Role.STEWARD)).errors?.[0];
      const asSurvivor = await refusal(b!.id, d!.id);
      expect(asSurvivor?.extensions).toMatchObject({
        code: 'CONFLICT',
        field: 'survivorId',
        rule: 'ALREADY_MERGED',
        mergedInto: c!.id,
      });
      expect(asSurvivor?.message).toContain('merge that one instead');
      expect((await refusal(d!.id, b!.id))?.extensions).toMatchObject({
        field: 'absorbedId',
        rule: 'ALREADY_MERGED',
      });
      // Already inside the survivor: nothing to do, and nothing else to merge instead.
      const inside = await refusal(c!.id, b!.id);
      expect(inside?.extensions).toMatchObject({ field: 'absorbedId', rule: 'ALREADY_MERGED' });
      expect(inside?.message).toBe(`absorbedId: customer ${b!.id} is already merged into ${c!.id}`);
    });
  });

  describe('the review queue', () => {
    /** A review task between the first source records of two customers. */
    async function review(
      x: string,
      y: string,
      score: number,
      createdAt: Date,
    ): Promise<{ id: string; records: string[] }> {
      const id = randomUUID();
      const [row] = await hub.sql<{ a: string; b: string }>(
        `insert into match_review (id, record_a_id, record_b_id, score, rule, evidence, created_at)
         select $1, least(rx.id, ry.id), greatest(rx.id, ry.id), $4, 'name+birth date', $5, $6
         from source_record rx, source_record ry where rx.customer_id = $2 and ry.customer_id = $3
         returning record_a_id as a, record_b_id as b`,
        [
          id,
          x,
          y,
          score,
          JSON.stringify([
            { field: 'name', outcome: 'AGREE', weight: 11.2, detail: 'same pinyin' },
            { field: 'birthDate', outcome: 'AGREE', weight: 4.5 },
            { field: 'mobile', outcome: 'DISAGREE', weight: -3.3 },
          ]),
          createdAt,
        ],
      );
      return { id, records: [row!.a, row!.b] };
    }

    it('lists open tasks by score, then age, with their evidence, records and customers', async () => {
      const [a, b, c, d] = await customers(4);
      const now = hub.clock.now().getTime();
      const day = 86_400_000;
      const older = await review(a!.id, b!.id, 12.4, new Date(now - 2 * day));
      const newer = await review(c!.id, d!.id, 12.4, new Date(now - day));
      const best = await review(a!.id, c!.id, 17.25, new Date(now));
      const mine = new Set([older.id, newer.id, best.id]);
      const ids: string[] = [];
      let after: string | undefined;
      let first: Record<string, any> | undefined;
      // Page by page, two at a time: the cursor keeps the order.
      for (;;) {
        const page = ok(
          await hub.gql(REVIEWS, { status: 'OPEN', first: 2, after }, Role.STEWARD),
        ).matchReviews;
        for (const node of page.nodes) {
          if (!mine.has(node.id)) continue;
          ids.push(node.id);
          if (node.id === best.id) first = node;
        }
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(ids).toEqual([best.id, older.id, newer.id]);
      // A page is one statement, records, customers and evidence included (the caller's
      // branch already known, as in read-statements.test.ts).
      const { statements } = await countStatements(() =>
        hub.gql(REVIEWS, { first: 20 }, Role.STEWARD),
      );
      expect(statements).toHaveLength(1);
      expect(first).toMatchObject({
        score: 17.25,
        rule: 'name+birth date',
        status: 'OPEN',
        decidedBy: null,
        evidence: [
          { field: 'name', outcome: 'AGREE', weight: 11.2, detail: 'same pinyin' },
          { field: 'birthDate', outcome: 'AGREE', weight: 4.5, detail: null },
          { field: 'mobile', outcome: 'DISAGREE', weight: -3.3, detail: null },
        ],
        recordA: { id: best.records[0], sourceSystem: 'POLICY_ADMIN' },
        recordB: { id: best.records[1], sourceSystem: 'POLICY_ADMIN' },
      });
      const customersOf = [first!.customerA.id, first!.customerB.id].sort();
      expect(customersOf).toEqual([a!.id, c!.id].sort());
    });

    it('merges the two customers when a steward approves, refuses a task already decided, and opens it again when the merge is undone', async () => {
      const [a, b] = await customers(2);
      const task = await review(b!.id, a!.id, 14, hub.clock.now());
      const approved = ok(
        await hub.gql(
          `mutation ($id: ID!, $reason: String!) { approveMatchReview(id: $id, reason: $reason) {
            status decidedBy decidedAt reason customerA { id } customerB { id } } }`,
          { id: task.id, reason: REASON },
          Role.STEWARD,
        ),
      ).approveMatchReview;
      // The older customer survives: both were created together, so the lower CIF number.
      expect(approved).toMatchObject({
        status: 'APPROVED',
        decidedBy: 'test-steward (steward)',
        reason: REASON,
        customerA: { id: a!.id },
        customerB: { id: a!.id },
      });
      const [absorbed] = await hub.sql(
        `select status, merged_into_id from customer where id = $1`,
        [b!.id],
      );
      expect(absorbed).toEqual({ status: 'MERGED', merged_into_id: a!.id });
      const [decision] = await hub.sql(
        `select verdict from match_decision where record_a_id = $1 and record_b_id = $2`,
        task.records,
      );
      expect(decision).toEqual({ verdict: 'SAME_CUSTOMER' });
      // Each record of the pair is held by the steward's link to the other, with the task's
      // comparison as its evidence; the merge undone, neither holds the other.
      const links = async () =>
        ok(
          await hub.gql(
            `query ($by: CustomerLookup!) { customer(by: $by) { sourceRecords {
              id sourceSystem sourceKey linkRule linkScore linkedWith linkEvidence { field weight } } } }`,
            { by: { id: a!.id } },
            Role.STEWARD,
          ),
        ).customer.sourceRecords as Record<string, any>[];
      const pair = await links();
      expect(pair).toHaveLength(2);
      const keyOf = (r: Record<string, any>) => `${r.sourceSystem}:${r.sourceKey}`;
      for (const [record, other] of [pair, [...pair].reverse()]) {
        expect(record).toMatchObject({
          linkRule: 'STEWARD',
          linkScore: 14,
          linkedWith: keyOf(other!),
          linkEvidence: [
            { field: 'name', weight: 11.2 },
            { field: 'birthDate', weight: 4.5 },
            { field: 'mobile', weight: -3.3 },
          ],
        });
      }
      for (const mutation of ['approveMatchReview', 'rejectMatchReview']) {
        const again = await hub.gql(
          `mutation ($id: ID!) { ${mutation}(id: $id, reason: "second look") { status } }`,
          { id: task.id },
          Role.STEWARD,
        );
        expect(again.errors?.[0]?.extensions).toMatchObject({
          code: 'CONFLICT',
          rule: 'ALREADY_DECIDED',
          status: 'APPROVED',
        });
      }
      const events = ok(
        await hub.gql(EVENTS, { filter: { targetType: 'MatchReview', targetId: task.id } }),
      ).auditEvents.nodes;
      expect(events).toEqual([
        expect.objectContaining({
          action: 'MATCH_DECISION',
          actorSubject: 'test-steward',
          actorRole: 'steward',
          purpose: REASON,
          details: expect.objectContaining({
            verdict: 'SAME_CUSTOMER',
            survivor: a!.id,
            absorbed: b!.id,
            records: task.records,
          }),
        }),
      ]);
      const [{ id: mergeId }] = await hub.sql<{ id: string }>(
        `select id from customer_merge where absorbed_id = $1`,
        [b!.id],
      );
      ok(await hub.gql(UNMERGE, { id: mergeId, reason: 'not the same' }, Role.STEWARD));
      expect(await links()).toEqual([
        expect.objectContaining({
          linkRule: null,
          linkScore: null,
          linkedWith: null,
          linkEvidence: [],
        }),
      ]);
      // And the task is open again, as before the merge: the approval stays in the audit log.
      const [reopened] = await hub.sql(
        `select status, decided_by, reason from match_review where id = $1`,
        [task.id],
      );
      expect(reopened).toEqual({ status: 'OPEN', decided_by: null, reason: null });
      // The unmerge's entry names it, and the rows that went back by key, as the merge's did.
      const entries = await hub.sql<{ action: string; details: Record<string, any> }>(
        `select action, details from audit_event
         where action in ('CUSTOMER_MERGE', 'CUSTOMER_UNMERGE') and details->>'merge' = $1
         order by id`,
        [mergeId],
      );
      expect(entries.map((e) => e.action)).toEqual(['CUSTOMER_MERGE', 'CUSTOMER_UNMERGE']);
      const [merged, unmerged] = entries.map((e) => e.details);
      expect(unmerged!.reviewsReopened).toEqual([task.id]);
      expect([unmerged!.changed, unmerged!.removed]).toEqual([merged!.changed, merged!.removed]);
      expect(unmerged!.changed.source_record.ids).toHaveLength(1);
    });

    it('matches again, once a merge is undone, the records their sources changed while merged', async () => {
      const n = nextNumbers(2);
      // Namesakes of a common name, birth date and sex: a task. Re-sent while merged with
      // one mobile each, they hold what links two records by itself.
      const pair = (contacts: object[]) =>
        [
          ['POLICY_ADMIN', n],
          ['APP', n + 1],
        ].map(([sourceSystem, k]) =>
          customerRecord(k as number, {
            sourceSystem,
            name: '李娜',
            gender: 'FEMALE',
            birthDate: addDays('1961-01-01', n % 10_000),
            identityDocuments: [],
            contactPoints: contacts,
          }),
        );
      const [a, b] = await ingest(...pair([]));
      expect(a!.id).not.toBe(b!.id);
      const tasks = async () =>
        hub.sql<{ id: string; status: string }>(
          `select m.id, m.status from match_review m join source_record r on r.id in (m.record_a_id, m.record_b_id)
           where r.customer_id = any($1) group by m.id`,
          [[a!.id, b!.id]],
        );
      const [task] = await tasks();
      expect(task).toMatchObject({ status: 'OPEN' });
      ok(
        await hub.gql(
          `mutation ($id: ID!) { approveMatchReview(id: $id, reason: "same") { status } }`,
          { id: task!.id },
          Role.STEWARD,
        ),
      );
      const resent = pair([{ kind: 'MOBILE', value: mobile(n) }]);
      expect((await ingest(...resent)).map((r) => r.status)).toEqual(['UPDATED', 'UPDATED']);
      const [{ id: mergeId }] = await hub.sql<{ id: string }>(
        `select id from customer_merge where absorbed_id = any($1) and unmerged_at is null`,
        [[a!.id, b!.id]],
      );
      ok(await hub.gql(UNMERGE, { id: mergeId, reason: 'undo' }, Role.STEWARD));
      // As had they changed after the unmerge: one customer, by matching, the task superseded.
      const holders = await hub.sql<{ customer_id: string; link_rule: string }>(
        `select distinct customer_id, link_evidence->>'rule' as link_rule from source_record
         where source_key = any($1)`,
        [resent.map((r) => r.sourceKey)],
      );
      expect(holders).toEqual([{ customer_id: expect.any(String), link_rule: 'PROBABILISTIC' }]);
      expect(await tasks()).toEqual([expect.objectContaining({ status: 'SUPERSEDED' })]);
      // And a resend of the same finds them where they are.
      expect((await ingest(...resent)).map((r) => r.status)).toEqual(['UNCHANGED', 'UNCHANGED']);
      const [{ details }] = await hub.sql<{ details: { rematched: string[] } }>(
        `select details from audit_event where action = 'CUSTOMER_UNMERGE' and details->>'merge' = $1`,
        [mergeId],
      );
      expect(details.rematched).toHaveLength(2);
      // Kept apart for good by undoing the merge matching made.
      const [{ id: again }] = await hub.sql<{ id: string }>(
        `select id from customer_merge where kind = 'AUTOMATIC' and unmerged_at is null
           and survivor_id = any($1) and absorbed_id = any($1)`,
        [[a!.id, b!.id]],
      );
      ok(await hub.gql(UNMERGE, { id: again, reason: 'two people' }, Role.STEWARD));
      expect((await ingest(...resent)).map((r) => r.id)).toEqual([a!.id, b!.id]);
    });

    it('keeps each customer with its own first record when records matched again after an unmerge were joined by a third', async () => {
      const n = nextNumbers(3);
      const address = `南京市玄武区中山路${n}号`;
      const person = (sourceSystem: string, k: number, contacts: object[]) =>
        customerRecord(k, {
          sourceSystem,
          name: '李娜',
          gender: 'FEMALE',
          birthDate: addDays('1962-01-01', n % 10_000),
          identityDocuments: [],
          contactPoints: contacts,
        });
      const phone = { kind: 'MOBILE', value: mobile(n) };
      const both = [phone, { kind: 'ADDRESS', value: address }];
      const [a] = await ingest(person('POLICY_ADMIN', n, [phone]));
      const [b] = await ingest(person('APP', n + 1, []));
      // A steward says A and B are two people; B then gains A's mobile, and C comes, as
      // like one as the other: tasks C~A and C~B.
      await markDifferent(a!.id, b!.id);
      await ingest(person('APP', n + 1, [phone]));
      const [c] = await ingest(person('CLAIMS', n + 2, [phone]));
      expect(new Set([a!.id, b!.id, c!.id]).size).toBe(3);
      // Then the steward merges them after all; while merged, A and B are re-sent with the
      // same address, and matching joins C to them.
      const merged = await merge(a!.id, b!.id);
      await ingest(person('POLICY_ADMIN', n, both), person('APP', n + 1, both));
      const holders = async () =>
        Object.fromEntries(
          (
            await hub.sql<{ source_system: string; customer_id: string }>(
              `select source_system, customer_id from source_record where source_key = any($1)`,
              [[`PA-${n}`, `PA-${n + 1}`, `PA-${n + 2}`]],
            )
          ).map((r) => [r.source_system, r.customer_id]),
        );
      expect(new Set(Object.values(await holders())).size).toBe(1);
      ok(await hub.gql(UNMERGE, { id: merged.id, reason: 'undo' }, Role.STEWARD));
      // A and B each keep their own id: neither is handed to C's record. C's record is as
      // it was before the merge: as like one as the other, a customer of its own, and a
      // steward is asked again which of the two it is.
      const after = await holders();
      expect(after).toMatchObject({ POLICY_ADMIN: a!.id, APP: b!.id });
      expect([a!.id, b!.id]).not.toContain(after.CLAIMS);
      const open = await hub.sql<{ other: string }>(
        `select o.source_system as other from match_review r
         join source_record s on s.id in (r.record_a_id, r.record_b_id)
         join source_record o on o.id in (r.record_a_id, r.record_b_id) and o.id <> s.id
         where s.source_key = $1 and s.source_system = 'CLAIMS' and r.status = 'OPEN'
           and r.rule = 'AMBIGUOUS' order by 1`,
        [`PA-${n + 2}`],
      );
      expect(open).toEqual([{ other: 'APP' }, { other: 'POLICY_ADMIN' }]);
    });

    it('lets underwriting read the review tasks and their evidence, and no one else but stewards and administrators', async () => {
      const [a, b] = await customers(2);
      const task = await review(a!.id, b!.id, 19.5, hub.clock.now());
      const read = async (role: Role) => {
        const found: Record<string, any>[] = [];
        let after: string | undefined;
        for (;;) {
          const res = await hub.gql(REVIEWS, { first: 50, after }, role);
          if (res.errors) return res.errors[0]!.extensions;
          const page = res.data!.matchReviews;
          found.push(...page.nodes.filter((node: { id: string }) => node.id === task.id));
          if (!page.pageInfo.hasNextPage) return found;
          after = page.pageInfo.endCursor;
        }
      };
      expect(await read(Role.UNDERWRITING)).toEqual([
        expect.objectContaining({
          score: 19.5,
          evidence: expect.arrayContaining([
            { field: 'name', outcome: 'AGREE', weight: 11.2, detail: 'same pinyin' },
          ]),
        }),
      ]);
      for (const role of [Role.FRONTLINE, Role.MARKETING, Role.INGEST]) {
        expect(await read(role)).toMatchObject({ code: 'FORBIDDEN' });
      }
      const decided = await hub.gql(
        `mutation ($id: ID!) { approveMatchReview(id: $id, reason: "looks the same") { status } }`,
        { id: task.id },
        Role.UNDERWRITING,
      );
      expect(decided.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    });

    it('closes with a rejection the other open tasks between the same two customers', async () => {
      const [m, n] = [nextNumbers(1), nextNumbers(1)];
      // Two records of each customer, a task between each pair of them.
      const records = await ingest(
        customerRecord(m),
        customerRecord(m, { sourceSystem: 'APP', sourceKey: `APP-${m}` }),
        customerRecord(n),
        customerRecord(n, { sourceSystem: 'APP', sourceKey: `APP-${n}` }),
      );
      expect(new Set(records.map((r) => r.id)).size).toBe(2);
      const sources = await hub.sql<{ id: string; source_key: string }>(
        `select id, source_key from source_record where source_key = any($1) order by source_key`,
        [[`PA-${m}`, `APP-${m}`, `PA-${n}`, `APP-${n}`]],
      );
      const key = (k: string) => sources.find((r) => r.source_key === k)!.id;
      const first = await openTask(key(`PA-${m}`), key(`PA-${n}`));
      const second = await openTask(key(`APP-${m}`), key(`APP-${n}`));
      ok(
        await hub.gql(
          `mutation ($id: ID!) { rejectMatchReview(id: $id, reason: "two people") { status } }`,
          { id: first },
          Role.STEWARD,
        ),
      );
      const [left] = await hub.sql(`select status, reason from match_review where id = $1`, [
        second,
      ]);
      expect(left).toEqual({ status: 'REJECTED', reason: 'two people' });
    });

    it('records a do-not-merge when a steward rejects', async () => {
      const [a, b] = await customers(2);
      const task = await review(a!.id, b!.id, 11, hub.clock.now());
      const rejected = ok(
        await hub.gql(
          `mutation ($id: ID!, $reason: String!) { rejectMatchReview(id: $id, reason: $reason) {
            status decidedBy reason } }`,
          { id: task.id, reason: 'father and son' },
          Role.STEWARD,
        ),
      ).rejectMatchReview;
      expect(rejected).toEqual({
        status: 'REJECTED',
        decidedBy: 'test-steward (steward)',
        reason: 'father and son',
      });
      const [decision] = await hub.sql(
        `select verdict, reason from match_decision where record_a_id = $1 and record_b_id = $2`,
        task.records,
      );
      expect(decision).toEqual({ verdict: 'DIFFERENT_CUSTOMERS', reason: 'father and son' });
      const [customer] = await hub.sql(`select status from customer where id = $1`, [b!.id]);
      expect(customer).toEqual({ status: 'ACTIVE' });
      const [event] = ok(
        await hub.gql(EVENTS, { filter: { targetType: 'MatchReview', targetId: task.id } }),
      ).auditEvents.nodes;
      expect(event).toMatchObject({
        action: 'MATCH_DECISION',
        details: { verdict: 'DIFFERENT_CUSTOMERS', records: task.records },
      });
    });
  });

  describe('keeping customers apart', () => {
    it('records DIFFERENT_CUSTOMERS between their records, rejects open tasks between them, and audits it', async () => {
      const [a, b] = await customers(2);
      const records = await firstRecords(a!.id, b!.id);
      const task = await openTask(records.get(a!.id)!, records.get(b!.id)!, 13);
      const decision = ok(
        await hub.gql(
          `mutation ($a: ID!, $b: ID!, $reason: String!) {
            markDifferentCustomers(customerIdA: $a, customerIdB: $b, reason: $reason) {
              id verdict reason decidedBy recordA { id } recordB { id } } }`,
          { a: a!.id, b: b!.id, reason: 'household sharing a phone' },
          Role.STEWARD,
        ),
      ).markDifferentCustomers;
      expect(decision).toMatchObject({
        verdict: 'DIFFERENT_CUSTOMERS',
        reason: 'household sharing a phone',
        decidedBy: 'test-steward (steward)',
      });
      const [status] = await hub.sql(`select status, decided_by from match_review where id = $1`, [
        task,
      ]);
      expect(status).toEqual({ status: 'REJECTED', decided_by: 'test-steward (steward)' });
      const [event] = ok(
        await hub.gql(EVENTS, { filter: { actions: ['MATCH_DECISION'], targetId: a!.id } }),
      ).auditEvents.nodes;
      expect(event).toMatchObject({
        actorSubject: 'test-steward',
        purpose: 'household sharing a phone',
        details: {
          verdict: 'DIFFERENT_CUSTOMERS',
          customers: [a!.id, b!.id],
          decision: decision.id,
          reviewsRejected: [task],
        },
      });
    });

    it('keeps a mobile, an ID number or an e-mail typed into a reason masked, with the decision and in the audit log', async () => {
      const [a, b] = await customers(2);
      const decision = ok(
        await hub.gql(
          `mutation ($a: ID!, $b: ID!, $reason: String!) {
            markDifferentCustomers(customerIdA: $a, customerIdB: $b, reason: $reason) { id reason } }`,
          {
            a: a!.id,
            b: b!.id,
            reason: `called 13800138000 and ${residentId(1)}, mail wang@example.com: two people`,
          },
          Role.STEWARD,
        ),
      ).markDifferentCustomers;
      const masked = 'called [digits] and [digits], mail [e-mail]: two people';
      expect(decision.reason).toBe(masked);
      const [event] = ok(
        await hub.gql(EVENTS, { filter: { actions: ['MATCH_DECISION'], targetId: a!.id } }),
      ).auditEvents.nodes;
      expect(event.purpose).toBe(masked);
    });

    it('keeps the two customers apart after the record the decision was first made on moves away', async () => {
      const n = nextNumbers(3);
      const [e] = await ingest(undocumented(n));
      await ingest(undocumented(n, { sourceSystem: 'APP', sourceKey: `APP-${n}` }));
      // F: E's name, another mobile and e-mail; then a steward says they are two people.
      const claims = { sourceSystem: 'CLAIMS', sourceKey: `CL-${n}` };
      const other = undocumented(n + 1).contactPoints;
      const [f] = await ingest(undocumented(n, { ...claims, contactPoints: other }));
      expect(f!.id).not.toBe(e!.id);
      await markDifferent(e!.id, f!.id);

      // E's first record is re-sent as someone else, and leaves E.
      const [moved] = await ingest(undocumented(n + 2, { sourceKey: `PA-${n}` }));
      expect(moved!.id).not.toBe(e!.id);
      // F's record now agrees with E's remaining one on everything.
      const [resent] = await ingest(undocumented(n, claims));
      expect(resent).toMatchObject({ status: 'UPDATED', id: f!.id });
      const [customerF] = await hub.sql(
        `select status, merged_into_id from customer where id = $1`,
        [f!.id],
      );
      expect(customerF).toEqual({ status: 'ACTIVE', merged_into_id: null });
    });

    it('keeps the two customers apart through a record that joined one of them after the decision', async () => {
      const n = nextNumbers(3);
      const [e] = await ingest(undocumented(n));
      const claims = { sourceSystem: 'CLAIMS', sourceKey: `CL-${n}` };
      const [f] = await ingest(
        undocumented(n, { ...claims, contactPoints: undocumented(n + 1).contactPoints }),
      );
      expect(f!.id).not.toBe(e!.id);
      await markDifferent(e!.id, f!.id);
      // E gains a record, and then loses the one it had when the steward decided.
      const [joined] = await ingest(
        undocumented(n, { sourceSystem: 'APP', sourceKey: `APP-${n}` }),
      );
      expect(joined!.id).toBe(e!.id);
      await ingest(undocumented(n + 2, { sourceKey: `PA-${n}` }));
      const [resent] = await ingest(undocumented(n, claims));
      expect(resent).toMatchObject({ status: 'UPDATED', id: f!.id });
    });

    it('keeps a record apart from the other customer in the very batch the decided record leaves its own', async () => {
      const n = nextNumbers(3);
      const home = { kind: 'ADDRESS', value: `南京市鼓楼区北京西路${n}号` };
      const mail = { kind: 'EMAIL', value: `q${n}@example.cn` };
      const [x] = await ingest(undocumented(n, { contactPoints: [mobileOf(n), home] }));
      const claims = { sourceSystem: 'CLAIMS', sourceKey: `CL-${n}` };
      const [y] = await ingest(
        undocumented(n, { ...claims, contactPoints: [mobileOf(n + 1), mail] }),
      );
      expect(y!.id).not.toBe(x!.id);
      await markDifferent(x!.id, y!.id);
      // The app's record has X's mobile and address, and Y's e-mail: X's, by the address.
      const app = { sourceSystem: 'APP', sourceKey: `APP-${n}` };
      const [joined] = await ingest(
        undocumented(n, { ...app, contactPoints: [mobileOf(n), home, mail] }),
      );
      expect(joined!.id).toBe(x!.id);
      // X's first record is re-sent as someone else: what tied the app's record to X goes
      // with it, and only Y's e-mail is left in common. The steward's word holds for it.
      await ingest(undocumented(n + 2, { sourceKey: `PA-${n}` }));
      const holders = await hub.sql<{ source_system: string; customer_id: string }>(
        `select source_system, customer_id from source_record
         where source_key in ($1, $2) order by 1`,
        [app.sourceKey, claims.sourceKey],
      );
      expect(holders).toEqual([
        { source_system: 'APP', customer_id: x!.id },
        { source_system: 'CLAIMS', customer_id: y!.id },
      ]);
      const [customerY] = await hub.sql(`select status from customer where id = $1`, [y!.id]);
      expect(customerY).toEqual({ status: 'ACTIVE' });
    });

    /** X and Y, one name and each a mobile of its own (Y the claims system's), kept apart. */
    const namesakesApart = async (n: number) => {
      const [x] = await ingest(undocumented(n, { contactPoints: [mobileOf(n)] }));
      const claims = { sourceSystem: 'CLAIMS', sourceKey: `CL-${n}` };
      const [y] = await ingest(undocumented(n, { ...claims, contactPoints: [mobileOf(n + 1)] }));
      expect(y!.id).not.toBe(x!.id);
      await markDifferent(x!.id, y!.id);
      return { x: x!, y: y!, claims };
    };

    it.each([
      ['rejects its task with one of them', 'reject'],
      ['marks its customer different from one of them', 'mark'],
    ])(
      'gives a record torn between two people to the other at once when a steward %s',
      async (_, how) => {
        const n = nextNumbers(2);
        const { x, y } = await namesakesApart(n);
        // The name both bear and the mobile of each: as like X as Y.
        const app = {
          sourceSystem: 'APP',
          sourceKey: `APP-${n}`,
          contactPoints: [mobileOf(n), mobileOf(n + 1)],
        };
        const [torn] = await ingest(undocumented(n, app));
        expect([x.id, y.id]).not.toContain(torn!.id);
        const tasks = () =>
          hub.sql<{ id: string; other: string; status: string }>(
            `select r.id, o.source_system as other, r.status from match_review r
           join source_record s on s.id in (r.record_a_id, r.record_b_id)
           join source_record o on o.id in (r.record_a_id, r.record_b_id) and o.id <> s.id
           where s.source_system = 'APP' and s.source_key = $1 and r.rule = 'AMBIGUOUS'
           order by 2`,
            [app.sourceKey],
          );
        // Y's record is the claims system's.
        const [withY, withX] = await tasks();
        expect([withY!.other, withX!.other]).toEqual(['CLAIMS', 'POLICY_ADMIN']);
        if (how === 'reject') {
          ok(
            await hub.gql(
              `mutation ($id: ID!) { rejectMatchReview(id: $id, reason: "not Y") { status } }`,
              { id: withY!.id },
              Role.STEWARD,
            ),
          );
        } else {
          await markDifferent(torn!.id, y.id);
        }
        // Not Y, so X: as matching would have it had the decision come first.
        expect((await recordOf('APP', app.sourceKey)).customer_id).toBe(x.id);
        // Its customer of its own, merged into X's, still resolves.
        expect(
          await hub.sql(
            `select status, merged_into_id = $2 as into_x from customer where id = $1`,
            [torn!.id, x.id],
          ),
        ).toEqual([{ status: 'MERGED', into_x: true }]);
        expect((await tasks()).map((t) => [t.other, t.status])).toEqual([
          ['CLAIMS', 'REJECTED'],
          ['POLICY_ADMIN', 'SUPERSEDED'],
        ]);
      },
    );

    /**
     * namesakesApart, and a record of each (X's the app's, Y's WeChat's) that joined after the
     * decision: apart from the other by clustering alone, while the decided records stay.
     */
    const namesakesJoined = async (n: number) => {
      const apart = await namesakesApart(n);
      const app = { sourceSystem: 'APP', sourceKey: `APP-${n}` };
      const wechat = { sourceSystem: 'WECHAT', sourceKey: `WX-${n}` };
      const joined = await ingest(
        undocumented(n, { ...app, contactPoints: [mobileOf(n)] }),
        undocumented(n, { ...wechat, contactPoints: [mobileOf(n + 1)] }),
      );
      expect(joined.map((r) => r.id)).toEqual([apart.x.id, apart.y.id]);
      return { ...apart, app, wechat };
    };

    it('keeps the two customers apart when both records a decision was made on leave in one batch', async () => {
      const n = nextNumbers(4);
      const { x, y, claims, app, wechat } = await namesakesJoined(n);
      // Both first records re-sent as other people at once; then Y's WeChat record gains X's
      // mobile.
      await ingest(
        undocumented(n + 2, { sourceKey: `PA-${n}` }),
        undocumented(n + 3, { ...claims }),
      );
      const [resent] = await ingest(
        undocumented(n, { ...wechat, contactPoints: [mobileOf(n + 1), mobileOf(n)] }),
      );
      expect(resent!.id).toBe(y!.id);
      const [{ customer_id: appHolder }] = await hub.sql<{ customer_id: string }>(
        `select customer_id from source_record where source_key = $1`,
        [app.sourceKey],
      );
      expect(appHolder).toBe(x!.id);
    });

    /** Records of one name, no documents, carrying the mobiles of records `of`. */
    const carrying = (n: number, key: string, ...of: number[]) =>
      undocumented(n, {
        sourceKey: key,
        contactPoints: of.map((k) => undocumented(k).contactPoints[0]),
      });
    const statusOf = async (id: string) =>
      (await hub.sql(`select status from customer where id = $1`, [id]))[0]!.status;

    it('keeps them apart through records that joined while they were merged, once undone', async () => {
      const n = nextNumbers(4);
      const [a] = await ingest(carrying(n, `A-${n}`, n));
      const [b] = await ingest(carrying(n, `B-${n}`, n + 1));
      expect(b!.id).not.toBe(a!.id);
      await markDifferent(a!.id, b!.id);
      const merged = await merge(a!.id, b!.id);
      const [joined] = await ingest(carrying(n, `N-${n}`, n + 1));
      expect(joined!.id).toBe(a!.id);
      ok(await hub.gql(UNMERGE, { id: merged.id, reason: REASON }, Role.STEWARD));
      // B's first record leaves it; the one that joined while merged then agrees with A too.
      await ingest(undocumented(n + 3, { sourceKey: `B-${n}` }));
      const [resent] = await ingest(carrying(n, `N-${n}`, n + 1, n));
      expect(resent!.id).toBe(b!.id);
      expect(await statusOf(b!.id)).toBe('ACTIVE');
    });

    it.each([
      ['the survivor', true],
      ['the absorbed customer', false],
    ])(
      'keeps them apart once undone when %s lost the record the decision was made on while merged',
      async (_, survives) => {
        const n = nextNumbers(3);
        const { x, y, claims, app } = await namesakesJoined(n);
        const merged = survives ? await merge(x.id, y.id) : await merge(y.id, x.id);
        // While merged the steward's word is overruled, so nothing passes on when X's first
        // record is re-sent as someone else.
        await ingest(undocumented(n + 2, { sourceKey: `PA-${n}` }));
        ok(await hub.gql(UNMERGE, { id: merged.id, reason: REASON }, Role.STEWARD));
        // X's id went with its first record; the app's record is a customer of its own.
        const holderOf = async (key: string) =>
          (
            await hub.sql<{ customer_id: string }>(
              `select customer_id from source_record where source_key = $1`,
              [key],
            )
          )[0]!.customer_id;
        const appHolder = await holderOf(app.sourceKey);
        expect([x.id, y.id]).not.toContain(appHolder);
        // It gains Y's mobile: the steward's word holds for it.
        const [resent] = await ingest(
          undocumented(n, { ...app, contactPoints: [mobileOf(n), mobileOf(n + 1)] }),
        );
        expect(resent!.id).toBe(appHolder);
        const holders = await hub.sql<{ source_key: string; customer_id: string }>(
          `select source_key, customer_id from source_record where source_key in ($1, $2)
           order by 1`,
          [app.sourceKey, claims.sourceKey],
        );
        expect(holders).toEqual([
          { source_key: app.sourceKey, customer_id: appHolder },
          { source_key: claims.sourceKey, customer_id: y.id },
        ]);
      },
    );

    it('hands a restored decision to nobody when undone after a record that joined one side went to a third customer', async () => {
      const n = nextNumbers(4);
      const { x, y, wechat } = await namesakesJoined(n);
      const third = { sourceSystem: 'CLAIMS', sourceKey: `Q-${n}` };
      const [q] = await ingest(undocumented(n + 2, third));
      const merged = await merge(x.id, y.id);
      // Y's WeChat record is re-sent as Q's person: it leaves; the decided records stay.
      const [moved] = await ingest(undocumented(n + 2, wechat));
      expect(moved!.id).toBe(q!.id);
      ok(await hub.gql(UNMERGE, { id: merged.id, reason: REASON }, Role.STEWARD));
      const onQ = await hub.sql(
        `select d.verdict from match_decision d join source_record s
           on s.id in (d.record_a_id, d.record_b_id)
         where s.customer_id = $1`,
        [q!.id],
      );
      expect(onQ).toEqual([]);
    });

    it('keeps a record a merge brought one customer from joining the other when its source re-sends it as the other', async () => {
      const n = nextNumbers(3);
      const [x] = await ingest(undocumented(n));
      const other = undocumented(n + 1).contactPoints;
      const claims = { sourceSystem: 'CLAIMS', sourceKey: `CL-${n}` };
      const [y] = await ingest(undocumented(n, { ...claims, contactPoints: other }));
      expect(y!.id).not.toBe(x!.id);
      await markDifferent(x!.id, y!.id);
      // W, someone else on every field, its own resident ID too, whom a steward then says
      // is X.
      const app = { sourceSystem: 'APP', sourceKey: `W-${n}` };
      const [w] = await ingest(customerRecord(n + 2, app));
      const merged = await merge(x!.id, w!.id);
      // Merged and undone, W is as it was: nothing says it is not Y.
      ok(await hub.gql(UNMERGE, { id: merged.id, reason: REASON }, Role.STEWARD));
      const apartFromY = async () =>
        (
          await hub.sql<{ verdict: string }>(
            `select d.verdict from match_decision d
             join source_record a on a.id = d.record_a_id join source_record b on b.id = d.record_b_id
             where (a.source_key, b.source_key) in (($1, $2), ($2, $1))`,
            [app.sourceKey, claims.sourceKey],
          )
        ).map((d) => d.verdict);
      expect(await apartFromY()).toEqual([]);

      await merge(x!.id, w!.id);
      // W's record re-sent as Y's person, name, birth date and mobile, without W's ID: no
      // number says it is someone else, so the steward's merge stands for it, and with it
      // the steward's word that X is not Y.
      const [resent] = await ingest(undocumented(n, { ...app, contactPoints: other }));
      expect(resent!.id).toBe(x!.id);
      expect(
        await hub.sql(`select source_key from source_record where customer_id = $1`, [y!.id]),
      ).toEqual([{ source_key: claims.sourceKey }]);
    });

    it.each([
      ['alone', false],
      ['beside a new record of the other customer', true],
    ])(
      'leaves a record with its customer when it comes to agree with one a steward kept it apart from, re-sent %s',
      async (_, beside) => {
        const n = nextNumbers(2);
        const { y, claims } = await namesakesApart(n);
        const app = { sourceSystem: 'APP', sourceKey: `APP-${n}` };
        const [z] = await ingest(undocumented(n, { ...app, contactPoints: [mobileOf(n + 1)] }));
        expect(z!.id).toBe(y!.id);
        // Y's first record now carries X's mobile too: as like X's records as Z's, but the
        // steward said it is not X's person, so nothing tears it from Y, not even a record
        // of X's that no decision names yet.
        const resent = undocumented(n, {
          ...claims,
          contactPoints: [mobileOf(n + 1), mobileOf(n)],
        });
        const outcomes = await ingest(
          ...(beside
            ? [
                undocumented(n, {
                  sourceSystem: 'WECHAT',
                  sourceKey: `WX-${n}`,
                  contactPoints: [mobileOf(n)],
                }),
              ]
            : []),
          resent,
        );
        expect(outcomes.at(-1)).toMatchObject({ status: 'UPDATED', id: y!.id });
        const between = await hub.sql(
          `select r.rule from match_review r
           join source_record a on a.id = r.record_a_id join source_record b on b.id = r.record_b_id
           where r.status = 'OPEN' and a.source_key in ($1, $2) and b.source_key in ($1, $2)`,
          [claims.sourceKey, app.sourceKey],
        );
        expect(between).toEqual([]);
      },
    );

    /**
     * Two namesakes a steward kept apart (A with one mobile, B with another), and records of
     * their name and birth date: `c` with A's mobile and an e-mail, `d` with B's mobile and
     * the same e-mail, as like one person as the other.
     */
    const bridged = (n: number) => {
      const person = (sourceSystem: string, k: number, contacts: object[]) =>
        customerRecord(k, {
          sourceSystem,
          sourceKey: `BR-${n}`,
          name: '李娜',
          gender: 'FEMALE',
          birthDate: addDays('1962-01-01', n % 10_000),
          identityDocuments: [],
          contactPoints: contacts,
        });
      const [m1, m2] = [
        { kind: 'MOBILE', value: mobile(n) },
        { kind: 'MOBILE', value: mobile(n + 1) },
      ];
      const email = { kind: 'EMAIL', value: `li.na.${n}@example.com` };
      return {
        a: person('POLICY_ADMIN', n, [m1]),
        b: person('APP', n, [m2]),
        c: person('CLAIMS', n, [m1, email]),
        d: person('WECHAT', n, [m2, email]),
      };
    };
    /** Which records share a customer: the source systems of each customer, sorted. */
    const grouping = async (n: number) =>
      (
        await hub.sql<{ systems: string }>(
          `select string_agg(source_system, '+' order by source_system) as systems
           from source_record where source_key = $1 group by customer_id order by 1`,
          [`BR-${n}`],
        )
      ).map((r) => r.systems);

    it('ends in the same customers whatever order records bridging two kept-apart people arrive in', async () => {
      const orders: ('c' | 'd' | 'cd' | 'dc')[][] = [['c', 'd'], ['d', 'c'], ['cd'], ['dc']];
      const found: string[][] = [];
      for (const order of orders) {
        const n = nextNumbers(2);
        const records = bridged(n);
        const [a] = await ingest(records.a);
        const [b] = await ingest(records.b);
        await markDifferent(a!.id, b!.id);
        for (const step of order) await ingest(...[...step].map((k) => records[k as 'c' | 'd']));
        found.push(await grouping(n));
        // Each person keeps their own record, whatever joined them.
        const [holders] = await hub.sql<{ n: number }>(
          `select count(distinct customer_id)::int as n from source_record
           where source_key = $1 and source_system in ('POLICY_ADMIN', 'APP')`,
          [`BR-${n}`],
        );
        expect(holders!.n).toBe(2);
        // C and D, each as like one person as the other, are put to a steward.
        const asked = await hub.sql<{ system: string }>(
          `select distinct s.source_system as system from match_review r
           join source_record s on s.id in (r.record_a_id, r.record_b_id)
           where s.source_key = $1 and r.status = 'OPEN' and r.rule = 'AMBIGUOUS'
             and s.source_system in ('CLAIMS', 'WECHAT') order by 1`,
          [`BR-${n}`],
        );
        expect(asked.map((r) => r.system)).toEqual(['CLAIMS', 'WECHAT']);
      }
      expect(found).toEqual(orders.map(() => ['APP', 'CLAIMS', 'POLICY_ADMIN', 'WECHAT']));
    });

    it('keeps a record torn between two kept-apart people torn when a later record brings only one of them in sight', async () => {
      // D (the other's mobile, an e-mail, no birth date) and F (the e-mail and the first's
      // mobile) leave D torn; C, of no birth date and the first's mobile, meets F alone.
      const orders = [['D', 'F', 'C'], ['DFC'], ['C', 'D', 'F'], ['F', 'D', 'C']];
      const found: string[][] = [];
      for (const order of orders) {
        const n = nextNumbers(2);
        const { a, b } = bridged(n);
        const [m1, m2] = [a.contactPoints[0], b.contactPoints[0]];
        const email = { kind: 'EMAIL', value: `li.na.${n}@example.com` };
        const undated = (sourceSystem: string, contactPoints: object[]) => ({
          ...a,
          sourceSystem,
          birthDate: undefined,
          contactPoints,
        });
        const records: Record<string, Record<string, unknown>> = {
          D: undated('WECHAT', [m2, email]),
          F: { ...a, sourceSystem: 'DEALER', contactPoints: [email, m1] },
          C: undated('CLAIMS', [m1]),
        };
        const [x] = await ingest(a);
        const [y] = await ingest(b);
        await markDifferent(x!.id, y!.id);
        for (const step of order) await ingest(...[...step].map((k) => records[k]!));
        found.push(await grouping(n));
      }
      expect(found).toEqual(orders.map(() => found[0]));
      // D stays a customer of its own, put to a steward.
      expect(found[0]).toContain('WECHAT');
    });

    it('asks a steward about two records of one resident ID, each like one of two kept-apart people, in any order', async () => {
      for (const order of [['A', 'W'], ['W', 'A'], ['AW']]) {
        const n = nextNumbers(2);
        const { x, y } = await namesakesApart(n);
        // One person's two records, by their number: the app's bears X's mobile, WeChat's Y's.
        const records: Record<string, Record<string, unknown>> = {
          A: customerRecord(n, { sourceSystem: 'APP', contactPoints: [mobileOf(n)] }),
          W: customerRecord(n, { sourceSystem: 'WECHAT', contactPoints: [mobileOf(n + 1)] }),
        };
        for (const step of order) await ingest(...[...step].map((k) => records[k]!));
        const held = await hub.sql<{ customer_id: string }>(
          `select distinct customer_id from source_record
           where source_key = $1 and source_system in ('APP', 'WECHAT')`,
          [`PA-${n}`],
        );
        expect(held).toHaveLength(1);
        expect([x.id, y.id]).not.toContain(held[0]!.customer_id);
        const asked = await hub.sql<{ other: string }>(
          `select distinct o.source_system as other from match_review r
           join source_record s on s.id in (r.record_a_id, r.record_b_id)
           join source_record o on o.id in (r.record_a_id, r.record_b_id) and o.id <> s.id
           where s.customer_id = $1 and o.customer_id <> $1 and r.status = 'OPEN'
             and r.rule = 'AMBIGUOUS' order by 1`,
          [held[0]!.customer_id],
        );
        expect(asked).toEqual([{ other: 'CLAIMS' }, { other: 'POLICY_ADMIN' }]);
      }
    });

    it('lets a record that joined one of two kept-apart people go to the other when its source re-sends it as the other', async () => {
      const n = nextNumbers(2);
      const records = bridged(n);
      const [a] = await ingest(records.a);
      const [b] = await ingest(records.b);
      await markDifferent(a!.id, b!.id);
      const moving = { ...records.c, contactPoints: [{ kind: 'MOBILE', value: mobile(n) }] };
      const [joined] = await ingest(moving);
      expect(joined!.id).toBe(a!.id);
      const [resent] = await ingest({
        ...moving,
        contactPoints: [{ kind: 'MOBILE', value: mobile(n + 1) }],
      });
      expect(resent).toMatchObject({ status: 'UPDATED', id: b!.id });
      // The steward's word still holds between the two people's own records.
      const [again] = await ingest({ ...records.a, contactPoints: [] });
      expect(again!.id).toBe(a!.id);
    });

    it('puts a new record bearing a number two kept-apart customers hold with the one it agrees with on the rest', async () => {
      const n = nextNumbers(2);
      const [p] = await ingest(customerRecord(n));
      // Another person, of a source that sorts first, later sent with P's number.
      const q = { sourceSystem: 'CLAIMS', identityDocuments: [], contactPoints: [] };
      const [{ id: qId }] = await ingest(customerRecord(n + 1, q));
      ok(
        await hub.gql(
          `mutation ($a: ID!, $b: ID!) {
            markDifferentCustomers(customerIdA: $a, customerIdB: $b, reason: "two people") { id } }`,
          { a: p!.id, b: qId },
          Role.STEWARD,
        ),
      );
      const [resent] = await ingest(
        customerRecord(n + 1, { ...q, identityDocuments: customerRecord(n).identityDocuments }),
      );
      expect(resent!.id).toBe(qId);
      // P keeps its own number, which its record carried first: Q's resend took it from P.
      const holder = async () =>
        ok(
          await hub.gql(
            LOOKUP,
            { by: { identityDocument: customerRecord(n).identityDocuments[0] } },
            Role.STEWARD,
          ),
        ).customer.id;
      expect(await holder()).toBe(p!.id);
      const [copy] = await ingest(
        customerRecord(n, { sourceSystem: 'APP', sourceKey: `APP-${n}`, contactPoints: [] }),
      );
      expect(copy!.id).toBe(p!.id);
      expect(await holder()).toBe(p!.id);
    });
  });

  it('answers stewards merging three customers into each other at once with one merge and conflicts', async () => {
    for (let round = 0; round < 6; round++) {
      const [a, b, c] = await customers(3);
      const results = await Promise.all(
        [
          [a!, b!],
          [b!, c!],
          [c!, a!],
        ].map(([survivor, absorbed]) =>
          hub.gql(
            MERGE,
            { survivor: survivor.id, absorbed: absorbed.id, reason: REASON },
            Role.STEWARD,
          ),
        ),
      );
      const codes = results.map((r) => (r.errors ? r.errors[0]!.extensions.code : 'OK')).sort();
      // Whichever goes first, the others find a customer merged away: never a server error.
      expect(codes.filter((code) => code === 'OK').length).toBeGreaterThan(0);
      expect(codes.every((code) => code === 'OK' || code === 'CONFLICT')).toBe(true);
    }
  });

  it('runs a steward’s action again when the database aborts it for a deadlock', async () => {
    const [a, b] = await customers(2);
    // The first merge that writes its row is aborted as a deadlock's victim would be (a
    // claims batch moving a claim between the policies an unmerge rewrites); a sequence
    // counts the tries, whatever each transaction's fate.
    await hub.sql(`create sequence merge_tries`);
    await hub.sql(
      `create function deadlock_once() returns trigger language plpgsql as $$
       begin
         if nextval('merge_tries') = 1 then
           raise exception 'deadlock detected' using errcode = '40P01';
         end if;
         return new;
       end $$`,
    );
    await hub.sql(
      `create trigger deadlock_once before insert on customer_merge
       for each row execute function deadlock_once()`,
    );
    let tries: string | undefined;
    try {
      const merged = await merge(a!.id, b!.id);
      expect(merged.survivor.id).toBe(a!.id);
      [{ tries }] = await hub.sql<{ tries: string }>(`select last_value as tries from merge_tries`);
    } finally {
      await hub.sql(`drop trigger deadlock_once on customer_merge`);
      await hub.sql(`drop function deadlock_once()`);
      await hub.sql(`drop sequence merge_tries`);
    }
    expect(Number(tries)).toBe(2);
    expect(
      await hub.sql(`select survivor_id from customer_merge where absorbed_id = $1`, [b!.id]),
    ).toEqual([{ survivor_id: a!.id }]);
  });

  it('gives each customer back its own contact points, ids included, when both held one value', async () => {
    const n = nextNumbers(2);
    // A family's number on both: the merged customer holds it once.
    const shared = customerRecord(n).contactPoints[0]!;
    const [d] = await ingest(customerRecord(n));
    const [e] = await ingest(
      customerRecord(n + 1, { contactPoints: [shared, customerRecord(n + 1).contactPoints[1]] }),
    );
    expect(e!.id).not.toBe(d!.id);
    const before = await snapshot([d!.id, e!.id]);
    const merged = await merge(d!.id, e!.id);
    const [held] = await hub.sql<{ n: number }>(
      `select count(*)::int as n from contact_point where customer_id = $1 and kind = 'MOBILE'`,
      [d!.id],
    );
    expect(held!.n).toBe(1);
    ok(await hub.gql(UNMERGE, { id: merged.id, reason: REASON }, Role.STEWARD));
    expect(await snapshot([d!.id, e!.id])).toEqual(before);
  });

  it('raises the version of the survivor only for a field the merge changes, and of the absorbed customer for its status', async () => {
    const n = nextNumbers(2);
    // By name, whatever their order as text (客户10 sorts before 客户9).
    const versions = async () =>
      Object.fromEntries(
        (
          await hub.sql<{ name: string; version: number }>(
            `select name, version from customer where id = any($1)`,
            [[d!.id, e!.id]],
          )
        ).map((c) => [c.name, c.version]),
      );
    const [d] = await ingest(customerRecord(n));
    // From the app, a lower trust than the policy system, with an older word on consent: D's
    // own fields stay D's record's.
    const [e] = await ingest(
      customerRecord(n + 1, {
        sourceSystem: 'APP',
        marketingConsent: { given: n % 2 !== 0, at: '2025-01-05T10:00:00Z', channel: 'APP' },
      }),
    );
    expect(await versions()).toEqual({ [`客户${n}`]: 1, [`客户${n + 1}`]: 1 });
    const merged = await merge(d!.id, e!.id);
    expect(await versions()).toEqual({ [`客户${n}`]: 1, [`客户${n + 1}`]: 2 });
    ok(await hub.gql(UNMERGE, { id: merged.id, reason: REASON }, Role.STEWARD));
    expect(await versions()).toEqual({ [`客户${n}`]: 1, [`客户${n + 1}`]: 3 });
  });

  it('takes along, when undone, the records that joined the merged customer for the absorbed one', async () => {
    const n = nextNumbers(2);
    const [d] = await ingest(customerRecord(n));
    const [e] = await ingest(customerRecord(n + 1));
    const merged = await merge(d!.id, e!.id);
    // A claims record under E's number arrives while they are one customer.
    const [later] = await ingest(
      customerRecord(n + 1, { sourceSystem: 'CLAIMS', contactPoints: [] }),
    );
    expect(later!.id).toBe(d!.id);
    ok(await hub.gql(UNMERGE, { id: merged.id, reason: REASON }, Role.STEWARD));
    const holders = await hub.sql<{ source_system: string; customer_id: string }>(
      `select source_system, customer_id from source_record where source_key = $1 order by 1`,
      [`PA-${n + 1}`],
    );
    expect(holders).toEqual([
      { source_system: 'CLAIMS', customer_id: e!.id },
      { source_system: 'POLICY_ADMIN', customer_id: e!.id },
    ]);
  });

  it('leaves the survivor none of the absorbed customer’s number when undone after that customer’s record went to someone else', async () => {
    const n = nextNumbers(3);
    const person = (name: string, id: string, system: string, key: string) => ({
      sourceSystem: system,
      sourceKey: key,
      kind: 'INDIVIDUAL',
      name,
      branchCode: '3201',
      identityDocuments: [{ type: 'RESIDENT_ID', number: id }],
    });
    const [d] = await ingest(person('李明远', residentId(n), 'POLICY_ADMIN', `PX-${n}`));
    const [e] = await ingest(person('王秀英', residentId(n + 1), 'POLICY_ADMIN', `PX-${n + 1}`));
    const merged = await merge(d!.id, e!.id);
    // A claims record of E's joins while they are one customer; then E's own record is
    // re-sent as another person, and goes to a customer of its own, E following it.
    const [later] = await ingest(person('王秀英', residentId(n + 1), 'CLAIMS', `CL-${n + 1}`));
    expect(later!.id).toBe(d!.id);
    const [moved] = await ingest(
      person('钱多多', residentId(n + 2), 'POLICY_ADMIN', `PX-${n + 1}`),
    );
    expect(moved!.id).not.toBe(d!.id);
    ok(await hub.gql(UNMERGE, { id: merged.id, reason: REASON }, Role.STEWARD));
    // D keeps its own record and number only: nothing holds the claims record, E's number,
    // with D once the steward's word is taken back.
    const holders = await hub.sql<{ source_key: string; customer_id: string }>(
      `select source_key, customer_id from source_record where source_key = any($1) order by 1`,
      [[`PX-${n}`, `CL-${n + 1}`]],
    );
    expect(holders).toEqual([
      { source_key: `CL-${n + 1}`, customer_id: expect.not.stringMatching(d!.id) },
      { source_key: `PX-${n}`, customer_id: d!.id },
    ]);
    const [documents] = await hub.sql<{ n: number }>(
      `select count(*)::int as n from identity_document where customer_id = $1`,
      [d!.id],
    );
    expect(documents!.n).toBe(1);
    // And where it went, matching placed it: a resend changes nothing.
    const [again] = await ingest(person('王秀英', residentId(n + 1), 'CLAIMS', `CL-${n + 1}`));
    expect(again).toMatchObject({ status: 'UNCHANGED', id: holders[0]!.customer_id });
  });

  it('gives back, when undone, the policies, claims and scores written for the absorbed customer while merged', async () => {
    const n = nextNumbers(4);
    const [d] = await ingest(customerRecord(n));
    const [e] = await ingest(customerRecord(n + 1));
    const [cifD, cifE] = await cifNumbers(hub, [d!.id, e!.id]);
    const merged = await merge(d!.id, e!.id);
    // While they are one customer: a policy of E's (by CIF number), its claim (no claimant
    // given: the policyholder's), a score of E's by source key, and a policy of D's.
    const ofE = autoPolicyRecord(n + 1, cifE!);
    const ofD = autoPolicyRecord(n + 2, cifD!);
    for (const [query, records] of [
      [INGEST_POLICIES, [ofE, ofD]],
      [INGEST_CLAIMS, [claimRecord(n + 1, ofE.policyNo), claimRecord(n + 2, ofD.policyNo)]],
      [
        INGEST_RISK_SCORES,
        [
          riskScoreRecord(
            n + 1,
            { customer: { sourceSystem: 'POLICY_ADMIN', sourceKey: `PA-${n + 1}` } },
            { sourceKey: `RS-MERGED-${n + 1}` },
          ),
        ],
      ],
    ] as const) {
      const [outcome] = Object.values(ok(await hub.gql(query, { records }, Role.INGEST)));
      expect(outcome.records.flatMap((r: { errors: unknown[] }) => r.errors)).toEqual([]);
    }
    const holders = () =>
      hub.sql<{ what: string; customer_id: string }>(
        `select p.policy_no || ' ' || pp.role as what, pp.customer_id from policy_party pp
           join policy p on p.id = pp.policy_id where p.policy_no = any($1)
         union all select claim_no, claimant_id from claim where claim_no = any($2)
         union all select source_key, customer_id from risk_score where source_key = $3
         order by 1`,
        [
          [ofE.policyNo, ofD.policyNo],
          [claimRecord(n + 1, '').claimNo, claimRecord(n + 2, '').claimNo],
          `RS-MERGED-${n + 1}`,
        ],
      );
    expect(new Set((await holders()).map((h) => h.customer_id))).toEqual(new Set([d!.id]));

    ok(await hub.gql(UNMERGE, { id: merged.id, reason: REASON }, Role.STEWARD));
    expect(await holders()).toEqual([
      { what: claimRecord(n + 1, '').claimNo, customer_id: e!.id },
      { what: claimRecord(n + 2, '').claimNo, customer_id: d!.id },
      { what: `${ofE.policyNo} INSURED`, customer_id: e!.id },
      { what: `${ofE.policyNo} POLICYHOLDER`, customer_id: e!.id },
      { what: `${ofD.policyNo} INSURED`, customer_id: d!.id },
      { what: `${ofD.policyNo} POLICYHOLDER`, customer_id: d!.id },
      { what: `RS-MERGED-${n + 1}`, customer_id: e!.id },
    ]);
    const [event] = ok(
      await hub.gql(
        EVENTS,
        { filter: { actions: ['CUSTOMER_UNMERGE'], targetId: e!.id } },
        Role.ADMIN,
      ),
    ).auditEvents.nodes;
    expect(event.details.followed).toEqual({ policy_party: 2, claim: 1, risk_score: 1 });
  });

  it('leaves no policy, claim or score with a customer merged away while their batch was in flight', async () => {
    const holdersOf = (policyNos: string[], claimNos: string[], scoreKeys: string[]) =>
      hub.sql<{ customer_id: string }>(
        `select pp.customer_id from policy_party pp join policy p on p.id = pp.policy_id
           where p.policy_no = any($1)
         union all select claimant_id from claim where claim_no = any($2)
         union all select customer_id from risk_score where source_key = any($3)`,
        [policyNos, claimNos, scoreKeys],
      );
    // Each round sends the merge and a batch naming the absorbed customer by its source key
    // at the same moment: before, most rounds left the batch's rows with the absorbed one.
    for (let round = 0; round < 4; round++) {
      const n = nextNumbers(3);
      const [d] = await ingest(customerRecord(n));
      const [e] = await ingest(customerRecord(n + 1));
      const [cifE] = await cifNumbers(hub, [e!.id]);
      const ofE = { sourceSystem: 'POLICY_ADMIN', sourceKey: `PA-${n + 1}` };
      const policy = autoPolicyRecord(n + 1, '', {
        parties: [{ role: 'POLICYHOLDER', customer: ofE }],
      });
      ok(await hub.gql(INGEST_POLICIES, { records: [autoPolicyRecord(n + 2, cifE!)] }));
      const claim = claimRecord(n + 2, autoPolicyRecord(n + 2, '').policyNo);
      const score = riskScoreRecord(n + 1, { customer: ofE }, { sourceKey: `RS-RACE-${n + 1}` });
      const [merged, ...batches] = await Promise.all([
        hub.gql(MERGE, { survivor: d!.id, absorbed: e!.id, reason: REASON }, Role.STEWARD),
        hub.gql(INGEST_POLICIES, { records: [policy] }, Role.INGEST),
        hub.gql(INGEST_CLAIMS, { records: [claim] }, Role.INGEST),
        hub.gql(INGEST_RISK_SCORES, { records: [score] }, Role.INGEST),
      ]);
      ok(merged);
      for (const batch of batches) {
        const [outcome] = Object.values(ok(batch));
        expect(outcome.rejected).toBe(0);
      }
      const holders = await holdersOf(
        [policy.policyNo, autoPolicyRecord(n + 2, '').policyNo],
        [claim.claimNo],
        [`RS-RACE-${n + 1}`],
      );
      expect(holders.length).toBeGreaterThanOrEqual(4);
      expect(new Set(holders.map((h) => h.customer_id))).toEqual(new Set([d!.id]));
    }
  });

  it('takes whole, once undone, the next resend of a policy re-sent while merged, so that it names each holder again', async () => {
    const n = nextNumbers(2);
    const [d] = await ingest(customerRecord(n));
    const [e] = await ingest(customerRecord(n + 1));
    const [cifD, cifE] = await cifNumbers(hub, [d!.id, e!.id]);
    const both = autoPolicyRecord(n, cifD!, {
      parties: [
        { role: 'POLICYHOLDER', customer: { cifNo: cifD } },
        { role: 'INSURED', customer: { cifNo: cifD } },
        { role: 'INSURED', customer: { cifNo: cifE } },
      ],
    });
    const send = async (record: unknown) =>
      ok(await hub.gql(INGEST_POLICIES, { records: [record] }, Role.INGEST)).ingestPolicies
        .records[0] as { status: string };
    await send(both);
    const merged = await merge(d!.id, e!.id);
    // Re-sent while the two are one, still insuring E: read as D's role, which D holds.
    expect(await send({ ...both, premium: '4300.00' })).toMatchObject({ status: 'UPDATED' });
    ok(await hub.gql(UNMERGE, { id: merged.id, reason: REASON }, Role.STEWARD));
    const roles = () =>
      hub.sql(
        `select pp.role, pp.customer_id from policy_party pp join policy p on p.id = pp.policy_id
         where p.policy_no = $1 order by 1, 2`,
        [both.policyNo],
      );
    // The same again, from its source: E insured once more, where it was UNCHANGED.
    expect(await send({ ...both, premium: '4300.00' })).toMatchObject({ status: 'UPDATED' });
    expect(await roles()).toEqual(
      [
        { role: 'INSURED', customer_id: d!.id },
        { role: 'INSURED', customer_id: e!.id },
        { role: 'POLICYHOLDER', customer_id: d!.id },
      ].sort((x, y) => x.role.localeCompare(y.role) || x.customer_id.localeCompare(y.customer_id)),
    );
    expect(await send({ ...both, premium: '4300.00' })).toMatchObject({ status: 'UNCHANGED' });
  });

  it('keeps, when undone, what a source re-sent while merged naming the survivor instead', async () => {
    const n = nextNumbers(2);
    const [d] = await ingest(customerRecord(n));
    const [e] = await ingest(customerRecord(n + 1));
    const [cifD, cifE] = await cifNumbers(hub, [d!.id, e!.id]);
    const policy = autoPolicyRecord(n + 1, cifE!);
    const claim = claimRecord(n + 1, policy.policyNo, { claimant: { cifNo: cifE } });
    const send = async (query: string, records: unknown[]) => {
      const [outcome] = Object.values(ok(await hub.gql(query, { records }, Role.INGEST)));
      expect(outcome.records.flatMap((r: { errors: unknown[] }) => r.errors)).toEqual([]);
    };
    // And a policy of D's that insures E too: the merge drops E's role, D holding it already.
    const both = autoPolicyRecord(n, cifD!, {
      parties: [
        { role: 'POLICYHOLDER', customer: { cifNo: cifD } },
        { role: 'INSURED', customer: { cifNo: cifD } },
        { role: 'INSURED', customer: { cifNo: cifE } },
      ],
    });
    await send(INGEST_POLICIES, [policy, both]);
    await send(INGEST_CLAIMS, [claim]);
    const merged = await merge(d!.id, e!.id);
    // The sources correct themselves while the two are one: the policy and claim are D's,
    // and E is not insured on D's policy.
    await send(INGEST_POLICIES, [
      autoPolicyRecord(n + 1, cifD!, { premium: '4300.00' }),
      autoPolicyRecord(n, cifD!),
    ]);
    await send(INGEST_CLAIMS, [{ ...claim, claimant: { cifNo: cifD } }]);
    ok(await hub.gql(UNMERGE, { id: merged.id, reason: REASON }, Role.STEWARD));
    expect(
      await hub.sql(
        `select p.policy_no || ' ' || pp.role as what, pp.customer_id from policy_party pp
           join policy p on p.id = pp.policy_id where p.policy_no = any($1)
         union all select 'CLAIMANT', claimant_id from claim where claim_no = $2 order by 1, 2`,
        [[policy.policyNo, both.policyNo], claim.claimNo],
      ),
    ).toEqual([
      { what: 'CLAIMANT', customer_id: d!.id },
      { what: `${both.policyNo} INSURED`, customer_id: d!.id },
      { what: `${both.policyNo} POLICYHOLDER`, customer_id: d!.id },
      { what: `${policy.policyNo} INSURED`, customer_id: d!.id },
      { what: `${policy.policyNo} POLICYHOLDER`, customer_id: d!.id },
    ]);
  });

  it('decides and links on the survivor’s own records, so that merges undone out of order leave nothing stale', async () => {
    const [a, b, c] = await customers(3);
    const first = await merge(a!.id, b!.id);
    const second = await merge(a!.id, c!.id);
    ok(await hub.gql(UNMERGE, { id: first.id, reason: REASON }, Role.STEWARD));
    const decisions = await hub.sql<{ customers: string[] }>(
      `select array[x.customer_id, y.customer_id]::text[] as customers from match_decision d
       join source_record x on x.id = d.record_a_id join source_record y on y.id = d.record_b_id
       where x.customer_id = any($1) or y.customer_id = any($1)`,
      [[a!.id, b!.id, c!.id]],
    );
    // The second merge's SAME_CUSTOMER is between A's own record and C's, both in A still.
    expect(decisions).toEqual([{ customers: [a!.id, a!.id] }]);
    ok(await hub.gql(UNMERGE, { id: second.id, reason: REASON }, Role.STEWARD));
    const links = await hub.sql<{ customer_id: string; link: unknown }>(
      `select customer_id, link_evidence as link from source_record where customer_id = any($1)`,
      [[a!.id, b!.id, c!.id]],
    );
    expect(links.every((r) => r.link === null)).toBe(true);
  });

  it('gives the survivor’s own records back the links they had, whichever of two merges is undone first', async () => {
    const n = nextNumbers(3);
    const [d] = await ingest(customerRecord(n));
    // Linked by matching's scores: a second source's record of the same person, no ID.
    const [app] = await ingest(undocumented(n, { sourceSystem: 'APP', sourceKey: `APP-${n}` }));
    expect(app!.id).toBe(d!.id);
    const links = () =>
      hub.sql<{ source_key: string; link: unknown }>(
        `select source_key, link_evidence as link from source_record where customer_id = $1
         order by source_key`,
        [d!.id],
      );
    const before = await links();
    expect(before.every((r) => r.link !== null)).toBe(true);
    const [e] = await ingest(customerRecord(n + 1));
    const [f] = await ingest(customerRecord(n + 2));
    const first = await merge(d!.id, e!.id);
    const second = await merge(d!.id, f!.id);
    ok(await hub.gql(UNMERGE, { id: first.id, reason: REASON }, Role.STEWARD));
    ok(await hub.gql(UNMERGE, { id: second.id, reason: REASON }, Role.STEWARD));
    expect(await links()).toEqual(before);
  });

  it('keeps the link a standing merge gave the survivor’s record when an earlier one is undone', async () => {
    const [a, b, c] = await customers(3);
    const first = await merge(a!.id, b!.id);
    await merge(a!.id, c!.id);
    const linkOfA = async () =>
      (
        await hub.sql<{ with: string | null; rule: string | null }>(
          `select sr.link_evidence->>'with' as with, sr.link_evidence->>'rule' as rule
           from source_record sr where sr.customer_id = $1 and sr.id = (
             select id from source_record where customer_id = $1 order by received_at, id limit 1)`,
          [a!.id],
        )
      )[0]!;
    ok(await hub.gql(UNMERGE, { id: first.id, reason: REASON }, Role.STEWARD));
    const link = await linkOfA();
    expect(link.rule).toBe('STEWARD');
    const [cRecord] = await hub.sql<{ key: string }>(
      `select source_system || ':' || source_key as key from source_record
       where customer_id = $1 and id <> (select id from source_record where customer_id = $1
         order by received_at, id limit 1)`,
      [a!.id],
    );
    // A's record is linked with C's, the one record it is with.
    expect(link.with).toBe(cRecord!.key);
  });

  it('opens again a task another merge superseded once an unmerge parts its records again', async () => {
    const [b] = await customers(1);
    // Without IDs: a task between holders of two different ones asks nothing.
    const k = nextNumbers(2);
    const [a] = await ingest(undocumented(k));
    const [c] = await ingest(undocumented(k + 1));
    const records = await firstRecords(b!.id, c!.id);
    const task = await openTask(records.get(b!.id)!, records.get(c!.id)!);
    const status = async () =>
      (
        await hub.sql<{ status: string }>(`select status from match_review where id = $1`, [task])
      )[0]!.status;
    const first = await merge(a!.id, b!.id);
    expect(await status()).toBe('OPEN');
    await merge(a!.id, c!.id);
    expect(await status()).toBe('SUPERSEDED');
    // B leaves A; C stays: the task's two records are two customers' again.
    ok(await hub.gql(UNMERGE, { id: first.id, reason: REASON }, Role.STEWARD));
    expect(await status()).toBe('OPEN');
  });

  it('refuses to undo a merge when a record going back now carries the resident ID of one that stays', async () => {
    const n = nextNumbers(2);
    const [x] = await ingest(customerRecord(n));
    const [y] = await ingest(customerRecord(n + 1));
    const merged = await merge(x!.id, y!.id);
    // Y's source corrects its record: it is X's person, ID and all.
    const [corrected] = await ingest(customerRecord(n, { sourceKey: `PA-${n + 1}` }));
    expect(corrected).toMatchObject({ status: 'UPDATED', id: x!.id });
    const before = await snapshot([x!.id, y!.id]);
    const res = await hub.gql(UNMERGE, { id: merged.id, reason: REASON }, Role.STEWARD);
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      field: 'mergeId',
      rule: 'SHARED_DOCUMENT',
    });
    expect(await snapshot([x!.id, y!.id])).toEqual(before);
  });

  it('supersedes the open review tasks between the two customers it merges, and opens them again when undone', async () => {
    const [a, b] = await customers(2);
    const records = await firstRecords(a!.id, b!.id);
    const task = await openTask(records.get(a!.id)!, records.get(b!.id)!);
    const status = async () =>
      (
        await hub.sql<{ status: string }>(`select status from match_review where id = $1`, [task])
      )[0]!.status;
    const merged = await merge(a!.id, b!.id);
    expect(await status()).toBe('SUPERSEDED');
    const [event] = ok(
      await hub.gql(EVENTS, { filter: { actions: ['CUSTOMER_MERGE'], targetId: a!.id } }),
    ).auditEvents.nodes;
    expect(event.details).toMatchObject({ merge: merged.id, reviewsSuperseded: [task] });
    ok(await hub.gql(UNMERGE, { id: merged.id, reason: REASON }, Role.STEWARD));
    expect(await status()).toBe('OPEN');
  });

  it('keeps one open task between the merged customer and a third, the strongest, and opens the others again when undone', async () => {
    // No documents: a third holding a number of its own would be kept apart from both.
    const n = nextNumbers(3);
    const [a, b, x] = (
      await Promise.all([n, n + 1, n + 2].map((k) => ingest(undocumented(k))))
    ).flat();
    const records = await firstRecords(a!.id, b!.id, x!.id);
    const weaker = await openTask(records.get(a!.id)!, records.get(x!.id)!, 20);
    const stronger = await openTask(records.get(b!.id)!, records.get(x!.id)!, 30);
    const status = async () =>
      (
        await hub.sql<{ id: string; status: string }>(
          `select id, status from match_review where id = any($1)`,
          [[weaker, stronger]],
        )
      ).reduce((all, r) => ({ ...all, [r.id === weaker ? 'weaker' : 'stronger']: r.status }), {});
    const merged = await merge(a!.id, b!.id);
    expect(await status()).toEqual({ weaker: 'SUPERSEDED', stronger: 'OPEN' });
    const [event] = ok(
      await hub.gql(EVENTS, { filter: { actions: ['CUSTOMER_MERGE'], targetId: a!.id } }),
    ).auditEvents.nodes;
    expect(event.details).toMatchObject({ merge: merged.id, reviewsSuperseded: [weaker] });
    ok(await hub.gql(UNMERGE, { id: merged.id, reason: REASON }, Role.STEWARD));
    expect(await status()).toEqual({ weaker: 'OPEN', stronger: 'OPEN' });
  });

  it.each([
    ['the first', 0, { A: 'OPEN', B: 'OPEN', E: 'SUPERSEDED' }],
    ['the second', 1, { A: 'OPEN', B: 'SUPERSEDED', E: 'OPEN' }],
  ])(
    'opens again, when %s of two merges into one customer is undone, only the tasks it made duplicates of',
    async (_, undone, expected) => {
      const n = nextNumbers(4);
      const [a, b, e, x] = (
        await Promise.all([n, n + 1, n + 2, n + 3].map((k) => ingest(undocumented(k))))
      ).flat();
      const records = await firstRecords(a!.id, b!.id, e!.id, x!.id);
      const toX = records.get(x!.id)!;
      const tasks = {
        A: await openTask(records.get(a!.id)!, toX, 30),
        B: await openTask(records.get(b!.id)!, toX, 10),
        E: await openTask(records.get(e!.id)!, toX, 20),
      };
      const status = async () =>
        Object.fromEntries(
          await Promise.all(
            Object.entries(tasks).map(async ([name, id]) => [
              name,
              (
                await hub.sql<{ status: string }>(`select status from match_review where id = $1`, [
                  id,
                ])
              )[0]!.status,
            ]),
          ),
        );
      const merges = [await merge(a!.id, b!.id), await merge(a!.id, e!.id)];
      expect(await status()).toEqual({ A: 'OPEN', B: 'SUPERSEDED', E: 'SUPERSEDED' });
      ok(await hub.gql(UNMERGE, { id: merges[undone]!.id, reason: REASON }, Role.STEWARD));
      // The customer that is one again has its task; the one still merged has A's.
      expect(await status()).toEqual(expected);
    },
  );

  it('overrules the do-not-merge decision between two customers it merges, and restores it when undone', async () => {
    const n = nextNumbers(2);
    // B's own record resent later: the decision is no longer between the customers'
    // earliest records, which a merge would otherwise decide on.
    const { a, b } = await keptApart(n);
    hub.clock.set(new Date(hub.clock.now().getTime() + 3_600_000));
    try {
      await ingest(undocumented(n + 1, { gender: 'FEMALE' }));
      const merged = await merge(a.id, b.id);
      const decisions = () =>
        hub.sql<{ verdict: string }>(
          `select d.verdict from match_decision d join source_record x on x.id = d.record_a_id
           join source_record y on y.id = d.record_b_id
           where x.source_key in ($1, $2) and y.source_key in ($1, $2)`,
          [`PA-${n}`, `PA-${n + 1}`],
        );
      expect(await decisions()).toEqual([{ verdict: 'SAME_CUSTOMER' }]);

      // A change to one of the records re-evaluates them: they stay one customer.
      const [again] = await ingest(undocumented(n, { gender: 'MALE' }));
      expect(again).toMatchObject({ status: 'UPDATED', id: a.id });
      const holders = await hub.sql<{ customer_id: string }>(
        `select distinct customer_id from source_record where source_key in ($1, $2)`,
        [`PA-${n}`, `PA-${n + 1}`],
      );
      expect(holders).toEqual([{ customer_id: a.id }]);

      ok(await hub.gql(UNMERGE, { id: merged.id, reason: REASON }, Role.STEWARD));
      // Back whole, and it holds: each record re-sent stays with its own customer.
      expect(await decisions()).toEqual([{ verdict: 'DIFFERENT_CUSTOMERS' }]);
      const [resent] = await ingest(undocumented(n));
      expect(resent!.id).toBe(a.id);
      expect(
        await hub.sql(`select distinct customer_id from source_record where source_key = $1`, [
          `PA-${n + 1}`,
        ]),
      ).toEqual([{ customer_id: b.id }]);
    } finally {
      hub.clock.set(undefined);
    }
  });

  it('overrules whole a do-not-merge made between customers of several records, and restores it whole when undone', async () => {
    const n = nextNumbers(2);
    const [a] = await ingest(undocumented(n));
    await ingest(undocumented(n, { sourceSystem: 'APP', sourceKey: `APP-${n}` }));
    const [b] = await ingest(undocumented(n + 1));
    await ingest(undocumented(n + 1, { sourceSystem: 'CLAIMS' }));
    await markDifferent(a!.id, b!.id);
    const decisions = () =>
      hub.sql<{ verdict: string; n: number }>(
        `select d.verdict, count(*)::int as n from match_decision d
         join source_record x on x.id = d.record_a_id join source_record y on y.id = d.record_b_id
         where x.customer_id = any($1) or y.customer_id = any($1) group by d.verdict`,
        [[a!.id, b!.id]],
      );
    expect(await decisions()).toEqual([{ verdict: 'DIFFERENT_CUSTOMERS', n: 4 }]);

    const merged = await merge(a!.id, b!.id);
    expect(await decisions()).toEqual([{ verdict: 'SAME_CUSTOMER', n: 1 }]);
    ok(await hub.gql(UNMERGE, { id: merged.id, reason: REASON }, Role.STEWARD));
    expect(await decisions()).toEqual([{ verdict: 'DIFFERENT_CUSTOMERS', n: 4 }]);
  });

  it('refuses to approve a task whose customers a do-not-merge decision on another pair keeps apart', async () => {
    const n = nextNumbers(2);
    await keptApart(n);
    const [{ x, y }] = await hub.sql<{ x: string; y: string }>(
      `select x.id as x, y.id as y from source_record x, source_record y
       where x.source_key = $1 and y.source_key = $2 and y.source_system = 'CLAIMS'`,
      [`PA-${n}`, `PA-${n + 1}`],
    );
    const task = await openTask(x, y);
    const approved = await hub.gql(
      `mutation ($id: ID!) { approveMatchReview(id: $id, reason: "same") { id } }`,
      { id: task },
      Role.STEWARD,
    );
    expect(approved.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      field: 'id',
      rule: 'DIFFERENT_CUSTOMERS',
    });
  });

  it('keeps customers holding two resident IDs together once a steward merged them, through re-evaluation', async () => {
    const n = nextNumbers(2);
    // One person under two numbers (a corrected birth date, say): matching keeps them apart.
    const [d] = await ingest(customerRecord(n));
    const [e] = await ingest(
      customerRecord(n, {
        sourceKey: `PA-${n}-2`,
        identityDocuments: [{ type: 'RESIDENT_ID', number: residentId(n + 1) }],
      }),
    );
    expect(e!.id).not.toBe(d!.id);
    await merge(d!.id, e!.id);
    // A change to either record, and a new record under either number, stay with the merge.
    const [changed] = await ingest(
      customerRecord(n, {
        sourceKey: `PA-${n}-2`,
        contactPoints: [{ kind: 'EMAIL', value: `other${n}@example.cn` }],
        identityDocuments: [{ type: 'RESIDENT_ID', number: residentId(n + 1) }],
      }),
    );
    const [later] = await ingest(
      customerRecord(n + 1, { sourceSystem: 'CLAIMS', name: `客户${n}` }),
    );
    expect(changed).toMatchObject({ status: 'UPDATED', id: d!.id });
    expect(later).toMatchObject({ status: 'CREATED', id: d!.id });
    const holders = await hub.sql<{ customer_id: string }>(
      `select distinct customer_id from source_record where source_key like $1`,
      [`%-${n}%`],
    );
    expect(holders).toEqual([{ customer_id: d!.id }]);
  });

  it('keeps customers holding two resident IDs together once a steward merged them, when each came first by a record of no number', async () => {
    const n = nextNumbers(2);
    // Each first known by the app (an e-mail, no number), then by policy administration.
    const app = (k: number) =>
      customerRecord(k, {
        sourceSystem: 'APP',
        identityDocuments: [],
        contactPoints: [{ kind: 'EMAIL', value: `c${k}@example.cn` }],
      });
    const customers: string[] = [];
    for (const k of [n, n + 1]) {
      const [first] = await ingest(app(k));
      const [documented] = await ingest(customerRecord(k));
      expect(documented!.id).toBe(first!.id);
      customers.push(first!.id);
    }
    const [d, e] = customers as [string, string];
    await merge(d, e);
    // A new record under the absorbed customer's number, and its app record re-sent changed.
    const [later] = await ingest(customerRecord(n + 1, { sourceSystem: 'WECHAT' }));
    const [changed] = await ingest({ ...app(n + 1), gender: 'MALE' });
    expect(later).toMatchObject({ status: 'CREATED', id: d });
    expect(changed).toMatchObject({ status: 'UPDATED', id: d });
    const holders = await hub.sql<{ customer_id: string; n: number }>(
      `select customer_id, count(*)::int as n from source_record
       where source_key = any($1) group by customer_id`,
      [[`PA-${n}`, `PA-${n + 1}`]],
    );
    expect(holders).toEqual([{ customer_id: d, n: 5 }]);
  });

  /**
   * P's only record re-sent as Q's person: it goes to Q, and P, left with none, is merged into
   * Q. Sent back as P (under `branchCode`), it leaves for a customer made for it (`back`),
   * which merged-away P follows.
   */
  const followedBack = async (branchCode = '3201') => {
    const n = nextNumbers(2);
    const unique = String.fromCodePoint(0x4e00 + (n % 2000));
    const p = customerRecord(n, {
      sourceSystem: 'APP',
      sourceKey: `E-${n}`,
      name: `东方${unique}睿`,
    });
    const q = customerRecord(n + 1, { name: `西门${unique}妍` });
    const [pa, qa] = await ingest(p, q);
    const [toQ] = await ingest({ ...q, sourceSystem: 'APP', sourceKey: `E-${n}` });
    expect(toQ!.id).toBe(qa!.id);
    const [back] = await ingest({ ...p, branchCode });
    expect(back!.id).not.toBe(pa!.id);
    return { n, pa: pa!, qa: qa!, back: back! };
  };

  it('leaves no customer of no record when undone after the absorbed customer followed its record back', async () => {
    const { pa, qa, back } = await followedBack();
    const [merge] = await hub.sql<{ id: string }>(
      `select id from customer_merge where absorbed_id = $1 and unmerged_at is null`,
      [pa.id],
    );
    ok(await hub.gql(UNMERGE, { id: merge!.id, reason: REASON }, Role.STEWARD));
    // P is back with its record, and the customer made for it follows it there.
    const customersOf = await hub.sql<{ id: string; status: string; records: number }>(
      `select c.id, c.status, (select count(*)::int from source_record sr where sr.customer_id = c.id) as records
       from customer c where c.id = any($1) order by c.status, c.id`,
      [[pa.id, qa.id, back.id]],
    );
    expect(customersOf).toEqual(
      [
        { id: pa.id, status: 'ACTIVE', records: 1 },
        { id: qa.id, status: 'ACTIVE', records: 1 },
        { id: back.id, status: 'MERGED', records: 0 },
      ].sort((x, y) => x.status.localeCompare(y.status) || x.id.localeCompare(y.id)),
    );
    const found = ok(await hub.gql(LOOKUP, { by: { id: back.id } }, Role.STEWARD)).customer;
    expect(found).toMatchObject({ id: pa.id, resolvedFrom: back.id });
    // That merge is no one's to undo: it would bring back a customer of no record.
    const [emptied] = await hub.sql<{ id: string }>(
      `select id from customer_merge where absorbed_id = $1 and unmerged_at is null`,
      [back.id],
    );
    const undone = await hub.gql(UNMERGE, { id: emptied!.id, reason: REASON }, Role.STEWARD);
    expect(undone.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      field: 'mergeId',
      rule: 'RECORDS_MOVED',
    });
    expect(await hub.sql(`select status from customer where id = $1`, [back.id])).toEqual([
      { status: 'MERGED' },
    ]);
  });

  it('leaves no survivor of no record when undone after the survivor’s own record went to someone else', async () => {
    const n = nextNumbers(3);
    const [h] = await ingest(customerRecord(n));
    const [g] = await ingest(
      customerRecord(n + 1, { sourceSystem: 'APP', sourceKey: `APP-${n + 1}` }),
    );
    const [k] = await ingest(
      customerRecord(n + 2, { sourceSystem: 'CLAIMS', sourceKey: `CL-${n + 2}` }),
    );
    const merged = await merge(h!.id, g!.id);
    // H's only record of its own is re-sent as K's person: it goes to K, and H holds only
    // what the merge gave it.
    const [resent] = await ingest(customerRecord(n + 2, { sourceKey: `PA-${n}` }));
    expect(resent!.id).toBe(k!.id);
    ok(await hub.gql(UNMERGE, { id: merged.id, reason: REASON }, Role.STEWARD));
    // G is back with its record; H, left with none, follows its own to K.
    const customersOf = await hub.sql<{ id: string; status: string; records: number }>(
      `select c.id, c.status, (select count(*)::int from source_record sr where sr.customer_id = c.id) as records
       from customer c where c.id = any($1)`,
      [[h!.id, g!.id, k!.id]],
    );
    expect(new Map(customersOf.map(({ id, ...rest }) => [id, rest]))).toEqual(
      new Map([
        [h!.id, { status: 'MERGED', records: 0 }],
        [g!.id, { status: 'ACTIVE', records: 1 }],
        [k!.id, { status: 'ACTIVE', records: 2 }],
      ]),
    );
    const found = ok(await hub.gql(LOOKUP, { by: { id: h!.id } }, Role.STEWARD)).customer;
    expect(found).toMatchObject({ id: k!.id, resolvedFrom: h!.id });
    const [undo] = await hub.sql<{ details: Record<string, unknown> }>(
      `select details from audit_event where action = 'CUSTOMER_UNMERGE' and details->>'merge' = $1`,
      [merged.id],
    );
    const [followed] = await hub.sql<{ id: string; survivor_id: string }>(
      `select id, survivor_id from customer_merge where absorbed_id = $1 and unmerged_at is null`,
      [h!.id],
    );
    expect(followed!.survivor_id).toBe(k!.id);
    expect(undo!.details.emptiedMergedBy).toBe(followed!.id);
  });

  /** Source record `key` of `system`: its id and the customer holding it. */
  const recordOf = async (system: string, key: string) =>
    (
      await hub.sql<{ id: string; customer_id: string }>(
        `select id, customer_id from source_record where source_system = $1 and source_key = $2`,
        [system, key],
      )
    )[0]!;

  it('holds the newer of two steward merges a do-not-merge sets against each other, once the older one applies again', async () => {
    const n = nextNumbers(2);
    const id = residentId(n);
    const claims = (number: string) =>
      customerRecord(n, {
        sourceSystem: 'CLAIMS',
        sourceKey: `CL-${n}`,
        identityDocuments: [{ type: 'RESIDENT_ID', number }],
        contactPoints: [],
      });
    const onMobile = (k: number, system: string, key: string) =>
      customerRecord(k, {
        sourceSystem: system,
        sourceKey: key,
        identityDocuments: [],
        contactPoints: [{ kind: 'MOBILE', value: mobile(k) }],
      });
    const [cl, dl, app] = await ingest(
      claims(id),
      onMobile(n, 'DEALER', `DL-${n}`),
      onMobile(n + 1, 'APP', `APP-${n + 1}`),
    );
    await markDifferent(app!.id, cl!.id);
    await merge(dl!.id, cl!.id);
    // The claims record re-sent with a mistyped check character: the steward's word on it
    // stands for the number it held, and no longer applies; it is a customer of its own.
    await ingest(claims(id.slice(0, 17) + (id[17] === '1' ? '2' : '1')));
    const apart = (await recordOf('CLAIMS', `CL-${n}`)).customer_id;
    expect(apart).not.toBe(dl!.id);
    // The steward now merges the app's customer into the dealer's: newer than the first
    // merge, which the do-not-merge between the claims and app records contradicts.
    const newer = await merge(dl!.id, app!.id);
    // Put right, the number brings the first merge's word back; a record bearing the
    // number and the dealer's mobile then sets the two against each other.
    await ingest(claims(id));
    await ingest(
      customerRecord(n, {
        sourceKey: `PA-${n}`,
        contactPoints: [{ kind: 'MOBILE', value: mobile(n) }],
      }),
    );
    const holders = await Promise.all(
      [
        ['APP', `APP-${n + 1}`],
        ['DEALER', `DL-${n}`],
        ['CLAIMS', `CL-${n}`],
        ['POLICY_ADMIN', `PA-${n}`],
      ].map(async ([system, key]) => (await recordOf(system!, key!)).customer_id),
    );
    expect(holders).toEqual([dl!.id, dl!.id, apart, apart]);
    expect(
      await hub.sql(`select unmerged_at from customer_merge where id = $1`, [newer.id]),
    ).toEqual([{ unmerged_at: null }]);
  });

  const SPLIT = `mutation ($record: ID!, $reason: String!) {
    splitSourceRecord(recordId: $record, reason: $reason) { id sourceRecords { sourceKey } } }`;

  it('asks a steward about a later record bearing a number a split left two people holding, as like one as the other', async () => {
    const n = nextNumbers(2);
    const [x] = await ingest(customerRecord(n, { contactPoints: [mobileOf(n)] }));
    const claims = { sourceSystem: 'CLAIMS', sourceKey: `CL-${n}` };
    const [y] = await ingest(customerRecord(n, { ...claims, contactPoints: [mobileOf(n + 1)] }));
    expect(y!.id).toBe(x!.id);
    // Two people of one name and birth date, one resident ID between them: a steward parts them.
    const record = await recordOf('CLAIMS', claims.sourceKey);
    const split = ok(
      await hub.gql(SPLIT, { record: record.id, reason: 'another person' }, Role.STEWARD),
    ).splitSourceRecord;
    expect(split.id).not.toBe(x!.id);
    // The app's record bears the number and nothing that tells the two apart: which of them
    // it is, is a steward's to say, not the order of the source systems' names.
    const app = { sourceSystem: 'APP', sourceKey: `APP-${n}`, contactPoints: [] };
    const [alone] = await ingest(customerRecord(n, app));
    expect([x!.id, split.id]).not.toContain(alone!.id);
    const asked = await hub.sql<{ other: string }>(
      `select o.source_system as other from match_review r
       join source_record s on s.id in (r.record_a_id, r.record_b_id)
       join source_record o on o.id in (r.record_a_id, r.record_b_id) and o.id <> s.id
       where s.source_system = 'APP' and s.source_key = $1 and r.status = 'OPEN'
         and r.rule = 'AMBIGUOUS' order by 1`,
      [app.sourceKey],
    );
    expect(asked).toEqual([{ other: 'CLAIMS' }, { other: 'POLICY_ADMIN' }]);
    // Bearing one's mobile too, a record is that one's.
    const [wechat] = await ingest(
      customerRecord(n, {
        sourceSystem: 'WECHAT',
        sourceKey: `WX-${n}`,
        contactPoints: [mobileOf(n + 1)],
      }),
    );
    expect(wechat!.id).toBe(split.id);
  });

  it.each([
    ['POLICY_ADMIN', 'PA'],
    ['APP', 'APP'],
    ['CLAIMS', 'CL'],
  ])(
    'splits off only the %s record when the others link to each other as well as to it',
    async (system, prefix) => {
      const n = nextNumbers(2);
      // One batch: each record links to each of the others, and each records the one it
      // joined by; whichever that was, the two left still link to each other.
      const sent = await ingest(
        customerRecord(n),
        undocumented(n, { sourceSystem: 'APP', sourceKey: `APP-${n}` }),
        undocumented(n, { sourceSystem: 'CLAIMS', sourceKey: `CL-${n}` }),
      );
      const customer = sent[0]!.id;
      expect(new Set(sent.map((r) => r.id))).toEqual(new Set([customer]));
      const record = await recordOf(system, `${prefix}-${n}`);
      const split = ok(
        await hub.gql(SPLIT, { record: record.id, reason: 'another person' }, Role.STEWARD),
      ).splitSourceRecord;
      expect(split.id).not.toBe(customer);
      expect(split.sourceRecords).toEqual([{ sourceKey: `${prefix}-${n}` }]);
      const left = await hub.sql<{ source_key: string }>(
        `select source_key from source_record where customer_id = $1 order by 1`,
        [customer],
      );
      const keys = [`APP-${n}`, `CL-${n}`, `PA-${n}`];
      expect(left.map((r) => r.source_key)).toEqual(keys.filter((k) => k !== `${prefix}-${n}`));
      // Kept apart from the split record only, not from each other.
      const decided = await hub.sql<{ pair: string }>(
        `select concat_ws(' ', least(a.source_key, b.source_key), greatest(a.source_key, b.source_key)) as pair
         from match_decision d join source_record a on a.id = d.record_a_id
           join source_record b on b.id = d.record_b_id
         where a.source_key = any($1) and b.source_key = any($1) order by 1`,
        [keys],
      );
      expect(decided.map((d) => d.pair.split(' ').includes(`${prefix}-${n}`))).toEqual([
        true,
        true,
      ]);
      // And so matching leaves them, when a record of the three is re-sent changed.
      const holders = () =>
        hub.sql(
          `select source_key, customer_id from source_record where source_key = any($1) order by 1`,
          [keys],
        );
      const parted = await holders();
      const [resent] = await ingest(
        undocumented(n, {
          sourceSystem: 'CLAIMS',
          sourceKey: `CL-${n}`,
          contactPoints: [mobileOf(n), { kind: 'EMAIL', value: `cl${n}@example.cn` }],
        }),
      );
      expect(resent!.status).toBe('UPDATED');
      expect(await holders()).toEqual(parted);
    },
  );

  it('takes along, when splitting a record off, the record bearing its resident ID, though that one is like the rest as well', async () => {
    const n = nextNumbers(2);
    const email = { kind: 'EMAIL', value: `c${n}@example.cn` };
    // PA has no number; the app's and the claims system's share one. Claims shares PA's
    // mobile too, but joined by the number.
    const sent = await ingest(
      undocumented(n, { contactPoints: [mobileOf(n), email] }),
      customerRecord(n, {
        sourceSystem: 'APP',
        sourceKey: `APP-${n}`,
        contactPoints: [mobileOf(n), email],
      }),
      customerRecord(n, {
        sourceSystem: 'CLAIMS',
        sourceKey: `CL-${n}`,
        contactPoints: [mobileOf(n)],
      }),
    );
    expect(new Set(sent.map((r) => r.id)).size).toBe(1);
    const app = await recordOf('APP', `APP-${n}`);
    const split = ok(
      await hub.gql(SPLIT, { record: app.id, reason: 'another person' }, Role.STEWARD),
    ).splitSourceRecord;
    // One customer of the number: the steward's word on the app's record is on its holder.
    expect(split.id).not.toBe(sent[0]!.id);
    expect(split.sourceRecords.map((r: { sourceKey: string }) => r.sourceKey).sort()).toEqual([
      `APP-${n}`,
      `CL-${n}`,
    ]);
    expect((await recordOf('POLICY_ADMIN', `PA-${n}`)).customer_id).toBe(sent[0]!.id);
  });

  it('keeps a customer’s id with its first record when splitting another off, though its source re-sent it since', async () => {
    const n = nextNumbers(2);
    const email = { kind: 'EMAIL', value: `c${n}@example.cn` };
    const agency = undocumented(n, {
      sourceSystem: 'AGENCY',
      sourceKey: `AG-${n}`,
      contactPoints: [mobileOf(n)],
    });
    // The agency's record first, then the claims system's (its mobile, an e-mail), then the
    // app's (the e-mail): one customer, the app's record hanging on it through the claims one.
    const [first] = await ingest(agency);
    const [claims] = await ingest(
      undocumented(n, {
        sourceSystem: 'CLAIMS',
        sourceKey: `CL-${n}`,
        contactPoints: [mobileOf(n), email],
      }),
    );
    const [app] = await ingest(
      undocumented(n, { sourceSystem: 'APP', sourceKey: `APP-${n}`, contactPoints: [email] }),
    );
    expect([claims!.id, app!.id]).toEqual([first!.id, first!.id]);
    const [resent] = await ingest({
      ...agency,
      contactPoints: [mobileOf(n), { kind: 'ADDRESS', value: '江苏省南京市玄武区中山路201号' }],
    });
    expect(resent).toMatchObject({ status: 'UPDATED', id: first!.id });
    const cl = await recordOf('CLAIMS', `CL-${n}`);
    const split = ok(
      await hub.gql(SPLIT, { record: cl.id, reason: 'another person' }, Role.STEWARD),
    ).splitSourceRecord;
    expect(split.id).not.toBe(first!.id);
    expect((await recordOf('AGENCY', `AG-${n}`)).customer_id).toBe(first!.id);
    expect(split.sourceRecords.map((r: { sourceKey: string }) => r.sourceKey).sort()).toEqual([
      `APP-${n}`,
      `CL-${n}`,
    ]);
  });

  it('splits a record matching linked wrongly off its customer, with what names it, for good', async () => {
    const n = nextNumbers(2);
    // The app's record of someone of the same name, mobile and e-mail joins X's customer.
    const [x, y] = await ingest(
      customerRecord(n),
      undocumented(n, { sourceSystem: 'APP', sourceKey: `APP-${n}` }),
    );
    expect(y!.id).toBe(x!.id);
    const [cifX] = await cifNumbers(hub, [x!.id]);
    // A policy the app's owner holds, named by the app's source key; X's own, by CIF.
    const [own, theirs] = [
      autoPolicyRecord(n, cifX!),
      autoPolicyRecord(n + 1, cifX!, {
        parties: [
          { role: 'POLICYHOLDER', customer: { sourceSystem: 'APP', sourceKey: `APP-${n}` } },
        ],
      }),
    ];
    expect(
      ok(await hub.gql(INGEST_POLICIES, { records: [own, theirs] }, Role.INGEST)).ingestPolicies
        .accepted,
    ).toBe(2);
    const [record] = await hub.sql<{ id: string }>(
      `select id from source_record where source_system = 'APP' and source_key = $1`,
      [`APP-${n}`],
    );
    const split = ok(
      await hub.gql(SPLIT, { record: record!.id, reason: 'another person' }, Role.STEWARD),
    ).splitSourceRecord;
    expect(split.id).not.toBe(x!.id);
    expect(split.sourceRecords).toEqual([{ sourceKey: `APP-${n}` }]);
    const holders = async () =>
      hub.sql<{ policy_no: string; customer_id: string }>(
        `select p.policy_no, pp.customer_id from policy p join policy_party pp on pp.policy_id = p.id
         where p.policy_no = any($1) and pp.role = 'POLICYHOLDER' order by 1`,
        [[own.policyNo, theirs.policyNo]],
      );
    expect(await holders()).toEqual([
      { policy_no: own.policyNo, customer_id: x!.id },
      { policy_no: theirs.policyNo, customer_id: split.id },
    ]);
    // Sent again, changed or not, it stays apart; audited with the steward's reason.
    const [again] = await ingest(
      undocumented(n, { sourceSystem: 'APP', sourceKey: `APP-${n}`, gender: 'MALE' }),
    );
    expect(again!.id).toBe(split.id);
    const [event] = await hub.sql<{ purpose: string; details: Record<string, unknown> }>(
      `select purpose, details from audit_event where action = 'MATCH_DECISION'
         and details->>'split' = $1`,
      [record!.id],
    );
    expect(event).toMatchObject({
      purpose: 'another person',
      details: { from: x!.id, to: split.id, verdict: 'DIFFERENT_CUSTOMERS' },
    });
    // X's last record has nothing to leave; a merge joins the two again.
    const [xRecord] = await hub.sql<{ id: string }>(
      `select id from source_record where customer_id = $1`,
      [x!.id],
    );
    const alone = await hub.gql(SPLIT, { record: xRecord!.id, reason: 'r' }, Role.STEWARD);
    expect(alone.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      field: 'recordId',
      rule: 'ONLY_RECORD',
    });
    await merge(x!.id, split.id);
    expect(await holders()).toEqual([
      { policy_no: own.policyNo, customer_id: x!.id },
      { policy_no: theirs.policyNo, customer_id: x!.id },
    ]);
    const missing = await hub.gql(SPLIT, { record: randomUUID(), reason: 'r' }, Role.STEWARD);
    expect(missing.errors?.[0]?.extensions).toMatchObject({
      code: 'NOT_FOUND',
      field: 'recordId',
    });
  });

  it('gives back, when undone after a split, what the merge moved that no reference names', async () => {
    const [a, b] = await customers(2);
    // As the demo seed writes them: nothing names whose they are but the row itself.
    await hub.sql(`update policy_party set customer_ref = null where customer_id = $1`, [b!.id]);
    await hub.sql(`update claim set claimant_ref = null where claimant_id = $1`, [b!.id]);
    await hub.sql(`update risk_score set customer_ref = null where customer_id = $1`, [b!.id]);
    const rowsOf = async (id: string) =>
      (
        await hub.sql(
          `select (select count(*) from policy_party where customer_id = $1)::int as parties,
             (select count(*) from claim where claimant_id = $1)::int as claims,
             (select count(*) from risk_score where customer_id = $1)::int as scores`,
          [id],
        )
      )[0];
    const before = await rowsOf(b!.id);
    expect(before).toEqual({
      parties: expect.any(Number),
      claims: expect.any(Number),
      scores: expect.any(Number),
    });
    expect(Object.values(before!).every((n) => n > 0)).toBe(true);
    const [record] = await hub.sql<{ id: string }>(
      `select id from source_record where customer_id = $1`,
      [b!.id],
    );
    const merged = await merge(a!.id, b!.id);
    // B's record was linked wrongly, the steward decides: it goes off on its own, and B,
    // merged away, follows it.
    const split = ok(
      await hub.gql(SPLIT, { record: record!.id, reason: 'another person' }, Role.STEWARD),
    ).splitSourceRecord;
    expect(split.id).not.toBe(a!.id);
    ok(await hub.gql(UNMERGE, { id: merged.id, reason: REASON }, Role.STEWARD));
    expect(await rowsOf(b!.id)).toEqual(before);
  });

  it('splits a record off with those that hung on the customer only through it, and can still undo the merge that brought them', async () => {
    const n = nextNumbers(2);
    const [h] = await ingest(customerRecord(n));
    // G's two records share G's resident ID: the WeChat one, sent later, is G's through the
    // app's, and the merge joins the app's, G's first, to H's.
    const [g] = await ingest(
      customerRecord(n + 1, { sourceSystem: 'APP', sourceKey: `APP-${n + 1}` }),
    );
    const [wechat] = await ingest(
      customerRecord(n + 1, {
        sourceSystem: 'WECHAT',
        sourceKey: `WX-${n + 1}`,
        contactPoints: [],
      }),
    );
    expect(wechat!.id).toBe(g!.id);
    const merged = await merge(h!.id, g!.id);
    const app = await recordOf('APP', `APP-${n + 1}`);
    const split = ok(
      await hub.gql(SPLIT, { record: app.id, reason: 'not this one' }, Role.STEWARD),
    ).splitSourceRecord;
    // The WeChat record, H's only through the app's and holding its resident ID, goes with
    // it: one customer of that number, and H keeps its own record alone.
    expect(split.sourceRecords.map((r: { sourceKey: string }) => r.sourceKey).sort()).toEqual([
      `APP-${n + 1}`,
      `WX-${n + 1}`,
    ]);
    expect((await recordOf('POLICY_ADMIN', `PA-${n}`)).customer_id).toBe(h!.id);
    const holders = await hub.sql<{ n: number }>(
      `select count(distinct customer_id)::int as n from identity_document
       where number_hash = (select number_hash from identity_document where customer_id = $1)`,
      [split.id],
    );
    expect(holders).toEqual([{ n: 1 }]);
    // Undone, the merge gives G back as it was, both its records.
    ok(await hub.gql(UNMERGE, { id: merged.id, reason: 'undo' }, Role.STEWARD));
    expect((await recordOf('APP', `APP-${n + 1}`)).customer_id).toBe(g!.id);
    expect((await recordOf('WECHAT', `WX-${n + 1}`)).customer_id).toBe(g!.id);
    expect((await recordOf('POLICY_ADMIN', `PA-${n}`)).customer_id).toBe(h!.id);
  });

  it('keeps a customer’s id with its own records when one is split off, and asks for the unmerge when it is the last of them', async () => {
    const n = nextNumbers(2);
    const [h] = await ingest(customerRecord(n));
    const [g] = await ingest(
      customerRecord(n + 1, { sourceSystem: 'APP', sourceKey: `APP-${n + 1}` }),
    );
    const merged = await merge(h!.id, g!.id);
    const own = await recordOf('POLICY_ADMIN', `PA-${n}`);
    // H's only record of its own: split off, H's id would stay with G's person.
    const refused = await hub.gql(SPLIT, { record: own.id, reason: 'not this one' }, Role.STEWARD);
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      field: 'recordId',
      rule: 'MERGED',
      merges: [merged.id],
    });
    expect((await recordOf('APP', `APP-${n + 1}`)).customer_id).toBe(h!.id);
    expect((await recordOf('POLICY_ADMIN', `PA-${n}`)).customer_id).toBe(h!.id);
    // A second record of H's person, received after G's: split off H's first, H keeps its
    // id with that one, not with G's record, the earliest other.
    const [claims] = await ingest(
      customerRecord(n, { sourceSystem: 'CLAIMS', sourceKey: `CL-${n}`, contactPoints: [] }),
    );
    expect(claims!.id).toBe(h!.id);
    const split = ok(
      await hub.gql(SPLIT, { record: own.id, reason: 'not this one' }, Role.STEWARD),
    ).splitSourceRecord;
    expect(split.id).not.toBe(h!.id);
    expect((await recordOf('CLAIMS', `CL-${n}`)).customer_id).toBe(h!.id);
    // Undone, the merge gives G back its record, and no customer is left of none.
    ok(await hub.gql(UNMERGE, { id: merged.id, reason: 'undo' }, Role.STEWARD));
    expect((await recordOf('APP', `APP-${n + 1}`)).customer_id).toBe(g!.id);
    const empty = await hub.sql(
      `select c.id from customer c where c.id = any($1) and c.status = 'ACTIVE'
         and not exists (select 1 from source_record sr where sr.customer_id = c.id)`,
      [[h!.id, g!.id, split.id]],
    );
    expect(empty).toEqual([]);
  });

  it('refuses to undo a merge a steward has since confirmed on a pair of its records (DECIDED_SINCE)', async () => {
    const n = nextNumbers(2);
    const [h] = await ingest(customerRecord(n));
    const [g] = await ingest(
      customerRecord(n + 1, { sourceSystem: 'APP', sourceKey: `APP-${n + 1}` }),
    );
    await ingest(
      customerRecord(n + 1, {
        sourceSystem: 'WECHAT',
        sourceKey: `WX-${n + 1}`,
        contactPoints: [],
      }),
    );
    // The merge's word is on H's record and G's first; the steward's later one on another pair.
    const merged = await merge(h!.id, g!.id);
    const [own, wechat] = await hub.sql<{ id: string }>(
      `select id from source_record where (source_system, source_key) in
         (('POLICY_ADMIN', $1), ('WECHAT', $2)) order by source_system`,
      [`PA-${n}`, `WX-${n + 1}`],
    );
    const task = await openTask(own!.id, wechat!.id);
    ok(
      await hub.gql(
        `mutation ($id: ID!, $reason: String!) { approveMatchReview(id: $id, reason: $reason) { status } }`,
        { id: task, reason: 'the same person' },
        Role.STEWARD,
      ),
    );
    const undo = await hub.gql(UNMERGE, { id: merged.id, reason: 'undo' }, Role.STEWARD);
    expect(undo.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      field: 'mergeId',
      rule: 'DECIDED_SINCE',
    });
    const [absorbed] = await hub.sql(`select status from customer where id = $1`, [g!.id]);
    expect(absorbed).toEqual({ status: 'MERGED' });
  });

  /** Customers per tier as held at the end of `day`, as an administrator counts them. */
  const tiersOn = async (day: string) =>
    ok(
      await hub.gql(
        `query ($day: LocalDate!) { tierSegmentSummary(asOf: $day) { tier customers } }`,
        { day },
        Role.ADMIN,
      ),
    ).tierSegmentSummary;

  it('leaves a past day’s tier counts as they were when customers are merged after it', async () => {
    const [a, b] = await customers(2);
    const day = hub.clock.today();
    hub.clock.set(new Date(Date.now() + 2 * 86_400_000));
    try {
      const before = await tiersOn(day);
      await merge(a!.id, b!.id);
      expect(await tiersOn(day)).toEqual(before);
    } finally {
      hub.clock.set(undefined);
    }
  });

  it('leaves a past day’s tier counts as they were when customers arrive after it', async () => {
    const day = addDays(hub.clock.today(), -1);
    const before = await tiersOn(day);
    await customers(1);
    expect(await tiersOn(day)).toEqual(before);
  });

  it('keeps the absorbed customer’s tier closed for the merged time when undone, opening it again from then on', async () => {
    const [a, b] = await customers(2);
    const periods = () =>
      hub.sql<{ tier: string; valid_from: Date; valid_to: Date | null }>(
        `select tier, valid_from, valid_to from tier_assignment where customer_id = $1
         order by valid_from, id`,
        [b!.id],
      );
    const [held] = await periods();
    expect(held).toMatchObject({ valid_to: null });
    const merged = await merge(a!.id, b!.id);
    hub.clock.set(new Date(Date.now() + 60_000));
    try {
      ok(await hub.gql(UNMERGE, { id: merged.id, reason: REASON }, Role.STEWARD));
      const [closed, reopened, ...more] = await periods();
      // Merged away, B held no tier of its own: the history says so, and is not rewritten.
      expect(closed!.valid_to).not.toBeNull();
      expect(reopened).toMatchObject({ tier: held!.tier, valid_to: null });
      expect(reopened!.valid_from.getTime()).toBe(hub.clock.now().getTime());
      expect(more).toEqual([]);
      const history = ok(
        await hub.gql(
          `query ($id: ID!) { customer(by: { id: $id }) { tier { tier } } }`,
          { id: b!.id },
          Role.STEWARD,
        ),
      );
      expect(history.customer.tier.tier).toBe(held!.tier);
    } finally {
      hub.clock.set(undefined);
    }
  });

  it('opens no tier of rules retired since the merge when undone: the worker computes the active one', async () => {
    const [a, b] = await customers(2);
    const merged = await merge(a!.id, b!.id);
    // B's tier was of rules an activation has since retired (a version of its own here, so
    // that this hub's active rules stay as the other tests found them).
    const [retired] = await hub.sql<{ id: string }>(
      `insert into rule_set_version select * from jsonb_populate_record(null::rule_set_version,
         (select to_jsonb(v) || jsonb_build_object('id', gen_random_uuid(), 'status', 'RETIRED',
            'retired_at', v.activated_at,
            'version', (select max(version) + 1 from rule_set_version where kind = 'TIER'))
          from rule_set_version v where kind = 'TIER' and status = 'ACTIVE'))
       returning id`,
    );
    await hub.sql(
      `update tier_assignment set rule_set_version_id = $2
       where customer_id = $1 and valid_to = (select max(valid_to) from tier_assignment where customer_id = $1)`,
      [b!.id, retired!.id],
    );
    ok(await hub.gql(UNMERGE, { id: merged.id, reason: REASON }, Role.STEWARD));
    const open = () =>
      hub.sql<{ status: string }>(
        `select v.status from tier_assignment t join rule_set_version v on v.id = t.rule_set_version_id
         where t.customer_id = $1 and t.valid_to is null`,
        [b!.id],
      );
    expect(await open()).toEqual([]);
    await hub.app.services.tiers.drainQueue();
    expect(await open()).toEqual([{ status: 'ACTIVE' }]);
  });

  /**
   * Matching merges C into A, then moves C's record on to B, whom a steward said A is not:
   * records a, b and c of one name and birth date, none with documents, c with a mobile and
   * an e-mail that a takes up (the merge) and b then takes up too (the move).
   */
  async function mergedThenMoved() {
    const n = nextNumbers(3);
    const person = (k: number, system: string, contacts: string[]) =>
      customerRecord(k, {
        sourceSystem: system,
        sourceKey: `MOVED-${n}`,
        // A common name: the same name and birth date alone only make a review task.
        name: '李娜',
        birthDate: addDays('1960-01-01', n % 10_000),
        gender: 'FEMALE',
        identityDocuments: [],
        contactPoints: contacts.map((kind) =>
          kind === 'MOBILE'
            ? { kind, value: mobile(n + 2) }
            : { kind: 'EMAIL', value: `moved${n}@example.cn` },
        ),
      });
    const [a] = await ingest(person(n, 'POLICY_ADMIN', []));
    const [b] = await ingest(person(n + 1, 'AGENCY', []));
    await markDifferent(a!.id, b!.id);
    const [c] = await ingest(person(n + 2, 'APP', ['MOBILE', 'EMAIL']));
    expect(c!.id).not.toBe(a!.id);
    await ingest(person(n, 'POLICY_ADMIN', ['MOBILE']));
    const [merge] = await hub.sql<{ id: string }>(
      `select id from customer_merge where absorbed_id = $1 and survivor_id = $2`,
      [c!.id, a!.id],
    );
    expect(merge).toBeDefined();
    await ingest(person(n + 1, 'AGENCY', ['MOBILE', 'EMAIL']));
    const holder = await hub.sql<{ customer_id: string }>(
      `select customer_id from source_record where source_system = 'APP' and source_key = $1`,
      [`MOVED-${n}`],
    );
    expect(holder).toEqual([{ customer_id: b!.id }]);
    return { a: a!.id, b: b!.id, c: c!.id, merge: merge!.id };
  }

  it('resolves a merged-away customer to where matching has since moved its records', async () => {
    const { b, c } = await mergedThenMoved();
    const found = ok(await hub.gql(LOOKUP, { by: { id: c } }, Role.STEWARD)).customer;
    expect(found).toMatchObject({ id: b, resolvedFrom: c });
  });

  it('undoes a merge from the customer its absorbed customer’s records have moved to since', async () => {
    const { a, b, c, merge } = await mergedThenMoved();
    ok(await hub.gql(UNMERGE, { id: merge, reason: REASON }, Role.STEWARD));
    const back = ok(await hub.gql(LOOKUP, { by: { id: c } }, Role.STEWARD)).customer;
    expect(back).toMatchObject({ id: c, status: 'ACTIVE', resolvedFrom: null });
    const holders = await hub.sql<{ customer_id: string }>(
      `select distinct customer_id from source_record where customer_id = any($1)`,
      [[a, b, c]],
    );
    expect(holders.map((h) => h.customer_id).sort()).toEqual([a, b, c].sort());
    const [event] = await hub.sql<{ details: { heldBy?: string } }>(
      `select details from audit_event where action = 'CUSTOMER_UNMERGE' and target_id = $1`,
      [c],
    );
    expect(event!.details.heldBy).toBe(b);
  });

  it('refuses to undo a merge whose absorbed customer would come back with no record', async () => {
    const { a, c, merge } = await mergedThenMoved();
    // As matching left such a customer before merged-away customers followed their records:
    // still pointing at the survivor, its record with someone else.
    await hub.sql(`update customer set merged_into_id = $1 where id = $2`, [a, c]);
    const before = await snapshot([a, c]);
    const res = await hub.gql(UNMERGE, { id: merge, reason: REASON }, Role.STEWARD);
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      field: 'mergeId',
      rule: 'RECORDS_MOVED',
    });
    expect(await snapshot([a, c])).toEqual(before);
  });

  it('brings nobody into its merge when the record it joined is re-sent as another customer, and is then not undone', async () => {
    const n = nextNumbers(3);
    // X and Y merged by a steward; the app then re-sends Y's record as Z (Z's resident ID);
    // Z holds a policy under its CIF number.
    const [x] = await ingest(customerRecord(n));
    const [y] = await ingest(undocumented(n + 1, { sourceSystem: 'APP' }));
    const [z] = await ingest(customerRecord(n + 2, { sourceSystem: 'AGENCY' }));
    const [, , cifZ] = await cifNumbers(hub, [x!.id, y!.id, z!.id]);
    const policy = autoPolicyRecord(n + 2, cifZ!);
    const [outcome] = Object.values(
      ok(await hub.gql(INGEST_POLICIES, { records: [policy] }, Role.INGEST)),
    );
    expect(outcome.rejected).toBe(0);
    const merged = await merge(x!.id, y!.id);
    const [resent] = await ingest(
      customerRecord(n + 2, { sourceSystem: 'APP', sourceKey: `PA-${n + 1}` }),
    );
    // The record goes to Z, and only it: the steward joined it to X under no resident ID, and
    // X's and Z's differ. Z keeps its id and its policy, X its own record.
    expect(resent).toMatchObject({ status: 'UPDATED', id: z!.id });
    const holders = async () =>
      hub.sql<{ source: string; customer_id: string }>(
        `select source_system || ':' || source_key as source, customer_id from source_record
         where source_key = any($1) order by 1`,
        [[`PA-${n}`, `PA-${n + 1}`, `PA-${n + 2}`]],
      );
    const policyHolders = async () =>
      hub.sql(
        `select distinct pp.customer_id from policy_party pp join policy p on p.id = pp.policy_id
         where p.policy_no = $1`,
        [policy.policyNo],
      );
    expect(await holders()).toEqual([
      { source: `AGENCY:PA-${n + 2}`, customer_id: z!.id },
      { source: `APP:PA-${n + 1}`, customer_id: z!.id },
      { source: `POLICY_ADMIN:PA-${n}`, customer_id: x!.id },
    ]);
    expect(await policyHolders()).toEqual([{ customer_id: z!.id }]);
    expect(await hub.sql(`select id from customer_merge where absorbed_id = $1`, [z!.id])).toEqual(
      [],
    );
    const found = ok(await hub.gql(LOOKUP, { by: { cifNo: cifZ } }, Role.STEWARD)).customer;
    expect(found).toMatchObject({ id: z!.id, status: 'ACTIVE', resolvedFrom: null });
    // Y followed its record. Taken back, the record would make two customers of Z's resident
    // ID: the merge is not undone, and nothing changes.
    expect(ok(await hub.gql(LOOKUP, { by: { id: y!.id } }, Role.STEWARD)).customer).toMatchObject({
      id: z!.id,
      resolvedFrom: y!.id,
    });
    const undone = await hub.gql(UNMERGE, { id: merged.id, reason: REASON }, Role.STEWARD);
    expect(undone.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      field: 'mergeId',
      rule: 'RECORDS_MOVED',
    });
    expect(await holders()).toEqual([
      { source: `AGENCY:PA-${n + 2}`, customer_id: z!.id },
      { source: `APP:PA-${n + 1}`, customer_id: z!.id },
      { source: `POLICY_ADMIN:PA-${n}`, customer_id: x!.id },
    ]);
    expect(await policyHolders()).toEqual([{ customer_id: z!.id }]);
  });

  it.each([
    ['after the other person’s customer arrived', 'after'],
    ['before the other person’s record arrived', 'before'],
    ['in one batch with the other person’s record', 'together'],
  ])(
    'pulls nobody in automatically through a record a steward merged in that its source re-sends as another person, %s',
    async (_, order) => {
      const n = nextNumbers(3);
      // X's policy record; the app's record of someone else (no ID), which a steward says is
      // X; then the app re-sends that record as Z's person (name, mobile, e-mail), whom a
      // call-centre record (no ID either) describes the same way.
      const [x] = await ingest(customerRecord(n));
      const app = { sourceSystem: 'APP', sourceKey: `APP-${n}` };
      const [y] = await ingest(undocumented(n + 1, app));
      expect(y!.id).not.toBe(x!.id);
      const merged = await merge(x!.id, y!.id);
      const resent = undocumented(n + 2, app);
      const callCentre = undocumented(n + 2, { sourceSystem: 'CALL_CENTRE', sourceKey: `CC-${n}` });
      let z: string;
      if (order === 'together') {
        const outcomes = await ingest(resent, callCentre);
        expect(outcomes[0]).toMatchObject({ status: 'UPDATED', id: x!.id });
        z = outcomes[1]!.id;
      } else if (order === 'after') {
        z = (await ingest(callCentre))[0]!.id;
        expect(await ingest(resent)).toMatchObject([{ status: 'UPDATED', id: x!.id }]);
      } else {
        expect(await ingest(resent)).toMatchObject([{ status: 'UPDATED', id: x!.id }]);
        z = (await ingest(callCentre))[0]!.id;
      }
      // The steward's merge holds the record, and Z stays its own customer: whether Z is the
      // person the record now describes, or X is, is a steward's to say.
      expect(z).not.toBe(x!.id);
      const holders = async () =>
        hub.sql<{ source: string; customer_id: string }>(
          `select source_system || ':' || source_key as source, customer_id from source_record
           where source_key = any($1) order by 1`,
          [[`PA-${n}`, app.sourceKey, `CC-${n}`]],
        );
      expect(await holders()).toEqual([
        { source: `APP:${app.sourceKey}`, customer_id: x!.id },
        { source: `CALL_CENTRE:CC-${n}`, customer_id: z },
        { source: `POLICY_ADMIN:PA-${n}`, customer_id: x!.id },
      ]);
      expect(ok(await hub.gql(LOOKUP, { by: { id: z } }, Role.STEWARD)).customer).toMatchObject({
        id: z,
        status: 'ACTIVE',
        resolvedFrom: null,
      });
      // Every page: other tests' tasks, of higher scores, may come first.
      const open: Record<string, any>[] = [];
      for (let after: string | undefined, more = true; more;) {
        const page = ok(
          await hub.gql(REVIEWS, { status: 'OPEN', first: 100, after }, Role.STEWARD),
        ).matchReviews;
        open.push(...page.nodes);
        [more, after] = [page.pageInfo.hasNextPage, page.pageInfo.endCursor];
      }
      const tasks = open.filter((t) => [t.customerA.id, t.customerB.id].includes(z));
      expect(tasks).toHaveLength(1);
      expect(tasks[0]).toMatchObject({ rule: 'CHANGED_SINCE_DECISION', status: 'OPEN' });
      expect([tasks[0]!.customerA.id, tasks[0]!.customerB.id].sort()).toEqual([x!.id, z].sort());
      expect([tasks[0]!.recordA.sourceKey, tasks[0]!.recordB.sourceKey].sort()).toEqual(
        [app.sourceKey, `CC-${n}`].sort(),
      );
      const evidence = tasks[0]!.evidence as { weight: number }[];
      expect(evidence.reduce((sum, e) => sum + e.weight, 0)).toBeCloseTo(tasks[0]!.score, 6);
      expect(tasks[0]!.score).toBeGreaterThan(30);
      // Undoing the steward's merge lets the record go to the person it describes now.
      ok(await hub.gql(UNMERGE, { id: merged.id, reason: REASON }, Role.STEWARD));
      const after = await holders();
      expect(after[0]!.customer_id).toBe(after[1]!.customer_id);
      expect(after[0]!.customer_id).not.toBe(x!.id);
      expect(after[2]!.customer_id).toBe(x!.id);
    },
  );

  it('lets a record a steward merged in bring in more of its person after a re-send that fills in a field or corrects a character of its name', async () => {
    const n = nextNumbers(2);
    const [x] = await ingest(customerRecord(n));
    const app = { sourceSystem: 'APP', sourceKey: `APP-${n}` };
    const [y] = await ingest(undocumented(n + 1, app));
    await merge(x!.id, y!.id);
    // The app adds the birth date it lacked and puts 刻 (ke, as 客) right: the same person,
    // so a WeChat record of them joins.
    const name = `刻户${n + 1}`;
    const [resent] = await ingest(undocumented(n + 1, { ...app, name, birthDate: '1990-02-03' }));
    expect(resent).toMatchObject({ status: 'UPDATED', id: x!.id });
    const [wechat] = await ingest(
      undocumented(n + 1, {
        sourceSystem: 'WECHAT',
        sourceKey: `WX-${n}`,
        name,
        birthDate: '1990-02-03',
      }),
    );
    expect(wechat).toMatchObject({ status: 'CREATED', id: x!.id });
  });

  describe('access', () => {
    it('lets only stewards and administrators merge, review and read merges, with a reason', async () => {
      const [a, b] = await customers(2);
      for (const role of [Role.FRONTLINE, Role.UNDERWRITING, Role.MARKETING, Role.INGEST]) {
        const res = await hub.gql(
          MERGE,
          { survivor: a!.id, absorbed: b!.id, reason: REASON },
          role,
        );
        expect(res.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
      }
      const merges = await hub.gql(
        `query ($by: CustomerLookup!) { customer(by: $by) { merges { id } } }`,
        { by: { id: a!.id } },
        Role.FRONTLINE,
      );
      expect(merges.errors?.[0]?.extensions).toMatchObject({
        code: 'FORBIDDEN',
        field: 'Customer.merges',
      });
      // Blank once invisibles go; counted in characters, as every length limit (1,001 of a
      // rare ideograph, not the 2,002 UTF-16 units they take); and no terminal escape
      // sequence, which would be replayed to whoever reads the audit log.
      for (const [reason, rule, says] of [
        [' \u200b\ufeff\u2060 ', 'REQUIRED', /blank/],
        // An accent with nothing to sit on says nothing either.
        [' \u0301 ', 'REQUIRED', /blank/],
        // A program's internal marker, not text a person typed.
        ['two people\uffff', 'CONTROL_CHARACTER', /noncharacter \(U\+FFFF\)/],
        ['𠀀'.repeat(1001), 'MAX_LENGTH', /got 1001/],
        // Counted as typed, though kept it would be the 8 characters of `[digits]`…
        ['1'.repeat(200_000), 'MAX_LENGTH', /got 200000/],
        // …and as kept: 979 characters of e-mails are 1,259 once each is `[e-mail]`.
        ['a@b.cn '.repeat(140).trim(), 'MAX_LENGTH', /got 1259 once masked/],
        ['line one\u001b[31m red\u0007', 'CONTROL_CHARACTER', /U\+001B/],
      ] as const) {
        const refused = await hub.gql(
          MERGE,
          { survivor: a!.id, absorbed: b!.id, reason },
          Role.STEWARD,
        );
        expect(refused.errors?.[0]?.extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          field: 'reason',
          rule,
        });
        expect(refused.errors?.[0]?.message).toMatch(says);
      }
      // The customers are Nanjing's (3201): a Wuxi (3202) steward does not see them.
      const elsewhere = await asBranch(Role.STEWARD, '3202', MERGE, {
        survivor: a!.id,
        absorbed: b!.id,
        reason: REASON,
      });
      expect(elsewhere.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
      const [{ status }] = await hub.sql<{ status: string }>(
        `select status from customer where id = $1`,
        [b!.id],
      );
      expect(status).toBe('ACTIVE');
    });

    it('answers a merged-away id as its survivor in every write: missing where the survivor is out of sight', async () => {
      const [here, absorbed, survivor] = await customers(3);
      const merged = await merge(survivor!.id, absorbed!.id);
      // The survivor is Wuxi's (3202) now; the other two are Nanjing's (3201).
      await hub.sql(
        `update customer set branch_id = (select id from branch where code = '3202')
        where id = $1`,
        [survivor!.id],
      );
      const counts = () =>
        hub.sql<{ decisions: number; eligibility: number }>(
          `select (select count(*)::int from match_decision) as decisions,
             (select count(*)::int from eligibility_decision) as eligibility`,
        );
      const before = await counts();

      const claim = {
        amount: '800.00',
        singleParty: true,
        injury: false,
        accidentAt: new Date(hub.clock.now().getTime() - 86_400_000).toISOString(),
      };
      const DECIDE = `mutation ($input: EligibilityRequest!) {
        decideEligibility(input: $input) { id tier } }`;
      const attempts = [
        [
          Role.STEWARD,
          `mutation ($a: ID!, $b: ID!) {
            markDifferentCustomers(customerIdA: $a, customerIdB: $b, reason: "two people") { id } }`,
          { a: here!.id, b: absorbed!.id },
          'customerIdB',
        ],
        [
          Role.STEWARD,
          MERGE,
          { survivor: here!.id, absorbed: absorbed!.id, reason: REASON },
          'absorbedId',
        ],
        [
          Role.STEWARD,
          MERGE,
          { survivor: absorbed!.id, absorbed: here!.id, reason: REASON },
          'survivorId',
        ],
        [
          Role.FRONTLINE,
          DECIDE,
          { input: { customerId: absorbed!.id, service: 'ROADSIDE_RESCUE', claim } },
          'input.customerId',
        ],
      ] as const;
      for (const [role, query, variables, field] of attempts) {
        const res = await asBranch(role, '3201', query, variables);
        expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
        expect(res.errors?.[0]?.message).toBe(`${field}: no customer has this id`);
        // Nothing names the customer the caller may not see.
        expect(JSON.stringify(res)).not.toContain(survivor!.id);
      }
      expect(await counts()).toEqual(before);
      // The merge is read with the absorbed customer, and undone only by who sees both.
      const undo = await asBranch(Role.STEWARD, '3201', UNMERGE, { id: merged.id, reason: REASON });
      expect(undo.errors?.[0]?.extensions).toMatchObject({
        code: 'FORBIDDEN',
        field: 'mergeId',
        rule: 'BRANCH_SCOPE',
      });
      expect(JSON.stringify(undo)).not.toContain(survivor!.id);
      const [{ unmerged_at }] = await hub.sql<{ unmerged_at: Date | null }>(
        `select unmerged_at from customer_merge where id = $1`,
        [merged.id],
      );
      expect(unmerged_at).toBeNull();

      // Where the survivor is seen, the decision is the survivor's, under its tier.
      const decided = await hub.gql(
        DECIDE,
        { input: { customerId: absorbed!.id, service: 'ROADSIDE_RESCUE', claim } },
        Role.FRONTLINE,
      );
      const [row] = await hub.sql<{ customer_id: string; tier: string }>(
        `select customer_id, tier from eligibility_decision where id = $1`,
        [ok(decided).decideEligibility.id],
      );
      expect(row).toEqual({ customer_id: survivor!.id, tier: expect.any(String) });
    });

    it('names no customer the caller does not see when it refuses to undo a merge', async () => {
      /**
       * `hidden` moved to Wuxi (3202), out of a Nanjing (3201) steward's sight: undoing
       * `mergeId` is refused for `rule` without naming it.
       */
      const refusedUnnamed = async (
        mergeId: string,
        hidden: string,
        extensions: Record<string, unknown>,
      ) => {
        await hub.sql(
          `update customer set branch_id = (select id from branch where code = '3202') where id = $1`,
          [hidden],
        );
        const seen = await asBranch(Role.STEWARD, '3201', LOOKUP, { by: { id: hidden } });
        expect(seen.data).toEqual({ customer: null });
        const refused = await asBranch(Role.STEWARD, '3201', UNMERGE, {
          id: mergeId,
          reason: REASON,
        });
        expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', ...extensions });
        expect(JSON.stringify(refused)).not.toContain(hidden);
      };

      // MERGED_SINCE: A took in B, then C took in A.
      const [a, b, c] = await customers(3);
      const earlier = await merge(a!.id, b!.id);
      const later = await merge(c!.id, a!.id);
      await refusedUnnamed(earlier.id, c!.id, { rule: 'MERGED_SINCE', laterMerge: later.id });

      // RECORDS_MOVED: X took in Y, whose record its source then re-sent as Z (Z's resident
      // ID). The message would say who is behind the caller's former record.
      const n = nextNumbers(3);
      const [x] = await ingest(customerRecord(n));
      const [y] = await ingest(undocumented(n + 1, { sourceSystem: 'APP' }));
      const [z] = await ingest(customerRecord(n + 2, { sourceSystem: 'AGENCY' }));
      const merged = await merge(x!.id, y!.id);
      const [resent] = await ingest(
        customerRecord(n + 2, { sourceSystem: 'APP', sourceKey: `PA-${n + 1}` }),
      );
      expect(resent).toMatchObject({ status: 'UPDATED', id: z!.id });
      await refusedUnnamed(merged.id, z!.id, { rule: 'RECORDS_MOVED' });
    });

    it("shows a merge to the absorbed customer's branch without the records that went to a survivor it does not see", async () => {
      const n = nextNumbers(2);
      // The survivor's record the later: the merged customer's branch stays 3202.
      const [absorbed] = await ingest(customerRecord(n + 1));
      const [survivor] = await ingest(customerRecord(n, { branchCode: '3202' }));
      const merged = await merge(survivor!.id, absorbed!.id);
      const read = async (branch: string) => {
        const res = await asBranch(
          Role.STEWARD,
          branch,
          `query ($id: ID!) { customerMerge(id: $id) { survivor { id }
            absorbed { id lineage { field sourceRecord { sourceKey linkedWith linkRule } } } } }`,
          { id: merged.id },
        );
        expect(res.errors).toBeUndefined();
        return res.data!.customerMerge;
      };
      const seen = await read('0000');
      expect(seen.absorbed.lineage.length).toBeGreaterThan(0);
      expect(seen.absorbed.lineage.map((l: any) => l.sourceRecord.sourceKey)).toContain(
        `PA-${n + 1}`,
      );
      // The absorbed customer's branch reads the merge, not its survivor's records.
      const own = await read('3201');
      expect(own.survivor).toBeNull();
      expect(own.absorbed.id).toBe(absorbed!.id);
      expect(own.absorbed.lineage.length).toBe(seen.absorbed.lineage.length);
      expect(own.absorbed.lineage.every((l: any) => l.sourceRecord === null)).toBe(true);
    });

    it("refuses a branch steward's word that matching would carry to another branch's customer, and changes nothing", async () => {
      const n = nextNumbers(3);
      const name = `客户${n}`;
      const email = { kind: 'EMAIL', value: `q${n}@example.cn` };
      // P (3201) and Q (3202): one name, two resident IDs. R, the app's (3201), has P's mobile
      // and Q's e-mail: as like one as the other, a task with each.
      const [p] = await ingest(customerRecord(n, { contactPoints: [mobileOf(n)] }));
      const [q] = await ingest(
        customerRecord(n + 1, { name, branchCode: '3202', contactPoints: [email] }),
      );
      const [r] = await ingest(
        undocumented(n + 2, {
          sourceSystem: 'APP',
          sourceKey: `APP-${n}`,
          name,
          contactPoints: [mobileOf(n), email],
        }),
      );
      expect(new Set([p!.id, q!.id, r!.id]).size).toBe(3);
      const [withP] = await hub.sql<{ id: string }>(
        `select m.id from match_review m
           join source_record a on a.id = m.record_a_id join source_record b on b.id = m.record_b_id
         where m.status = 'OPEN' and array[a.customer_id, b.customer_id] @> array[$1::uuid, $2::uuid]`,
        [p!.id, r!.id],
      );
      const state = () =>
        hub.sql(
          `select sr.source_key, sr.customer_id, c.branch_id,
             (select count(*)::int from match_decision d
              where sr.id in (d.record_a_id, d.record_b_id)) as decisions,
             (select array_agg(m.status order by m.status) from match_review m
              where sr.id in (m.record_a_id, m.record_b_id)) as tasks
           from source_record sr join customer c on c.id = sr.customer_id
           where sr.customer_id = any($1) order by sr.source_key`,
          [[p!.id, q!.id, r!.id]],
        );
      const before = await state();
      // Not R but P: R would go to Q, whom 3201's steward does not see.
      const expectRefused = (res: Omit<GraphQLResponse, 'status'>, field: string) => {
        expect(res.errors?.[0]?.extensions).toMatchObject({
          code: 'FORBIDDEN',
          field,
          rule: 'BRANCH_SCOPE',
        });
        expect(JSON.stringify(res)).not.toContain(q!.id);
      };
      expectRefused(
        await asBranch(
          Role.STEWARD,
          '3201',
          `mutation ($id: ID!) { rejectMatchReview(id: $id, reason: "not P") { id status } }`,
          { id: withP!.id },
        ),
        'id',
      );
      expectRefused(
        await asBranch(
          Role.STEWARD,
          '3201',
          `mutation ($a: ID!, $b: ID!) {
            markDifferentCustomers(customerIdA: $a, customerIdB: $b, reason: "not P") { id } }`,
          { a: r!.id, b: p!.id },
        ),
        'customerIdA',
      );
      expect(await state()).toEqual(before);
      // The head office sees all three: R goes to Q.
      const rejected = ok(
        await hub.gql(
          `mutation ($id: ID!) { rejectMatchReview(id: $id, reason: "not P") { id status } }`,
          { id: withP!.id },
          Role.STEWARD,
        ),
      ).rejectMatchReview;
      expect(rejected).toEqual({ id: withP!.id, status: 'REJECTED' });
      expect((await recordOf('APP', `APP-${n}`)).customer_id).toBe(q!.id);
    });

    it("refuses a branch steward's split that would send the record to another branch's customer", async () => {
      const n = nextNumbers(3);
      const name = `客户${n}`;
      const address = { kind: 'ADDRESS', value: '江苏省南京市玄武区中山路201号3幢202室' };
      const email = { kind: 'EMAIL', value: `l${n}@example.cn` };
      // K2, the app's, is K1's by mobile and address, and shares an e-mail with L1 (3202).
      const [k1] = await ingest(customerRecord(n, { contactPoints: [mobileOf(n), address] }));
      const [l1] = await ingest(
        customerRecord(n + 1, { name, branchCode: '3202', contactPoints: [email] }),
      );
      const [k2] = await ingest(
        undocumented(n + 2, {
          sourceSystem: 'APP',
          sourceKey: `APP-${n}`,
          name,
          contactPoints: [mobileOf(n), address, email],
        }),
      );
      expect(k2!.id).toBe(k1!.id);
      expect(l1!.id).not.toBe(k1!.id);
      const record = await recordOf('APP', `APP-${n}`);
      const refused = await asBranch(Role.STEWARD, '3201', SPLIT, {
        record: record.id,
        reason: 'not K1',
      });
      expect(refused.errors?.[0]?.extensions).toMatchObject({
        code: 'FORBIDDEN',
        field: 'recordId',
        rule: 'BRANCH_SCOPE',
      });
      expect(JSON.stringify(refused)).not.toContain(l1!.id);
      expect((await recordOf('APP', `APP-${n}`)).customer_id).toBe(k1!.id);
      expect(
        await hub.sql(
          `select count(*)::int as n from match_decision where $1 in (record_a_id, record_b_id)`,
          [record.id],
        ),
      ).toEqual([{ n: 0 }]);
      const split = ok(
        await hub.gql(SPLIT, { record: record.id, reason: 'not K1' }, Role.STEWARD),
      ).splitSourceRecord;
      expect(split.id).toBe(l1!.id);
    });

    it("refuses a branch steward's unmerge that would merge the emptied survivor into another branch's customer", async () => {
      const n = nextNumbers(3);
      const [h] = await ingest(customerRecord(n));
      const [g] = await ingest(
        customerRecord(n + 1, { sourceSystem: 'APP', sourceKey: `APP-${n + 1}` }),
      );
      const [k] = await ingest(
        customerRecord(n + 2, {
          sourceSystem: 'CLAIMS',
          sourceKey: `CL-${n + 2}`,
          branchCode: '3202',
        }),
      );
      const merged = await merge(h!.id, g!.id);
      // H's only record of its own, re-sent as K's person (3202): it goes to K. Undone, the
      // merge would leave H no record, and H would follow it into K.
      const [resent] = await ingest(
        customerRecord(n + 2, { sourceKey: `PA-${n}`, branchCode: '3202' }),
      );
      expect(resent!.id).toBe(k!.id);
      const res = await asBranch(Role.STEWARD, '3201', UNMERGE, { id: merged.id, reason: REASON });
      expect(res.errors?.[0]?.extensions).toMatchObject({
        code: 'FORBIDDEN',
        field: 'mergeId',
        rule: 'BRANCH_SCOPE',
      });
      expect(JSON.stringify(res)).not.toContain(k!.id);
      expect(
        await hub.sql(`select unmerged_at from customer_merge where id = $1`, [merged.id]),
      ).toEqual([{ unmerged_at: null }]);
      expect(
        await hub.sql(`select count(*)::int as n from customer_merge where absorbed_id = $1`, [
          h!.id,
        ]),
      ).toEqual([{ n: 0 }]);
    });

    it("refuses a branch steward's unmerge that would take back records from another branch's customer", async () => {
      // Sent back as P under 3202: P follows its record into a customer of 3202.
      const { n, pa, back } = await followedBack('3202');
      const [merge] = await hub.sql<{ id: string }>(
        `select id from customer_merge where absorbed_id = $1 and unmerged_at is null`,
        [pa.id],
      );
      const res = await asBranch(Role.STEWARD, '3201', UNMERGE, { id: merge!.id, reason: REASON });
      expect(res.errors?.[0]?.extensions).toMatchObject({
        code: 'FORBIDDEN',
        rule: 'BRANCH_SCOPE',
      });
      expect(JSON.stringify(res)).not.toContain(back.id);
      expect((await recordOf('APP', `E-${n}`)).customer_id).toBe(back.id);
    });

    it("shows a branch's stewards the review tasks whose two customers they see", async () => {
      const [a, b] = await customers(2);
      const records = await firstRecords(a!.id, b!.id);
      const task = await openTask(records.get(a!.id)!, records.get(b!.id)!, 12);
      // Every page: other tests' tasks, of higher scores, come first.
      const listed = async (branch: string) => {
        let after: string | undefined;
        for (;;) {
          const res = await asBranch(Role.STEWARD, branch, REVIEWS, { first: 100, after });
          expect(res.errors).toBeUndefined();
          const page = res.data!.matchReviews;
          if (page.nodes.some((n: { id: string }) => n.id === task)) return true;
          if (!page.pageInfo.hasNextPage) return false;
          after = page.pageInfo.endCursor;
        }
      };
      expect(await listed('3201')).toBe(true);
      expect(await listed('3202')).toBe(false);
      const refused = await asBranch(
        Role.STEWARD,
        '3202',
        `mutation ($id: ID!) { approveMatchReview(id: $id, reason: "same") { id } }`,
        { id: task },
      );
      expect(refused.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    });
  });
});

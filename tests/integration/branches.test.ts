import { Client } from 'pg';
import { Role } from '../../src/auth/roles';
import { addDays } from '../../src/time/clock';
import { customerRecord, INGEST_CUSTOMERS, insertBranches, nextNumber } from '../setup/factories';
import { countStatements } from '../setup/statements';
import { lockWaits } from '../setup/waiting';
import { startTestHub, type TestHub } from '../setup/test-app';

const INGEST_BRANCHES = `mutation ($records: [BranchRecordInput!]!) {
  ingestBranches(records: $records) {
    accepted rejected records { index key status id errors { field rule message } } } }`;

const BRANCH = `query ($code: String!) { branch(code: $code) {
  code name level path status validFrom validTo parent { code } successor { code }
  children { code }
  history(first: 20) { totalCount nodes { code name level path changes changedBy reason
    recordedAt supersededAt validTo parent { code } } }
} }`;

const MOVE = `mutation ($input: MoveBranchInput!) { moveBranch(input: $input) { code path level } }`;
const CLOSE = `mutation ($input: CloseBranchInput!) {
  closeBranch(input: $input) { code status validTo successor { code } } }`;
const RENAME = `mutation ($input: RenameBranchInput!) { renameBranch(input: $input) { code name } }`;

const SEGMENT = `query ($filter: MarketingCustomerFilter) {
  marketingCustomers(filter: $filter, first: 100) { totalCount nodes { cifNo branch { code } } } }`;

type Outcome = {
  index: number;
  key: string;
  status: string;
  id: string | null;
  errors: { field: string; rule: string; message: string }[];
};

/**
 * A province, a city under it, a county under the city and a neighbouring city under the same
 * province, with codes of their own.
 */
function treeRecords(n: number) {
  const province = { code: `P${n}`, name: `省${n}`, level: 'PROVINCIAL', parentCode: '0000' };
  const city = { code: `C${n}`, name: `市${n}`, level: 'CITY', parentCode: province.code };
  const county = { code: `X${n}`, name: `县${n}`, level: 'COUNTY', parentCode: city.code };
  const neighbour = { code: `N${n}`, name: `邻市${n}`, level: 'CITY', parentCode: province.code };
  return { province, city, county, neighbour };
}

describe('the organisation tree', () => {
  let hub: TestHub;

  const ingest = async (records: Record<string, unknown>[], role: Role = Role.INGEST) => {
    const res = await hub.gql(INGEST_BRANCHES, { records }, role);
    expect(res.errors).toBeUndefined();
    return res.data!.ingestBranches as { accepted: number; rejected: number; records: Outcome[] };
  };
  const branch = async (code: string, role: Role = Role.ADMIN) => {
    const res = await hub.gql(BRANCH, { code }, role);
    expect(res.errors).toBeUndefined();
    return res.data!.branch;
  };
  const statuses = (result: { records: Outcome[] }) => result.records.map((r) => r.status);

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
  });
  afterAll(() => hub.close());

  describe('ingestion', () => {
    it('creates a tree sent children first, leaves it alone when resent, moves and closes branches', async () => {
      const n = nextNumber();
      const { province, city, county } = treeRecords(n);
      const other = { code: `Q${n}`, name: `另一省${n}`, level: 'PROVINCIAL', parentCode: '0000' };
      const batch = [county, city, province, other];

      const created = await ingest(batch);
      expect(created).toMatchObject({ accepted: 4, rejected: 0 });
      expect(created.records.map((r) => [r.index, r.key, r.status])).toEqual([
        [0, county.code, 'CREATED'],
        [1, city.code, 'CREATED'],
        [2, province.code, 'CREATED'],
        [3, other.code, 'CREATED'],
      ]);
      const before = await branch(county.code);
      expect(before).toMatchObject({
        path: `0000.${province.code}.${city.code}.${county.code}`,
        status: 'OPEN',
        validFrom: hub.clock.today(),
        parent: { code: city.code },
      });
      expect(before.history.nodes).toEqual([
        expect.objectContaining({
          changes: ['CREATED'],
          changedBy: 'test-ingest (ingest)',
          reason: 'ingestBranches',
          supersededAt: null,
        }),
      ]);

      const again = await ingest(batch);
      expect(statuses(again)).toEqual(['UNCHANGED', 'UNCHANGED', 'UNCHANGED', 'UNCHANGED']);
      expect((await branch(county.code)).history.totalCount).toBe(1);

      const moved = await ingest([{ ...city, parentCode: other.code }]);
      expect(statuses(moved)).toEqual(['UPDATED']);
      const cityAfter = await branch(city.code);
      expect(cityAfter).toMatchObject({ path: `0000.${other.code}.${city.code}` });
      expect(cityAfter.history.nodes.map((v: { changes: string[] }) => v.changes)).toEqual([
        ['MOVED'],
        ['CREATED'],
      ]);
      // The subtree moved with it, and its history says why its path changed.
      const countyAfter = await branch(county.code);
      expect(countyAfter.path).toBe(`0000.${other.code}.${city.code}.${county.code}`);
      expect(countyAfter.history.nodes[0]).toMatchObject({
        changes: ['PATH_CHANGED'],
        path: countyAfter.path,
        parent: { code: city.code },
      });
      expect(countyAfter.history.nodes[1]).toMatchObject({
        path: before.path,
        supersededAt: countyAfter.history.nodes[0].recordedAt,
      });
      expect((await branch(province.code)).children).toEqual([]);

      const today = hub.clock.today();
      const closed = await ingest([{ ...county, validTo: today }]);
      expect(statuses(closed)).toEqual(['UPDATED']);
      const countyClosed = await branch(county.code);
      expect(countyClosed).toMatchObject({ status: 'CLOSED', validTo: today });
      expect(countyClosed.history.nodes[0].changes).toEqual(['CLOSED']);
      expect(statuses(await ingest([{ ...county, validTo: today }]))).toEqual(['UNCHANGED']);
    });

    it('names the field and the rule of cycles and levels out of step with the parent', async () => {
      const n = nextNumber();
      const { province, city, county } = treeRecords(n);
      expect((await ingest([province, city, county])).accepted).toBe(3);

      const result = await ingest([
        // Under its own grandchild: a cycle, though COUNTY would be one below a CITY.
        { ...province, parentCode: county.code, level: 'COUNTY' },
        // A city straight under the head office.
        { code: `C${n}b`, name: '市', level: 'CITY', parentCode: '0000' },
        // Two new branches, each the other's parent.
        { code: `A${n}`, name: 'A', level: 'CITY', parentCode: `B${n}` },
        { code: `B${n}`, name: 'B', level: 'CITY', parentCode: `A${n}` },
        // A second head office.
        { code: `H${n}`, name: '另一总公司', level: 'HEAD_OFFICE' },
        // Nothing under a county.
        { code: `V${n}`, name: '村', level: 'COUNTY', parentCode: county.code },
        // A parent nobody knows.
        { code: `U${n}`, name: 'U', level: 'CITY', parentCode: `nowhere${n}` },
        // Under the city refused above: unknown, and told why.
        { code: `W${n}`, name: 'W', level: 'COUNTY', parentCode: `C${n}b` },
      ]);
      expect(result).toMatchObject({ accepted: 0, rejected: 8 });
      expect(result.records.map((r) => r.errors.map((e) => [e.field, e.rule]))).toEqual([
        [['parentCode', 'CYCLE']],
        [['level', 'LEVEL_MISMATCH']],
        [['parentCode', 'CYCLE']],
        [['parentCode', 'CYCLE']],
        [['parentCode', 'ONE_HEAD_OFFICE']],
        [['level', 'LEVEL_MISMATCH']],
        [['parentCode', 'UNKNOWN_BRANCH']],
        [['parentCode', 'UNKNOWN_BRANCH']],
      ]);
      expect(result.records[6].errors[0].message).toBe('no branch has this code');
      expect(result.records[7].errors[0].message).toBe(
        'no branch has this code: record 1 of this batch, with it, was rejected',
      );
      expect(result.records[0].errors[0].message).toBe(
        `${province.code} cannot go under ${county.code}, which lies under it`,
      );
      expect(result.records[1].errors[0].message).toMatch(/must|is CITY, but a branch under 0000/);
      expect(result.records[4].errors[0].message).toBe(
        'the tree has its head office already: any other branch needs a parentCode',
      );
      expect((await branch(province.code)).path).toBe(`0000.${province.code}`);

      const move = await hub.gql(MOVE, {
        input: { code: province.code, parentCode: city.code },
      });
      expect(move.errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.parentCode',
        rule: 'CYCLE',
      });
      const tooDeep = await hub.gql(MOVE, { input: { code: city.code, parentCode: '3201' } });
      // Under a CITY the city becomes a COUNTY, and its county would fall off the tree.
      expect(tooDeep.errors![0].extensions).toMatchObject({
        field: 'input.parentCode',
        rule: 'LEVEL_MISMATCH',
      });
    });

    it('names a dozen codes of a long cycle, and how many it holds, to each of its records', async () => {
      const n = nextNumber();
      const code = (i: number) => `CY${n}-${i % 1000}`;
      const records = Array.from({ length: 1000 }, (_, i) => ({
        code: code(i),
        name: `环${i}`,
        level: 'CITY',
        parentCode: code(i + 1),
      }));
      const response = await fetch(hub.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${hub.token(Role.INGEST)}`,
        },
        body: JSON.stringify({ query: INGEST_BRANCHES, variables: { records } }),
      });
      const text = await response.text();
      // Each record was told the whole cycle: 9 MB answered a request of 77 KB.
      expect(text.length).toBeLessThan(400 * records.length);
      const result = JSON.parse(text).data.ingestBranches;
      expect(result.rejected).toBe(1000);
      const named = Array.from({ length: 12 }, (_, i) => code(i)).join(' -> ');
      for (const record of result.records) {
        expect(record.errors).toEqual([
          {
            field: 'parentCode',
            rule: 'CYCLE',
            message: `the records make a cycle: ${named} -> … (1000 in all)`,
          },
        ]);
      }
    });

    it('answers each of several mutations in one request with the state it left', async () => {
      const n = nextNumber();
      const { province } = treeRecords(n);
      await ingest([province]);
      const res = await hub.gql(
        `mutation {
          a: renameBranch(input: { code: "${province.code}", name: "甲${n}" }) { name }
          b: renameBranch(input: { code: "${province.code}", name: "乙${n}" }) { name }
          c: renameBranch(input: { code: "${province.code}", name: "丙${n}" }) { name }
        }`,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual({
        a: { name: `甲${n}` },
        b: { name: `乙${n}` },
        c: { name: `丙${n}` },
      });
    });

    it('masks a code that reads as a mobile in what it says of a record', async () => {
      const result = await ingest([
        { code: '13500135000', name: '码', level: 'PROVINCIAL', parentCode: '3201' },
        { code: '138-0013-8000', name: '码', level: 'CITY', parentCode: '3200' },
        { code: '138-0013-8000', name: '另', level: 'CITY', parentCode: '3200' },
      ]);
      const said = JSON.stringify(result.records.map((r) => r.errors));
      expect(said).toContain('[digits]');
      expect(said).not.toMatch(/13500135000|138-0013-8000/);
    });

    it('names a code of eight digits, and a day beside a code, as they are', async () => {
      const code = String(32_000_000 + nextNumber());
      const result = await ingest([{ code, name: '县', level: 'COUNTY', parentCode: '3200' }]);
      const [error] = result.records[0]!.errors;
      expect(error).toMatchObject({ field: 'level', rule: 'LEVEL_MISMATCH' });
      expect(error!.message).toContain(code);
    });

    it('refuses malformed records whole, and dates that break the branch period', async () => {
      const n = nextNumber();
      const today = hub.clock.today();
      const result = await ingest([
        { code: `bad.code${n}`, name: ' ', level: 'CITY', parentCode: '3200' },
        { code: `F${n}`, name: 'F', level: 'CITY', parentCode: '3200', validTo: addDays(today, 1) },
        {
          code: `G${n}`,
          name: 'G',
          level: 'CITY',
          parentCode: '3200',
          validFrom: today,
          validTo: addDays(today, -1),
        },
        { code: `D${n}`, name: 'D1', level: 'CITY', parentCode: '3200' },
        { code: `D${n}`, name: 'D2', level: 'CITY', parentCode: '3200' },
        // A retry: the same record again, as a source system resends a batch.
        { code: `D${n}`, name: 'D1 ', level: 'CITY', parentCode: '3200', validTo: null },
        { code: `E${n}`, name: 'E', level: 'CITY', parentCode: `X${n}` },
        { code: `X${n}`, name: 'X', level: 'COUNTY', parentCode: `E${n}` },
        { code: `E${n}`, name: 'E', level: 'CITY', parentCode: `X${n}` },
      ]);
      expect(result.records.map((r) => r.errors.map((e) => [e.field, e.rule]))).toEqual([
        [
          ['code', 'CODE_FORMAT'],
          ['name', 'REQUIRED'],
        ],
        [['validTo', 'FUTURE_DATE']],
        [['validTo', 'PERIOD']],
        [],
        [['code', 'DUPLICATE_IN_BATCH']],
        [],
        [['parentCode', 'CYCLE']],
        [['parentCode', 'CYCLE']],
        [['parentCode', 'CYCLE']],
      ]);
      expect(result.records.map((r) => r.status)).toEqual([
        ...Array(3).fill('REJECTED'),
        'CREATED',
        'REJECTED',
        'UNCHANGED',
        ...Array(3).fill('REJECTED'),
      ]);
      expect(result.records[5].id).toBe(result.records[3].id);
    });
  });

  describe('the database', () => {
    it('keeps the tree whoever writes to it', async () => {
      const n = nextNumber();
      const { province, city, county } = treeRecords(n);
      await ingest([province, city, county]);
      const refused = async (sql: string) => {
        const error = await hub.sql(sql).then(
          () => undefined,
          (e: { constraint?: string }) => e,
        );
        return error?.constraint;
      };
      expect(
        await refused(`update branch set parent_id = (select id from branch where code = '${county.code}')
          where code = '${province.code}'`),
      ).toBe('branch_cycle');
      expect(
        await refused(`update branch set level = 'CITY' where code = '${province.code}'`),
      ).toBe('branch_level');
      expect(await refused(`update branch set code = 'Z${n}' where code = '${city.code}'`)).toBe(
        'branch_code_immutable',
      );
      expect(
        await refused(`update branch set valid_to = valid_from where code = '${city.code}'`),
      ).toBe('branch_open_children');
      expect(
        await refused(`insert into branch (id, code, name, level, parent_id, path)
          values (gen_random_uuid(), 'Y${n}', 'Y', 'CITY', (select id from branch where code = '${province.code}'), 'wrong')`),
      ).toBeUndefined();
      // The path is the database's to set.
      const [{ path }] = await hub.sql(`select path from branch where code = 'Y${n}'`);
      expect(path).toBe(`0000.${province.code}.Y${n}`);
      const [{ changed_by }] = await hub.sql(
        `select changed_by from branch_history where code = 'Y${n}'`,
      );
      expect(changed_by).toMatch(/^database:/);
    });
  });

  describe('concurrent writers', () => {
    const session = async () => {
      const client = new Client({ connectionString: hub.databaseUrl });
      await client.connect();
      return client;
    };

    it('sees a branch written under a parent that another transaction closes meanwhile', async () => {
      const n = nextNumber();
      const { province, city } = treeRecords(n);
      await ingest([province]);
      const writer = await session();
      try {
        await writer.query('begin');
        await writer.query(
          `insert into branch (id, code, name, level, parent_id, path)
           values (gen_random_uuid(), $1, $2, 'CITY', (select id from branch where code = $3), '')`,
          [city.code, city.name, province.code],
        );
        const closing = hub.gql(CLOSE, { input: { code: province.code } });
        await lockWaits(hub, 1, 'the closing');
        await writer.query('commit');
        expect((await closing).errors![0].extensions).toMatchObject({ rule: 'OPEN_CHILDREN' });
      } finally {
        await writer.end();
      }
      expect(await branch(province.code)).toMatchObject({ status: 'OPEN' });
    });

    it('sees a closing that commits while a branch is written under it', async () => {
      const n = nextNumber();
      const { province, city } = treeRecords(n);
      await ingest([province]);
      const closer = await session();
      try {
        await closer.query('begin');
        await closer.query(`update branch set valid_to = valid_from where code = $1`, [
          province.code,
        ]);
        const writing = ingest([city]);
        await lockWaits(hub, 1, 'the branch written under it');
        await closer.query('commit');
        expect((await writing).records[0].errors).toEqual([
          expect.objectContaining({ field: 'parentCode', rule: 'PARENT_CLOSED' }),
        ]);
      } finally {
        await closer.end();
      }
    });
  });

  describe('moving a branch', () => {
    it("moves its customers out of the old subtree's marketing list and into the new one's", async () => {
      const n = nextNumber();
      const { province, city } = treeRecords(n);
      const other = { code: `Q${n}`, name: `另一省${n}`, level: 'PROVINCIAL', parentCode: '0000' };
      await ingest([province, city, other]);
      const customers = await hub.gql(INGEST_CUSTOMERS, {
        records: [
          customerRecord(n, {
            branchCode: city.code,
            marketingConsent: { given: true, at: '2026-01-05T10:00:00Z', channel: 'APP' },
          }),
        ],
      });
      const [{ cif_no: cifNo }] = await hub.sql(`select cif_no from customer where id = $1`, [
        customers.data!.ingestCustomers.records[0].id,
      ]);
      const listed = async (branchCode: string) => {
        const res = await hub.gql(SEGMENT, { filter: { branchCode } }, Role.MARKETING);
        expect(res.errors).toBeUndefined();
        return res.data!.marketingCustomers.nodes.map((c: { cifNo: string }) => c.cifNo);
      };
      expect(await listed(province.code)).toEqual([cifNo]);
      expect(await listed(other.code)).toEqual([]);

      const moved = await hub.gql(MOVE, {
        input: { code: city.code, parentCode: other.code, note: 'approval 2026-17' },
      });
      expect(moved.errors).toBeUndefined();
      expect(moved.data!.moveBranch).toEqual({
        code: city.code,
        path: `0000.${other.code}.${city.code}`,
        level: 'CITY',
      });

      expect(await listed(province.code)).toEqual([]);
      expect(await listed(other.code)).toEqual([cifNo]);
      expect(await listed(city.code)).toEqual([cifNo]);
      const history = (await branch(city.code)).history.nodes;
      expect(history[0]).toMatchObject({
        changes: ['MOVED'],
        changedBy: 'test-admin (admin)',
        reason: 'moveBranch: approval 2026-17',
        parent: { code: other.code },
      });
      expect(history[1]).toMatchObject({ path: `0000.${province.code}.${city.code}` });
    });

    it('takes the levels of its subtree along to its new depth', async () => {
      const n = nextNumber();
      const { province, city, county } = treeRecords(n);
      await ingest([province, city, county]);
      const res = await hub.gql(MOVE, { input: { code: city.code, parentCode: '0000' } });
      expect(res.data!.moveBranch).toEqual({
        code: city.code,
        path: `0000.${city.code}`,
        level: 'PROVINCIAL',
      });
      const countyAfter = await branch(county.code);
      expect(countyAfter).toMatchObject({
        level: 'CITY',
        path: `0000.${city.code}.${county.code}`,
      });
      expect(countyAfter.history.nodes[0].changes).toEqual(['PATH_CHANGED', 'LEVEL_CHANGED']);
      // A record that says so is now in step; the old level no longer is.
      expect(statuses(await ingest([{ ...county, level: 'CITY' }]))).toEqual(['UNCHANGED']);
      expect((await ingest([county])).records[0].errors[0]).toMatchObject({
        field: 'level',
        rule: 'LEVEL_MISMATCH',
      });
    });

    it('moves one of two branches sent under each other at once, and says CYCLE to the other', async () => {
      for (let round = 0; round < 5; round++) {
        const { province, city, neighbour } = treeRecords(nextNumber());
        await ingest([province, city, neighbour]);
        const answers = await Promise.all([
          hub.gql(MOVE, { input: { code: city.code, parentCode: neighbour.code } }),
          hub.gql(MOVE, { input: { code: neighbour.code, parentCode: city.code } }),
        ]);
        const outcomes = answers
          .map((res) => (res.errors ? res.errors[0]!.extensions!.rule : 'MOVED'))
          .sort();
        expect({ round, outcomes }).toEqual({ round, outcomes: ['CYCLE', 'MOVED'] });
      }
    });
  });

  describe('closing a branch', () => {
    it('moves its active customers to a successor, to which later records naming it resolve', async () => {
      const n = nextNumber();
      const { province, city, neighbour } = treeRecords(n);
      await ingest([province, city, neighbour]);
      const record = customerRecord(n, { branchCode: city.code });
      const ingested = await hub.gql(INGEST_CUSTOMERS, { records: [record] });
      const customerId = ingested.data!.ingestCustomers.records[0].id;
      const branchOf = async (id: string) =>
        (
          await hub.sql(
            `select b.code from customer c join branch b on b.id = c.branch_id where c.id = $1`,
            [id],
          )
        )[0].code;

      const withCustomers = await hub.gql(CLOSE, { input: { code: city.code } });
      expect(withCustomers.errors![0].extensions).toMatchObject({
        code: 'CONFLICT',
        field: 'input.moveCustomersTo',
        rule: 'ACTIVE_CUSTOMERS',
      });
      expect(withCustomers.errors![0].message).toMatch(/1 active customers/);
      const withChildren = await hub.gql(CLOSE, { input: { code: province.code } });
      expect(withChildren.errors![0].extensions).toMatchObject({
        code: 'CONFLICT',
        field: 'input.code',
        rule: 'OPEN_CHILDREN',
      });
      expect(
        (await hub.gql(CLOSE, { input: { code: city.code, moveCustomersTo: city.code } }))
          .errors![0].extensions,
      ).toMatchObject({ code: 'BAD_USER_INPUT', rule: 'SAME_BRANCH' });
      expect(
        (await hub.gql(CLOSE, { input: { code: `none${n}` } })).errors![0].extensions.code,
      ).toBe('NOT_FOUND');

      const today = hub.clock.today();
      const closed = await hub.gql(CLOSE, {
        input: { code: city.code, moveCustomersTo: neighbour.code },
      });
      expect(closed.errors).toBeUndefined();
      expect(closed.data!.closeBranch).toEqual({
        code: city.code,
        status: 'CLOSED',
        validTo: today,
        successor: { code: neighbour.code },
      });
      expect(await branchOf(customerId)).toBe(neighbour.code);
      expect((await branch(city.code)).history.nodes[0]).toMatchObject({
        changes: ['CLOSED'],
        reason: 'closeBranch',
      });
      // Again: nothing to do.
      expect((await hub.gql(CLOSE, { input: { code: city.code } })).errors).toBeUndefined();

      // Source systems learn late: records naming the closed branch land at its successor.
      const resent = await hub.gql(INGEST_CUSTOMERS, {
        records: [record, customerRecord(nextNumber(), { branchCode: city.code })],
      });
      const [again, newcomer] = resent.data!.ingestCustomers.records;
      expect(again.status).toBe('UNCHANGED');
      expect(newcomer.status).toBe('CREATED');
      expect(await branchOf(customerId)).toBe(neighbour.code);
      expect(await branchOf(newcomer.id)).toBe(neighbour.code);

      // And no writer can put an active customer there.
      const error = await hub
        .sql(
          `update customer set branch_id = (select id from branch where code = '${city.code}') where id = $1`,
          [customerId],
        )
        .catch((e: { constraint?: string }) => e);
      expect((error as { constraint?: string }).constraint).toBe('customer_branch_open');

      // Reopened by its record: it serves its own customers again.
      expect(statuses(await ingest([city]))).toEqual(['UPDATED']);
      expect(await branch(city.code)).toMatchObject({ status: 'OPEN', successor: null });
    });

    it('closes no branch before a branch under it closed or opened, nor into a branch opened after the closing', async () => {
      const n = nextNumber();
      const { province, city } = treeRecords(n);
      const today = hub.clock.today();
      // The head office opened long before (the test's tree was recorded today).
      await hub.sql(`update branch set valid_from = $1 where code = '0000' and valid_from > $1`, [
        addDays(today, -400),
      ]);
      await ingest([
        { ...province, validFrom: addDays(today, -100) },
        { ...city, validFrom: addDays(today, -50) },
      ]);
      expect((await hub.gql(CLOSE, { input: { code: city.code } })).errors).toBeUndefined();
      const closing = async (on: string) =>
        (await hub.gql(CLOSE, { input: { code: province.code, on } })).errors?.[0];
      // Before the city opened, and while it was open.
      for (const [on, said] of [
        [addDays(today, -60), `opened on ${addDays(today, -50)}`],
        [addDays(today, -10), `was open until ${today}`],
      ]) {
        const refusal = await closing(on!);
        expect(refusal?.extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          field: 'input.on',
          rule: 'PARENT_PERIOD',
        });
        expect(refusal?.message).toContain(said);
      }
      // A record closing it says the same.
      const record = await ingest([
        { ...province, validFrom: addDays(today, -100), validTo: addDays(today, -10) },
      ]);
      expect(record.records[0]).toMatchObject({
        status: 'REJECTED',
        errors: [expect.objectContaining({ field: 'validTo', rule: 'PARENT_PERIOD' })],
      });
      expect(await branch(province.code)).toMatchObject({ status: 'OPEN', validTo: null });

      // Customers move to a branch open on the closing day.
      const other = treeRecords(nextNumber());
      await ingest([
        { ...other.province, validFrom: addDays(today, -100) },
        { ...other.city, validFrom: addDays(today, -100) },
        other.neighbour,
      ]);
      await hub.gql(INGEST_CUSTOMERS, {
        records: [customerRecord(nextNumber(), { branchCode: other.city.code })],
      });
      const early = await hub.gql(CLOSE, {
        input: {
          code: other.city.code,
          on: addDays(today, -5),
          moveCustomersTo: other.neighbour.code,
        },
      });
      expect(early.errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.moveCustomersTo',
        rule: 'SUCCESSOR_PERIOD',
      });
      expect(await branch(other.city.code)).toMatchObject({ status: 'OPEN' });
    });

    /**
     * A city and its neighbour under a province of their own, and a customer in each: the
     * first in `firstIn`, the second in the other.
     */
    const twoCities = async (firstIn: 'city' | 'neighbour') => {
      const n = nextNumber();
      const { province, city, neighbour } = treeRecords(n);
      await ingest([province, city, neighbour]);
      const [first, second] = firstIn === 'city' ? [city, neighbour] : [neighbour, city];
      const ingested = await hub.gql(INGEST_CUSTOMERS, {
        records: [
          customerRecord(n, { branchCode: first.code }),
          customerRecord(nextNumber(), { branchCode: second.code }),
        ],
      });
      const ids = ingested.data!.ingestCustomers.records.map((r: Outcome) => r.id);
      return { n, city, neighbour, ids: ids as [string, string] };
    };

    it('keeps a moved customer at the successor when its golden record is computed again from records naming the closed branch', async () => {
      const {
        n,
        city,
        neighbour,
        ids: [moved, absorbed],
      } = await twoCities('city');
      expect(
        (await hub.gql(CLOSE, { input: { code: city.code, moveCustomersTo: neighbour.code } }))
          .errors,
      ).toBeUndefined();

      // Its most trusted record still names the closed branch; another source now writes.
      const resent = await hub.gql(INGEST_CUSTOMERS, {
        records: [
          customerRecord(n, {
            sourceSystem: 'WECHAT',
            sourceKey: `WX-${n}`,
            branchCode: neighbour.code,
          }),
        ],
      });
      expect(resent.data!.ingestCustomers.records[0]).toMatchObject({
        status: 'CREATED',
        id: moved,
        errors: [],
      });
      const [lineage] = await hub.sql(
        `select sr.source_key from customer c join source_record sr on sr.id = (c.lineage->>'branch')::uuid
         where c.id = $1`,
        [moved],
      );
      // Supplied by the record that named the closed branch, pointed at its successor since.
      expect(lineage).toEqual({ source_key: `PA-${n}` });
      const merged = await hub.gql(
        `mutation ($s: ID!, $a: ID!) { mergeCustomers(survivorId: $s, absorbedId: $a, reason: "one person") { survivor { branch { code } } } }`,
        { s: moved, a: absorbed },
        Role.STEWARD,
      );
      expect(merged.errors).toBeUndefined();
      expect(merged.data!.mergeCustomers.survivor.branch.code).toBe(neighbour.code);
    });

    it("undoes a merge whose absorbed customer's branch closed since, into the successor", async () => {
      const {
        city,
        neighbour,
        ids: [survivor, absorbed],
      } = await twoCities('neighbour');
      const merged = await hub.gql(
        `mutation ($s: ID!, $a: ID!) { mergeCustomers(survivorId: $s, absorbedId: $a, reason: "one") { id } }`,
        { s: survivor, a: absorbed },
        Role.STEWARD,
      );
      expect(merged.errors).toBeUndefined();
      const closed = await hub.gql(CLOSE, {
        input: { code: city.code, moveCustomersTo: neighbour.code },
      });
      expect(closed.errors).toBeUndefined();
      const undone = await hub.gql(
        `mutation ($id: ID!) { unmergeCustomers(mergeId: $id, reason: "two") { absorbed { status branch { code } } } }`,
        { id: merged.data!.mergeCustomers.id },
        Role.STEWARD,
      );
      expect(undone.errors).toBeUndefined();
      expect(undone.data!.unmergeCustomers.absorbed).toEqual({
        status: 'ACTIVE',
        branch: { code: neighbour.code },
      });
    });

    it('refuses a customer record for a closed branch that nobody succeeds', async () => {
      const n = nextNumber();
      const { province, city } = treeRecords(n);
      await ingest([province, { ...city, validTo: hub.clock.today() }]);
      const res = await hub.gql(INGEST_CUSTOMERS, {
        records: [customerRecord(n, { branchCode: city.code })],
      });
      expect(res.data!.ingestCustomers.records[0].errors).toEqual([
        expect.objectContaining({ field: 'branchCode', rule: 'BRANCH_CLOSED' }),
      ]);
    });
  });

  describe('every change', () => {
    it('meets the field rules of a record when renamed, and a first day no later than today', async () => {
      const n = nextNumber();
      const { province } = treeRecords(n);
      await ingest([province]);
      for (const [name, rule] of [
        ['两\n行', 'CONTROL_CHARACTER'],
        ['名'.repeat(101), 'MAX_LENGTH'],
        ['\u200b ', 'REQUIRED'],
      ]) {
        const res = await hub.gql(RENAME, { input: { code: province.code, name } });
        expect(res.errors![0].extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          field: 'input.name',
          rule,
        });
      }
      expect((await branch(province.code)).name).toBe(province.name);
      const tomorrow = addDays(hub.clock.today(), 1);
      const later = await ingest([{ ...treeRecords(nextNumber()).province, validFrom: tomorrow }]);
      expect(later.records[0]).toMatchObject({
        status: 'REJECTED',
        errors: [expect.objectContaining({ field: 'validFrom', rule: 'FUTURE_DATE' })],
      });
    });

    it('keeps the tree one on any day: no branch before its parent, one code whatever its case, no move once closed', async () => {
      const n = nextNumber();
      const { province, city, county, neighbour } = treeRecords(n);
      const yesterday = addDays(hub.clock.today(), -1);
      await ingest([province, city, county]);
      const refused = async (records: Record<string, unknown>[]) =>
        (await ingest(records)).records.map((r) => [r.status, ...r.errors.map((e) => e.rule)]);
      expect(
        await refused([
          { ...neighbour, validFrom: yesterday },
          { ...neighbour, code: city.code.toLowerCase() },
        ]),
      ).toEqual([
        ['REJECTED', 'PARENT_PERIOD'],
        ['REJECTED', 'CODE_CASE'],
      ]);
      // Looked up in either case, it is the one branch; hyphens alone name none.
      expect((await branch(city.code.toLowerCase())).code).toBe(city.code);
      // So for changes, and for records naming it.
      const renamed = await hub.gql(RENAME, {
        input: { code: province.code.toLowerCase(), name: `新${province.name}` },
      });
      expect(renamed.data?.renameBranch).toEqual({
        code: province.code,
        name: `新${province.name}`,
      });
      await hub.gql(RENAME, { input: { code: province.code, name: province.name } });
      expect(
        statuses(await ingest([{ ...neighbour, parentCode: province.code.toLowerCase() }])),
      ).toEqual(['CREATED']);
      const placed = await hub.gql(INGEST_CUSTOMERS, {
        records: [customerRecord(nextNumber(), { branchCode: neighbour.code.toLowerCase() })],
      });
      expect(placed.data!.ingestCustomers.records[0]).toMatchObject({ status: 'CREATED' });
      const unknown = await hub.gql(RENAME, { input: { code: `none${n}`, name: '无' } });
      expect(unknown.errors![0].extensions).toMatchObject({
        code: 'NOT_FOUND',
        field: 'input.code',
        rule: 'UNKNOWN_BRANCH',
      });
      const under = await hub.gql(`query ($c: String!) { branches(under: $c) { totalCount } }`, {
        c: province.code.toLowerCase(),
      });
      expect(under.data!.branches.totalCount).toBeGreaterThan(1);
      const segment = await hub.gql(
        `query ($c: String!) { marketingCustomers(filter: { branchCode: $c }) { totalCount } }`,
        { c: city.code.toLowerCase() },
        Role.MARKETING,
      );
      expect(segment.errors).toBeUndefined();
      expect(await refused([{ ...neighbour, code: '--' }])).toEqual([['REJECTED', 'CODE_FORMAT']]);
      // And the database, whoever writes.
      await expect(
        hub.sql(
          `insert into branch select * from jsonb_populate_record(null::branch,
             (select to_jsonb(b) || jsonb_build_object('id', gen_random_uuid(), 'code', '---')
              from branch b where code = $1))`,
          [county.code],
        ),
      ).rejects.toMatchObject({ constraint: 'branch_code_check' });
      await ingest([neighbour]);
      // Nor does a parent's first day move after its children's.
      expect(await refused([{ ...province, validFrom: hub.clock.today() }])).toEqual([
        ['UNCHANGED'],
      ]);
      const older = { code: `O${n}`, name: `老${n}`, level: 'CITY', parentCode: province.code };
      // The province as if opened two days ago (the test tree's head office opened today).
      await hub.sql(`update branch set valid_from = $2 where code = $1`, [
        province.code,
        addDays(yesterday, -1),
      ]);
      await ingest([{ ...older, validFrom: yesterday }]);
      expect(await refused([{ ...province, validFrom: hub.clock.today() }])).toEqual([
        ['REJECTED', 'PARENT_PERIOD'],
      ]);

      // A move names the branches that moved with it.
      const other = treeRecords(nextNumber());
      await ingest([other.province]);
      expect(
        (await hub.gql(MOVE, { input: { code: city.code, parentCode: other.province.code } }))
          .errors,
      ).toBeUndefined();
      const [moved] = await hub.sql<{ details: Record<string, any> }>(
        `select e.details from audit_event e join branch b on b.id::text = e.target_id
         where e.action = 'BRANCH_CHANGE' and b.code = $1 and e.details ? 'moved'`,
        [city.code],
      );
      expect(moved!.details.moved).toEqual({
        from: `0000.${province.code}.${city.code}`,
        toParent: other.province.code,
        withIt: [county.code],
      });
      // Under a branch of its own subtree is a cycle, though that branch opened later; and a
      // refusal for the dates says them plainly.
      const cycle = await hub.gql(MOVE, { input: { code: province.code, parentCode: older.code } });
      expect(cycle.errors![0]).toMatchObject({
        message: `${province.code} cannot go under ${older.code}, which lies under it`,
        extensions: { field: 'input.parentCode', rule: 'CYCLE' },
      });
      // The same from a record of the organisation file, and a move under itself.
      expect(await refused([{ ...province, parentCode: older.code, level: 'COUNTY' }])).toEqual([
        ['REJECTED', 'CYCLE'],
      ]);
      const itself = await hub.gql(MOVE, { input: { code: older.code, parentCode: older.code } });
      expect(itself.errors![0]).toMatchObject({
        message: `${older.code} cannot go under itself`,
        extensions: { rule: 'CYCLE' },
      });
      const early = await hub.gql(MOVE, {
        input: { code: older.code, parentCode: other.province.code },
      });
      expect(early.errors![0].extensions).toMatchObject({ rule: 'PARENT_PERIOD' });
      expect(early.errors![0].message).toContain(`which opened on ${yesterday}`);

      // Closed, it stays where its history was made.
      expect((await hub.gql(CLOSE, { input: { code: county.code } })).errors).toBeUndefined();
      const closedMove = await hub.gql(MOVE, {
        input: { code: county.code, parentCode: neighbour.code },
      });
      expect(closedMove.errors?.[0]?.extensions).toMatchObject({
        code: 'CONFLICT',
        field: 'input.code',
        rule: 'BRANCH_CLOSED',
      });
      // Nor through a record that keeps it closed.
      const closedOn = (
        await hub.sql<{ d: string }>(`select valid_to::text as d from branch where code = $1`, [
          county.code,
        ])
      )[0]!.d;
      expect(await refused([{ ...county, parentCode: neighbour.code, validTo: closedOn }])).toEqual(
        [['REJECTED', 'BRANCH_CLOSED']],
      );
      // A branch goes under no parent younger than itself.
      const young = await hub.gql(MOVE, {
        input: { code: older.code, parentCode: other.province.code },
      });
      expect(young.errors?.[0]?.extensions).toMatchObject({
        field: 'input.parentCode',
        rule: 'PARENT_PERIOD',
      });
    });

    it('is audited with who, why and what, and a retried closing changes nothing', async () => {
      const n = nextNumber();
      const { province, city, neighbour } = treeRecords(n);
      await ingest([province, city, neighbour]);
      await hub.gql(INGEST_CUSTOMERS, {
        records: [customerRecord(n, { branchCode: city.code })],
      });
      const rename = await hub.gql(RENAME, {
        input: { code: city.code, name: `新市${n}`, note: 'approval 13800138000' },
      });
      expect(rename.errors).toBeUndefined();
      const close = {
        input: { code: city.code, moveCustomersTo: neighbour.code, note: 'merged 13800138000' },
      };
      expect((await hub.gql(CLOSE, close)).errors).toBeUndefined();
      const retried = await hub.gql(CLOSE, close);
      expect(retried.errors).toBeUndefined();
      expect(retried.data!.closeBranch).toMatchObject({
        status: 'CLOSED',
        successor: { code: neighbour.code },
      });
      const events = await hub.sql(
        `select e.actor_role, e.purpose, e.details from audit_event e join branch b on b.id::text = e.target_id
         where e.action = 'BRANCH_CHANGE' and b.code = $1 order by e.id`,
        [city.code],
      );
      expect(events).toEqual([
        expect.objectContaining({
          actor_role: 'ingest',
          details: expect.objectContaining({ code: city.code }),
        }),
        {
          actor_role: 'admin',
          purpose: 'renameBranch: approval [digits]',
          details: { code: city.code, renamed: { from: city.name, to: `新市${n}` } },
        },
        {
          actor_role: 'admin',
          // The note masked; how many customers moved is in the details only.
          purpose: 'closeBranch: merged [digits]',
          details: {
            code: city.code,
            closed: { on: hub.clock.today(), successor: neighbour.code, customersMoved: 1 },
          },
        },
      ]);
    });
  });

  describe('access', () => {
    it('lets every role read the tree, the ingest role load it, and only administrators change it by hand', async () => {
      const n = nextNumber();
      const { province } = treeRecords(n);
      const forbidden = await hub.gql(INGEST_BRANCHES, { records: [province] }, Role.FRONTLINE);
      expect(forbidden.errors![0].extensions.code).toBe('FORBIDDEN');
      expect((await ingest([province], Role.INGEST)).accepted).toBe(1);
      for (const role of [Role.INGEST, Role.STEWARD]) {
        const rename = await hub.gql(RENAME, { input: { code: province.code, name: 'x' } }, role);
        expect(rename.errors![0].extensions.code).toBe('FORBIDDEN');
      }
      const renamed = await hub.gql(RENAME, { input: { code: province.code, name: `新名${n}` } });
      expect(renamed.data!.renameBranch).toEqual({ code: province.code, name: `新名${n}` });

      const tree = `{ branches(under: "${province.code}") { totalCount nodes { code name } } }`;
      for (const role of [Role.FRONTLINE, Role.UNDERWRITING, Role.MARKETING, Role.INGEST]) {
        const res = await hub.gql(tree, {}, role);
        expect(res.data!.branches).toEqual({
          totalCount: 1,
          nodes: [{ code: province.code, name: `新名${n}` }],
        });
      }
      // Who changed the tree, and why, is for stewards and administrators.
      const history = `{ branch(code: "${province.code}") { history { nodes { changedBy } } } }`;
      expect((await hub.gql(history, {}, Role.MARKETING)).errors![0].extensions).toMatchObject({
        code: 'FORBIDDEN',
        field: 'Branch.history',
      });
      expect((await hub.gql(history, {}, Role.STEWARD)).data!.branch.history.nodes).toHaveLength(2);
    });
  });

  describe("a caller's branch", () => {
    it("follows its branch's move at once: its callers keep seeing their own customers", async () => {
      const n = nextNumber();
      const { province, city } = treeRecords(n);
      const other = treeRecords(nextNumber());
      await ingest([province, city, other.province]);
      const ingested = await hub.gql(INGEST_CUSTOMERS, {
        records: [customerRecord(n, { branchCode: city.code })],
      });
      const id = ingested.data!.ingestCustomers.records[0].id;
      const seen = async () => {
        const response = await fetch(hub.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${hub.token(Role.STEWARD, city.code)}`,
          },
          body: JSON.stringify({ query: `{ customer(by: { id: "${id}" }) { id } }` }),
        });
        return ((await response.json()) as { data: { customer: unknown } }).data.customer;
      };
      expect(await seen()).toEqual({ id });
      const moved = await hub.gql(MOVE, {
        input: { code: city.code, parentCode: other.province.code },
      });
      expect(moved.errors).toBeUndefined();
      expect(await seen()).toEqual({ id });
    });

    it("bounds the tree changes it may make to the branches under it, so that no caller's scope grows by its own hand", async () => {
      const n = nextNumber();
      const { province, city, county } = treeRecords(n);
      const other = treeRecords(nextNumber());
      const otherTree = [other.province, other.city, other.county];
      expect((await ingest([province, city, county, ...otherTree])).accepted).toBe(6);
      const as = (role: Role, query: string, variables: Record<string, unknown>) =>
        hub.gql(query, variables, role, city.code);
      const refusal = (res: { errors?: any[] }) => {
        expect(res.errors).toHaveLength(1);
        const { code, field, rule } = res.errors![0].extensions;
        return { code, field, rule };
      };
      const scope = (field: string) => ({ code: 'FORBIDDEN', field, rule: 'BRANCH_SCOPE' });

      // Another city's county pulled in, its own county pushed out, its own branch moved.
      expect(
        refusal(
          await as(Role.ADMIN, MOVE, { input: { code: other.county.code, parentCode: city.code } }),
        ),
      ).toEqual(scope('input.code'));
      expect(
        refusal(
          await as(Role.ADMIN, MOVE, { input: { code: county.code, parentCode: other.city.code } }),
        ),
      ).toEqual(scope('input.parentCode'));
      expect(
        refusal(await as(Role.ADMIN, RENAME, { input: { code: city.code, name: 'x' } })),
      ).toEqual(scope('input.code'));
      expect(
        refusal(
          await as(Role.ADMIN, CLOSE, {
            input: { code: county.code, moveCustomersTo: other.city.code },
          }),
        ),
      ).toEqual(scope('input.moveCustomersTo'));
      expect(
        (await as(Role.ADMIN, RENAME, { input: { code: county.code, name: `县${n}新` } })).data,
      ).toEqual({ renameBranch: { code: county.code, name: `县${n}新` } });

      const loaded = await as(Role.INGEST, INGEST_BRANCHES, {
        records: [
          { ...other.county, parentCode: city.code },
          { code: `W${n}`, name: `县W${n}`, level: 'COUNTY', parentCode: other.city.code },
          { code: `Z${n}`, name: `县Z${n}`, level: 'COUNTY', parentCode: city.code },
          city,
        ],
      });
      expect(
        loaded.data!.ingestBranches.records.map((r: Outcome) => [
          r.status,
          r.errors.map((e) => `${e.field} ${e.rule}`),
        ]),
      ).toEqual([
        ['REJECTED', ['code BRANCH_SCOPE']],
        ['REJECTED', ['parentCode BRANCH_SCOPE']],
        ['CREATED', []],
        ['UNCHANGED', []],
      ]);
      expect((await branch(other.county.code)).path).toBe(
        `0000.${other.province.code}.${other.city.code}.${other.county.code}`,
      );
      expect((await branch(county.code)).parent).toEqual({ code: city.code });
    });
  });

  describe('reading the tree', () => {
    it("tells another branch's steward nothing of how many customers a closing moved", async () => {
      const n = nextNumber();
      const { province, city, neighbour } = treeRecords(n);
      const other = treeRecords(nextNumber());
      await ingest([province, city, neighbour, other.province]);
      await hub.gql(INGEST_CUSTOMERS, {
        records: [customerRecord(n, { branchCode: city.code })],
      });
      const closed = await hub.gql(CLOSE, {
        input: { code: city.code, moveCustomersTo: neighbour.code, note: 'merged' },
      });
      expect(closed.errors).toBeUndefined();

      const read = await hub.gql(BRANCH, { code: city.code }, Role.STEWARD, other.province.code);
      expect(read.errors).toBeUndefined();
      expect(read.data!.branch.successor).toEqual({ code: neighbour.code });
      expect(read.data!.branch.history.nodes[0]).toMatchObject({
        changes: ['CLOSED'],
        reason: 'closeBranch: merged',
      });
    });

    it('reads a page of branches with parents, children and history in one statement', async () => {
      const n = nextNumber();
      const { province, city, county } = treeRecords(n);
      await ingest([province, city, county]);
      // A changed tree has the caller's branch read again, once, by the next request.
      await branch(province.code);
      const { result, statements } = await countStatements(() =>
        hub.gql(
          `query ($under: String!) { branches(under: $under, first: 10) { totalCount
            nodes { code level path status parent { code } children { code children { code } }
              history(first: 5) { totalCount nodes { changes path } } } } }`,
          { under: province.code },
        ),
      );
      expect(result.errors).toBeUndefined();
      expect(result.data!.branches.nodes.map((b: { path: string }) => b.path)).toEqual([
        `0000.${province.code}`,
        `0000.${province.code}.${city.code}`,
        `0000.${province.code}.${city.code}.${county.code}`,
      ]);
      expect(statements).toHaveLength(1);
    });

    it('filters open and closed branches', async () => {
      const n = nextNumber();
      const { province, city } = treeRecords(n);
      await ingest([province, { ...city, validTo: hub.clock.today() }]);
      const codes = async (status: string[]) =>
        (
          await hub.gql(
            `query ($under: String!, $status: [BranchStatus!]) { branches(under: $under, status: $status) { nodes { code } } }`,
            { under: province.code, status },
          )
        ).data!.branches.nodes.map((b: { code: string }) => b.code);
      expect(await codes(['OPEN'])).toEqual([province.code]);
      expect(await codes(['CLOSED'])).toEqual([city.code]);
      expect(await codes(['OPEN', 'CLOSED'])).toEqual([province.code, city.code]);
    });
  });
});

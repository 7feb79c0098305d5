import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Role } from '../../src/auth/roles';
import { parseBranchFile } from '../../src/modules/branch/branch-file';
import { loadBranchRows } from '../../src/modules/branch/branch-loader';
import { commandLineActor } from '../../src/modules/audit/audit-log';
import { customerRecord, INGEST_CUSTOMERS, nextNumber } from '../setup/factories';
import { startTestHub, type TestHub } from '../setup/test-app';
import { Client } from 'pg';
import { createDatabase, databaseUrl, dropDatabase } from '../../src/db/scratch-server';

const ROOT = path.resolve(__dirname, '../..');
const EXAMPLE = path.join(ROOT, 'examples/branches.csv');
const read = (file: string) => fs.readFileSync(file, 'utf8');

/** Runs `npm run branches:load` as a user would, on the hub's database. */
async function loadCommand(hub: Pick<TestHub, 'databaseUrl'>, args: string[]) {
  const run = promisify(execFile);
  return run(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', 'src/cli/branches.ts', ...args],
    { cwd: ROOT, env: { ...process.env, DATABASE_URL: hub.databaseUrl } },
  ).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

describe('loading the organisation from a file, on a hub without demo data', () => {
  let hub: TestHub;

  beforeEach(async () => {
    hub = await startTestHub({ headOffice: false });
  });
  afterEach(() => hub.close());

  it('reads the example as CSV and as NDJSON alike', () => {
    const csv = parseBranchFile(read(EXAMPLE), 'csv');
    const ndjson = parseBranchFile(read(EXAMPLE.replace('.csv', '.ndjson')), 'ndjson');
    expect(csv.map((r) => r.record)).toEqual(ndjson.map((r) => r.record));
    expect(csv.every((r) => r.problems.length === 0)).toBe(true);
    expect(csv[0]).toMatchObject({ line: 2, record: { code: '0000', parentCode: null } });
  });

  it('reads codes as the API does, and names each problem of a line once', async () => {
    const [fullWidth] = parseBranchFile(
      'code,name,level,parentCode\nＧ１,省,PROVINCIAL,０００0\n',
      'csv',
    );
    expect(fullWidth).toMatchObject({ problems: [], record: { code: 'G1', parentCode: '0000' } });
    const [mistyped] = parseBranchFile('{"code":123,"name":"x","level":"CITY"}\n', 'ndjson');
    expect(mistyped.problems.map((p) => [p.field, p.rule])).toEqual([['code', 'TYPE']]);
    // A code listed twice is named by the line of its first listing, as the file numbers it.
    const rows = parseBranchFile(
      'code,name,level,parentCode\nL1,a,PROVINCIAL,0000\nL2,b,CITY,L1\nL2,c,CITY,L1\n',
      'csv',
    );
    const outcomes = await loadBranchRows(hub.app.services.em.fork(), hub.clock, rows, {
      change: { by: commandLineActor(), reason: 'duplicates' },
      dryRun: true,
    });
    const duplicate = outcomes.find((o) => o.line === 4);
    expect(duplicate).toMatchObject({ line: 4, problems: [{ rule: 'DUPLICATE_IN_BATCH' }] });
    expect(duplicate!.problems[0]!.message).toMatch(/first at line 3\)$/);
  });

  it('loads the example tree, after which customers can be ingested into it', async () => {
    const rows = parseBranchFile(read(EXAMPLE), 'csv');
    const change = { by: commandLineActor(), reason: 'branches:load branches.csv' };
    const progress: number[] = [];
    const first = await loadBranchRows(hub.app.services.em.fork(), hub.clock, rows, {
      change,
      batchSize: 7,
      onProgress: (done) => progress.push(done),
    });
    expect(first.map((o) => o.status)).toEqual(rows.map(() => 'CREATED'));
    expect(progress).toEqual([0, 7, 14, rows.length]);
    const tree = await hub.gql(
      `{ branches(first: 100) { totalCount nodes { code path status validFrom validTo } } }`,
      {},
      Role.FRONTLINE,
    );
    expect(tree.data!.branches.totalCount).toBe(rows.length);
    expect(tree.data!.branches.nodes).toContainEqual({
      code: '320583',
      path: '0000.3200.3205.320583',
      status: 'CLOSED',
      validFrom: '2005-01-01',
      validTo: '2024-12-31',
    });

    const again = await loadBranchRows(hub.app.services.em.fork(), hub.clock, rows, { change });
    expect(again.map((o) => o.status)).toEqual(rows.map(() => 'UNCHANGED'));

    const customers = await hub.gql(INGEST_CUSTOMERS, {
      records: [customerRecord(nextNumber(), { branchCode: '320115' })],
    });
    expect(customers.data!.ingestCustomers.records[0]).toMatchObject({ status: 'CREATED' });
  });

  it('changes nothing on a database behind this version, its schema included, when only checking', async () => {
    const adminUrl = process.env.CIF_TEST_ADMIN_URL!;
    const name = `cif_hub_dry_${process.pid}`;
    await createDatabase(adminUrl, name);
    const url = databaseUrl(adminUrl, name);
    try {
      const dry = await loadCommand({ databaseUrl: url }, [EXAMPLE, '--dry-run']);
      expect(dry.code).toBe(1);
      expect(dry.stderr).toMatch(/lacks all of this version's migrations/);
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query(
          `select count(*)::int as n from information_schema.tables where table_schema = 'public'`,
        );
        expect(rows).toEqual([{ n: 0 }]);
      } finally {
        await client.end();
      }
    } finally {
      await dropDatabase(adminUrl, name);
    }
  });

  it('runs as a command: a dry run writes nothing, and a bad line is named without stopping the rest', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cif-branches-'));
    const file = path.join(dir, 'branches.csv');
    // A level out of place, and a name that breaks the field rules every writer applies.
    fs.writeFileSync(
      file,
      `${read(EXAMPLE).trimEnd()}\n3299,错误,COUNTY,3200,,\n3298,"两\n行",CITY,3200,,\n`,
    );
    try {
      const dry = await loadCommand(hub, [file, '--dry-run']);
      expect(dry.code).toBe(1);
      expect(dry.stdout).toMatch(
        /Checked \(nothing written\) 22 branches .* 20 created, 0 updated, 0 unchanged, 2 rejected/,
      );
      expect(await hub.sql('select count(*)::int as n from branch')).toEqual([{ n: 0 }]);
      // A switch: given a value, it is refused rather than read one way or the other.
      const valued = await loadCommand(hub, [file, '--dry-run=false']);
      expect([valued.code, valued.stderr]).toEqual([
        2,
        expect.stringContaining("--dry-run takes no value, got '--dry-run=false'"),
      ]);

      const loaded = await loadCommand(hub, [file]);
      expect(loaded.code).toBe(1);
      expect(loaded.stderr).toContain(`${file}:22 3299: level LEVEL_MISMATCH:`);
      expect(loaded.stderr).toContain(`${file}:23 3298: name CONTROL_CHARACTER:`);
      expect(loaded.stdout).toMatch(
        /Loaded 22 branches .* 20 created, 0 updated, 0 unchanged, 2 rejected/,
      );
      const [{ n, changed_by }] = await hub.sql(
        `select count(*)::int as n, min(changed_by) as changed_by from branch_history`,
      );
      expect(n).toBe(20);
      expect(changed_by).toMatch(/^cli:/);
      // Audited as the API's changes are, each branch once.
      expect(
        await hub.sql(
          `select count(distinct target_id)::int as n, min(actor_subject) as actor
           from audit_event where action = 'BRANCH_CHANGE'`,
        ),
      ).toEqual([{ n: 20, actor: expect.stringMatching(/^cli:/) }]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

import { generateLabelledRecords } from '../../bench/matching/generate';
import { pairwiseScores } from '../../bench/matching/metrics';
import { DEFAULT_GENERIC_HOLDERS } from '../../src/modules/matching/settings';
import { createClient } from '../../src/db/pg';
import {
  INGEST_CUSTOMERS,
  insertBranches,
  mobile,
  nextNumber,
  nextNumbers,
  residentId,
} from '../setup/factories';
import { startTestHub, type TestHub } from '../setup/test-app';

/** A small deterministic generator of shuffles (mulberry32), so a failing order can be rerun. */
function shuffler(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    shuffle<T>(items: T[]): T[] {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [copy[i], copy[j]] = [copy[j], copy[i]];
      }
      return copy;
    },
    between: (low: number, high: number) => low + Math.floor(next() * (high - low + 1)),
  };
}

const ORDERS = 20;

/**
 * Sequence neutrality: one labelled set, loaded in 20 orders and batch sizes, ends in the
 * same customers every time. Each order starts from an empty file (this test file has its
 * own database).
 */
describe('sequence neutrality', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
  });
  afterAll(() => hub.close());

  it(`groups one labelled set into the same customers in ${ORDERS} random orders`, async () => {
    const { records } = generateLabelledRecords({ people: 50, organisations: 8, seed: 20261130 });
    const truth = new Map(
      records.map((r) => [`${r.record.sourceSystem}:${r.record.sourceKey}`, r.cluster]),
    );
    let first: string | undefined;
    for (let order = 0; order < ORDERS; order++) {
      await hub.sql(
        'truncate customer, source_record, match_review, match_decision, name_count cascade',
      );
      const draw = shuffler(order + 1);
      const shuffled = draw.shuffle(records.map((r) => r.record));
      for (let at = 0; at < shuffled.length;) {
        const size = draw.between(1, 25);
        const res = await hub.gql(INGEST_CUSTOMERS, { records: shuffled.slice(at, at + size) });
        expect(res.errors).toBeUndefined();
        at += size;
      }
      const rows = await hub.sql<{ keys: string[] }>(
        `select array_agg(source_system || ':' || source_key order by source_system, source_key) as keys
         from source_record group by customer_id`,
      );
      // The name counts the database keeps are the counts.
      expect(
        await hub.sql(`select name_key, records from name_count where records > 0
                       except select name_key, count(*)::int from source_record group by 1`),
      ).toEqual([]);
      // And a contact point is generic exactly when its value is, whenever it turned so.
      expect(
        await hub.sql(
          `select p.kind, p.generic from contact_point p
           where p.kind in ('MOBILE', 'EMAIL') and p.generic <> (
             (select count(distinct sr.name_key) from source_identifier si
                join source_record sr on sr.id = si.source_record_id
              where si.kind = p.kind and si.value_hash = p.value_hash) >= $1)`,
          [DEFAULT_GENERIC_HOLDERS],
        ),
      ).toEqual([]);
      const clusters = rows.map((r) => r.keys.join(' ')).sort();
      const grouping = clusters.join('\n');
      if (first === undefined) {
        first = grouping;
        // And the groups are the right ones, or nearly: this set holds every hard case.
        const predicted = new Map(
          rows.flatMap((r, i) => r.keys.map((key): [string, string] => [key, String(i)])),
        );
        const { precision, recall } = pairwiseScores(truth, predicted);
        expect(precision).toBeGreaterThanOrEqual(0.95);
        expect(recall).toBeGreaterThanOrEqual(0.85);
      } else {
        expect({ order, grouping }).toEqual({ order, grouping: first });
      }
    }
    // Some 2,500 small batches on a busy machine.
  }, 600_000);

  it('groups the people of one address the same in any order and batch cut, sent at once too, and as if a moved record had arrived moved', async () => {
    // Name-and-address records (a call centre's, a dealer's), a family, a mother and daughter
    // of one name, a rare name, a company at the address, and the daughter's legacy number
    // keyed with two digits swapped (kept apart: README, step 3).
    const n = nextNumbers(8);
    const home = `江苏省南京市浦口区江浦街道文德路${n}号3幢201室`;
    const [away, far] = [`江苏省南京市鼓楼区中山北路${n}号`, `上海市浦东新区世纪大道${n}号`];
    const daughterId = residentId(n, '19850314', false);
    // Her 15-digit number (born in the 1900s) with its 4th and 5th digits swapped.
    const legacy = daughterId.slice(0, 6) + daughterId.slice(8, 17);
    const swapped = `${legacy.slice(0, 3)}${legacy[4]}${legacy[3]}${legacy.slice(5)}`;
    const person = (system: string, key: string, name: string, fields: object = {}) => ({
      sourceSystem: system,
      sourceKey: key,
      kind: 'INDIVIDUAL',
      name,
      branchCode: '3201',
      ...fields,
    });
    const at = (...addresses: string[]) => ({
      contactPoints: addresses.map((value) => ({ kind: 'ADDRESS', value })),
    });
    const documented = (id: string, gender: string, birthDate: string, ...addresses: string[]) => ({
      gender,
      birthDate,
      identityDocuments: [{ type: 'RESIDENT_ID', number: id }],
      ...at(...addresses),
    });
    const labelled = [
      person(
        'POLICY_ADMIN',
        'PA-DAUGHTER',
        '陈静',
        documented(daughterId, 'FEMALE', '1985-03-14', home),
      ),
      person('CALL_CENTRE', 'CC-DAUGHTER', '陈静', at(home)),
      person('CALL_CENTRE', 'CC-PINYIN', 'CHEN JING', at(home)),
      person('APP', 'APP-OTHER-NAME', '陈晶', at(home)),
      person(
        'POLICY_ADMIN',
        'PA-FATHER',
        '王建军',
        documented(residentId(n + 1, '19591102'), 'MALE', '1959-11-02', home),
      ),
      person('CALL_CENTRE', 'CC-FATHER', '王建军', at(home)),
      person('DEALER', 'DL-CHILD', '王小红', { birthDate: '2010-06-01', ...at(home) }),
      person('AGENCY', 'AG-SWAPPED', '陈静', {
        gender: 'FEMALE',
        birthDate: '1985-03-14',
        identityDocuments: [
          {
            type: 'RESIDENT_ID',
            number: swapped,
          },
        ],
      }),
      person('WECHAT', 'WX-AWAY', '陈静', at(away)),
      person('CLAIMS', 'CL-TWO-ADDRESSES', '陈静', at(far, home)),
      { ...person('DEALER', 'DL-COMPANY', '陈静', at(home)), kind: 'ORGANISATION' },
      person('CALL_CENTRE', 'CC-NAME-ONLY', '陈静'),
      person(
        'POLICY_ADMIN',
        'PA-MOTHER',
        '陈静',
        documented(residentId(n + 2, '19610820', false), 'FEMALE', '1961-08-20', home),
      ),
      person(
        'POLICY_ADMIN',
        'PA-RARE',
        '司马懿',
        documented(residentId(n + 3, '19790105'), 'MALE', '1979-01-05', home),
      ),
      person('CALL_CENTRE', 'CC-RARE', '司马懿', at(home)),
    ];
    const load = async (records: object[]) => {
      const res = await hub.gql(INGEST_CUSTOMERS, { records });
      expect(res.errors).toBeUndefined();
      expect(res.data!.ingestCustomers.rejected).toBe(0);
    };
    const state = async () => ({
      customers: (
        await hub.sql<{ keys: string }>(
          `select string_agg(source_key, ' ' order by source_key) as keys
           from source_record group by customer_id order by 1`,
        )
      ).map((r) => r.keys),
      tasks: (
        await hub.sql<{ task: string }>(
          `select least(a.source_key, b.source_key) || ' ' || greatest(a.source_key, b.source_key)
             as task
           from match_review m join source_record a on a.id = m.record_a_id
             join source_record b on b.id = m.record_b_id
           where m.status = 'OPEN' order by 1`,
        )
      ).map((r) => r.task),
    });
    const reset = () =>
      hub.sql('truncate customer, source_record, match_review, match_decision, name_count cascade');

    await reset();
    await load(labelled);
    const once = await state();
    // A rare name at the address links; a common one is asked about, the daughter's name
    // (and its sound, 陈晶, CHEN JING) with both documented people of it, the mother's too.
    // The child's name, the company, the name elsewhere or nowhere: nothing to ask.
    expect(once.customers).toContain('CC-RARE PA-RARE');
    expect(once.tasks).toEqual(
      expect.arrayContaining([
        'CC-DAUGHTER PA-DAUGHTER',
        'CC-DAUGHTER PA-MOTHER',
        'CC-PINYIN PA-DAUGHTER',
        'APP-OTHER-NAME PA-DAUGHTER',
        'CC-FATHER PA-FATHER',
      ]),
    );
    const untouched = ['DL-CHILD', 'DL-COMPANY', 'WX-AWAY', 'CC-NAME-ONLY', 'AG-SWAPPED'];
    expect(once.tasks.filter((t) => untouched.some((key) => t.split(' ').includes(key)))).toEqual(
      [],
    );
    expect(once.customers).toEqual(expect.arrayContaining(untouched));
    for (let order = 1; order <= 12; order++) {
      await reset();
      const draw = shuffler(order);
      const shuffled = draw.shuffle(labelled);
      for (let at = 0; at < shuffled.length;) {
        const size = draw.between(1, 6);
        await load(shuffled.slice(at, at + size));
        at += size;
      }
      expect({ order, ...(await state()) }).toEqual({ order, ...once });
    }
    // Sent at once, in batches of one to three: the batches that share a key wait for each
    // other (its lock), and end as one after the other.
    for (let round = 1; round <= 3; round++) {
      await reset();
      const draw = shuffler(50 + round);
      const shuffled = draw.shuffle(labelled);
      const batches: object[][] = [];
      for (let at = 0; at < shuffled.length;) {
        const size = draw.between(1, 3);
        batches.push(shuffled.slice(at, at + size));
        at += size;
      }
      await Promise.all(batches.map(load));
      expect({ round, ...(await state()) }).toEqual({ round, ...once });
    }

    // Records re-sent with another address end as if they had arrived with it.
    const movedKeys = ['CC-DAUGHTER', 'CL-TWO-ADDRESSES', 'CC-RARE'];
    const moved = labelled.map((r) => (movedKeys.includes(r.sourceKey) ? { ...r, ...at(far) } : r));
    await reset();
    await load(moved);
    const arrivedMoved = await state();
    expect(arrivedMoved.customers).toContain('CC-RARE');
    for (let order = 1; order <= 4; order++) {
      await reset();
      const draw = shuffler(100 + order);
      await load(draw.shuffle(labelled));
      for (const key of draw.shuffle(movedKeys)) {
        await load(moved.filter((r) => r.sourceKey === key));
      }
      expect({ order, ...(await state()) }).toEqual({ order, ...arrivedMoved });
    }
  }, 300_000);

  it('re-evaluates the holders of a name two concurrent batches moved into another bucket together', async () => {
    // A rare name, counted in the file: at 7 holders it weighs a bit more than at 8, enough to
    // link A and B (a shared address, near birth dates); at 8 they are a steward's question.
    const n = nextNumber();
    const name = `令狐${String.fromCodePoint(0x6c00 + (n % 400))}桐`;
    const address = `上海市浦东新区世纪大道${n}号环球金融中心58楼`;
    const person = (system: string, key: string, fields: Record<string, unknown>) => ({
      sourceSystem: system,
      sourceKey: `NC-${n}-${key}`,
      kind: 'INDIVIDUAL',
      name,
      branchCode: '3201',
      ...fields,
    });
    const a = person('POLICY_ADMIN', 'A', {
      gender: 'FEMALE',
      birthDate: '1991-07-08',
      contactPoints: [
        { kind: 'ADDRESS', value: address },
        { kind: 'MOBILE', value: mobile(n) },
      ],
    });
    const b = person('APP', 'B', {
      gender: 'FEMALE',
      birthDate: '1991-08-07',
      contactPoints: [
        { kind: 'ADDRESS', value: address },
        { kind: 'MOBILE', value: mobile(n + 1) },
      ],
    });
    const others = [
      '1960-01-01',
      '1962-02-03',
      '1965-03-05',
      '1970-04-09',
      '1972-05-11',
      '1980-06-13',
    ].map((birthDate, i) => person('CLAIMS', `O${i}`, { birthDate }));
    const sent = await hub.gql(INGEST_CUSTOMERS, { records: [a, ...others.slice(0, 5)] });
    expect(sent.data!.ingestCustomers.accepted).toBe(6);
    const [{ name_key: key }] = await hub.sql<{ name_key: string }>(
      `select name_key from name_count where records = 6 and name_key like $1`,
      [`%${name.slice(2, 3)}%`],
    );
    // The 7th and 8th holders in two batches at once, both having read the count as 6 before
    // either wrote: the count's row, held here, keeps both writes waiting until both have.
    const holder = createClient(hub.databaseUrl);
    await holder.connect();
    let batches: Promise<unknown>[] | undefined;
    try {
      await holder.query('begin');
      await holder.query('select 1 from name_count where name_key = $1 for update', [key]);
      batches = [b, others[5]].map((r) => hub.gql(INGEST_CUSTOMERS, { records: [r] }));
      for (let waited = 0; waited < 250; waited++) {
        const [{ waiting }] = await hub.sql<{ waiting: number }>(
          `select count(*)::int as waiting from pg_stat_activity where wait_event_type = 'Lock'
             and datname = current_database()`,
        );
        if (waiting >= 2) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await holder.query('commit');
      await holder.end();
    }
    await Promise.all(batches ?? []);
    const [{ records }] = await hub.sql<{ records: number }>(
      'select records from name_count where name_key = $1',
      [key],
    );
    expect(records).toBe(8);
    const customers = await hub.sql<{ source_key: string; customer_id: string }>(
      `select source_key, customer_id from source_record where source_key = any($1) order by 1`,
      [[a.sourceKey, b.sourceKey]],
    );
    expect(customers).toHaveLength(2);
    expect(customers[0]!.customer_id).not.toBe(customers[1]!.customer_id);
    const [review] = await hub.sql(
      `select r.status from match_review r join source_record x on x.id in (r.record_a_id, r.record_b_id)
         join source_record y on y.id in (r.record_a_id, r.record_b_id) and y.id <> x.id
       where x.source_key = $1 and y.source_key = $2`,
      [a.sourceKey, b.sourceKey],
    );
    expect(review).toEqual({ status: 'OPEN' });
  }, 60_000);
  describe('what arrival order must not decide', () => {
    type Rec = Record<string, unknown>;
    const person = (system: string, key: string, name: string, fields: Rec = {}): Rec => ({
      sourceSystem: system,
      sourceKey: key,
      kind: 'INDIVIDUAL',
      name,
      branchCode: '0000',
      ...fields,
    });
    const contacts = (...points: [string, string][]) => ({
      contactPoints: points.map(([kind, value]) => ({ kind, value })),
    });
    const documented = (n: number, birth: string) => ({
      identityDocuments: [{ type: 'RESIDENT_ID', number: residentId(n, birth) }],
    });
    /**
     * From an empty file, the batches in turn: customers and open tasks, by source keys. A
     * step that is a function changes the file between batches.
     */
    const outcome = async (batches: (Rec[] | (() => Promise<unknown>))[]) => {
      await hub.sql(
        'truncate customer, source_record, match_review, match_decision, name_count cascade',
      );
      for (const records of batches) {
        if (typeof records === 'function') {
          await records();
          continue;
        }
        const res = await hub.gql(INGEST_CUSTOMERS, { records });
        expect(res.errors).toBeUndefined();
        expect(res.data!.ingestCustomers.rejected).toBe(0);
      }
      const customers = await hub.sql<{ id: string; keys: string }>(
        `select customer_id as id, string_agg(source_key, ' ' order by source_key) as keys
         from source_record group by customer_id`,
      );
      const keys = new Map(customers.map((c) => [c.id, c.keys]));
      const tasks = await hub.sql<{ a: string; b: string }>(
        `select a.customer_id as a, b.customer_id as b from match_review m
           join source_record a on a.id = m.record_a_id join source_record b on b.id = m.record_b_id
         where m.status = 'OPEN'`,
      );
      return {
        customers: customers.map((c) => c.keys).sort(),
        openTasks: tasks.map((t) => [keys.get(t.a), keys.get(t.b)].sort().join(' | ')).sort(),
      };
    };

    it.each([
      ['drops', (): Rec => ({})],
      [
        'replaces with a passport',
        (n: number): Rec => ({
          identityDocuments: [{ type: 'PASSPORT', number: `E${String(n).padStart(8, '0')}` }],
        }),
      ],
    ])(
      'joins what a resident ID its source %s kept from a customer, through its other records',
      async (_, later) => {
        const n = nextNumber();
        const address = `江苏省南京市鼓楼区中山北路${n % 1000}号5幢302室`;
        const email = `a${n}@example.com`;
        const a = person('POLICY_ADMIN', 'A', '司马光', {
          ...contacts(['MOBILE', mobile(n)], ['ADDRESS', address]),
          ...later(n),
        });
        const aWithId = { ...a, ...documented(n, '19700101') };
        const r = person(
          'CALL_CENTRE',
          'R',
          '司马光',
          contacts(['MOBILE', mobile(n)], ['EMAIL', email], ['ADDRESS', address]),
        );
        // O's number kept it from A's customer; reached through R's e-mail only.
        const o = person('CLAIMS', 'O', '司马光', {
          ...documented(n + 1, '19850312'),
          ...contacts(['EMAIL', email]),
        });
        const finalOnly = await outcome([[a, r, o]]);
        expect(finalOnly.customers).toEqual(['A O R']);
        expect(await outcome([[aWithId], [r], [o], [a]])).toEqual(finalOnly);
        expect(await outcome([[r], [o], [aWithId], [a]])).toEqual(finalOnly);
      },
    );

    it('keeps the review task between two people of two numbers when a record drops the e-mail it shared with the other', async () => {
      const n = nextNumber();
      const address = `江苏省南京市浦口区江浦街道文德路${n % 1000}号3幢201室`;
      const email = `p${n}@example.com`;
      // 黄磊 HL1 and 陈静 CJ: two resident IDs. HL2, a claims record, is HL1's by mobile and
      // address, and shares CJ's e-mail: a task between the two customers.
      const hl1 = person('POLICY_ADMIN', 'HL1', '黄磊', {
        ...documented(n, '19851203'),
        ...contacts(['MOBILE', mobile(n)], ['ADDRESS', address]),
      });
      const cj = person('POLICY_ADMIN', 'CJ', '陈静', {
        birthDate: '1985-12-03',
        ...documented(n + 1, '19851203'),
        ...contacts(['EMAIL', email], ['ADDRESS', address.slice(address.indexOf('文德路'))]),
      });
      const hl2 = person('CLAIMS', 'HL2', '黄磊', {
        gender: 'FEMALE',
        ...contacts(['MOBILE', mobile(n)], ['EMAIL', email], ['ADDRESS', address]),
      });
      // HL1 first carried CJ's e-mail too: compared with CJ then, and kept apart by the numbers.
      const hl1Before = {
        ...hl1,
        contactPoints: [...(hl1.contactPoints as Rec[]), { kind: 'EMAIL', value: email }],
      };
      const finalOnly = await outcome([[hl1, cj, hl2]]);
      expect(finalOnly).toEqual({ customers: ['CJ', 'HL1 HL2'], openTasks: ['CJ | HL1 HL2'] });
      expect(await outcome([[cj, hl1Before, hl2], [hl1]])).toEqual(finalOnly);
      expect(await outcome([[hl1Before], [cj], [hl2], [hl1]])).toEqual(finalOnly);
    });

    it('keeps the review task when a record drops the address it shared with a namesake', async () => {
      const n = nextNumber();
      const home = `江苏省南京市浦口区江浦街道文德路${n % 1000}号3幢201室`;
      const old = `江苏省南京市鼓楼区中山北路${n % 1000}号5幢302室`;
      // R and S: two 黄磊 of two resident IDs and birth dates. T, a claims record, is R's by
      // mobile and address, and is at S's address: a task between the two customers.
      const r = person('POLICY_ADMIN', 'R', '黄磊', {
        ...documented(n, '19851203'),
        ...contacts(['MOBILE', mobile(n)], ['ADDRESS', home]),
      });
      const s = person('POLICY_ADMIN', 'S', '黄磊', {
        ...documented(n + 1, '19620715'),
        ...contacts(['ADDRESS', old]),
      });
      const t = person('CLAIMS', 'T', '黄磊', {
        ...contacts(['MOBILE', mobile(n)], ['ADDRESS', home], ['ADDRESS', old]),
      });
      // R first carried S's address too: compared with S then, and kept apart by the numbers.
      const rBefore = {
        ...r,
        contactPoints: [...(r.contactPoints as Rec[]), { kind: 'ADDRESS', value: old }],
      };
      const finalOnly = await outcome([[r, s, t]]);
      expect(finalOnly).toEqual({ customers: ['R T', 'S'], openTasks: ['R T | S'] });
      expect(await outcome([[rBefore], [s], [t], [r]])).toEqual(finalOnly);
      expect(await outcome([[s, rBefore, t], [r]])).toEqual(finalOnly);
    });

    it('keeps the review task when a renamed record no longer shares a name and birth date with a namesake', async () => {
      const n = nextNumber();
      const home = `江苏省南京市浦口区江浦街道文德路${n % 1000}号3幢201室`;
      const email = `q${n}@example.com`;
      // R 王强 (first keyed 黄磊) and U: one resident ID. S, another 黄磊 born the same day,
      // another number. T is R's by name, mobile and address, and shares S's e-mail.
      const r = person('POLICY_ADMIN', 'R', '王强', {
        ...documented(n, '19851203'),
        ...contacts(['MOBILE', mobile(n)], ['ADDRESS', home]),
      });
      const u = { ...r, sourceSystem: 'APP', sourceKey: 'U' };
      const s = person('POLICY_ADMIN', 'S', '黄磊', {
        ...documented(n + 1, '19851203'),
        ...contacts(['EMAIL', email], ['ADDRESS', home.slice(home.indexOf('文德路'))]),
      });
      const t = person('CLAIMS', 'T', '王强', {
        ...contacts(['MOBILE', mobile(n)], ['EMAIL', email], ['ADDRESS', home]),
      });
      // Other 黄磊s, so that the rename moves no name count across a bucket (which would
      // re-evaluate every bearer of the name).
      const others = ['H1', 'H2', 'H3'].map((key) => person('DEALER', key, '黄磊'));
      const finalOnly = await outcome([[r, s, t, u, ...others]]);
      expect(finalOnly.openTasks).toEqual(['R T U | S']);
      expect(await outcome([[s, { ...r, name: '黄磊' }, t, u, ...others], [r]])).toEqual(finalOnly);
    });

    it('compares two mistyped copies of one resident ID whichever came first', async () => {
      // 320102196108207653, never sent: CHK with a wrong check character, SWP with
      // characters 15 and 16 swapped, FAR with characters 4 and 5. OTH, a third 王伟, is
      // there first, so that no name count moving a bucket brings the others together.
      const address = '江苏省南京市浦口区江浦街道文德路12号3幢201室';
      const typo = (system: string, key: string, number: string, at: string) =>
        person(system, key, '王伟', {
          gender: 'MALE',
          identityDocuments: [{ type: 'RESIDENT_ID', number }],
          ...contacts(['ADDRESS', at]),
        });
      const chk = typo('APP', 'CHK', '320102196108207651', address);
      const swp = typo('CLAIMS', 'SWP', '320102196108206753', address.slice(11));
      const far = typo('WECHAT', 'FAR', '320120196108207653', address);
      const oth = person('DEALER', 'OTH', '王伟');
      for (const other of [chk, far]) {
        const once = await outcome([[oth, other, swp]]);
        expect(once.openTasks).toEqual([`${other.sourceKey} | SWP`]);
        expect(await outcome([[oth], [other], [swp]])).toEqual(once);
        expect(await outcome([[oth], [swp], [other]])).toEqual(once);
      }
    });

    it('keeps one review task between two customers a later record joins and a third', async () => {
      const n = nextNumber();
      const email = `b${n}@example.com`;
      const born = { birthDate: '1980-05-06' };
      // U keeps J from moving the name's count into another bucket.
      const u = person('DEALER', 'U', '王伟', { birthDate: '1960-01-01' });
      const x = person('POLICY_ADMIN', 'X', '王伟', {
        ...born,
        ...contacts(['MOBILE', mobile(n)]),
      });
      const w = person('APP', 'W', '王伟', { ...born, ...contacts(['EMAIL', email]) });
      const z = person('CLAIMS', 'Z', '王伟', born);
      const j = person(
        'CALL_CENTRE',
        'J',
        '王伟',
        contacts(['MOBILE', mobile(n)], ['EMAIL', email]),
      );
      const once = await outcome([[u, x, w, z, j]]);
      expect(once.openTasks).toEqual(['J W X | Z']);
      expect(await outcome([[u], [x], [w], [j], [z]])).toEqual(once);
      expect(await outcome([[u], [x], [w], [z], [j]])).toEqual(once);
    });

    it('compares again the homophones of a name whose count falls a bucket', async () => {
      const n = nextNumber();
      const n1 = person(
        'POLICY_ADMIN',
        'N1',
        '司马光',
        contacts(
          ['MOBILE', mobile(n)],
          ['EMAIL', `c${n}@example.com`],
          ['ADDRESS', '江苏省南京市鼓楼区中山北路1号1幢101室'],
        ),
      );
      const m = person('WECHAT', 'M', 'SIMA GUANG', {
        gender: 'MALE',
        ...contacts(['MOBILE', mobile(n)]),
      });
      const p = person('CLAIMS', 'P', '司马广', {
        gender: 'FEMALE',
        ...contacts(
          ['MOBILE', mobile(n)],
          ['EMAIL', `c${n + 1}@example.com`],
          ['ADDRESS', '上海市浦东新区世纪大道2号2幢202室'],
        ),
      });
      // F bore the name until its source renamed it.
      const fBefore = person('DEALER', 'F', '司马光', { birthDate: '2001-08-08' });
      const f = { ...fBefore, name: '欧阳修' };
      const finalOnly = await outcome([[n1, m, p, f]]);
      expect(finalOnly.customers).toContain('M N1 P');
      expect(await outcome([[n1, fBefore], [f], [m], [p]])).toEqual(finalOnly);
      expect(await outcome([[n1, fBefore], [m], [p], [f]])).toEqual(finalOnly);
    });

    /**
     * 司马光 N1 and 司马广 Q, two people by their numbers; T, SIMA GUANG, with N1's mobile and
     * address and Q's birth date; F, a second 司马光, who weighs the name less: with F, T is
     * as like N1 as Q.
     */
    const simaGuang = (n: number) => {
      const address = '江苏省南京市鼓楼区中山北路66号3幢202室';
      return {
        n1: person('POLICY_ADMIN', 'N1', '司马光', {
          ...documented(n, '19700101'),
          ...contacts(['MOBILE', mobile(n)], ['ADDRESS', address]),
        }),
        q: person('CLAIMS', 'Q', '司马广', documented(n + 1, '19850312')),
        t: person('APP', 'T', 'SIMA GUANG', {
          birthDate: '1985-03-12',
          ...contacts(['MOBILE', mobile(n)], ['ADDRESS', address]),
        }),
        f: person('DEALER', 'F', '司马光', { birthDate: '2001-08-08' }),
      };
    };

    it('puts to a steward a record a name count rising a bucket leaves torn between two people', async () => {
      const { n1, q, t, f } = simaGuang(nextNumber());
      const once = await outcome([[n1, q, t, f]]);
      expect(once.customers).toEqual(['F', 'N1', 'Q', 'T']);
      expect(once.openTasks).toEqual(['N1 | T', 'Q | T']);
      expect(await outcome([[f], [n1], [q], [t]])).toEqual(once);
      expect(await outcome([[n1], [q], [t], [f]])).toEqual(once);
    });

    it('leaves a record with its person when a record like two people kept apart comes', async () => {
      const n = nextNumber();
      const born = '19581127';
      const h1 = person('POLICY_ADMIN', 'H1', '黄磊', {
        ...documented(n, born),
        ...contacts(['MOBILE', mobile(n)]),
      });
      const h2 = person('CLAIMS', 'H2', '黄磊', {
        ...documented(n + 1, born),
        ...contacts(['MOBILE', mobile(n + 1)]),
      });
      // H1's mobile and nothing of H2's: H1's.
      const h6 = person('AGENCY', 'H6', '黄磊', contacts(['MOBILE', mobile(n)]));
      // Born the day both were, nothing else: as like one as the other.
      const h3 = person('APP', 'H3', '黄磊', { birthDate: '1958-11-27', gender: 'MALE' });
      const expected = {
        customers: ['H1 H6', 'H2', 'H3'],
        openTasks: ['H1 H6 | H3', 'H2 | H3'],
      };
      expect(await outcome([[h1, h2, h6, h3]])).toEqual(expected);
      expect(await outcome([[h1, h2, h6], [h3]])).toEqual(expected);
      expect(await outcome([[h3], [h6], [h2], [h1]])).toEqual(expected);
    });

    it('compares again the homophones of a name whose stored bearers predate pinyin', async () => {
      const { n1, q, t, f } = simaGuang(nextNumber());
      const once = await outcome([[n1, q, t, f]]);
      // N1 as a record kept before matching holds it: a name key, no pinyin.
      const predatingPinyin = () =>
        hub.sql(`update source_record set name_pinyin = null where source_key = 'N1'`);
      expect(await outcome([[n1], [q], [t], predatingPinyin, [f]])).toEqual(once);
    });
  });
});

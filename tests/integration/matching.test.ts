import { Role } from '../../src/auth/roles';
import { addDays } from '../../src/time/clock';
import { checkCreditCode, checkResidentId } from '../../src/validation';
import {
  autoPolicyRecord,
  INGEST_CUSTOMERS,
  INGEST_POLICIES,
  INGEST_RISK_SCORES,
  insertBranches,
  nextNumber,
  nextNumbers,
  riskScoreRecord,
} from '../setup/factories';
import { startTestHub, type TestHub } from '../setup/test-app';

/**
 * Matching against real PostgreSQL: each test builds its own people, born on days of their
 * own (one per record number) so that no two tests share a name-and-birth-date block.
 */

const INGEST = INGEST_CUSTOMERS.replace(
  'errors { field rule message }',
  'errors { field rule message } warnings { field rule }',
);

/** A birth date no other test uses, as YYYY-MM-DD. */
const birthOf = (n: number) => addDays('1950-01-01', n * 7);

/** A valid 18-character resident ID born on `birth`, with a sequence of its own. */
function residentIdOf(n: number, birth: string, male = true): string {
  const seq = String((n % 450) * 2 + (male ? 1 : 2)).padStart(3, '0');
  const body = `110105${birth.replaceAll('-', '')}${seq}`;
  for (const c of '0123456789X') if (checkResidentId(body + c).ok) return body + c;
  throw new Error('no check character');
}

/** The 15-digit number the 18-character one was upgraded from (born in the 1900s). */
const legacyOf = (id: string) => id.slice(0, 6) + id.slice(8, 17);

/** A 17-character body with the check character that fits it, whatever else it breaks. */
const checkedRight = (body: string) =>
  [...'0123456789X']
    .map((c) => body + c)
    .find((number) => {
      const checked = checkResidentId(number);
      return checked.ok || checked.violations.every((v) => v.rule !== 'ID_CHECKSUM');
    })!;

/** A credit code of its own that passes its check, and the same with a wrong check character. */
function creditCodesOf(n: number): { valid: string; mistyped: string } {
  const body = `91320100MA${String(n).padStart(6, '0')}`;
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const valid = [...alphabet]
    .flatMap((c17) => [...alphabet].map((c18) => body + c17 + c18))
    .find((code) => {
      const checked = checkCreditCode(code);
      return checked.ok && checked.warnings.length === 0;
    })!;
  return { valid, mistyped: valid.slice(0, 17) + (valid[17] === 'A' ? 'B' : 'A') };
}

/** The same number with a wrong check character. */
const mistyped = (id: string) => id.slice(0, 17) + (id[17] === '1' ? '2' : '1');

const mobileOf = (n: number) => `137${String(n).padStart(8, '0')}`;

interface Person {
  sourceSystem?: string;
  sourceKey?: string;
  kind?: string;
  name: string;
  gender?: string;
  birthDate?: string;
  identityDocuments?: { type: string; number: string }[];
  contactPoints?: { kind: string; value: string }[];
  branchCode?: string;
}

const record = (p: Person) => ({
  sourceSystem: 'POLICY_ADMIN',
  kind: 'INDIVIDUAL',
  branchCode: '3201',
  ...p,
  sourceKey: p.sourceKey ?? `K-${nextNumber()}`,
});

describe('matching source records into golden records', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
  });
  afterAll(() => hub.close());

  const ingest = async (...people: Person[]) => {
    const res = await hub.gql(INGEST, { records: people.map(record) });
    expect(res.errors).toBeUndefined();
    return res.data!.ingestCustomers.records as {
      status: string;
      id: string;
      key: string;
      errors: { field: string; rule: string }[];
      warnings: { field: string; rule: string }[];
    }[];
  };

  const customerOf = async (system: string, key: string) =>
    (
      await hub.sql<{ customer_id: string }>(
        `select customer_id from source_record where source_system = $1 and source_key = $2`,
        [system, key],
      )
    )[0]?.customer_id;

  it('links one person across sources by document, legacy number and a mistyped check character', async () => {
    const n = nextNumber();
    const birth = birthOf(n);
    const id = residentIdOf(n, birth);
    const [pa] = await ingest({
      sourceKey: `PA-${n}`,
      name: '陈静怡',
      identityDocuments: [{ type: 'RESIDENT_ID', number: id }],
    });
    const [claims, agency] = await ingest(
      {
        sourceSystem: 'CLAIMS',
        sourceKey: `CL-${n}`,
        name: '陳靜怡',
        identityDocuments: [{ type: 'RESIDENT_ID', number: legacyOf(id) }],
      },
      {
        sourceSystem: 'AGENCY',
        sourceKey: `AG-${n}`,
        name: '陈静怡',
        birthDate: birth,
        identityDocuments: [{ type: 'RESIDENT_ID', number: mistyped(id) }],
      },
    );
    expect(claims).toMatchObject({ status: 'CREATED', id: pa.id });
    expect(agency).toMatchObject({ status: 'CREATED', id: pa.id });
    expect(agency.warnings).toEqual([
      { field: 'identityDocuments[0].number', rule: 'ID_CHECKSUM' },
    ]);

    const rules = await hub.sql<{ source_system: string; rule: string }>(
      `select source_system, link_evidence->>'rule' as rule from source_record
       where customer_id = $1 order by source_system`,
      [pa.id],
    );
    expect(rules).toEqual([
      { source_system: 'AGENCY', rule: 'ID_TYPO' },
      { source_system: 'CLAIMS', rule: 'SAME_DOCUMENT' },
      { source_system: 'POLICY_ADMIN', rule: 'SAME_DOCUMENT' },
    ]);
    // The mistyped number helps matching but is no document of the golden record.
    const documents = await hub.sql(`select type from identity_document where customer_id = $1`, [
      pa.id,
    ]);
    expect(documents).toEqual([{ type: 'RESIDENT_ID' }]);
  });

  describe('a resident ID mistyped on a record with a name only (its birth date and sex in the number)', () => {
    // A Hubei number, sequence 271: a swap of its first two characters makes 24, which no
    // province is, and is read as a typo all the same. The pairs swapped below differ.
    const numberOf = (n: number) => checkedRight(`420106${birthOf(n).replaceAll('-', '')}271`);
    const swapAt = (at: number) => (id: string) =>
      id.slice(0, at) + id[at + 1] + id[at] + id.slice(at + 2);
    // Outside the birth date (characters 7-14) and the sex (the 17th).
    const typos: [string, (id: string) => string][] = [
      ['a wrong check character', mistyped],
      ...[0, 3, 14].map((i): [string, (id: string) => string] => [
        `characters ${i + 1} and ${i + 2} swapped`,
        swapAt(i),
      ]),
    ];
    const orders = ['valid first', 'mistyped first', 'one batch'] as const;

    /** 张伟 of the true number, and an agency's record of `name` with `number`: outcomes. */
    const load = async (
      n: number,
      order: (typeof orders)[number],
      name: string,
      number: string,
    ) => {
      const valid: Person = {
        sourceKey: `PA-${n}`,
        name: '张伟',
        identityDocuments: [{ type: 'RESIDENT_ID', number: numberOf(n) }],
      };
      const agency: Person = {
        sourceSystem: 'AGENCY',
        sourceKey: `AG-${n}`,
        name,
        identityDocuments: [{ type: 'RESIDENT_ID', number }],
      };
      if (order === 'one batch') return ingest(valid, agency);
      if (order === 'valid first') return [...(await ingest(valid)), ...(await ingest(agency))];
      return [...(await ingest(agency)), ...(await ingest(valid))].reverse();
    };

    it.each(typos.flatMap(([what, typo]) => orders.map((order) => [what, order, typo] as const)))(
      'links %s under the same name, %s, as ID_TYPO',
      async (_, order, typo) => {
        const n = nextNumber();
        const wrong = typo(numberOf(n));
        expect(checkResidentId(wrong).ok).toBe(false);
        const outcomes = await load(n, order, '张伟', wrong);
        expect(outcomes.map((o) => o.status)).toEqual(['CREATED', 'CREATED']);
        expect(outcomes[1]!.warnings).toEqual([
          { field: 'identityDocuments[0].number', rule: 'ID_CHECKSUM' },
        ]);
        expect(await customerOf('AGENCY', `AG-${n}`)).toBe(
          await customerOf('POLICY_ADMIN', `PA-${n}`),
        );
        const links = await hub.sql<{ rule: string }>(
          `select link_evidence->>'rule' as rule from source_record
           where source_key = any($1) and link_evidence is not null`,
          [[`PA-${n}`, `AG-${n}`]],
        );
        expect(links.map((l) => l.rule)).toContain('ID_TYPO');
      },
    );

    it.each(
      [
        ['under another name', '李秀英', 3],
        ['in the birth date', '张伟', 6],
        ['onto the sex digit', '张伟', 15],
      ].flatMap(([what, name, at]) => orders.map((order) => [what, order, name, at] as const)),
    )('puts two characters swapped %s to a steward, %s', async (_, order, name, at) => {
      const n = nextNumber();
      await load(n, order, name as string, swapAt(at as number)(numberOf(n)));
      const [pa, ag] = await Promise.all([
        customerOf('POLICY_ADMIN', `PA-${n}`),
        customerOf('AGENCY', `AG-${n}`),
      ]);
      expect(pa).not.toBe(ag);
      const tasks = await hub.sql<{ status: string; detail: string }>(
        `select m.status, e->>'detail' as detail from match_review m
             join source_record a on a.id = m.record_a_id join source_record b on b.id = m.record_b_id
             cross join jsonb_array_elements(m.evidence) e
           where a.customer_id = any($1) and b.customer_id = any($1) and e->>'field' = 'identityDocument'`,
        [[pa, ag]],
      );
      expect(tasks).toEqual([{ status: 'OPEN', detail: 'adjacent characters swapped' }]);
    });
  });

  it('links a resident ID whose province digits were swapped into none, as a typo, and refuses a number of no province', async () => {
    const n = nextNumber();
    const birth = birthOf(n);
    const body = `420106${birth.replaceAll('-', '')}${String((n % 450) * 2 + 1).padStart(3, '0')}`;
    const id = checkedRight(body);
    expect(checkResidentId(id).ok).toBe(true);
    const [pa] = await ingest({
      sourceKey: `PA-${n}`,
      name: '陈静怡',
      identityDocuments: [{ type: 'RESIDENT_ID', number: id }],
    });
    const [agency, nowhere] = await ingest(
      // Hubei's 42 keyed 24, which no province is.
      {
        sourceSystem: 'AGENCY',
        sourceKey: `AG-${n}`,
        name: '陈静怡',
        birthDate: birth,
        identityDocuments: [{ type: 'RESIDENT_ID', number: `24${id.slice(2)}` }],
      },
      // 24 behind a right check character: no typo of anyone's number, refused.
      {
        sourceSystem: 'APP',
        sourceKey: `APP-${n}`,
        name: '陈静怡',
        birthDate: birth,
        identityDocuments: [{ type: 'RESIDENT_ID', number: checkedRight(`24${body.slice(2)}`) }],
      },
    );
    expect(agency).toMatchObject({ status: 'CREATED', id: pa.id });
    expect(agency.warnings).toEqual([
      { field: 'identityDocuments[0].number', rule: 'ID_CHECKSUM' },
    ]);
    const [link] = await hub.sql<{ rule: string }>(
      `select link_evidence->>'rule' as rule from source_record
       where source_system = 'AGENCY' and source_key = $1`,
      [`AG-${n}`],
    );
    expect(link).toEqual({ rule: 'ID_TYPO' });
    expect(nowhere!.status).toBe('REJECTED');
    expect(nowhere!.errors.map(({ field, rule }) => ({ field, rule }))).toEqual([
      { field: 'identityDocuments[0].number', rule: 'ID_REGION' },
    ]);
  });

  it('links a resident ID two of whose birth-date digits were swapped, as a typo, not a refusal', async () => {
    const n = nextNumber();
    const birth = birthOf(n);
    const id = residentIdOf(n, birth);
    const swapAt = (i: number) => id.slice(0, i) + id[i + 1] + id[i] + id.slice(i + 2);
    // A swap in the date that makes a day no one was born on (03-26 read 03-62).
    const at = [12, 10, 8, 6, 11, 9, 7].find((i) => {
      const checked = checkResidentId(swapAt(i));
      return !checked.ok && checked.violations.some((v) => v.rule === 'ID_BIRTH_DATE');
    })!;
    expect(at).toBeDefined();
    const [pa] = await ingest({
      sourceKey: `PA-${n}`,
      name: '陈静怡',
      identityDocuments: [{ type: 'RESIDENT_ID', number: id }],
    });
    const [agency, unrepaired] = await ingest(
      {
        sourceSystem: 'AGENCY',
        sourceKey: `AG-${n}`,
        name: '陈静怡',
        birthDate: birth,
        identityDocuments: [{ type: 'RESIDENT_ID', number: swapAt(at) }],
      },
      // A day no one was born on behind a right check character: no typo, refused.
      {
        sourceSystem: 'APP',
        sourceKey: `APP-${n}`,
        name: '陈静怡',
        birthDate: birth,
        identityDocuments: [
          { type: 'RESIDENT_ID', number: checkedRight(`${id.slice(0, 10)}13${id.slice(12, 17)}`) },
        ],
      },
    );
    expect(agency).toMatchObject({ status: 'CREATED', id: pa.id });
    expect(agency.warnings).toEqual([
      { field: 'identityDocuments[0].number', rule: 'ID_CHECKSUM' },
    ]);
    expect(await customerOf('AGENCY', `AG-${n}`)).toBe(pa.id);
    const [link] = await hub.sql<{ rule: string }>(
      `select link_evidence->>'rule' as rule from source_record
       where source_system = 'AGENCY' and source_key = $1`,
      [`AG-${n}`],
    );
    expect(link).toEqual({ rule: 'ID_TYPO' });
    expect(unrepaired!.status).toBe('REJECTED');
    expect(unrepaired!.errors.map(({ field, rule }) => ({ field, rule }))).toEqual([
      { field: 'identityDocuments[0].number', rule: 'ID_BIRTH_DATE' },
    ]);
  });
  it('links traditional, simplified and pinyin spellings when birth date and mobile agree', async () => {
    const n = nextNumber();
    const birth = birthOf(n);
    const mobile = mobileOf(n);
    const [pa, app, wechat] = await ingest(
      {
        sourceKey: `PA-${n}`,
        name: '欧阳娜娜',
        gender: 'FEMALE',
        birthDate: birth,
        contactPoints: [{ kind: 'MOBILE', value: mobile }],
      },
      {
        sourceSystem: 'APP',
        sourceKey: `APP-${n}`,
        name: 'Ouyang Nana',
        birthDate: birth,
        contactPoints: [{ kind: 'MOBILE', value: mobile }],
      },
      {
        sourceSystem: 'WECHAT',
        sourceKey: `WX-${n}`,
        name: '歐陽娜娜',
        birthDate: birth,
        contactPoints: [{ kind: 'MOBILE', value: mobile }],
      },
    );
    expect(app.id).toBe(pa.id);
    expect(wechat.id).toBe(pa.id);
    const evidence = await hub.sql<{ rule: string; fields: string[] }>(
      `select link_evidence->>'rule' as rule,
         array(select e->>'field' from jsonb_array_elements(link_evidence->'evidence') e
               where (e->>'weight')::float8 > 0 order by 1) as fields
       from source_record where source_system = 'APP' and source_key = $1`,
      [`APP-${n}`],
    );
    expect(evidence).toEqual([{ rule: 'PROBABILISTIC', fields: ['birthDate', 'mobile', 'name'] }]);
  });

  it('links a name a source pasted an invisible character into, and keeps the name without it', async () => {
    const n = nextNumber();
    const birth = birthOf(n);
    const [pa, claims] = await ingest(
      { sourceKey: `PA-${n}`, name: '欧阳娜娜', gender: 'FEMALE', birthDate: birth },
      {
        sourceSystem: 'CLAIMS',
        sourceKey: `CL-${n}`,
        name: '欧阳\u200b娜\u2060娜',
        gender: 'FEMALE',
        birthDate: birth,
      },
    );
    expect(claims.id).toBe(pa.id);
    const names = await hub.sql<{ name: string }>(
      `select name from source_record where source_key = $1`,
      [`CL-${n}`],
    );
    expect(names).toEqual([{ name: '欧阳娜娜' }]);

    // What shapes a name stays: a variation selector picking a surname's glyph, a joiner.
    const kept = ['葛\u{E0100}小明', 'Mohammad\u200cReza'];
    const shaped = await ingest(
      ...kept.map((name) => ({ sourceKey: `VS-${n}-${name.length}`, name, birthDate: birth })),
    );
    const stored = await hub.sql<{ name: string }>(
      `select name from source_record where source_key = any($1) order by source_key`,
      [kept.map((name) => `VS-${n}-${name.length}`)],
    );
    expect(stored.map((r) => r.name).sort()).toEqual([...kept].sort());
    expect(shaped).toHaveLength(2);
  });

  it('keeps apart people who share a common name and birth date, and a family sharing a mobile', async () => {
    const n = nextNumbers(4);
    const birth = birthOf(n);
    const [a, b, bare] = await ingest(
      {
        name: '王伟',
        birthDate: birth,
        identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n, birth) }],
      },
      {
        name: '王伟',
        birthDate: birth,
        identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n + 1, birth) }],
      },
      { sourceSystem: 'CALL_CENTRE', name: '王伟', birthDate: birth },
    );
    expect(new Set([a.id, b.id, bare.id]).size).toBe(3);

    const shared = mobileOf(n);
    const address = '北京市朝阳区建国路88号3单元502';
    const family = await ingest(
      {
        name: '张建国',
        gender: 'MALE',
        birthDate: birthOf(n + 1),
        contactPoints: [
          { kind: 'MOBILE', value: shared },
          { kind: 'ADDRESS', value: address },
        ],
      },
      {
        name: '张晓明',
        gender: 'MALE',
        birthDate: birthOf(n + 2),
        contactPoints: [
          { kind: 'MOBILE', value: shared },
          { kind: 'ADDRESS', value: address },
        ],
      },
      {
        name: '李秀英',
        gender: 'FEMALE',
        birthDate: birthOf(n + 3),
        contactPoints: [
          { kind: 'MOBILE', value: shared },
          { kind: 'ADDRESS', value: address },
        ],
      },
    );
    expect(new Set(family.map((r) => r.id)).size).toBe(3);
    const flagged = await hub.sql(
      `select generic from contact_point where customer_id = any($1) and kind = 'MOBILE'`,
      [family.map((r) => r.id)],
    );
    // Three names are a household, not a dealer: the number is still their own.
    expect(flagged).toEqual([{ generic: false }, { generic: false }, { generic: false }]);
  });

  it('compares the holders of a key hundreds share with their neighbours only: one document still makes one customer, a shared name and birth date proposes nothing', async () => {
    const n = nextNumbers(2);
    const [birth, other] = [birthOf(n), birthOf(n + 1)];
    const number = residentIdOf(n, birth);
    const holder = { name: '欧阳明远', gender: 'MALE', birthDate: birth };
    const document = [{ type: 'RESIDENT_ID', number }];
    const holders = await ingest(
      ...Array.from({ length: 300 }, () => ({ ...holder, identityDocuments: document })),
    );
    expect(new Set(holders.map((r) => r.id))).toEqual(new Set([holders[0]!.id]));
    // Three hundred namesakes of one day and nothing else: before, 44,850 review tasks.
    const namesakes = await ingest(
      ...Array.from({ length: 300 }, () => ({ name: '司马静怡', birthDate: other })),
    );
    expect(new Set(namesakes.map((r) => r.id)).size).toBe(300);
    const [late, lateNamesake] = await ingest(
      { ...holder, sourceSystem: 'CALL_CENTRE', identityDocuments: document },
      { name: '司马静怡', birthDate: other },
    );
    expect(late!.id).toBe(holders[0]!.id);
    expect(namesakes.map((r) => r.id)).not.toContain(lateNamesake!.id);
    const [{ tasks }] = await hub.sql<{ tasks: number }>(
      `select count(*)::int as tasks from match_review m
         join source_record a on a.id = m.record_a_id join source_record b on b.id = m.record_b_id
       where m.status = 'OPEN' and (a.customer_id = any($1) or b.customer_id = any($1))`,
      [[...namesakes, lateNamesake, late].map((r) => r!.id)],
    );
    expect(tasks).toBe(0);
  });

  it("counts one person's spellings as one holder of a family's mobile, and links them", async () => {
    const n = nextNumbers(3);
    const mobile = mobileOf(n);
    const birth = birthOf(n);
    const her = (sourceSystem: string, name: string) => ({
      sourceSystem,
      name,
      gender: 'FEMALE',
      birthDate: birth,
      contactPoints: [{ kind: 'MOBILE', value: mobile }],
    });
    const records = await ingest(
      {
        ...her('POLICY_ADMIN', '陈静'),
        identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n, birth, false) }],
      },
      her('APP', '陳靜'),
      her('AGENCY', 'CHEN JING'),
      her('WECHAT', 'Jing Chen'),
      her('DEALER', 'Chén Jìng'),
      her('CALL_CENTRE', 'ChenJing'),
      {
        sourceSystem: 'CLAIMS',
        name: '王强',
        gender: 'MALE',
        birthDate: birthOf(n + 1),
        contactPoints: [{ kind: 'MOBILE', value: mobile }],
      },
      {
        sourceSystem: 'APP',
        name: '王小明',
        gender: 'MALE',
        birthDate: birthOf(n + 2),
        contactPoints: [{ kind: 'MOBILE', value: mobile }],
      },
    );
    const ids = records.map((r) => r.id);
    expect(new Set(ids.slice(0, 6))).toEqual(new Set([ids[0]]));
    expect(new Set(ids).size).toBe(3);
    // Three people, not eight names: the number is still the family's own.
    const flagged = await hub.sql<{ generic: boolean }>(
      `select distinct generic from contact_point where customer_id = any($1) and kind = 'MOBILE'`,
      [ids],
    );
    expect(flagged).toEqual([{ generic: false }]);
  });

  it('never links twins sharing a birth date, a mobile and an address: it asks a steward', async () => {
    const n = nextNumber();
    const twin = (name: string) => ({
      sourceSystem: 'APP',
      name,
      gender: 'MALE',
      birthDate: birthOf(n),
      contactPoints: [
        { kind: 'MOBILE', value: mobileOf(n) },
        { kind: 'ADDRESS', value: `江苏省南京市秦淮区龙蟠中路${n}号` },
      ],
    });
    // Together the shared fields outweigh the different given names, so only the rule that
    // different names are never linked automatically keeps them apart; in either order.
    const [first] = await ingest(twin('陈浩然'));
    const [second] = await ingest(twin('陈浩宇'));
    expect(second.id).not.toBe(first.id);
    const reviews = await hub.sql<{ score: number; status: string }>(
      `select score, status from match_review m
       join source_record a on a.id = m.record_a_id join source_record b on b.id = m.record_b_id
       where a.customer_id = any($1) and b.customer_id = any($1)`,
      [[first.id, second.id]],
    );
    expect(reviews).toEqual([{ score: expect.any(Number), status: 'OPEN' }]);
    expect(reviews[0].score).toBeGreaterThan(28);
  });

  it('keeps the ids with the records that stayed when a record moves to another person and back', async () => {
    const n = nextNumbers(2);
    const [pBirth, qBirth] = [birthOf(n), birthOf(n + 1)];
    const p = {
      name: `禚${String.fromCodePoint(0x4e00 + (n % 2000))}晞`,
      gender: 'MALE',
      birthDate: pBirth,
      contactPoints: [{ kind: 'MOBILE', value: mobileOf(n) }],
    };
    const q = {
      name: `郦${String.fromCodePoint(0x4e00 + (n % 2000))}瑀`,
      gender: 'FEMALE',
      birthDate: qBirth,
      contactPoints: [{ kind: 'MOBILE', value: mobileOf(n + 1) }],
    };
    // X, from the app, has no ID: it is P's record, then Q's, then P's again.
    const x = (person: Person) => ({ ...person, sourceSystem: 'APP', sourceKey: `X-${n}` });
    await ingest(x(p));
    const [pa, qa] = await ingest(
      {
        ...p,
        sourceKey: `P-${n}`,
        identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n, pBirth) }],
      },
      {
        ...q,
        sourceKey: `Q-${n}`,
        identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n + 1, qBirth, false) }],
      },
    );
    const [toQ] = await ingest(x(q));
    expect(toQ.id).toBe(qa.id);
    expect(await customerOf('POLICY_ADMIN', `P-${n}`)).toBe(pa.id);
    const [toP] = await ingest(x(p));
    expect(toP.id).toBe(pa.id);
    expect(await customerOf('POLICY_ADMIN', `Q-${n}`)).toBe(qa.id);
    // Nobody was merged into anybody, and each move is in the audit log, by the sender.
    const merges = await hub.sql(
      `select 1 from customer_merge where survivor_id = any($1) or absorbed_id = any($1)`,
      [[pa.id, qa.id]],
    );
    expect(merges).toEqual([]);
    const [{ id: xRecord }] = await hub.sql<{ id: string }>(
      `select id from source_record where source_system = 'APP' and source_key = $1`,
      [`X-${n}`],
    );
    const regroups = await hub.sql(
      `select target_id, actor_role, purpose, details->'moved' as moved from audit_event
       where action = 'CUSTOMER_REGROUP' and target_id = any($1) order by id`,
      [[pa.id, qa.id]],
    );
    expect(regroups).toEqual([
      {
        target_id: pa.id,
        actor_role: 'admin',
        purpose: 'matching',
        moved: [{ record: xRecord, to: qa.id }],
      },
      {
        target_id: qa.id,
        actor_role: 'admin',
        purpose: 'matching',
        moved: [{ record: xRecord, to: pa.id }],
      },
    ]);
  });

  it('merges the customer whose only record a source re-sends as another person into that person, and lets it follow the record back', async () => {
    const n = nextNumbers(2);
    const [pBirth, qBirth] = [birthOf(n), birthOf(n + 1)];
    const unique = String.fromCodePoint(0x4e00 + (n % 2000));
    const p = {
      name: `夏侯${unique}瑶`,
      gender: 'FEMALE',
      birthDate: pBirth,
      identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n, pBirth, false) }],
    };
    const q = {
      name: `夏侯${unique}璋`,
      gender: 'MALE',
      birthDate: qBirth,
      identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n + 1, qBirth) }],
    };
    // P, the older customer, holds one record (the agency's); Q one of its own.
    const agency = (person: Person) => ({ ...person, sourceSystem: 'AGENCY', sourceKey: `H-${n}` });
    const [pa] = await ingest(agency(p));
    const [qa] = await ingest({ ...q, sourceKey: `Q-${n}` });
    const lookup = async (id: string) =>
      (
        await hub.gql(`query ($id: ID!) { customer(by: { id: $id }) { id name resolvedFrom } }`, {
          id,
        })
      ).data!.customer;
    // The agency's record turns out to be Q's: it joins Q, who keeps its id and name; P, left
    // with nothing, resolves to Q.
    const [toQ] = await ingest(agency(q));
    expect(toQ).toMatchObject({ status: 'UPDATED', id: qa.id });
    expect(await lookup(qa.id)).toEqual({ id: qa.id, name: q.name, resolvedFrom: null });
    expect(await lookup(pa.id)).toEqual({ id: qa.id, name: q.name, resolvedFrom: pa.id });
    // Corrected back: the record leaves Q, and P follows it.
    const [back] = await ingest(agency(p));
    expect(back.id).not.toBe(qa.id);
    expect(await lookup(qa.id)).toEqual({ id: qa.id, name: q.name, resolvedFrom: null });
    expect(await lookup(pa.id)).toMatchObject({ id: back.id, name: p.name });
    expect(await customerOf('POLICY_ADMIN', `Q-${n}`)).toBe(qa.id);
  });

  it('keeps a customer with its first record when it came on a whole second and the next later in that second', async () => {
    const n = nextNumber();
    // No birth date: the name alone links no two of them.
    const person = (sourceSystem: string, contactPoints: Person['contactPoints']) => ({
      sourceSystem,
      sourceKey: `FS-${n}`,
      name: '梁思远',
      gender: 'MALE',
      contactPoints,
    });
    const phone = { kind: 'MOBILE', value: `139${String(n).padStart(8, '0')}` };
    const mail = { kind: 'EMAIL', value: `fs${n}@example.cn` };
    // The policy system's record first, the app's in the same second, the WeChat record
    // joining the two by a mobile and an e-mail.
    const [first] = await ingest(person('POLICY_ADMIN', [phone]));
    await ingest(person('APP', [mail]), person('WECHAT', [phone, mail]));
    const [{ at }] = await hub.sql<{ at: string }>(
      `select date_trunc('second', created_at)::text as at from source_record
       where source_key = $1 and source_system = 'POLICY_ADMIN'`,
      [`FS-${n}`],
    );
    await hub.sql(
      `update source_record set created_at = $2::timestamptz
         + case source_system when 'POLICY_ADMIN' then interval '0' else interval '0.114 s' end
       where source_key = $1 and source_system in ('POLICY_ADMIN', 'APP')`,
      [`FS-${n}`, at],
    );
    expect(await customerOf('APP', `FS-${n}`)).toBe(first!.id);
    // The WeChat record drops both: the two first records part, and the customer stays
    // with the earlier.
    await ingest(person('WECHAT', []));
    expect(await customerOf('POLICY_ADMIN', `FS-${n}`)).toBe(first!.id);
    expect(await customerOf('APP', `FS-${n}`)).not.toBe(first!.id);
  });

  it('audits, per customer a record left, where it went and how many rows followed it', async () => {
    // Two people each: X, an app record without an ID, is P's and then, resent, Q's.
    const pair = async (roles: string[]) => {
      const n = nextNumbers(2);
      const unique = String.fromCodePoint(0x4e00 + (n % 2000));
      const person = (k: number, name: string, gender: string) => ({
        name,
        gender,
        birthDate: birthOf(k),
        contactPoints: [{ kind: 'MOBILE', value: mobileOf(k) }],
      });
      const p = person(n, `禚${unique}晞`, 'MALE');
      const q = person(n + 1, `郦${unique}瑀`, 'FEMALE');
      const x = (who: Person) => ({ ...who, sourceSystem: 'APP', sourceKey: `X-${n}` });
      await ingest(x(p));
      const [pa, qa] = await ingest(
        {
          ...p,
          sourceKey: `P-${n}`,
          identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n, birthOf(n)) }],
        },
        {
          ...q,
          sourceKey: `Q-${n}`,
          identityDocuments: [
            { type: 'RESIDENT_ID', number: residentIdOf(n + 1, birthOf(n + 1), false) },
          ],
        },
      );
      const policy = autoPolicyRecord(n, '', {
        parties: roles.map((role) => ({
          role,
          customer: { sourceSystem: 'APP', sourceKey: `X-${n}` },
        })),
      });
      expect((await hub.gql(INGEST_POLICIES, { records: [policy] })).data).toMatchObject({
        ingestPolicies: { rejected: 0 },
      });
      return { p: pa!.id, q: qa!.id, moved: x(q) };
    };
    const one = await pair(['POLICYHOLDER']);
    const two = await pair(['POLICYHOLDER', 'INSURED']);
    const [first, second] = await ingest(one.moved, two.moved);
    expect([first!.id, second!.id]).toEqual([one.q, two.q]);
    const followed = await hub.sql(
      `select target_id, details->'followed' as followed from audit_event
       where action = 'CUSTOMER_REGROUP' and target_id = any($1) order by id`,
      [[one.p, two.p]],
    );
    expect(followed).toEqual(
      expect.arrayContaining([
        { target_id: one.p, followed: { policy_party: 1 } },
        { target_id: two.p, followed: { policy_party: 2 } },
      ]),
    );
    expect(followed).toHaveLength(2);
  });

  it("takes a record's policies and scores along when matching moves it, and answers its resend with where it ends", async () => {
    const n = nextNumbers(2);
    const birth = birthOf(n);
    const person = {
      name: `籍${String.fromCodePoint(0x4e00 + (n % 2000))}澜`,
      gender: 'MALE',
      birthDate: birth,
      contactPoints: [{ kind: 'MOBILE', value: mobileOf(n) }],
    };
    const a = {
      ...person,
      sourceKey: `A-${n}`,
      identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n, birth) }],
    };
    // An app record without an ID, then A with one: one customer.
    const [c] = await ingest({ ...person, sourceSystem: 'APP', sourceKey: `C-${n}` });
    const [joined] = await ingest(a);
    expect(joined.id).toBe(c.id);
    const policy = autoPolicyRecord(n, '', {
      parties: ['POLICYHOLDER', 'INSURED'].map((role) => ({
        role,
        customer: { sourceSystem: 'POLICY_ADMIN', sourceKey: `A-${n}` },
      })),
    });
    const score = riskScoreRecord(
      n,
      { customer: { sourceSystem: 'POLICY_ADMIN', sourceKey: `A-${n}` } },
      { sourceKey: `RS-A-${n}` },
    );
    expect((await hub.gql(INGEST_POLICIES, { records: [policy] })).data).toMatchObject({
      ingestPolicies: { rejected: 0 },
    });
    expect((await hub.gql(INGEST_RISK_SCORES, { records: [score] })).data).toMatchObject({
      ingestRiskScores: { rejected: 0 },
    });

    // B: the same name, birth date and mobile under another valid resident ID. A and B are
    // two people, and the app record can be only one of them: A leaves or B does.
    const [resent, b] = await ingest(a, {
      ...person,
      sourceSystem: 'CLAIMS',
      sourceKey: `B-${n}`,
      identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n + 1, birth) }],
    });
    const ofA = await customerOf('POLICY_ADMIN', `A-${n}`);
    expect(ofA).not.toBe(await customerOf('CLAIMS', `B-${n}`));
    expect(b).toMatchObject({ errors: [] });
    expect(b.id).toBe(await customerOf('CLAIMS', `B-${n}`));
    expect(resent).toMatchObject({ status: 'UNCHANGED', id: ofA });
    const holders = await hub.sql(
      `select pp.role, pp.customer_id from policy_party pp join policy p on p.id = pp.policy_id
       where p.policy_no = $1
       union all select 'SCORE', customer_id from risk_score where source_key = $2
       order by 1`,
      [policy.policyNo, score.sourceKey],
    );
    expect(holders).toEqual([
      { role: 'INSURED', customer_id: ofA },
      { role: 'POLICYHOLDER', customer_id: ofA },
      { role: 'SCORE', customer_id: ofA },
    ]);
  });

  it('keeps a contact point once when a split customer is merged again', async () => {
    const n = nextNumbers(5);
    const mobile = mobileOf(n);
    const unique = String.fromCodePoint(0x4e00 + (n % 2000));
    const own = (sourceSystem: string) => ({
      sourceSystem,
      name: `卞${unique}琛`,
      gender: 'MALE',
      contactPoints: [{ kind: 'MOBILE', value: mobile }],
    });
    const dealer = (i: number, value = mobile) => ({
      sourceSystem: 'DEALER',
      sourceKey: `D-${n}-${i}`,
      name: `${'赵钱孙李'[i]}${unique}${i}`,
      birthDate: birthOf(n + i + 1),
      contactPoints: [{ kind: 'MOBILE', value }],
    });
    const [a, b] = await ingest(own('APP'), own('WECHAT'), dealer(0), dealer(1), dealer(2));
    expect(b.id).toBe(a.id);
    // A fifth name makes the number a dealer's: the two records part...
    await ingest(dealer(3));
    expect(await customerOf('WECHAT', b.key.split(':')[1]!)).not.toBe(a.id);
    // ...and join again when it is the fourth name's only once more.
    await ingest(dealer(3, mobileOf(n + 4)));
    expect(await customerOf('WECHAT', b.key.split(':')[1]!)).toBe(a.id);
    const contacts = await hub.sql(`select kind from contact_point where customer_id = $1`, [a.id]);
    expect(contacts).toEqual([{ kind: 'MOBILE' }]);
  });

  it("flags a dealer's mobile on many customers as generic and never links on it", async () => {
    const n = nextNumbers(6);
    const dealer = mobileOf(n);
    const names = ['赵磊', '钱芳', '孙涛', '周敏', '吴强', '郑丽'];
    const sold = await ingest(
      ...names.map((name, i) => ({
        sourceSystem: 'DEALER',
        name,
        birthDate: birthOf(n + i),
        contactPoints: [{ kind: 'MOBILE', value: dealer }],
      })),
    );
    expect(new Set(sold.map((r) => r.id)).size).toBe(names.length);
    const flags = await hub.sql<{ generic: boolean }>(
      `select generic from contact_point where customer_id = any($1)`,
      [sold.map((r) => r.id)],
    );
    expect(flags).toHaveLength(names.length);
    expect(flags.every((f) => f.generic)).toBe(true);

    // The same name and birth date as a customer of the dealer, on the dealer's phone only:
    // no identity evidence at all, so no automatic link.
    const [again] = await ingest({
      sourceSystem: 'DEALER',
      name: names[0],
      contactPoints: [{ kind: 'MOBILE', value: dealer }],
    });
    expect(sold.map((r) => r.id)).not.toContain(again.id);

    // Nor does the front line find one of them by it: the number says nothing of who calls.
    const lookup = await hub.gql(
      `query ($mobile: String!) { customer(by: { mobile: $mobile }) { id } }`,
      { mobile: dealer },
      Role.FRONTLINE,
    );
    expect(lookup.errors).toBeUndefined();
    expect(lookup.data!.customer).toBeNull();
  });

  it('keeps the home address of a household of six names as an address of theirs, and as evidence', async () => {
    const n = nextNumbers(6);
    const address = `江苏省南京市鼓楼区湖南路街道${n}号3幢201室`;
    const family = ['陈建国', '王秀英', '陈明', '刘芳', '陈子涵', '陈子轩'].map((name, i) => ({
      sourceKey: `H-${n + i}`,
      name,
      birthDate: birthOf(n + i),
      identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n + i, birthOf(n + i)) }],
      contactPoints: [{ kind: 'ADDRESS', value: address }],
    }));
    const members = await ingest(...family);
    expect(new Set(members.map((m) => m.id)).size).toBe(6);
    const flags = await hub.sql<{ generic: boolean }>(
      `select generic from contact_point where customer_id = any($1) and kind = 'ADDRESS'`,
      [members.map((m) => m.id)],
    );
    expect(flags).toEqual(Array(6).fill({ generic: false }));

    // The call centre's record of one of them, a name and the address: a steward is asked,
    // the address agreeing as an address does.
    const [caller] = await ingest({
      sourceSystem: 'CALL_CENTRE',
      sourceKey: `CC-${n}`,
      name: '陈明',
      contactPoints: [{ kind: 'ADDRESS', value: address }],
    });
    const [task] = await hub.sql<{ evidence: { field: string; outcome: string }[] }>(
      `select m.evidence from match_review m
         join source_record a on a.id = m.record_a_id join source_record b on b.id = m.record_b_id
       where m.status = 'OPEN' and $1 in (a.customer_id, b.customer_id)`,
      [caller.id],
    );
    expect(task?.evidence).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'address', outcome: 'AGREE' })]),
    );
  });

  it('re-evaluates the carriers of a mobile when it turns generic or stops being, batch by batch', async () => {
    const n = nextNumbers(5);
    const mobile = mobileOf(n);
    const birth = birthOf(n);
    // Two namesakes whose one shared piece of identity evidence is the mobile.
    const pair = { name: '王伟', gender: 'MALE', birthDate: birth };
    const withMobile = { contactPoints: [{ kind: 'MOBILE', value: mobile }] };
    const [own, viaDealer] = await ingest(
      { ...pair, ...withMobile, sourceKey: `PA-${n}` },
      { ...pair, ...withMobile, sourceSystem: 'DEALER', sourceKey: `DL-${n}` },
    );
    expect(viaDealer.id).toBe(own.id);

    const state = async () => ({
      apart:
        (await customerOf('POLICY_ADMIN', `PA-${n}`)) !== (await customerOf('DEALER', `DL-${n}`)),
      flags: (
        await hub.sql<{ generic: boolean }>(
          `select distinct p.generic from contact_point p
           join source_record sr on sr.customer_id = p.customer_id
           where sr.source_key in ($1, $2) or sr.source_key like $3`,
          [`PA-${n}`, `DL-${n}`, `DS-${n}-%`],
        )
      ).map((r) => r.generic),
    });

    const reviewsOfPair = () =>
      hub.sql<{ status: string }>(
        `select m.status from match_review m join source_record a on a.id = m.record_a_id
         join source_record b on b.id = m.record_b_id
         where a.source_key in ($1, $2) and b.source_key in ($1, $2)`,
        [`PA-${n}`, `DL-${n}`],
      );

    // The dealer sells to four more people, one batch each: the fifth name makes it generic.
    const sold = ['赵甲娜', '钱乙娜', '孙丙娜', '李丁娜'];
    for (const [i, name] of sold.entries()) {
      await ingest({
        sourceSystem: 'DEALER',
        sourceKey: `DS-${n}-${i}`,
        name,
        gender: 'FEMALE',
        birthDate: birthOf(n + 1 + i),
        ...withMobile,
      });
    }
    // As if the dealer's sales had come first: the namesakes are apart, a steward is asked,
    // and every carrier's contact point, sent before or after, says the number is shared.
    expect(await state()).toEqual({ apart: true, flags: [true] });
    expect(await reviewsOfPair()).toEqual([{ status: 'OPEN' }]);

    // One sale corrected to another number: four names, no longer generic.
    await ingest({
      sourceSystem: 'DEALER',
      sourceKey: `DS-${n}-0`,
      name: sold[0],
      gender: 'FEMALE',
      birthDate: birthOf(n + 1),
      contactPoints: [{ kind: 'MOBILE', value: mobileOf(n + 1) }],
    });
    expect(await state()).toEqual({ apart: false, flags: [false] });
    expect(await reviewsOfPair()).toEqual([{ status: 'SUPERSEDED' }]);
  });

  it('keeps a mobile generic when one batch drops a name from it while another adds one, sent at once', async () => {
    for (const first of ['drop', 'add']) {
      const n = nextNumbers(8);
      const withMobile = { contactPoints: [{ kind: 'MOBILE', value: mobileOf(n) }] };
      // Five names on one mobile, two records of one of them: one with its ID, the app's with
      // the name alone. Only the mobile, generic, could link the app's.
      const people: Person[] = [
        {
          sourceKey: `PA-${n}`,
          name: '闻人建国',
          gender: 'MALE',
          birthDate: birthOf(n),
          identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n, birthOf(n)) }],
          ...withMobile,
        },
        { sourceSystem: 'APP', sourceKey: `APP-${n}`, name: '闻人建国', ...withMobile },
        ...['赵甲娜', '钱乙娜', '孙丙娜', '李丁娜'].map((name, i) => ({
          sourceSystem: 'DEALER',
          sourceKey: `DS-${n}-${i}`,
          name,
          birthDate: birthOf(n + 1 + i),
          ...withMobile,
        })),
      ];
      await ingest(...people);
      // Four names once one sale (the last) is corrected to another number, five again with
      // a new sale.
      const drop = () =>
        ingest({ ...people[5]!, contactPoints: [{ kind: 'MOBILE', value: mobileOf(n + 6) }] });
      const add = () =>
        ingest({
          sourceSystem: 'DEALER',
          sourceKey: `DS-${n}-9`,
          name: '周戊娜',
          birthDate: birthOf(n + 7),
          ...withMobile,
        });
      await Promise.all(first === 'drop' ? [drop(), add()] : [add(), drop()]);
      const flags = await hub.sql<{ generic: boolean }>(
        `select distinct p.generic from contact_point p
         join source_record sr on sr.customer_id = p.customer_id and p.kind = 'MOBILE'
         where sr.source_key = any($1)`,
        [[`PA-${n}`, `APP-${n}`, ...[0, 1, 2, 9].map((i) => `DS-${n}-${i}`)]],
      );
      expect({
        first,
        apart:
          (await customerOf('POLICY_ADMIN', `PA-${n}`)) !== (await customerOf('APP', `APP-${n}`)),
        flags,
      }).toEqual({ first, apart: true, flags: [{ generic: true }] });
    }
  });

  it('asks a steward about a record that links as well to two people kept apart, in any order', async () => {
    // P and Q: one rare name and birth date, two resident IDs. R has the name and birth date
    // and no ID: it could be either's. S carries P's mobile too: it is P's.
    // A name of its own per run: the runs' people are strangers to one another.
    const names = [
      '皇甫嵩岳',
      '澹台明月',
      '公冶长风',
      '宇文成都',
      '慕容复兴',
      '司马懿德',
      '东方既白',
      '西门吹雪',
      '欧阳锋芒',
    ];
    const load = async (n: number, order: string[]) => {
      const birth = birthOf(n);
      const name = names.shift()!;
      const person = (key: string, more: Partial<Person>): Person => ({
        sourceKey: `${key}-${n}`,
        name,
        gender: 'MALE',
        birthDate: birth,
        ...more,
      });
      const people: Record<string, Person> = {
        P: person('P', {
          identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n, birth) }],
          contactPoints: [{ kind: 'MOBILE', value: mobileOf(n) }],
        }),
        Q: person('Q', {
          sourceSystem: 'CLAIMS',
          identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n + 1, birth) }],
        }),
        R: person('R', { sourceSystem: 'APP' }),
        S: person('S', {
          sourceSystem: 'CALL_CENTRE',
          contactPoints: [{ kind: 'MOBILE', value: mobileOf(n) }],
        }),
      };
      for (const batch of order) await ingest(...[...batch].map((k) => people[k]!));
      return Promise.all([
        customerOf('POLICY_ADMIN', `P-${n}`),
        customerOf('CLAIMS', `Q-${n}`),
        customerOf('APP', `R-${n}`),
        customerOf('CALL_CENTRE', `S-${n}`),
      ]);
    };
    for (const order of [['P', 'Q', 'R'], ['R', 'Q', 'P'], ['PQR']]) {
      const n = nextNumbers(2);
      const [p, q, r] = await load(n, order);
      expect({ order, rp: r === p, rq: r === q }).toEqual({ order, rp: false, rq: false });
      const reviews = await hub.sql<{ keys: string[]; rule: string; status: string }>(
        `select array[least(a.source_key, b.source_key), greatest(a.source_key, b.source_key)] as keys,
           m.rule, m.status from match_review m
           join source_record a on a.id = m.record_a_id join source_record b on b.id = m.record_b_id
          where $1 in (a.source_key, b.source_key) order by 1`,
        [`R-${n}`],
      );
      expect({ order, reviews }).toEqual({
        order,
        reviews: [
          { keys: [`P-${n}`, `R-${n}`], rule: 'AMBIGUOUS', status: 'OPEN' },
          { keys: [`Q-${n}`, `R-${n}`], rule: 'AMBIGUOUS', status: 'OPEN' },
        ],
      });
    }
    // A steward says R is P: the task on R and Q has nothing left to ask.
    const n = nextNumbers(2);
    const [p, q, r] = await load(n, ['PQR']);
    const tasks = await hub.sql<{ id: string; other: string }>(
      `select m.id, case when a.source_key = $1 then b.source_key else a.source_key end as other
         from match_review m
         join source_record a on a.id = m.record_a_id join source_record b on b.id = m.record_b_id
        where $1 in (a.source_key, b.source_key)`,
      [`R-${n}`],
    );
    const approved = await hub.gql(
      `mutation ($id: ID!) { approveMatchReview(id: $id, reason: "R is P: same app login") { status } }`,
      { id: tasks.find((t) => t.other === `P-${n}`)!.id },
      Role.STEWARD,
    );
    expect(approved.errors).toBeUndefined();
    expect(await customerOf('APP', `R-${n}`)).toBe(p);
    expect(r).not.toBe(p);
    const left = await hub.sql<{ status: string }>(
      `select status from match_review where id = $1`,
      [tasks.find((t) => t.other === `Q-${n}`)!.id],
    );
    expect(left).toEqual([{ status: 'SUPERSEDED' }]);
    expect(await customerOf('CLAIMS', `Q-${n}`)).toBe(q);
    // Another merge into P, made and undone, leaves the answer standing.
    const k = nextNumber();
    const [x] = await ingest({
      sourceKey: `X-${k}`,
      name: '令狐冲',
      birthDate: birthOf(k),
      identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(k, birthOf(k)) }],
    });
    const other = await hub.gql(
      `mutation ($s: ID!, $a: ID!) { mergeCustomers(survivorId: $s, absorbedId: $a, reason: "checked") { id } }`,
      { s: p, a: x!.id },
      Role.STEWARD,
    );
    expect(other.errors).toBeUndefined();
    expect(
      (
        await hub.gql(
          `mutation ($id: ID!) { unmergeCustomers(mergeId: $id, reason: "not the same") { id } }`,
          { id: other.data!.mergeCustomers.id },
          Role.STEWARD,
        )
      ).errors,
    ).toBeUndefined();
    expect(
      await hub.sql(`select status from match_review where id = $1`, [
        tasks.find((t) => t.other === `Q-${n}`)!.id,
      ]),
    ).toEqual([{ status: 'SUPERSEDED' }]);
    // Undone, the question is open again, both ways.
    const [merge] = await hub.sql<{ id: string }>(
      `select id from customer_merge where absorbed_id = $1 and survivor_id = $2`,
      [r, p],
    );
    const undone = await hub.gql(
      `mutation ($id: ID!) { unmergeCustomers(mergeId: $id, reason: "approved in error") { id } }`,
      { id: merge!.id },
      Role.STEWARD,
    );
    expect(undone.errors).toBeUndefined();
    const reopened = await hub.sql<{ status: string }>(
      `select status from match_review where id = any($1)`,
      [tasks.map((t) => t.id)],
    );
    expect(reopened).toEqual([{ status: 'OPEN' }, { status: 'OPEN' }]);

    for (const order of [['P', 'Q', 'S'], ['S', 'Q', 'P'], ['PQS']]) {
      const n = nextNumbers(2);
      const [p, q, , s] = await load(n, order);
      expect({ order, sp: s === p, pq: p === q }).toEqual({ order, sp: true, pq: false });
    }
    // R beside S: R would reach P through S, who holds no ID; it is no less torn.
    for (const order of [['PQRS'], ['S', 'R', 'Q', 'P']]) {
      const n = nextNumbers(2);
      const [p, q, r, s] = await load(n, order);
      expect({ order, sp: s === p, rp: r === p, rq: r === q }).toEqual({
        order,
        sp: true,
        rp: false,
        rq: false,
      });
      const reviews = await hub.sql<{ other: string; rule: string; status: string }>(
        `select case when a.source_key = $1 then b.source_key else a.source_key end as other,
           m.rule, m.status from match_review m
           join source_record a on a.id = m.record_a_id join source_record b on b.id = m.record_b_id
          where $1 in (a.source_key, b.source_key) and m.status = 'OPEN' order by 1`,
        [`R-${n}`],
      );
      // One task against each person: P's side by P's record or S's, whichever pair leads.
      expect({
        order,
        rules: reviews.map((t) => `${t.rule} ${t.status}`),
        people: reviews.map((t) => (t.other.startsWith('Q') ? 'Q' : 'P')).sort(),
      }).toEqual({ order, rules: ['AMBIGUOUS OPEN', 'AMBIGUOUS OPEN'], people: ['P', 'Q'] });
    }
  });

  it('keeps asking about a record torn between two people when a later record joins one of them, in any order', async () => {
    // A and C: one name and birth date, two resident IDs, a mobile each. E holds both mobiles
    // and no ID: it could be either's. D, later, holds C's mobile alone: C's, which leaves E
    // as torn as before. X, a namesake born another year, keeps the name's weight where it
    // is when D arrives (a weight moving re-evaluates every bearer of the name).
    const names = ['尉迟恭远', '长孙无忌', '上官婉儿'];
    for (const order of [['XACE', 'D'], ['XACED'], ['D', 'XACE']]) {
      const n = nextNumbers(3);
      const birth = birthOf(n);
      const name = names.shift()!;
      const person = (key: string, more: Partial<Person>): Person => ({
        sourceKey: `${key}-${n}`,
        name,
        birthDate: birth,
        ...more,
      });
      const people: Record<string, Person> = {
        A: person('A', {
          gender: 'MALE',
          identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n, birth) }],
          contactPoints: [{ kind: 'MOBILE', value: mobileOf(n) }],
        }),
        C: person('C', {
          sourceSystem: 'CLAIMS',
          gender: 'MALE',
          identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n + 1, birth) }],
          contactPoints: [{ kind: 'MOBILE', value: mobileOf(n + 1) }],
        }),
        E: person('E', {
          sourceSystem: 'CALL_CENTRE',
          contactPoints: [
            { kind: 'MOBILE', value: mobileOf(n) },
            { kind: 'MOBILE', value: mobileOf(n + 1) },
          ],
        }),
        X: person('X', {
          sourceSystem: 'AGENCY',
          gender: 'MALE',
          birthDate: birthOf(n + 2),
          identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n + 2, birthOf(n + 2)) }],
        }),
        D: person('D', {
          sourceSystem: 'WECHAT',
          birthDate: undefined,
          contactPoints: [{ kind: 'MOBILE', value: mobileOf(n + 1) }],
        }),
      };
      for (const batch of order) await ingest(...[...batch].map((k) => people[k]!));
      const [a, c, e, d] = await Promise.all([
        customerOf('POLICY_ADMIN', `A-${n}`),
        customerOf('CLAIMS', `C-${n}`),
        customerOf('CALL_CENTRE', `E-${n}`),
        customerOf('WECHAT', `D-${n}`),
      ]);
      const reviews = await hub.sql<{ other: string; rule: string; status: string }>(
        `select case when a.source_key = $1 then b.source_key else a.source_key end as other,
           m.rule, m.status from match_review m
           join source_record a on a.id = m.record_a_id join source_record b on b.id = m.record_b_id
          where $1 in (a.source_key, b.source_key) order by 1`,
        [`E-${n}`],
      );
      expect({ order, ea: e === a, ec: e === c, dc: d === c, reviews }).toEqual({
        order,
        ea: false,
        ec: false,
        dc: true,
        reviews: [
          { other: `A-${n}`, rule: 'AMBIGUOUS', status: 'OPEN' },
          { other: `C-${n}`, rule: 'AMBIGUOUS', status: 'OPEN' },
        ],
      });
    }
  });

  it('supersedes the other AMBIGUOUS task once a steward approves one, for people a steward kept apart', async () => {
    const n = nextNumber();
    const birth = birthOf(n);
    const [c1] = await ingest({
      sourceSystem: 'WECHAT',
      sourceKey: `C1-${n}`,
      name: '端木青禾',
      birthDate: birth,
    });
    const [c2] = await ingest({
      sourceSystem: 'DEALER',
      sourceKey: `C2-${n}`,
      name: '端木青禾',
      contactPoints: [{ kind: 'MOBILE', value: mobileOf(n) }],
    });
    const apart = await hub.gql(
      `mutation ($a: ID!, $b: ID!) { markDifferentCustomers(customerIdA: $a, customerIdB: $b, reason: "two people") { __typename } }`,
      { a: c1!.id, b: c2!.id },
      Role.STEWARD,
    );
    expect(apart.errors).toBeUndefined();
    const [x] = await ingest({
      sourceSystem: 'APP',
      sourceKey: `X-${n}`,
      name: '端木青禾',
      birthDate: birth,
      contactPoints: [{ kind: 'MOBILE', value: mobileOf(n) }],
    });
    expect([c1!.id, c2!.id]).not.toContain(x!.id);
    const tasks = () =>
      hub.sql<{ id: string; other: string; rule: string; status: string }>(
        `select m.id, case when a.source_key = $1 then b.source_key else a.source_key end as other,
           m.rule, m.status from match_review m
           join source_record a on a.id = m.record_a_id join source_record b on b.id = m.record_b_id
          where $1 in (a.source_key, b.source_key) order by 2`,
        [`X-${n}`],
      );
    const open = await tasks();
    expect(open.map((t) => `${t.other} ${t.rule} ${t.status}`)).toEqual([
      `C1-${n} AMBIGUOUS OPEN`,
      `C2-${n} AMBIGUOUS OPEN`,
    ]);
    const approved = await hub.gql(
      `mutation ($id: ID!) { approveMatchReview(id: $id, reason: "same mobile, checked") { status } }`,
      { id: open[1]!.id },
      Role.STEWARD,
    );
    expect(approved.errors).toBeUndefined();
    expect((await tasks()).map((t) => `${t.other} ${t.status}`)).toEqual([
      `C1-${n} SUPERSEDED`,
      `C2-${n} APPROVED`,
    ]);
  });

  it('keeps two resident IDs in two customers when a third record bridges them, in any order', async () => {
    // P and Q are two people (two resident IDs). R is P by name, birth date and mobile, and
    // Q by passport: whichever way R comes, P and Q never become one customer.
    for (const order of [['P', 'Q', 'R'], ['R', 'P', 'Q'], ['Q', 'R', 'P'], ['PQR']]) {
      const n = nextNumbers(2);
      const [birthP, birthQ] = [birthOf(n), birthOf(n + 1)];
      const passport = { type: 'PASSPORT', number: `E${String(n).padStart(8, '0')}` };
      const people: Record<string, Person> = {
        P: {
          sourceKey: `P-${n}`,
          name: '公孙无忌',
          gender: 'MALE',
          birthDate: birthP,
          identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n, birthP) }],
          contactPoints: [{ kind: 'MOBILE', value: mobileOf(n) }],
        },
        Q: {
          sourceKey: `Q-${n}`,
          name: '闻人子羽',
          gender: 'MALE',
          birthDate: birthQ,
          identityDocuments: [
            { type: 'RESIDENT_ID', number: residentIdOf(n + 1, birthQ) },
            passport,
          ],
        },
        R: {
          sourceSystem: 'DEALER',
          sourceKey: `R-${n}`,
          name: '公孙无忌',
          gender: 'MALE',
          birthDate: birthP,
          identityDocuments: [passport],
          contactPoints: [{ kind: 'MOBILE', value: mobileOf(n) }],
        },
      };
      for (const batch of order) await ingest(...[...batch].map((k) => people[k]!));
      const [p, q, r] = await Promise.all([
        customerOf('POLICY_ADMIN', `P-${n}`),
        customerOf('POLICY_ADMIN', `Q-${n}`),
        customerOf('DEALER', `R-${n}`),
      ]);
      // A passport number shared under another name is no proof: R is P's, by all the rest,
      // Q stays apart, and a steward is asked about the passport.
      expect({ order, pq: p === q, rp: r === p }).toEqual({ order, pq: false, rp: true });
      const documents = await hub.sql(
        `select count(*)::int as ids from identity_document where customer_id = $1 and type = 'RESIDENT_ID'`,
        [q],
      );
      expect(documents).toEqual([{ ids: 1 }]);
      const reviews = await hub.sql(
        `select m.rule, m.status from match_review m
           join source_record a on a.id = m.record_a_id join source_record b on b.id = m.record_b_id
          where array[a.source_key, b.source_key] @> array[$1, $2]`,
        [`Q-${n}`, `R-${n}`],
      );
      expect(reviews).toEqual([{ rule: 'SAME_DOCUMENT', status: 'OPEN' }]);
    }
  });

  it('leaves a passport two people carry with the customer whose record first sent it, after that record is re-sent changed', async () => {
    const n = nextNumbers(2);
    const passport = { type: 'PASSPORT', number: `E${String(n).padStart(8, '0')}` };
    // Two people by name, birth date and sex: the shared passport number links nobody.
    const john: Person = {
      sourceKey: `J-${n}`,
      name: 'John Smithfield',
      gender: 'MALE',
      birthDate: '1980-01-01',
      identityDocuments: [passport],
      contactPoints: [{ kind: 'MOBILE', value: mobileOf(n) }],
    };
    const jane: Person = {
      sourceSystem: 'APP',
      sourceKey: `D-${n}`,
      name: 'Jane Doerring',
      gender: 'FEMALE',
      birthDate: '1990-02-02',
      identityDocuments: [passport],
      contactPoints: [{ kind: 'MOBILE', value: mobileOf(n + 1) }],
    };
    const [j] = await ingest(john);
    const [d] = await ingest(jane);
    expect(d!.id).not.toBe(j!.id);
    const holders = () =>
      hub.sql(
        `select customer_id from identity_document where type = 'PASSPORT' and customer_id = any($1)`,
        [[j!.id, d!.id]],
      );
    expect(await holders()).toEqual([{ customer_id: j!.id }]);
    // John's source re-sends his record with an e-mail; then a record joins Jane's customer,
    // which recomputes hers: the number stays John's, whose record sent it first.
    const [resent] = await ingest({
      ...john,
      contactPoints: [...john.contactPoints!, { kind: 'EMAIL', value: `j${n}@example.com` }],
    });
    expect(resent).toMatchObject({ status: 'UPDATED', id: j!.id });
    const [joined] = await ingest({
      sourceSystem: 'WECHAT',
      sourceKey: `W-${n}`,
      name: 'Jane Doerring',
      gender: 'FEMALE',
      birthDate: '1990-02-02',
      contactPoints: [{ kind: 'MOBILE', value: mobileOf(n + 1) }],
    });
    expect(joined!.id).toBe(d!.id);
    expect(await holders()).toEqual([{ customer_id: j!.id }]);
  });

  it('takes the golden name of records as strong and as recent as each other by their source keys, not by chance', async () => {
    // Each time two records of one batch and source bearing one number, their names two
    // readings apart: the first by source key supplies the name, every time.
    for (let i = 0; i < 8; i++) {
      const n = nextNumber();
      const born = '1993-01-01';
      const number = residentIdOf(n, born);
      const [a] = await ingest(
        ...['上官文轩', '上官文宣'].map((name, k) => ({
          sourceSystem: 'APP',
          sourceKey: `TIE-${n}-${'ab'[k]}`,
          name,
          gender: 'MALE',
          birthDate: born,
          identityDocuments: [{ type: 'RESIDENT_ID', number }],
        })),
      );
      const [golden] = await hub.sql<{ name: string; source_key: string }>(
        `select c.name, sr.source_key from customer c
           join source_record sr on sr.id = (c.lineage->>'name')::uuid where c.id = $1`,
        [a!.id],
      );
      expect({ i, ...golden }).toEqual({ i, name: '上官文轩', source_key: `TIE-${n}-a` });
    }
  });

  it('re-evaluates what shares a key with the carriers of a value that turns generic, as if it had been generic all along', async () => {
    const outcome = async (dealerFirst: boolean) => {
      const n = nextNumbers(5);
      const birth = birthOf(n);
      const [mobile, email] = [mobileOf(n), `zw${n}@example.cn`];
      const pa = `PA-${n}`;
      const [dl, app] = [`DL-${n}`, `APP-${n}`];
      // Two namesakes: the first's record at policy administration, the second's at the app
      // (another resident ID, a woman's); the dealer's record is the second's (same e-mail,
      // though it says male) but carries the dealer's own number, which the first gave too.
      // Until the number is generic, the dealer's record is closer to the first.
      const namesakes: Person[] = [
        {
          sourceKey: pa,
          name: '张伟',
          gender: 'MALE',
          birthDate: birth,
          identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n, birth) }],
          contactPoints: [{ kind: 'MOBILE', value: mobile }],
        },
        {
          sourceSystem: 'DEALER',
          sourceKey: dl,
          name: '张伟',
          gender: 'MALE',
          birthDate: birth,
          contactPoints: [
            { kind: 'MOBILE', value: mobile },
            { kind: 'EMAIL', value: email },
          ],
        },
        {
          sourceSystem: 'APP',
          sourceKey: app,
          name: '张伟',
          birthDate: birth,
          identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n + 1, birth, false) }],
          contactPoints: [{ kind: 'EMAIL', value: email }],
        },
      ];
      const sales: Person[] = ['孙丽', '周强', '吴敏', '徐杰'].map((name, i) => ({
        sourceSystem: 'DEALER',
        sourceKey: `DS-${n}-${i}`,
        name,
        birthDate: birthOf(n + 1 + i),
        contactPoints: [{ kind: 'MOBILE', value: mobile }],
      }));
      for (const person of dealerFirst ? [...sales, ...namesakes] : [...namesakes, ...sales]) {
        await ingest(person);
      }
      const [first, dealer, second] = await Promise.all([
        customerOf('POLICY_ADMIN', pa),
        customerOf('DEALER', dl),
        customerOf('APP', app),
      ]);
      const reviews = await hub.sql<{ open: number }>(
        `select count(*)::int as open from match_review m
         join source_record a on a.id = m.record_a_id join source_record b on b.id = m.record_b_id
         where m.status = 'OPEN' and a.source_key in ($1, $2, $3)`,
        [pa, dl, app],
      );
      return {
        dealerWithFirst: dealer === first,
        dealerWithSecond: dealer === second,
        openReviews: reviews[0]!.open,
      };
    };
    const dealerFirst = await outcome(true);
    expect(dealerFirst).toEqual({ dealerWithFirst: false, dealerWithSecond: true, openReviews: 0 });
    expect(await outcome(false)).toEqual(dealerFirst);
  });

  it('links a mistyped number to its holder even when another name carries the number too', async () => {
    // An alias record carries the same resident ID under another name (the number proves
    // it is the holder's). The agency's mistyped number under the holder's name and birth
    // date is the holder's too: the alias's name does not make it someone else's.
    for (const order of [['H', 'A', 'T'], ['T', 'H', 'A'], ['A', 'T', 'H'], ['HAT']]) {
      const n = nextNumber();
      const birth = birthOf(n);
      const id = residentIdOf(n, birth);
      const people: Record<string, Person> = {
        H: {
          sourceKey: `H-${n}`,
          name: '沈浩然',
          birthDate: birth,
          identityDocuments: [{ type: 'RESIDENT_ID', number: id }],
        },
        A: {
          sourceSystem: 'CLAIMS',
          sourceKey: `A-${n}`,
          name: '曹志刚',
          identityDocuments: [{ type: 'RESIDENT_ID', number: id }],
        },
        T: {
          sourceSystem: 'AGENCY',
          sourceKey: `T-${n}`,
          name: '沈浩然',
          birthDate: birth,
          identityDocuments: [{ type: 'RESIDENT_ID', number: mistyped(id) }],
        },
      };
      for (const batch of order) await ingest(...[...batch].map((k) => people[k]!));
      const customers = await Promise.all([
        customerOf('POLICY_ADMIN', `H-${n}`),
        customerOf('CLAIMS', `A-${n}`),
        customerOf('AGENCY', `T-${n}`),
      ]);
      expect({ order, customers: new Set(customers).size }).toEqual({ order, customers: 1 });
    }
  });

  it('links two different misspellings of one resident ID to their holder, in any order', async () => {
    // T has the wrong check character, W two adjacent digits swapped: the two numbers differ
    // in three places, but neither passes its check, so they are no proof of two people.
    for (const order of [['H', 'T', 'W'], ['W', 'T', 'H'], ['T', 'W', 'H'], ['HTW']]) {
      const n = nextNumber();
      const birth = birthOf(n);
      // A woman's sequence number 012 (the first argument only picks it): 102 once swapped.
      const id = residentIdOf(5, birth, false);
      const swapped = id.slice(0, 14) + id[15] + id[14] + id.slice(16);
      const holder = { name: '王芳', gender: 'FEMALE', birthDate: birth };
      const people: Record<string, Person> = {
        H: {
          ...holder,
          sourceKey: `H-${n}`,
          identityDocuments: [{ type: 'RESIDENT_ID', number: id }],
        },
        T: {
          ...holder,
          sourceSystem: 'APP',
          sourceKey: `T-${n}`,
          identityDocuments: [{ type: 'RESIDENT_ID', number: mistyped(id) }],
        },
        W: {
          ...holder,
          sourceSystem: 'AGENCY',
          sourceKey: `W-${n}`,
          identityDocuments: [{ type: 'RESIDENT_ID', number: swapped }],
        },
      };
      for (const batch of order) {
        const outcomes = await ingest(...[...batch].map((k) => people[k]!));
        expect(outcomes.map((o) => o.status)).toEqual([...batch].map(() => 'CREATED'));
      }
      const customers = await Promise.all([
        customerOf('POLICY_ADMIN', `H-${n}`),
        customerOf('APP', `T-${n}`),
        customerOf('AGENCY', `W-${n}`),
      ]);
      expect({ order, customers: new Set(customers).size }).toEqual({ order, customers: 1 });
    }
  });

  it('asks a steward about a pair between the thresholds and keeps them apart meanwhile', async () => {
    const n = nextNumber();
    // The same rare name, and birth dates with day and month swapped: likely one person,
    // not certainly.
    const name = `司马${String.fromCodePoint(0x4e00 + (n % 2000))}之`;
    const [pa, callCentre] = await ingest(
      {
        sourceKey: `PA-${n}`,
        name,
        gender: 'MALE',
        birthDate: '1972-03-11',
        identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n, '1972-03-11') }],
      },
      { sourceSystem: 'CALL_CENTRE', sourceKey: `CC-${n}`, name, birthDate: '1972-11-03' },
    );
    const reviews = await hub.sql<{ score: number; status: string }>(
      `select score, status from match_review m
       join source_record a on a.id = m.record_a_id join source_record b on b.id = m.record_b_id
       where $1 in (a.customer_id, b.customer_id)`,
      [pa.id],
    );
    expect(callCentre.id).not.toBe(pa.id);
    expect(reviews).toHaveLength(1);
    expect(reviews[0].status).toBe('OPEN');
  });

  it('asks a steward about a record holding only a name and an address a customer has, in any order, and not about others there', async () => {
    // A call-centre record with a name and an address: likely the customer of that name
    // living there, not certainly (about 21 bits, between the thresholds).
    const run = async (order: 'holder first' | 'caller first' | 'one batch') => {
      const n = nextNumbers(2);
      const address = `江苏省南京市浦口区江浦街道${n}号`;
      const birth = birthOf(n);
      const holder = {
        sourceKey: `PA-${n}`,
        name: '陈静',
        gender: 'FEMALE',
        birthDate: birth,
        identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n, birth, false) }],
        contactPoints: [{ kind: 'ADDRESS', value: address }],
      };
      const caller = {
        sourceSystem: 'CALL_CENTRE',
        sourceKey: `CC-${n}`,
        name: '陈静',
        contactPoints: [{ kind: 'ADDRESS', value: address }],
      };
      // Her husband, at the same address: another name, nothing to ask.
      const husband = {
        sourceSystem: 'CALL_CENTRE',
        sourceKey: `CC-${n + 1}`,
        name: '王建军',
        contactPoints: [{ kind: 'ADDRESS', value: address }],
      };
      if (order === 'one batch') await ingest(holder, caller, husband);
      else {
        for (const person of order === 'holder first'
          ? [holder, caller, husband]
          : [husband, caller, holder]) {
          await ingest(person);
        }
      }
      const tasks = await hub.sql<{ pair: string; status: string }>(
        `select least(a.source_key, b.source_key) || ' ' || greatest(a.source_key, b.source_key)
           as pair, m.status
         from match_review m
         join source_record a on a.id = m.record_a_id join source_record b on b.id = m.record_b_id
         where a.source_key like $1 or b.source_key like $1`,
        [`%-${n}`],
      );
      const customers = new Set([
        await customerOf('POLICY_ADMIN', `PA-${n}`),
        await customerOf('CALL_CENTRE', `CC-${n}`),
        await customerOf('CALL_CENTRE', `CC-${n + 1}`),
      ]);
      return {
        tasks: tasks.map((t) => `${t.pair.replaceAll(`-${n}`, '')} ${t.status}`),
        customers: customers.size,
      };
    };
    for (const order of ['holder first', 'caller first', 'one batch'] as const) {
      expect(await run(order)).toEqual({ tasks: ['CC PA OPEN'], customers: 3 });
    }
  });

  it('asks a steward about namesakes whose birth years differ by a digit, in any order', async () => {
    // A rare name, the same day, a year or a decade apart: a mistyped year, perhaps (24 bits).
    const run = async (
      apart: 'year' | 'decade',
      order: 'app first' | 'wechat first' | 'one batch',
    ) => {
      const n = nextNumber();
      const birth = birthOf(n);
      const at = apart === 'year' ? 3 : 2;
      const digit = birth[at] === '9' ? '8' : String(Number(birth[at]) + 1);
      const mistyped = birth.slice(0, at) + digit + birth.slice(at + 1);
      const name = `东方${String.fromCodePoint(0x4e00 + (n % 2000))}白`;
      const app = {
        sourceSystem: 'APP',
        sourceKey: `APP-${n}`,
        name,
        gender: 'MALE',
        birthDate: birth,
      };
      const wechat = { ...app, sourceSystem: 'WECHAT', sourceKey: `WX-${n}`, birthDate: mistyped };
      if (order === 'one batch') await ingest(app, wechat);
      else for (const r of order === 'app first' ? [app, wechat] : [wechat, app]) await ingest(r);
      const [a, w] = [await customerOf('APP', `APP-${n}`), await customerOf('WECHAT', `WX-${n}`)];
      const tasks = await hub.sql<{ birth: string }>(
        `select e->>'outcome' as birth from match_review m
           join source_record a on a.id = m.record_a_id join source_record b on b.id = m.record_b_id
           cross join jsonb_array_elements(m.evidence) e
         where m.status = 'OPEN' and e->>'field' = 'birthDate'
           and array[a.customer_id, b.customer_id] @> array[$1::uuid, $2::uuid]`,
        [a, w],
      );
      return { apart: a !== w, tasks };
    };
    for (const apart of ['year', 'decade'] as const) {
      for (const order of ['app first', 'wechat first', 'one batch'] as const) {
        expect([apart, order, await run(apart, order)]).toEqual([
          apart,
          order,
          { apart: true, tasks: [{ birth: 'PARTIAL' }] },
        ]);
      }
    }
  });

  it('keeps a review task open while its pair qualifies, whatever else arrives, and supersedes it when a change ends that', async () => {
    // Two namesakes with a common name, birth date and sex (just under the link threshold)
    // make a task; a stranger on the second one's mobile makes another. Both stand, whichever
    // comes first, until the second one's record changes name and birth date.
    const run = async (strangerFirst: boolean) => {
      const n = nextNumbers(2);
      const [birth, mobile] = [birthOf(n), mobileOf(n)];
      const first = { sourceKey: `W1-${n}`, name: '李娜', gender: 'FEMALE', birthDate: birth };
      const second = {
        sourceSystem: 'CLAIMS',
        sourceKey: `W2-${n}`,
        name: '李娜',
        gender: 'FEMALE',
        birthDate: birth,
        contactPoints: [{ kind: 'MOBILE', value: mobile }],
      };
      const stranger = {
        sourceSystem: 'APP',
        sourceKey: `Y-${n}`,
        name: '路人乙',
        contactPoints: [{ kind: 'MOBILE', value: mobile }],
      };
      const openTasks = async () => {
        const open = await hub.sql<{ pair: string }>(
          `select least(a.source_key, b.source_key) || ' ' || greatest(a.source_key, b.source_key)
             as pair
           from match_review m
           join source_record a on a.id = m.record_a_id join source_record b on b.id = m.record_b_id
           where $1 in (a.source_key, b.source_key) and m.status = 'OPEN' order by 1`,
          [`W2-${n}`],
        );
        return open.map((r) => r.pair.replaceAll(`-${n}`, ''));
      };
      for (const person of strangerFirst ? [stranger, first, second] : [first, second, stranger]) {
        await ingest(person);
      }
      const before = await openTasks();
      await ingest({ ...second, name: '周芷若', birthDate: birthOf(n + 1) });
      return { before, after: await openTasks() };
    };
    for (const strangerFirst of [true, false]) {
      expect(await run(strangerFirst)).toEqual({ before: ['W1 W2', 'W2 Y'], after: ['W2 Y'] });
    }
  });

  it("names as a contact point's source the record that reported its verification", async () => {
    const n = nextNumber();
    const birth = birthOf(n);
    const mobile = mobileOf(n);
    const id = residentIdOf(n, birth);
    const contact = (status: string, at: string) => ({
      kind: 'MOBILE',
      value: mobile,
      verificationStatus: status,
      verificationMethod: 'SMS',
      verifiedAt: at,
    });
    const [pa, app] = await ingest(
      {
        sourceKey: `PA-${n}`,
        name: '周慧敏',
        birthDate: birth,
        identityDocuments: [{ type: 'RESIDENT_ID', number: id }],
        contactPoints: [contact('VERIFIED', '2025-03-01T08:00:00Z')] as Person['contactPoints'],
      },
      {
        sourceSystem: 'APP',
        sourceKey: `APP-${n}`,
        name: '周慧敏',
        birthDate: birth,
        identityDocuments: [{ type: 'RESIDENT_ID', number: id }],
        contactPoints: [contact('FAILED', '2025-06-01T08:00:00Z')] as Person['contactPoints'],
      },
    );
    expect(app.id).toBe(pa.id);
    const res = await hub.gql(
      `{ customer(by: { id: "${pa.id}" }) { contactPoints { verificationStatus sourceRecord { sourceSystem sourceKey } } } }`,
      {},
      Role.STEWARD,
    );
    // The policy system's record ranks first, but the failure is the app's word.
    expect(res.data!.customer.contactPoints).toEqual([
      {
        verificationStatus: 'FAILED',
        sourceRecord: { sourceSystem: 'APP', sourceKey: `APP-${n}` },
      },
    ]);
  });

  it("keeps one primary mobile: the customer's own, kept while a record carries it", async () => {
    const n = nextNumbers(11);
    const dealer = mobileOf(n);
    const names = ['冯刚', '陈静', '褚明', '卫东', '蒋欣', '沈涛'];
    await ingest(
      ...names.map((name, i) => ({
        sourceSystem: 'DEALER',
        name,
        birthDate: birthOf(n + i),
        contactPoints: [{ kind: 'MOBILE', value: dealer }],
      })),
    );
    const birth = birthOf(n + 10);
    const id = residentIdOf(n + 10, birth);
    const own = { kind: 'MOBILE', value: mobileOf(n + 1) };
    const viaDealer = {
      sourceSystem: 'DEALER',
      sourceKey: `DL-${n}`,
      name: '韩梅',
      birthDate: birth,
      identityDocuments: [{ type: 'RESIDENT_ID', number: id }],
    };
    const [first] = await ingest({
      ...viaDealer,
      contactPoints: [{ kind: 'MOBILE', value: dealer }, own],
    });
    const mobiles = () =>
      hub.sql<{ from: string; generic: boolean; primary: boolean }>(
        `select sr.source_system as from, p.generic, p."primary" from contact_point p
           join source_record sr on sr.id = p.source_record_id
         where p.customer_id = $1 and p.kind = 'MOBILE' order by p.generic, sr.source_system`,
        [first.id],
      );
    // The dealer's number is on the record too, but it is everyone's: the other one leads.
    expect(await mobiles()).toEqual([
      { from: 'DEALER', generic: false, primary: true },
      { from: 'DEALER', generic: true, primary: false },
    ]);

    // A more trusted source's number joins the customer; the primary one stays.
    const [policy] = await ingest({
      sourceKey: `PA-${n}`,
      name: '韩梅',
      birthDate: birth,
      identityDocuments: [{ type: 'RESIDENT_ID', number: id }],
      contactPoints: [{ kind: 'MOBILE', value: mobileOf(n + 2) }],
    });
    expect(policy.id).toBe(first.id);
    expect(await mobiles()).toEqual([
      { from: 'DEALER', generic: false, primary: true },
      { from: 'POLICY_ADMIN', generic: false, primary: false },
      { from: 'DEALER', generic: true, primary: false },
    ]);

    // The dealer's record no longer carries the customer's own number: it goes, and the
    // best-ranked record's number that is not shared becomes primary.
    const [resent] = await ingest({
      ...viaDealer,
      contactPoints: [{ kind: 'MOBILE', value: dealer }],
    });
    expect(resent).toMatchObject({ status: 'UPDATED', id: first.id });
    expect(await mobiles()).toEqual([
      { from: 'POLICY_ADMIN', generic: false, primary: true },
      { from: 'DEALER', generic: true, primary: false },
    ]);
  });

  it('computes the golden record from its sources: trust decides, and each field names its source', async () => {
    const n = nextNumber();
    const birth = birthOf(n);
    const id = residentIdOf(n, birth);
    const [pa] = await ingest({
      sourceKey: `PA-${n}`,
      name: '刘洋',
      identityDocuments: [{ type: 'RESIDENT_ID', number: id }],
      branchCode: '3201',
    });
    // A dealer's record with the same number and another name and branch renames nobody.
    const [dealer] = await ingest({
      sourceSystem: 'DEALER',
      sourceKey: `DL-${n}`,
      name: '刘阳',
      identityDocuments: [{ type: 'RESIDENT_ID', number: id }],
      branchCode: '3202',
      contactPoints: [{ kind: 'EMAIL', value: `liu${n}@example.cn` }],
    });
    expect(dealer.id).toBe(pa.id);
    const [golden] = await hub.sql<{
      name: string;
      branch: string;
      lineage: Record<string, string>;
    }>(
      `select c.name, b.code as branch, c.lineage from customer c join branch b on b.id = c.branch_id
       where c.id = $1`,
      [pa.id],
    );
    const paRecord = await hub.sql<{ id: string }>(
      `select id from source_record where source_system = 'POLICY_ADMIN' and source_key = $1`,
      [`PA-${n}`],
    );
    expect(golden).toMatchObject({ name: '刘洋', branch: '3201' });
    expect(golden.lineage).toMatchObject({ name: paRecord[0].id, branch: paRecord[0].id });
    // Multi-valued attributes are the union: the dealer's e-mail joins the golden record.
    const contacts = await hub.sql(
      `select kind, source_record_id is not null as traced from contact_point where customer_id = $1`,
      [pa.id],
    );
    expect(contacts).toEqual([{ kind: 'EMAIL', traced: true }]);

    const res = await hub.gql(
      `query ($id: ID!) { customer(by: { id: $id }) { name lineage { field sourceRecord { sourceSystem sourceKey } }
        identityDocuments { type sourceRecord { sourceSystem sourceKey } }
        contactPoints { kind sourceRecord { sourceSystem sourceKey } } } }`,
      { id: pa.id },
      Role.STEWARD,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.customer.lineage).toEqual(
      expect.arrayContaining([
        { field: 'name', sourceRecord: { sourceSystem: 'POLICY_ADMIN', sourceKey: `PA-${n}` } },
        {
          field: 'birthDate',
          sourceRecord: { sourceSystem: 'POLICY_ADMIN', sourceKey: `PA-${n}` },
        },
      ]),
    );
    // The document from the earliest record that carries it, the e-mail from the dealer's.
    expect(res.data!.customer.identityDocuments).toEqual([
      { type: 'RESIDENT_ID', sourceRecord: { sourceSystem: 'POLICY_ADMIN', sourceKey: `PA-${n}` } },
    ]);
    expect(res.data!.customer.contactPoints).toEqual([
      { kind: 'EMAIL', sourceRecord: { sourceSystem: 'DEALER', sourceKey: `DL-${n}` } },
    ]);
  });

  it('takes the name in Chinese characters over its romanisation, from a record as strong', async () => {
    const n = nextNumber();
    const birth = birthOf(n);
    const document = { type: 'RESIDENT_ID', number: residentIdOf(n, birth) };
    const [pa] = await ingest({
      sourceKey: `PA-${n}`,
      name: 'ZHANG SANFENG',
      identityDocuments: [document],
    });
    const [claims] = await ingest({
      sourceSystem: 'CLAIMS',
      sourceKey: `CL-${n}`,
      name: '张三丰',
      identityDocuments: [document],
    });
    expect(claims!.id).toBe(pa!.id);
    const res = await hub.gql(
      `query ($id: ID!) { customer(by: { id: $id }) { name
        lineage { field sourceRecord { sourceSystem } } } }`,
      { id: pa!.id },
      Role.STEWARD,
    );
    expect(res.data!.customer.name).toBe('张三丰');
    expect(res.data!.customer.lineage).toEqual(
      expect.arrayContaining([
        { field: 'name', sourceRecord: { sourceSystem: 'CLAIMS' } },
        { field: 'birthDate', sourceRecord: { sourceSystem: 'POLICY_ADMIN' } },
      ]),
    );
  });

  it('takes a customer’s kind from its records, so that a source correcting it corrects the customer', async () => {
    const n = nextNumber();
    const golden = async (id: string) =>
      (
        await hub.gql(
          `query ($id: ID!) { customer(by: { id: $id }) { kind gender birthDate version
            identityDocuments { type } lineage { field } } }`,
          { id },
          Role.STEWARD,
        )
      ).data!.customer;
    const [shop] = await ingest({ sourceKey: `KD-${n}`, kind: 'ORGANISATION', name: '个体户老王' });
    expect(await golden(shop!.id)).toMatchObject({ kind: 'ORGANISATION', version: 1 });
    const birth = birthOf(n);
    const person = {
      sourceKey: `KD-${n}`,
      name: '王大锤',
      gender: 'MALE',
      birthDate: birth,
      identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n, birth) }],
    };
    const [corrected] = await ingest(person);
    expect(corrected).toMatchObject({ status: 'UPDATED', id: shop!.id });
    const now = await golden(shop!.id);
    expect(now).toMatchObject({
      kind: 'INDIVIDUAL',
      gender: 'MALE',
      birthDate: birth,
      identityDocuments: [{ type: 'RESIDENT_ID' }],
      version: 2,
    });
    expect(now.lineage.map((l: { field: string }) => l.field).sort()).toEqual(
      ['birthDate', 'branch', 'gender', 'kind', 'name'].sort(),
    );
    // And back: an organisation has no sex or birth date.
    await ingest({ sourceKey: `KD-${n}`, kind: 'ORGANISATION', name: '老王商行' });
    expect(await golden(shop!.id)).toMatchObject({
      kind: 'ORGANISATION',
      gender: null,
      birthDate: null,
      identityDocuments: [],
      version: 3,
    });
  });

  it('raises a customer’s version when its fields change, not when another record supplies the same values', async () => {
    const n = nextNumber();
    const birth = birthOf(n);
    const person = {
      name: '皇甫嵩',
      gender: 'MALE',
      birthDate: birth,
      identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n, birth) }],
    };
    const golden = async (id: string) =>
      (
        await hub.gql(
          `query ($id: ID!) { customer(by: { id: $id }) { name version
            lineage { field sourceRecord { sourceSystem } } } }`,
          { id },
          Role.STEWARD,
        )
      ).data!.customer;
    const nameFrom = (customer: { lineage: { field: string; sourceRecord: unknown }[] }) =>
      customer.lineage.find((l) => l.field === 'name')!.sourceRecord;
    const [app] = await ingest({ ...person, sourceSystem: 'APP' });
    expect(await golden(app!.id)).toMatchObject({ version: 1 });
    // The policy system outranks the app: the same values, now from it.
    const [policyAdmin] = await ingest({ ...person, sourceSystem: 'POLICY_ADMIN' });
    expect(policyAdmin!.id).toBe(app!.id);
    const same = await golden(app!.id);
    expect(nameFrom(same)).toEqual({ sourceSystem: 'POLICY_ADMIN' });
    expect(same).toMatchObject({ name: '皇甫嵩', version: 1 });
    await ingest({
      ...person,
      sourceSystem: 'POLICY_ADMIN',
      sourceKey: undefined,
      name: '皇甫义真',
    });
    expect(await golden(app!.id)).toMatchObject({ name: '皇甫义真', version: 2 });
  });

  it('lets no mistyped resident ID prove who a record is: trust decides the golden fields', async () => {
    const n = nextNumber();
    const birth = birthOf(n);
    const person = {
      name: `满${String.fromCodePoint(0x4e00 + (n % 2000))}舟`,
      gender: 'MALE',
      birthDate: birth,
      contactPoints: [{ kind: 'MOBILE', value: mobileOf(n) }],
    };
    const [pa] = await ingest({ ...person, sourceKey: `PA-${n}`, branchCode: '3201' });
    const [dealer] = await ingest({
      ...person,
      sourceSystem: 'DEALER',
      sourceKey: `DL-${n}`,
      branchCode: '3202',
      identityDocuments: [{ type: 'RESIDENT_ID', number: mistyped(residentIdOf(n, birth)) }],
    });
    expect(dealer).toMatchObject({ id: pa.id, warnings: [{ rule: 'ID_CHECKSUM' }] });
    const [golden] = await hub.sql<{ branch: string; lineage: Record<string, string> }>(
      `select b.code as branch, c.lineage from customer c join branch b on b.id = c.branch_id
       where c.id = $1`,
      [pa.id],
    );
    const [paRecord] = await hub.sql<{ id: string }>(
      `select id from source_record where source_system = 'POLICY_ADMIN' and source_key = $1`,
      [`PA-${n}`],
    );
    expect(golden).toMatchObject({
      branch: '3201',
      lineage: { branch: paRecord!.id, name: paRecord!.id, birthDate: paRecord!.id },
    });
  });

  it('rejects a record carrying two resident IDs, naming the second, mistyped or not', async () => {
    const n = nextNumbers(2);
    // Born a week apart: the two numbers are more than one keying error apart.
    const [first, second] = [residentIdOf(n, birthOf(n)), residentIdOf(n + 1, birthOf(n + 1))];
    const outcomes = await ingest(
      ...[
        [first, second],
        [first, mistyped(second)],
        [mistyped(first), second],
        // One number, written twice: as its legacy form, or mistyped.
        [first, legacyOf(first)],
        [first, mistyped(first)],
      ].map(([a, b], i) => ({
        sourceKey: `TWO-${n}-${i}`,
        name: '两证人',
        identityDocuments: [
          { type: 'PASSPORT', number: `E${String(n).padStart(8, '0')}` },
          { type: 'RESIDENT_ID', number: a! },
          { type: 'RESIDENT_ID', number: b! },
        ],
      })),
    );
    const conflict = {
      status: 'REJECTED',
      errors: [
        expect.objectContaining({
          field: 'identityDocuments[2].number',
          rule: 'CONFLICTING_DOCUMENT',
        }),
      ],
    };
    expect(outcomes.slice(0, 3)).toEqual([
      expect.objectContaining(conflict),
      expect.objectContaining(conflict),
      expect.objectContaining(conflict),
    ]);
    expect(outcomes.slice(3).map((o) => o.status)).toEqual(['CREATED', 'CREATED']);
  });

  it('rejects a bad record without writing any of it, and accepts the rest of the batch', async () => {
    const n = nextNumbers(4);
    const birth = birthOf(n);
    const id = residentIdOf(n, birth);
    const [pa] = await ingest({
      sourceKey: `PA-${n}`,
      name: '黄磊',
      identityDocuments: [{ type: 'RESIDENT_ID', number: id }],
    });
    const [before, renaming, nul, after] = await ingest(
      { name: '何晴', birthDate: birthOf(n + 1) },
      {
        sourceSystem: 'POLICY_ADMIN',
        sourceKey: `PA-${n}-2`,
        name: '黄晓磊',
        identityDocuments: [{ type: 'RESIDENT_ID', number: id }],
        contactPoints: [{ kind: 'MOBILE', value: '12' }],
      },
      { name: '何\u0000晴', birthDate: birthOf(n + 2) },
      { name: '何冰', birthDate: birthOf(n + 3) },
    );
    expect([before.status, renaming.status, nul.status, after.status]).toEqual([
      'CREATED',
      'REJECTED',
      'REJECTED',
      'CREATED',
    ]);
    expect(nul.errors.map((e) => `${e.field} ${e.rule}`)).toEqual(['name CONTROL_CHARACTER']);
    const [golden] = await hub.sql(`select name from customer where id = $1`, [pa.id]);
    expect(golden).toEqual({ name: '黄磊' });
    expect(await customerOf('POLICY_ADMIN', `PA-${n}-2`)).toBeUndefined();
  });

  it('warns of a credit code kept under the legal checksum exception', async () => {
    const n = nextNumber();
    const [org] = await ingest({
      kind: 'ORGANISATION',
      name: `测试贸易有限公司${n}`,
      identityDocuments: [{ type: 'UNIFIED_SOCIAL_CREDIT_CODE', number: '91350100M000100Y4X' }],
    });
    expect(org.status).toBe('CREATED');
    expect(org.warnings).toEqual([{ field: 'identityDocuments[0].number', rule: 'USCC_CHECKSUM' }]);
  });

  it('links a credit code with a wrong check character to the organisation of its registered name', async () => {
    const n = nextNumber();
    const { valid, mistyped } = creditCodesOf(n);
    const name = `宁远${n}物流有限公司`;
    const organisation = (system: string, code: string) => ({
      sourceSystem: system,
      sourceKey: `ORG-${n}`,
      kind: 'ORGANISATION',
      name,
      identityDocuments: [{ type: 'UNIFIED_SOCIAL_CREDIT_CODE', number: code }],
    });
    const [registered, typed] = await ingest(
      organisation('POLICY_ADMIN', valid),
      organisation('APP', mistyped),
    );
    expect(typed).toMatchObject({ status: 'CREATED', id: registered.id });
    expect(typed.warnings).toEqual([
      { field: 'identityDocuments[0].number', rule: 'USCC_CHECKSUM' },
    ]);
    const [rule] = await hub.sql<{ rule: string }>(
      `select link_evidence->>'rule' as rule from source_record where source_system = 'APP' and source_key = $1`,
      [`ORG-${n}`],
    );
    expect(rule).toEqual({ rule: 'ID_TYPO' });
    // One organisation, one credit code: the mistyped one is no second document of it.
    const documents = await hub.sql(
      `select number_masked, checksum_exception from identity_document where customer_id = $1`,
      [registered.id],
    );
    expect(documents).toEqual([{ number_masked: expect.any(String), checksum_exception: false }]);
  });

  it('asks a steward about another company bearing a credit code mistyped the same way, in any order', async () => {
    const run = async (order: string[]) => {
      const n = nextNumber();
      const { valid, mistyped } = creditCodesOf(n);
      const organisation = (system: string, name: string, code: string) => ({
        sourceSystem: system,
        sourceKey: `ORG-${n}`,
        kind: 'ORGANISATION',
        name,
        identityDocuments: [{ type: 'UNIFIED_SOCIAL_CREDIT_CODE', number: code }],
      });
      const records: Record<string, Person> = {
        registered: organisation('POLICY_ADMIN', `宁远${n}物流有限公司`, valid),
        typed: organisation('DEALER', `宁远${n}物流有限公司`, mistyped),
        // The agent copied the dealer's form onto another company's.
        copied: organisation('AGENCY', `上海乙${n}贸易有限公司`, mistyped),
      };
      for (const name of order) await ingest(records[name]!);
      const customer = async (system: string) => customerOf(system, `ORG-${n}`);
      const [registered, typed, copied] = [
        await customer('POLICY_ADMIN'),
        await customer('DEALER'),
        await customer('AGENCY'),
      ];
      const tasks = await hub.sql<{ n: number }>(
        `select count(*)::int as n from match_review m
           join source_record a on a.id = m.record_a_id join source_record b on b.id = m.record_b_id
         where m.status = 'OPEN' and $1 in (a.customer_id, b.customer_id)
           and $2 in (a.customer_id, b.customer_id)`,
        [copied, registered],
      );
      return { together: typed === registered, copiedApart: copied !== registered, tasks };
    };
    for (const order of [
      ['registered', 'typed', 'copied'],
      ['copied', 'typed', 'registered'],
      ['typed', 'copied', 'registered'],
    ]) {
      expect(await run(order)).toEqual({ together: true, copiedApart: true, tasks: [{ n: 1 }] });
    }
  });

  it('re-evaluates what shares a key with a record that a change splits off, until nothing moves', async () => {
    // X and D are namesakes born years apart (two resident IDs). Y, with no birth date, is
    // X by mobile and address and D by e-mail; X wins, and D cannot join them. When X's record
    // drops the mobile and address, Y is free to join D, as if X had never carried them.
    const outcome = async (updateLast: boolean) => {
      const n = nextNumbers(2);
      // Ten years apart: no birth-date block of one holds the other.
      const [birthX, birthD] = [birthOf(n), addDays(birthOf(n + 1), 7 * 523)];
      const shared = [
        { kind: 'MOBILE', value: mobileOf(n) },
        { kind: 'ADDRESS', value: `南京市玄武区长江路${n}号` },
      ];
      const x = (carries: boolean): Person => ({
        sourceKey: `X-${n}`,
        name: '欧阳明远',
        birthDate: birthX,
        identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n, birthX) }],
        contactPoints: carries ? shared : [],
      });
      const d: Person = {
        sourceKey: `D-${n}`,
        name: '欧阳明远',
        birthDate: birthD,
        identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n + 1, birthD) }],
        contactPoints: [{ kind: 'EMAIL', value: `oymy${n}@example.cn` }],
      };
      const y: Person = {
        sourceSystem: 'APP',
        sourceKey: `Y-${n}`,
        name: '欧阳明远',
        contactPoints: [...shared, { kind: 'EMAIL', value: `oymy${n}@example.cn` }],
      };
      if (updateLast) {
        await ingest(x(true), d, y);
        const [before, withX] = await Promise.all([
          customerOf('APP', `Y-${n}`),
          customerOf('POLICY_ADMIN', `X-${n}`),
        ]);
        expect(before).toBe(withX);
        await ingest(x(false));
      } else {
        await ingest(x(false), d, y);
      }
      const [cx, cd, cy] = await Promise.all([
        customerOf('POLICY_ADMIN', `X-${n}`),
        customerOf('POLICY_ADMIN', `D-${n}`),
        customerOf('APP', `Y-${n}`),
      ]);
      return { xd: cx === cd, xy: cx === cy, dy: cd === cy };
    };
    const expected = { xd: false, xy: false, dy: true };
    expect(await outcome(false)).toEqual(expected);
    expect(await outcome(true)).toEqual(expected);
  });

  it('ends with one customer when two systems send the same new person at the same moment', async () => {
    for (let round = 0; round < 5; round++) {
      const n = nextNumber();
      const birth = birthOf(n);
      const id = residentIdOf(n, birth);
      const send = (system: string) =>
        ingest({
          sourceSystem: system,
          sourceKey: `${system}-${n}`,
          name: '郭靖',
          identityDocuments: [{ type: 'RESIDENT_ID', number: id }],
        });
      const [[a], [b]] = await Promise.all([send('POLICY_ADMIN'), send('CLAIMS')]);
      expect([a.status, b.status]).toEqual(['CREATED', 'CREATED']);
      expect(a.id).toBe(b.id);
      const customers = await hub.sql(
        `select distinct customer_id from source_record
         where (source_system, source_key) in (('POLICY_ADMIN', $1), ('CLAIMS', $2))`,
        [`POLICY_ADMIN-${n}`, `CLAIMS-${n}`],
      );
      expect(customers).toHaveLength(1);
    }
  });

  it('answers overlapping concurrent batches of the same keys with UNCHANGED or UPDATED, never REJECTED', async () => {
    const base = nextNumber();
    const people = Array.from({ length: 20 }, (_, i) => ({
      sourceKey: `OV-${base}-${i}`,
      name: `并发${base}号${i}`,
      birthDate: birthOf(base + i),
    }));
    const first = ingest(...people.slice(0, 15));
    const second = ingest(...people.slice(5).map((p) => ({ ...p, gender: 'MALE' })));
    const [x, y] = await Promise.all([first, second]);
    for (const outcome of [...x, ...y])
      expect(['CREATED', 'UPDATED', 'UNCHANGED']).toContain(outcome.status);
    const rows = await hub.sql<{ n: number }>(
      `select count(*)::int as n from source_record where source_key like $1`,
      [`OV-${base}-%`],
    );
    expect(rows).toEqual([{ n: 20 }]);
  });

  it('takes three full batches and two single records at once (the lock table holds ~12,000 locks)', async () => {
    const n = nextNumber();
    // Born before any other test's people, one a day, so that their numbers are their own.
    const batch = (b: number) =>
      Array.from({ length: 1000 }, (_, i) => {
        const birth = addDays('1920-01-01', b * 1000 + i);
        return {
          // Keys of their own: a record without one takes a number, and other tests' people
          // are born on days counted from theirs.
          sourceKey: `LT-${n}-${b}-${i}`,
          name: `锁表${n}-${b}-${i}`,
          birthDate: birth,
          identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n, birth) }],
          contactPoints: [
            {
              kind: 'MOBILE',
              value: `139${String(n % 1000).padStart(3, '0')}${b}${String(i).padStart(4, '0')}`,
            },
          ],
        };
      });
    const single = (system: string) => ({
      sourceSystem: system,
      sourceKey: `LT-${system}-${n}`,
      name: '黄蓉',
      identityDocuments: [{ type: 'RESIDENT_ID', number: residentIdOf(n, birthOf(n), false) }],
    });
    const results = await Promise.all([
      ingest(...batch(0)),
      ingest(single('POLICY_ADMIN')),
      ingest(...batch(1)),
      ingest(single('CLAIMS')),
      ingest(...batch(2)),
    ]);
    const statuses = new Set(results.flat().map((r) => r.status));
    expect([...statuses]).toEqual(['CREATED']);
    expect(results.flat()).toHaveLength(3002);
    expect(results[1][0].id).toBe(results[3][0].id);
  });

  it('never links again a pair a steward said are different customers', async () => {
    const n = nextNumber();
    const birth = birthOf(n);
    const mobile = mobileOf(n);
    const [pa, app] = await ingest(
      {
        sourceKey: `PA-${n}`,
        name: '上官婉儿',
        birthDate: birth,
        contactPoints: [{ kind: 'MOBILE', value: mobile }],
      },
      {
        sourceSystem: 'APP',
        sourceKey: `APP-${n}`,
        name: '上官婉儿',
        birthDate: birth,
        contactPoints: [{ kind: 'MOBILE', value: mobile }],
      },
    );
    expect(app.id).toBe(pa.id);
    await hub.sql(
      `insert into match_decision (id, record_a_id, record_b_id, verdict, decided_by, decided_at, reason)
       select gen_random_uuid(), least(a.id, b.id), greatest(a.id, b.id), 'DIFFERENT_CUSTOMERS', 'steward', now(), 'twins'
       from source_record a, source_record b
       where a.source_key = $1 and b.source_key = $2`,
      [`PA-${n}`, `APP-${n}`],
    );
    // Any change re-evaluates the neighbourhood, which now keeps them apart...
    const [changed] = await ingest({
      sourceSystem: 'APP',
      sourceKey: `APP-${n}`,
      name: '上官婉儿',
      birthDate: birth,
      gender: 'FEMALE',
      contactPoints: [{ kind: 'MOBILE', value: mobile }],
    });
    expect(changed.status).toBe('UPDATED');
    const paNow = await customerOf('POLICY_ADMIN', `PA-${n}`);
    expect(changed.id).not.toBe(paNow);
    // One of them keeps the id handed out; the other is a customer of its own.
    expect([paNow, changed.id]).toContain(pa.id);
    // ...and so does a third record that agrees with both: it could be either twin's, so it
    // joins neither, and a steward is asked about each.
    const [third] = await ingest({
      sourceSystem: 'WECHAT',
      sourceKey: `WX-${n}`,
      name: '上官婉儿',
      birthDate: birth,
      contactPoints: [{ kind: 'MOBILE', value: mobile }],
    });
    const customers = new Set([
      await customerOf('POLICY_ADMIN', `PA-${n}`),
      await customerOf('APP', `APP-${n}`),
      third.id,
    ]);
    expect(customers.size).toBe(3);
    const reviews = await hub.sql<{ rule: string; status: string }>(
      `select m.rule, m.status from match_review m
         join source_record a on a.id = m.record_a_id join source_record b on b.id = m.record_b_id
        where $1 in (a.source_key, b.source_key)`,
      [`WX-${n}`],
    );
    expect(reviews).toEqual([
      { rule: 'AMBIGUOUS', status: 'OPEN' },
      { rule: 'AMBIGUOUS', status: 'OPEN' },
    ]);
  });
});

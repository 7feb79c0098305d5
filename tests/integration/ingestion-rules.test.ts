import { Role } from '../../src/auth/roles';
import { addDays, addYears } from '../../src/time/clock';
import { checkResidentId } from '../../src/validation';
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
  mobile,
  nextNumber,
  nextNumbers,
  plate,
  residentId,
  riskScoreRecord,
  vin,
} from '../setup/factories';
import { startTestHub, type TestHub } from '../setup/test-app';

const INGEST_BRANCHES = `mutation ($records: [BranchRecordInput!]!) {
  ingestBranches(records: $records) { records { status errors { field rule } } } }`;

interface Outcome {
  status: string;
  id?: string;
  key?: string;
  errors: { field: string; rule: string }[];
}

function outcomesOf(res: { data?: Record<string, any>; errors?: unknown[] }): Outcome[] {
  if (!res.data) throw new Error(`the batch failed: ${JSON.stringify(res.errors)}`);
  return (Object.values(res.data)[0] as { records: Outcome[] }).records;
}

/** Each outcome as the one [field, rule] it was rejected for, or 'accepted'. */
const verdicts = (res: { data?: Record<string, any> }) =>
  outcomesOf(res).map((o) =>
    o.status === 'REJECTED' ? o.errors.map((e) => [e.field, e.rule]) : 'accepted',
  );

/** ASCII letters and digits as an IME types them in full width (U+FF21...). */
const fullWidth = (text: string) =>
  text.replace(/[0-9A-Za-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

const INVISIBLE = '\u200b\u200c\u200d\u2060\ufeff\u3000 \u3164';

describe('ingestion records one by one', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
  });
  afterAll(() => hub.close());

  /** New customers, with their record numbers and CIF numbers. */
  async function customers(count: number): Promise<{ n: number; cifNo: string }[]> {
    const ns = Array.from({ length: count }, () => nextNumber());
    const res = await hub.gql(INGEST_CUSTOMERS, { records: ns.map((n) => customerRecord(n)) });
    const cifs = await cifNumbers(
      hub,
      outcomesOf(res).map((o) => o.id!),
    );
    return ns.map((n, i) => ({ n, cifNo: cifs[i]! }));
  }

  describe('field rules', () => {
    it('reject a customer record for its name, its birth date or a contact, and only that record', async () => {
      const ns = Array.from({ length: 10 }, () => nextNumber());
      const tomorrow = addDays(hub.clock.today(), 1);
      const res = await hub.gql(INGEST_CUSTOMERS, {
        records: [
          customerRecord(ns[0]!, { name: `Rene\u0301 ${ns[0]}` }),
          customerRecord(ns[1]!, { name: '王'.repeat(10_000) }),
          customerRecord(ns[2]!, { name: INVISIBLE }),
          customerRecord(ns[3]!, { birthDate: '1800-01-01' }),
          customerRecord(ns[4]!, { birthDate: tomorrow }),
          customerRecord(ns[5]!, { name: `A\u0007B` }),
          customerRecord(ns[6]!, {
            contactPoints: [
              { kind: 'MOBILE', value: `139${String(ns[6]).padStart(8, '0')}` },
              { kind: 'EMAIL', value: `${'c'.repeat(250)}@example.cn` },
            ],
          }),
          customerRecord(ns[7]!),
          customerRecord(ns[8]!, {
            identityDocuments: [{ type: 'RESIDENT_ID', number: fullWidth('1'.repeat(40)) }],
          }),
          // Marks with nothing to sit on: an accent, Thai tone marks, an enclosing circle.
          customerRecord(ns[9]!, { name: ' \u0301\u0E47\u0E48\u20DD ' }),
        ],
      });
      // With those problems only: the other checks (the resident ID's birth date, a blank
      // name again) wait until the fields are well-formed.
      expect(verdicts(res)).toEqual([
        'accepted',
        [['name', 'MAX_LENGTH']],
        [['name', 'REQUIRED']],
        [['birthDate', 'BIRTH_DATE_RANGE']],
        [['birthDate', 'BIRTH_DATE_RANGE']],
        [['name', 'CONTROL_CHARACTER']],
        [['contactPoints[1].value', 'MAX_LENGTH']],
        'accepted',
        [['identityDocuments[0].number', 'MAX_LENGTH']],
        [['name', 'REQUIRED']],
      ]);
      const [nfc] = outcomesOf(res);
      expect(await hub.sql(`select name from customer where id = $1`, [nfc!.id])).toEqual([
        { name: `René ${ns[0]}` },
      ]);
    });

    it('reject a source key that is or holds a mobile, a resident ID number or an e-mail, as people write them', async () => {
      const wrongCheck = (id: string) => `${id.slice(0, 17)}${id.endsWith('0') ? '1' : '0'}`;
      // Two digits of the birth date swapped into a day no one was born on (03-62 for 03-26).
      const swappedDate = (id: string) =>
        [12, 10, 8, 6, 13, 11, 9, 7]
          .map((i) => id.slice(0, i) + id[i + 1] + id[i] + id.slice(i + 2))
          .find((swapped) => {
            const checked = checkResidentId(swapped);
            return !checked.ok && checked.violations.some((v) => v.rule === 'ID_BIRTH_DATE');
          })!;
      const grouped = (digits: string, at: number[]) =>
        at.reduceRight((text, i) => `${text.slice(0, i)}-${text.slice(i)}`, digits);
      const later = addYears(hub.clock.today(), 5).replaceAll('-', '');
      // A valid number near n's whose check character is a digit, or X: one in eleven is.
      const checkedBy = (check: RegExp, n: number) =>
        Array.from({ length: 450 }, (_, k) =>
          residentId(n, addDays('1985-03-12', k).replaceAll('-', '')),
        ).find((id) => check.test(id))!;
      const keys: [string | ((n: number) => string), 'refused' | 'accepted'][] = [
        [(n) => residentId(n), 'refused'],
        // Alone, a wrong check character still reads as someone's number (a typo).
        [(n) => wrongCheck(residentId(n)), 'refused'],
        [(n) => swappedDate(residentId(n)), 'refused'],
        [(n) => `CC-${residentId(n)}`, 'refused'],
        [(n) => grouped(residentId(n), [6, 14]), 'refused'],
        [(n) => `+86 ${grouped(mobile(n), [3, 7]).replaceAll('-', ' ')}`, 'refused'],
        [(n) => `0086-${grouped(mobile(n), [3, 7])}`, 'refused'],
        [(n) => `TEL${mobile(n)}X`, 'refused'],
        // A trunk 0 before it, as a landline dials another city's mobile.
        [(n) => `0${mobile(n)}`, 'refused'],
        [(n) => `TEL-0${grouped(mobile(n), [3, 7])}`, 'refused'],
        // A short number before it, glued to it by a separator, hides neither.
        [(n) => `CC01-${mobile(n)}`, 'refused'],
        [(n) => `B1-${residentId(n)}`, 'refused'],
        // Nor does one before a number in groups.
        [(n) => `CC01-${grouped(mobile(n), [3, 7])}`, 'refused'],
        [(n) => `V2 +86 ${grouped(mobile(n), [3, 7]).replaceAll('-', ' ')}`, 'refused'],
        [(n) => `K9_${grouped(residentId(n), [6, 14]).replaceAll('-', '_')}`, 'refused'],
        [(n) => grouped(mobile(n), [3, 7]).replaceAll('-', '－'), 'refused'],
        [(n) => grouped(mobile(n), [3, 7]).replaceAll('-', '·'), 'refused'],
        [(n) => grouped(mobile(n), [3, 7]).replaceAll('-', '﹣'), 'refused'],
        [(n) => grouped(mobile(n), [3, 7]).replaceAll('-', 'ー'), 'refused'],
        [(n) => `c${n}＠example．cn`, 'refused'],
        // Groups a copy from a web page leaves unseen separators between.
        [(n) => `K${grouped(mobile(n), [3, 7]).replaceAll('-', '\u200b')}`, 'refused'],
        [(n) => `K${grouped(residentId(n), [6, 14]).replaceAll('-', '\u00ad')}`, 'refused'],
        [(n) => `K${[...mobile(n)].join('\u2060')}`, 'refused'],
        [(n) => `CC${String(n).padStart(10, '0')}`, 'accepted'],
        // A region code, a date no one was born on yet and a serial: a key, not a person.
        [`CL-440300${later}0001`, 'accepted'],
        // Inside a longer key, only a number whose check character is right reads as an ID.
        [(n) => `CL-${wrongCheck(residentId(n))}-A`, 'accepted'],
        // A run of more digits than an ID number's is a system's number (a serial glued on).
        [(n) => `CL${checkedBy(/\d$/, n)}01`, 'accepted'],
        // An X ends the number, though: what follows it is no more of its digits.
        [(n) => `CL${checkedBy(/X$/, n)}01`, 'refused'],
      ];
      const ns = keys.map(() => nextNumber());
      const keyOf = (i: number) => {
        const key = keys[i]![0];
        return typeof key === 'string' ? key : key(ns[i]!);
      };
      const res = await hub.gql(INGEST_CUSTOMERS, {
        records: ns.map((n, i) =>
          customerRecord(n, { sourceSystem: 'CALL_CENTRE', sourceKey: keyOf(i) }),
        ),
      });
      expect(verdicts(res)).toEqual(
        keys.map(([, verdict]) =>
          verdict === 'accepted' ? 'accepted' : [['sourceKey', 'PERSONAL_KEY']],
        ),
      );
      // Nor sent back: the outcome names such a record by its index.
      const refusedKeys = outcomesOf(res)
        .filter((o) => o.status === 'REJECTED')
        .map((o) => o.key);
      expect(new Set(refusedKeys)).toEqual(new Set(['CALL_CENTRE:[personal]']));
      // Nothing of the refused records is kept, their keys least of all.
      const kept = await hub.sql<{ source_key: string }>(
        `select source_key from source_record where source_system = 'CALL_CENTRE'
         and source_key = any($1)`,
        [keys.flatMap(([, verdict], i) => (verdict === 'refused' ? [keyOf(i)] : []))],
      );
      expect(kept).toEqual([]);
    });

    it('keep a source key holding a mobile or an e-mail out of the outcome when the key breaks another rule too', async () => {
      const ns = [nextNumber(), nextNumber(), nextNumber(), nextNumber()];
      const keys = [
        `CC-${mobile(ns[0]!)}-${'x'.repeat(60)}`,
        `${mobile(ns[1]!)}\u0000`,
        `CC\t${mobile(ns[2]!)}`,
        `c${ns[3]}@example.cn\ud800`,
      ];
      const res = await hub.gql(INGEST_CUSTOMERS, {
        records: ns.map((n, i) =>
          customerRecord(n, { sourceSystem: 'CALL_CENTRE', sourceKey: keys[i] }),
        ),
      });
      expect(verdicts(res)).toEqual([
        [
          ['sourceKey', 'MAX_LENGTH'],
          ['sourceKey', 'PERSONAL_KEY'],
        ],
        [
          ['sourceKey', 'CONTROL_CHARACTER'],
          ['sourceKey', 'PERSONAL_KEY'],
        ],
        [
          ['sourceKey', 'CONTROL_CHARACTER'],
          ['sourceKey', 'PERSONAL_KEY'],
        ],
        [
          ['sourceKey', 'LONE_SURROGATE'],
          ['sourceKey', 'PERSONAL_KEY'],
        ],
      ]);
      expect(outcomesOf(res).map((o) => o.key)).toEqual(keys.map(() => 'CALL_CENTRE:[personal]'));
      const answer = JSON.stringify(res);
      for (const sent of [mobile(ns[0]!), mobile(ns[1]!), mobile(ns[2]!), `c${ns[3]}@example`]) {
        expect(answer).not.toContain(sent);
      }
    });

    it('send back a key refused for a character no text may hold written out, in a response a log can store', async () => {
      const [n, m] = [nextNumber(), nextNumber()];
      const customers = await hub.gql(INGEST_CUSTOMERS, {
        records: ['\u0000', '\ud800', '\t1'].map((c, i) =>
          customerRecord(n, { sourceKey: `K-${n}-${i}${c}` }),
        ),
      });
      expect(outcomesOf(customers).map((o) => o.key)).toEqual([
        `POLICY_ADMIN:K-${n}-0\\u0000`,
        `POLICY_ADMIN:K-${n}-1\\uD800`,
        `POLICY_ADMIN:K-${n}-2\\u00091`,
      ]);
      const policies = await hub.gql(INGEST_POLICIES, {
        records: [autoPolicyRecord(m, 'CIF0', { policyNo: `P-${m}\u0000` })],
      });
      expect(policies.data!.ingestPolicies.records[0]).toMatchObject({
        key: `P-${m}\\u0000`,
        status: 'REJECTED',
      });
      // As a source's integration keeps them: in a jsonb column.
      for (const response of [customers, policies]) {
        const [stored] = await hub.sql(`select $1::jsonb is not null as stored`, [
          JSON.stringify(response),
        ]);
        expect(stored).toEqual({ stored: true });
      }
    });

    it('refuse a key or a name of 200,000 characters for its length, unread, and send no such key back', async () => {
      // Each shape was read in time growing with the square of its length (a minute for one
      // record, every other request held up): Chinese text, a run of invisible characters
      // inside, a run of letters that an e-mail pattern tried from each of them.
      const ns = [nextNumber(), nextNumber(), nextNumber()];
      const long = 200_000;
      const res = await hub.gql(INGEST_CUSTOMERS, {
        records: [
          customerRecord(ns[0]!, { name: '张'.repeat(long) }),
          customerRecord(ns[1]!, {
            sourceSystem: 'CALL_CENTRE',
            sourceKey: `CC${'\u200b'.repeat(long)}${mobile(ns[1]!)}`,
          }),
          customerRecord(ns[2]!, { sourceKey: `${'k'.repeat(long)}${mobile(ns[2]!)}` }),
        ],
      });
      expect(verdicts(res)).toEqual([
        [['name', 'MAX_LENGTH']],
        [['sourceKey', 'MAX_LENGTH']],
        [['sourceKey', 'MAX_LENGTH']],
      ]);
      expect(outcomesOf(res).map((o) => o.key)).toEqual([
        `POLICY_ADMIN:PA-${ns[0]}`,
        'CALL_CENTRE:[too long]',
        'POLICY_ADMIN:[too long]',
      ]);
      expect(JSON.stringify(res)).not.toContain(mobile(ns[1]!));
    });

    it('reject a name that holds a mobile, a resident ID number or an e-mail: every role reads it in clear', async () => {
      const fullWidth = (digits: string) =>
        digits.replace(/\d/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
      const numerals = (digits: string) =>
        digits.replace(/\d/g, (d) => '〇一二三四五六七八九'[Number(d)]!).replace('X', 'X');
      const names: [(n: number) => string, 'refused' | 'accepted'][] = [
        [(n) => `张三${mobile(n)}`, 'refused'],
        [(n) => `南京某某公司 联系 ${mobile(n).replace(/^(\d{3})(\d{4})/, '$1 $2 ')}`, 'refused'],
        [(n) => `李四 ${mobile(n).replace(/^(\d{3})(\d{4})/, '$1、$2、')}`, 'refused'],
        [(n) => `王五 ${residentId(n)}`, 'refused'],
        [(n) => `赵六 z${n}@example.cn`, 'refused'],
        // Full-width, in brackets, read out in numerals, the surname a numeral itself.
        [(n) => `李四${fullWidth(mobile(n))}`, 'refused'],
        [
          (n) =>
            `张三【${mobile(n).slice(0, 3)}】【${mobile(n).slice(3, 7)}】【${mobile(n).slice(7)}】`,
          'refused',
        ],
        [(n) => `张三${numerals(mobile(n))}`, 'refused'],
        [(n) => `钱七${numerals(residentId(n))}`, 'refused'],
        // A short number before one in groups hides it not.
        [(n) => `ABC Co. Unit 3 ${mobile(n).replace(/^(\d{3})(\d{4})/, '$1-$2-')}`, 'refused'],
        [(n) => `Room 5 ${residentId(n).replace(/^(\d{6})(\d{8})/, '$1 $2 ')}`, 'refused'],
        // Numbers in a company's registered name are no one's.
        [() => '南京一二三四五六七八九十科技有限公司', 'accepted'],
        [() => '上海360安全科技有限公司', 'accepted'],
      ];
      const ns = names.map(() => nextNumber());
      const res = await hub.gql(INGEST_CUSTOMERS, {
        records: ns.map((n, i) => customerRecord(n, { name: names[i]![0](n) })),
      });
      expect(verdicts(res)).toEqual(
        names.map(([, verdict]) =>
          verdict === 'accepted' ? 'accepted' : [['name', 'PERSONAL_NAME']],
        ),
      );
      const refused = names.flatMap(([name, verdict], i) =>
        verdict === 'refused' ? [name(ns[i]!)] : [],
      );
      expect(await hub.sql(`select name from customer where name = any($1)`, [refused])).toEqual(
        [],
      );
    });

    it('reject a contact verified by a method that cannot reach it, and only that record', async () => {
      const verified = (kind: string, value: string, verificationMethod: string) => ({
        kind,
        value,
        verificationStatus: 'VERIFIED',
        verificationMethod,
        verifiedAt: '2026-03-01T08:00:00Z',
      });
      const ns = Array.from({ length: 4 }, () => nextNumber());
      const [mobile] = customerRecord(ns[0]!).contactPoints;
      const res = await hub.gql(INGEST_CUSTOMERS, {
        records: [
          customerRecord(ns[0]!, {
            contactPoints: [{ ...mobile, verificationMethod: 'EMAIL_LINK' }],
          }),
          customerRecord(ns[1]!, {
            contactPoints: [verified('EMAIL', `c${ns[1]}@example.cn`, 'SMS')],
          }),
          customerRecord(ns[2]!, {
            contactPoints: [
              verified('EMAIL', `c${ns[2]}@example.cn`, 'EMAIL_LINK'),
              verified('ADDRESS', '南京市玄武区中山路1号', 'CALL_BACK'),
            ],
          }),
          customerRecord(ns[3]!, {
            contactPoints: [verified('ADDRESS', '南京市玄武区中山路2号', 'SMS')],
          }),
        ],
      });
      expect(verdicts(res)).toEqual([
        [['contactPoints[0].verificationMethod', 'VERIFICATION_METHOD']],
        [['contactPoints[0].verificationMethod', 'VERIFICATION_METHOD']],
        'accepted',
        [['contactPoints[0].verificationMethod', 'VERIFICATION_METHOD']],
      ]);
      // Unverified, yet verified by a text message on a day: two statements at once.
      const both = await hub.gql(INGEST_CUSTOMERS, {
        records: [
          customerRecord(nextNumber(), {
            contactPoints: [{ ...mobile, verificationStatus: 'UNVERIFIED' }],
          }),
        ],
      });
      expect(verdicts(both)).toEqual([
        [['contactPoints[0].verificationStatus', 'VERIFICATION_EVIDENCE']],
      ]);
    });

    it('read an e-mail with a zero-width space pasted into it as the address it is', async () => {
      const n = nextNumber();
      const first = outcomesOf(
        await hub.gql(INGEST_CUSTOMERS, { records: [customerRecord(n)] }),
      )[0]!;
      const again = outcomesOf(
        await hub.gql(INGEST_CUSTOMERS, {
          records: [
            customerRecord(n, {
              sourceSystem: 'APP',
              identityDocuments: [],
              contactPoints: [{ kind: 'EMAIL', value: `C${n}\u200b@Example.cn` }],
            }),
          ],
        }),
      )[0]!;
      expect(again).toMatchObject({ status: 'CREATED', id: first.id });
      const joined = await hub.gql(INGEST_CUSTOMERS, {
        records: [
          customerRecord(nextNumber(), {
            contactPoints: [{ kind: 'EMAIL', value: `c${n}\u200d@example.cn` }],
          }),
        ],
      });
      expect(verdicts(joined)).toEqual([[['contactPoints[0].value', 'EMAIL_FORMAT']]]);
    });

    it('read an e-mail typed in full width as the address, and refuse one pasted with its wrapping', async () => {
      const n = nextNumber();
      const first = outcomesOf(
        await hub.gql(INGEST_CUSTOMERS, { records: [customerRecord(n)] }),
      )[0]!;
      const wide = (email: string) =>
        customerRecord(n, {
          contactPoints: [customerRecord(n).contactPoints[0], { kind: 'EMAIL', value: email }],
        });
      const res = await hub.gql(INGEST_CUSTOMERS, {
        records: [wide(`Ｃ${fullWidth(String(n))}＠example．cn`)],
      });
      expect(outcomesOf(res)).toMatchObject([{ status: 'UNCHANGED', id: first.id }]);
      const wrapped = await hub.gql(INGEST_CUSTOMERS, {
        records: [
          wide(`mailto:c${n}@example.cn`),
          wide(`<c${n}@example.cn>`),
          wide(`c${n}@example..cn`),
        ],
      });
      expect(verdicts(wrapped)).toEqual(
        Array(3).fill([['contactPoints[1].value', 'EMAIL_FORMAT']]),
      );
    });

    it('write a name one way, whichever width, spacing, dots and brackets its source used', async () => {
      const n = nextNumbers(2);
      const company = (name: string) =>
        customerRecord(n, { kind: 'ORGANISATION', name, identityDocuments: [] });
      const person = (name: string) => customerRecord(n + 1, { name });
      const sent = await hub.gql(INGEST_CUSTOMERS, {
        records: [company(`南京ＡＢＣ${n}物流有限公司(江宁分公司)`), person('阿依古丽・买买提')],
      });
      expect(outcomesOf(sent).map((o) => o.status)).toEqual(['CREATED', 'CREATED']);
      const again = await hub.gql(INGEST_CUSTOMERS, {
        records: [
          company(`南京ABC${fullWidth(String(n))}物流有限公司（江宁分公司）`),
          person('阿依古丽•买买提'),
        ],
      });
      expect(outcomesOf(again).map((o) => o.status)).toEqual(['UNCHANGED', 'UNCHANGED']);
      const spaced = await hub.gql(INGEST_CUSTOMERS, {
        records: [
          company(`南京ABC${n}物流有限公司 （江宁分公司）`),
          person('阿依古丽\u3000·\u3000买买提'),
        ],
      });
      expect(outcomesOf(spaced).map((o) => o.status)).toEqual(['UNCHANGED', 'UNCHANGED']);
      expect(
        await hub.sql(`select name from customer where id = any($1) order by kind`, [
          outcomesOf(sent).map((o) => o.id),
        ]),
      ).toEqual([{ name: '阿依古丽·买买提' }, { name: `南京ABC${n}物流有限公司（江宁分公司）` }]);
      // A Latin name keeps its spaces and takes ASCII brackets.
      const latin = await hub.gql(INGEST_CUSTOMERS, {
        records: [company(`ABC  Logistics${n} （Nanjing） Ltd`)],
      });
      expect(outcomesOf(latin)[0]).toMatchObject({ status: 'UPDATED' });
      expect(
        await hub.sql(`select name from customer where id = $1`, [outcomesOf(latin)[0]!.id]),
      ).toEqual([{ name: `ABC Logistics${n} (Nanjing) Ltd` }]);
    });

    it('drop tag characters inside a name, and refuse a noncharacter in any text', async () => {
      const n = nextNumbers(4);
      const res = await hub.gql(INGEST_CUSTOMERS, {
        records: [
          customerRecord(n, { name: `张\u{E0041}\u{E0020}三${n}` }),
          customerRecord(n + 1, { name: `张\uFFFF三` }),
          customerRecord(n + 2, { sourceKey: `K\uFDD0${n}` }),
          // A rare character a source encodes in the private use area stays.
          customerRecord(n + 3, { name: `张\uE000三` }),
        ],
      });
      expect(verdicts(res)).toEqual([
        'accepted',
        [['name', 'CONTROL_CHARACTER']],
        [['sourceKey', 'CONTROL_CHARACTER']],
        'accepted',
      ]);
      expect(
        await hub.sql(`select name from customer where id = $1`, [outcomesOf(res)[0]!.id]),
      ).toEqual([{ name: `张三${n}` }]);
    });

    it('read identity numbers grouped with spaces or dashes as the numbers they are', async () => {
      const n = nextNumber();
      const id = residentId(n);
      const grouped = customerRecord(n, {
        identityDocuments: [
          { type: 'RESIDENT_ID', number: `${id.slice(0, 6)} ${id.slice(6, 14)} ${id.slice(14)}` },
        ],
      });
      const first = outcomesOf(await hub.gql(INGEST_CUSTOMERS, { records: [grouped] }))[0]!;
      expect(first).toMatchObject({ status: 'CREATED', errors: [] });
      // The same record written plainly is the same content; the call centre's, with the
      // number in dashes, is the same customer.
      const again = await hub.gql(INGEST_CUSTOMERS, {
        records: [
          customerRecord(n),
          customerRecord(n, {
            sourceSystem: 'CALL_CENTRE',
            contactPoints: [],
            identityDocuments: [
              {
                type: 'RESIDENT_ID',
                number: `${id.slice(0, 6)}-${id.slice(6, 14)}-${id.slice(14)}`,
              },
            ],
          }),
        ],
      });
      expect(outcomesOf(again)).toMatchObject([
        { status: 'UNCHANGED', id: first.id },
        { status: 'CREATED', id: first.id },
      ]);
    });

    it('reject a policy, a claim or a score for a field of its own or of a nested input', async () => {
      const [{ n, cifNo }] = await customers(1);
      const { policyNo } = autoPolicyRecord(n, cifNo);
      const ps = Array.from({ length: 7 }, () => nextNumber());
      const policies = await hub.gql(INGEST_POLICIES, {
        records: [
          autoPolicyRecord(n, cifNo),
          autoPolicyRecord(ps[0]!, cifNo, { policyNo: `P${'1'.repeat(40)}` }),
          autoPolicyRecord(ps[1]!, cifNo, { productCode: INVISIBLE }),
          autoPolicyRecord(ps[2]!, cifNo, { productCode: 'CA\u00002026' }),
          autoPolicyRecord(ps[3]!, cifNo, {
            parties: [
              { role: 'POLICYHOLDER', customer: { cifNo: `${cifNo}\u0085` } },
              { role: 'INSURED', customer: { cifNo } },
            ],
          }),
          autoPolicyRecord(ps[4]!, cifNo, {
            vehicle: { vin: `${vin(ps[4]!)}\ud800`, use: 'FAMILY_PRIVATE' },
          }),
          autoPolicyRecord(ps[5]!, cifNo, { branchCode: '32\u007f01' }),
          autoPolicyRecord(ps[6]!, cifNo),
        ],
      });
      expect(verdicts(policies)).toEqual([
        'accepted',
        [['policyNo', 'MAX_LENGTH']],
        [['productCode', 'REQUIRED']],
        [['productCode', 'CONTROL_CHARACTER']],
        [['parties[0].customer.cifNo', 'CONTROL_CHARACTER']],
        [['vehicle.vin', 'LONE_SURROGATE']],
        [['branchCode', 'CONTROL_CHARACTER']],
        'accepted',
      ]);

      const cs = Array.from({ length: 5 }, () => nextNumber());
      const claims = await hub.gql(INGEST_CLAIMS, {
        records: [
          claimRecord(cs[0]!, policyNo, { accidentPlace: '南京市'.repeat(3_400) }),
          claimRecord(cs[1]!, policyNo, { accidentPlace: INVISIBLE }),
          claimRecord(cs[2]!, policyNo, { accidentPlace: '南京市\n玄武区' }),
          claimRecord(cs[4]!, policyNo, { accidentPlace: '南京市\u2028玄武区' }),
          claimRecord(cs[3]!, policyNo, { accidentPlace: `  Cafe\u0301 ${cs[3]}\u200b ` }),
        ],
      });
      expect(verdicts(claims)).toEqual([
        [['accidentPlace', 'MAX_LENGTH']],
        [['accidentPlace', 'REQUIRED']],
        [['accidentPlace', 'CONTROL_CHARACTER']],
        [['accidentPlace', 'CONTROL_CHARACTER']],
        'accepted',
      ]);
      expect(
        await hub.sql(`select accident_place from claim where claim_no = $1`, [
          claimRecord(cs[3]!, '').claimNo,
        ]),
      ).toEqual([{ accident_place: `Café ${cs[3]}` }]);
      // A caller's mobile said with the place is kept masked: every role that reads the claim
      // reads the place, the mobile's own masks aside.
      const said = nextNumber();
      expect(
        verdicts(
          await hub.gql(INGEST_CLAIMS, {
            records: [claimRecord(said, policyNo, { accidentPlace: '广州市 13912340002 路口' })],
          }),
        ),
      ).toEqual(['accepted']);
      expect(
        await hub.sql(`select accident_place from claim where claim_no = $1`, [
          claimRecord(said, '').claimNo,
        ]),
      ).toEqual([{ accident_place: '广州市 [digits] 路口' }]);

      const { claimNo } = claimRecord(cs[3]!, '');
      const scores = await hub.gql(INGEST_RISK_SCORES, {
        records: [
          riskScoreRecord(
            nextNumber(),
            { claimNo },
            {
              firedRules: [{ code: 'R017', description: 'x'.repeat(501), weight: '30' }],
            },
          ),
          riskScoreRecord(nextNumber(), { claimNo }, { modelVersion: INVISIBLE }),
          riskScoreRecord(
            nextNumber(),
            { claimNo: fullWidth(claimNo) },
            { model: fullWidth('rules-v3') },
          ),
        ],
      });
      expect(verdicts(scores)).toEqual([
        [['firedRules[0].description', 'MAX_LENGTH']],
        [['modelVersion', 'REQUIRED']],
        'accepted',
      ]);
    });

    it('reject an amount its column cannot hold exactly and an instant that has not happened, and write the rest', async () => {
      const [{ n, cifNo }, other] = await customers(2);
      const now = hub.clock.now();
      const later = new Date(now.getTime() + 60 * 60_000).toISOString();
      const soon = new Date(now.getTime() + 60_000).toISOString();
      const ps = Array.from({ length: 7 }, () => nextNumber());
      const policies = await hub.gql(INGEST_POLICIES, {
        records: [
          autoPolicyRecord(n, cifNo),
          autoPolicyRecord(ps[0]!, cifNo, { premium: '1000000000000.00' }),
          autoPolicyRecord(ps[1]!, cifNo, { premium: '999999999999.99', sumInsured: '0001.50' }),
          autoPolicyRecord(ps[2]!, cifNo, { premium: '1.239' }),
          autoPolicyRecord(ps[3]!, cifNo, { sumInsured: '-0.01' }),
          autoPolicyRecord(ps[4]!, cifNo, { premium: '12.500' }),
          autoPolicyRecord(ps[5]!, cifNo, { sumInsured: '10000000000000000' }),
          autoPolicyRecord(ps[6]!, cifNo, { premium: '1.0000000' }),
        ],
      });
      expect(verdicts(policies)).toEqual([
        'accepted',
        [['premium', 'MAX_VALUE']],
        'accepted',
        [['premium', 'DECIMAL_PLACES']],
        [['sumInsured', 'NON_NEGATIVE']],
        'accepted',
        [['sumInsured', 'MAX_VALUE']],
        'accepted',
      ]);
      expect(
        await hub.sql(
          `select premium::text, sum_insured::text from policy where policy_no = any($1) order by 1`,
          [[ps[1], ps[4]].map((k) => autoPolicyRecord(k!, '').policyNo)],
        ),
      ).toEqual([
        { premium: '12.50', sum_insured: '150000.00' },
        { premium: '999999999999.99', sum_insured: '1.50' },
      ]);

      const { policyNo } = autoPolicyRecord(n, cifNo);
      const cs = Array.from({ length: 4 }, () => nextNumber());
      const claims = await hub.gql(INGEST_CLAIMS, {
        records: [
          claimRecord(cs[0]!, policyNo, { reserve: '99999999999999.99' }),
          claimRecord(cs[1]!, policyNo, { paidAmount: '0.001' }),
          claimRecord(cs[2]!, policyNo, { surveyedAt: later }),
          claimRecord(cs[3]!, policyNo),
        ],
      });
      expect(verdicts(claims)).toEqual([
        [['reserve', 'MAX_VALUE']],
        [['paidAmount', 'DECIMAL_PLACES']],
        [['surveyedAt', 'INSTANT_RANGE']],
        'accepted',
      ]);

      const { claimNo } = claimRecord(cs[3]!, '');
      const scores = await hub.gql(INGEST_RISK_SCORES, {
        records: [
          riskScoreRecord(nextNumber(), { claimNo }, { score: '1000000' }),
          riskScoreRecord(nextNumber(), { claimNo }, { scoredAt: '1800-01-01T00:00:00Z' }),
          riskScoreRecord(nextNumber(), { claimNo }, { scoredAt: later }),
          // A source system's clock a minute ahead of the hub's.
          riskScoreRecord(nextNumber(), { claimNo }, { score: '999999.99', scoredAt: soon }),
        ],
      });
      expect(verdicts(scores)).toEqual([
        [['score', 'MAX_VALUE']],
        [['scoredAt', 'INSTANT_RANGE']],
        [['scoredAt', 'INSTANT_RANGE']],
        'accepted',
      ]);

      // A consent dated next year would outrank every withdrawal until then.
      const withdrawn = { given: false, at: now.toISOString(), channel: 'APP' };
      const people = await hub.gql(INGEST_CUSTOMERS, {
        records: [
          customerRecord(other.n, {
            sourceSystem: 'DEALER',
            marketingConsent: { given: true, at: later, channel: 'PAPER' },
          }),
          customerRecord(other.n, {
            sourceSystem: 'APP',
            contactPoints: [
              {
                kind: 'MOBILE',
                value: '13900000000',
                verificationStatus: 'VERIFIED',
                verifiedAt: later,
              },
            ],
          }),
          customerRecord(other.n, { sourceSystem: 'CALL_CENTRE', marketingConsent: withdrawn }),
        ],
      });
      expect(verdicts(people)).toEqual([
        [['marketingConsent.at', 'INSTANT_RANGE']],
        [['contactPoints[0].verifiedAt', 'INSTANT_RANGE']],
        'accepted',
      ]);
      expect(
        await hub.sql(`select marketing_consent from customer where cif_no = $1`, [other.cifNo]),
      ).toEqual([{ marketing_consent: false }]);
    });

    it('keep the later consent when a source resends a record with an older one, and say so', async () => {
      const now = hub.clock.now().getTime();
      const day = (days: number) => new Date(now - days * 86_400_000);
      const consent = (given: boolean, daysAgo: number) => ({
        given,
        at: day(daysAgo).toISOString(),
        channel: 'APP',
      });
      const [optedOut, consented] = [nextNumber(), nextNumber()];
      const send = (records: Record<string, unknown>[]) =>
        hub
          .gql(
            `mutation ($records: [CustomerRecordInput!]!) {
              ingestCustomers(records: $records) { records { status id warnings { field rule } } } }`,
            { records },
          )
          .then((res) => outcomesOf(res) as (Outcome & { warnings: Outcome['errors'] })[]);
      const [a, b] = await send([
        customerRecord(optedOut, { marketingConsent: consent(false, 1) }),
        customerRecord(consented, { marketingConsent: consent(true, 1) }),
      ]);
      // The same records replayed from an export taken half a year before, a name corrected.
      const replayed = await send([
        customerRecord(optedOut, { name: '王小改', marketingConsent: consent(true, 180) }),
        customerRecord(consented, { marketingConsent: consent(false, 180) }),
      ]);
      expect(replayed.map((o) => [o.status, o.warnings.map((w) => [w.field, w.rule])])).toEqual([
        ['UPDATED', [['marketingConsent.at', 'CONSENT_OLDER']]],
        ['UPDATED', [['marketingConsent.at', 'CONSENT_OLDER']]],
      ]);
      const stored = await hub.sql<{ name: string; marketing_consent: boolean; consent_at: Date }>(
        `select c.name, c.marketing_consent, c.consent_at from customer c
         where c.id = any($1::uuid[]) order by c.id = $2 desc`,
        [[a!.id, b!.id], a!.id],
      );
      expect(stored).toEqual([
        { name: '王小改', marketing_consent: false, consent_at: day(1) },
        { name: expect.any(String), marketing_consent: true, consent_at: day(1) },
      ]);
      // A record without the field says nothing: the consent stays.
      const [silent] = await send([
        customerRecord(consented, { name: '王小默', marketingConsent: undefined }),
      ]);
      expect([silent!.status, silent!.warnings]).toEqual(['UPDATED', []]);
      expect(
        await hub.sql(`select marketing_consent, consent_at from customer where id = $1`, [b!.id]),
      ).toEqual([{ marketing_consent: true, consent_at: day(1) }]);
      // A later word is taken, without a warning.
      const [later] = await send([
        customerRecord(optedOut, { name: '王小改', marketingConsent: consent(true, 0) }),
      ]);
      expect([later!.status, later!.warnings]).toEqual(['UPDATED', []]);
    });

    it('keep the latest check of a contact when a source resends a record with an older one, or none', async () => {
      const now = hub.clock.now().getTime();
      const at = (days: number) => new Date(now - days * 86_400_000).toISOString();
      const n = nextNumber();
      const mobile_ = (check: Record<string, unknown>) => ({
        contactPoints: [{ kind: 'MOBILE', value: mobile(n), ...check }],
      });
      const send = async (name: string, check: Record<string, unknown>) =>
        outcomesOf(
          await hub.gql(INGEST_CUSTOMERS, {
            records: [customerRecord(n, { name, ...mobile_(check) })],
          }),
        )[0]!;
      const sms = { verificationStatus: 'VERIFIED', verificationMethod: 'SMS' };
      const { id } = await send('郑一', { ...sms, verifiedAt: at(1) });
      const status = async () =>
        (
          await hub.sql<{ verification_status: string }>(
            `select verification_status from contact_point where customer_id = $1 and kind = 'MOBILE'`,
            [id],
          )
        ).map((r) => r.verification_status);
      // Last month's snapshot, replayed: the text message of yesterday stands.
      await send('郑二', {});
      expect(await status()).toEqual(['VERIFIED']);
      // A failed call-back older than it does not undo it; a later one does.
      const failed = { verificationStatus: 'FAILED', verificationMethod: 'CALL_BACK' };
      await send('郑三', { ...failed, verifiedAt: at(2) });
      expect(await status()).toEqual(['VERIFIED']);
      await send('郑四', { ...failed, verifiedAt: at(0) });
      expect(await status()).toEqual(['FAILED']);
    });

    it('reject a policy period of a day no policy had, or longer than any policy runs', async () => {
      const [{ n, cifNo }] = await customers(1);
      const today = hub.clock.today();
      const yearAhead = addYears(today, 1);
      const periods: [string, string][] = [
        ['0001-01-01', '2027-05-31'],
        ['1979-12-31', '1980-12-30'],
        ['1980-01-01', '1980-12-31'],
        [addDays(yearAhead, 1), addYears(yearAhead, 1)],
        [yearAhead, addDays(addYears(yearAhead, 1), -1)],
        [today, '9999-12-31'],
        [today, addYears(today, 10)],
        [today, addDays(addYears(today, 10), -1)],
        // Ten years from 29 February run to the 28th, the day before the tenth anniversary.
        ['2024-02-29', '2034-02-28'],
        ['2024-02-29', '2034-03-01'],
        // And from 1 March to the 29th, where the tenth year is a leap year.
        ['2018-03-01', '2028-02-29'],
        ['2018-03-01', '2028-03-01'],
      ];
      const res = await hub.gql(INGEST_POLICIES, {
        records: periods.map(([effectiveDate, expiryDate], i) =>
          autoPolicyRecord(i === 0 ? n : nextNumber(), cifNo, { effectiveDate, expiryDate }),
        ),
      });
      expect(verdicts(res)).toEqual([
        [['effectiveDate', 'COVER_DATE_RANGE']],
        [['effectiveDate', 'COVER_DATE_RANGE']],
        'accepted',
        [['effectiveDate', 'COVER_DATE_RANGE']],
        'accepted',
        [['expiryDate', 'COVER_DATE_RANGE']],
        [['expiryDate', 'PERIOD_LENGTH']],
        'accepted',
        'accepted',
        [['expiryDate', 'PERIOD_LENGTH']],
        'accepted',
        [['expiryDate', 'PERIOD_LENGTH']],
      ]);
    });

    it('reject a vehicle on a policy of another line, a payment without its day, and a score dated before its claim', async () => {
      const [{ n, cifNo }] = await customers(1);
      const today = hub.clock.today();
      const period = { effectiveDate: addDays(today, -200), expiryDate: addDays(today, 165) };
      const car = autoPolicyRecord(n, cifNo, period);
      const property = autoPolicyRecord(nextNumber(), cifNo, { ...period, line: 'PROPERTY' });
      const policies = await hub.gql(INGEST_POLICIES, { records: [car, property] });
      expect(verdicts(policies)).toEqual(['accepted', [['vehicle', 'VEHICLE_LINE']]]);
      // The car is still described, and found, by its own policy.
      expect(await hub.sql(`select plate from vehicle where vin = $1`, [car.vehicle.vin])).toEqual([
        { plate: car.vehicle.plate },
      ]);

      const accident = `${addDays(today, -10)}T02:00:00Z`;
      const claim = (k: number, overrides: Record<string, unknown>) =>
        claimRecord(k, car.policyNo, {
          accidentAt: accident,
          reportedAt: `${addDays(today, -10)}T03:00:00Z`,
          registeredAt: null,
          surveyedAt: null,
          status: 'REPORTED',
          ...overrides,
        });
      const [paidNoDay, closed, rejectedPaid] = [nextNumber(), nextNumber(), nextNumber()];
      const claims = await hub.gql(INGEST_CLAIMS, {
        records: [
          claim(paidNoDay, { paidAmount: '300' }),
          claim(rejectedPaid, { status: 'REJECTED', paidAmount: '50' }),
          claim(closed, {
            status: 'CLOSED',
            closedAt: `${addDays(today, -2)}T03:00:00Z`,
            paidAmount: '0',
          }),
        ],
      });
      expect(verdicts(claims)).toEqual([
        [['paidAt', 'REQUIRED']],
        [['paidAt', 'REQUIRED']],
        'accepted',
      ]);

      const claimNo = claim(closed, {}).claimNo;
      const scoreRecords = [
        riskScoreRecord(
          nextNumber(),
          { claimNo },
          { scoredAt: `${addDays(today, -11)}T03:00:00Z` },
        ),
        riskScoreRecord(
          nextNumber(),
          { claimNo },
          { scoredAt: `${addDays(today, -10)}T03:00:00Z` },
        ),
      ];
      const scores = await hub.gql(INGEST_RISK_SCORES, { records: scoreRecords });
      expect(verdicts(scores)).toEqual([[['scoredAt', 'BEFORE_SUBJECT']], 'accepted']);
      // The claim's accident moved later since: the stored score, resent, is a retry.
      const moved = await hub.gql(INGEST_CLAIMS, {
        records: [
          claim(closed, {
            accidentAt: `${addDays(today, -10)}T03:30:00Z`,
            reportedAt: `${addDays(today, -10)}T04:00:00Z`,
            status: 'CLOSED',
            closedAt: `${addDays(today, -2)}T03:00:00Z`,
            paidAmount: '0',
          }),
        ],
      });
      expect(moved.data!.ingestClaims.records[0].status).toBe('UPDATED');
      const resent = await hub.gql(INGEST_RISK_SCORES, { records: [scoreRecords[1]] });
      expect(resent.data!.ingestRiskScores.records[0].status).toBe('UNCHANGED');

      // The database holds the first two as well, for any writer.
      await expect(
        hub.sql(`update claim set paid_amount = 1, paid_at = null where claim_no = $1`, [claimNo]),
      ).rejects.toThrow(/has paid 1.00 and says not when/);
      await expect(
        hub.sql(`update policy set line = 'PROPERTY' where policy_no = $1`, [car.policyNo]),
      ).rejects.toThrow(/names a vehicle: only auto policies do/);
      // A row written before the rule stays as its source sent it, and still moves with its
      // customer (a merge rewrites the claimant, not the payment).
      await hub.sql(`alter table claim disable trigger claim_paid_at`);
      try {
        await hub.sql(`update claim set paid_amount = 5, paid_at = null where claim_no = $1`, [
          claimNo,
        ]);
      } finally {
        await hub.sql(`alter table claim enable trigger claim_paid_at`);
      }
      await hub.sql(
        `update claim set claimant_id = claimant_id, reserve = reserve + 1 where claim_no = $1`,
        [claimNo],
      );
    });

    it('take a renewal listed before the policy it renews, and a chain of three in any order', async () => {
      const [{ n, cifNo }] = await customers(1);
      const today = hub.clock.today();
      const car = { vehicle: { vin: vin(n), plate: plate(n), use: 'FAMILY_PRIVATE' } };
      const year = (back: number, renews?: string) =>
        autoPolicyRecord(nextNumber(), cifNo, {
          ...car,
          effectiveDate: addDays(addYears(today, -back), -30),
          expiryDate: addDays(addYears(today, 1 - back), -31),
          status: back > 0 ? 'EXPIRED' : 'IN_FORCE',
          ...(renews ? { renewsPolicyNo: renews } : {}),
        });
      const oldest = year(2);
      const middle = year(1, oldest.policyNo);
      const newest = year(0, middle.policyNo);
      const res = await hub.gql(INGEST_POLICIES, { records: [newest, middle, oldest] });
      expect(verdicts(res)).toEqual(['accepted', 'accepted', 'accepted']);
      // Answered in the batch's order.
      expect(res.data!.ingestPolicies.records.map((r: { key: string }) => r.key)).toEqual([
        newest.policyNo,
        middle.policyNo,
        oldest.policyNo,
      ]);
      const renews = await hub.sql(
        `select p.policy_no, r.policy_no as renews from policy p left join policy r on r.id = p.renews_id
         where p.policy_no = any($1) order by p.effective_date`,
        [[oldest.policyNo, middle.policyNo, newest.policyNo]],
      );
      expect(renews).toEqual([
        { policy_no: oldest.policyNo, renews: null },
        { policy_no: middle.policyNo, renews: oldest.policyNo },
        { policy_no: newest.policyNo, renews: middle.policyNo },
      ]);
    });

    it('reject a renewal that continues no policy of its holder: another line, car or holder, or one renewed already', async () => {
      const [{ n, cifNo }, { cifNo: otherCifNo }] = await customers(2);
      const today = hub.clock.today();
      const car = { vehicle: { vin: vin(n), plate: plate(n), use: 'FAMILY_PRIVATE' } };
      const first = autoPolicyRecord(n, cifNo, {
        ...car,
        effectiveDate: addDays(addYears(today, -1), -30),
        expiryDate: addDays(today, -31),
        status: 'EXPIRED',
      });
      expect(verdicts(await hub.gql(INGEST_POLICIES, { records: [first] }))).toEqual(['accepted']);
      const renewal = (overrides: Record<string, unknown> = {}) =>
        autoPolicyRecord(nextNumber(), cifNo, {
          ...car,
          effectiveDate: addDays(today, -30),
          expiryDate: addDays(addYears(today, 1), -31),
          renewsPolicyNo: first.policyNo,
          ...overrides,
        });
      const m = nextNumber();
      const res = await hub.gql(INGEST_POLICIES, {
        records: [
          renewal({ line: 'COMPULSORY_AUTO' }),
          renewal({ vehicle: { vin: vin(m), plate: plate(m), use: 'FAMILY_PRIVATE' } }),
          renewal({ parties: [{ role: 'POLICYHOLDER', customer: { cifNo: otherCifNo } }] }),
          renewal(),
          renewal(),
          // A renewal cancelled leaves the policy to be renewed again.
          renewal({ status: 'CANCELLED' }),
        ],
      });
      const cancelled = renewal({ status: 'CANCELLED' });
      expect(verdicts(res)).toEqual([
        [['renewsPolicyNo', 'RENEWAL_LINE']],
        [['renewsPolicyNo', 'RENEWAL_VEHICLE']],
        [['renewsPolicyNo', 'RENEWAL_HOLDER']],
        'accepted',
        [['renewsPolicyNo', 'ALREADY_RENEWED']],
        'accepted',
      ]);
      // A cancelled policy is no link of a chain: renewing it would start a second one.
      expect(verdicts(await hub.gql(INGEST_POLICIES, { records: [cancelled] }))).toEqual([
        'accepted',
      ]);
      const onCancelled = autoPolicyRecord(nextNumber(), cifNo, {
        ...car,
        effectiveDate: addDays(addYears(today, 1), -30),
        expiryDate: addDays(addYears(today, 2), -31),
        status: 'PENDING',
        renewsPolicyNo: cancelled.policyNo,
      });
      expect(verdicts(await hub.gql(INGEST_POLICIES, { records: [onCancelled] }))).toEqual([
        [['renewsPolicyNo', 'RENEWS_CANCELLED']],
      ]);
      // The renewed policy sent again as another line, or another holder's: its renewal would
      // no longer continue it.
      expect(
        verdicts(
          await hub.gql(INGEST_POLICIES, {
            records: [
              { ...first, line: 'PROPERTY', vehicle: null },
              {
                ...first,
                parties: [{ role: 'POLICYHOLDER', customer: { cifNo: otherCifNo } }],
              },
            ],
          }),
        ),
      ).toEqual([[['line', 'RENEWAL_LINE']], [['parties', 'RENEWAL_HOLDER']]]);
      // Two batches renewing one policy at once: one renewal, whichever commits first.
      const twice = autoPolicyRecord(nextNumber(), cifNo, {
        ...car,
        effectiveDate: addDays(addYears(today, -2), -30),
        expiryDate: addDays(addYears(today, -1), -31),
        status: 'EXPIRED',
      });
      expect(verdicts(await hub.gql(INGEST_POLICIES, { records: [twice] }))).toEqual(['accepted']);
      const racing = await Promise.all(
        [0, 1].map(() =>
          hub.gql(INGEST_POLICIES, {
            records: [
              autoPolicyRecord(nextNumber(), cifNo, {
                ...car,
                effectiveDate: first.effectiveDate,
                expiryDate: first.expiryDate,
                status: 'EXPIRED',
                renewsPolicyNo: twice.policyNo,
              }),
            ],
          }),
        ),
      );
      expect(racing.map(verdicts).flat(1).sort()).toEqual([
        'accepted',
        [['renewsPolicyNo', 'ALREADY_RENEWED']],
      ]);
    });

    it('reject one of a renewal and a change of the policy it renews sent at once, as one after the other', async () => {
      const today = hub.clock.today();
      for (let round = 0; round < 5; round++) {
        const [{ n, cifNo }, { cifNo: otherCifNo }] = await customers(2);
        const car = { vehicle: { vin: vin(n), plate: plate(n), use: 'FAMILY_PRIVATE' } };
        const first = autoPolicyRecord(nextNumber(), cifNo, {
          ...car,
          effectiveDate: addDays(addYears(today, -1), -30),
          expiryDate: addDays(today, -31),
          status: 'EXPIRED',
        });
        expect(verdicts(await hub.gql(INGEST_POLICIES, { records: [first] }))).toEqual([
          'accepted',
        ]);
        const [renewal, moved] = await Promise.all([
          hub.gql(INGEST_POLICIES, {
            records: [
              autoPolicyRecord(nextNumber(), cifNo, {
                ...car,
                effectiveDate: addDays(today, -30),
                expiryDate: addDays(addYears(today, 1), -31),
                renewsPolicyNo: first.policyNo,
              }),
            ],
          }),
          hub.gql(INGEST_POLICIES, {
            records: [
              { ...first, parties: [{ role: 'POLICYHOLDER', customer: { cifNo: otherCifNo } }] },
            ],
          }),
        ]);
        // Whichever commits first, the other is checked against it.
        const both = [...verdicts(renewal), ...verdicts(moved)];
        expect(both.filter((v) => v === 'accepted')).toHaveLength(1);
        expect(both.find((v) => v !== 'accepted')).toEqual([
          [expect.any(String), 'RENEWAL_HOLDER'],
        ]);
      }
    }, 60_000);

    it('reject a list longer than its limit, and accept one at it', async () => {
      const [n, m] = [nextNumber(), nextNumber()];
      const emails = (count: number, k: number) =>
        Array.from({ length: count }, (_, i) => ({
          kind: 'EMAIL',
          value: `m${k}.${i}@example.cn`,
        }));
      const res = await hub.gql(INGEST_CUSTOMERS, {
        records: [
          customerRecord(n, { contactPoints: emails(51, n) }),
          customerRecord(m, { contactPoints: emails(50, m) }),
        ],
      });
      expect(verdicts(res)).toEqual([[['contactPoints', 'MAX_ITEMS']], 'accepted']);
    });

    it('reject a branch code PostgreSQL cannot store, and accept the record beside it', async () => {
      const [n, m, k] = [nextNumber(), nextNumber(), nextNumber()];
      const res = await hub.gql(INGEST_CUSTOMERS, {
        records: [
          customerRecord(n, { branchCode: '3201\u0000' }),
          customerRecord(m, { branchCode: '3201\ud800' }),
          customerRecord(k),
        ],
      });
      expect(verdicts(res)).toEqual([
        [['branchCode', 'CONTROL_CHARACTER']],
        [['branchCode', 'LONE_SURROGATE']],
        'accepted',
      ]);
    });

    it('read full-width digits and letters in identifiers as ASCII', async () => {
      const [{ n, cifNo }] = await customers(1);
      const ascii = autoPolicyRecord(n, cifNo);
      const sent = autoPolicyRecord(n, fullWidth(cifNo), {
        policyNo: `\u3000${fullWidth(ascii.policyNo)}\u200b`,
        productCode: fullWidth(ascii.productCode),
        vehicle: { vin: fullWidth(vin(n)), plate: fullWidth(plate(n)), use: 'FAMILY_PRIVATE' },
      });
      const first = await hub.gql(INGEST_POLICIES, { records: [sent] });
      expect(outcomesOf(first)).toEqual([expect.objectContaining({ status: 'CREATED' })]);
      expect(
        await hub.sql(
          `select p.policy_no, p.product_code, v.vin, v.plate from policy p
           join vehicle v on v.id = p.vehicle_id where p.id = $1`,
          [outcomesOf(first)[0]!.id],
        ),
      ).toEqual([
        { policy_no: ascii.policyNo, product_code: 'CA-2026', vin: vin(n), plate: plate(n) },
      ]);
      // The same record in ASCII is the same content.
      const again = await hub.gql(INGEST_POLICIES, { records: [ascii] });
      expect(outcomesOf(again)).toEqual([expect.objectContaining({ status: 'UNCHANGED' })]);
    });

    it('hold branch records to the same rules, the tree order aside', async () => {
      const n = nextNumber();
      const res = await hub.gql(INGEST_BRANCHES, {
        records: [
          { code: `B${n}-2`, name: 'Child', level: 'COUNTY', parentCode: fullWidth(`B${n}`) },
          { code: fullWidth(`B${n}`), name: `Xuanwu ${n}`, level: 'CITY', parentCode: '3200' },
          { code: `B${n}-3`, name: INVISIBLE, level: 'CITY', parentCode: '3200' },
        ],
      });
      expect(verdicts(res)).toEqual(['accepted', 'accepted', [['name', 'REQUIRED']]]);
      expect(
        await hub.sql(`select code from branch where code like $1 order by code`, [`B${n}%`]),
      ).toEqual([{ code: `B${n}` }, { code: `B${n}-2` }]);
    });
  });

  describe('a rejected record', () => {
    it('changes nothing, in memory or in the database, that a later record could write', async () => {
      const [{ n, cifNo }] = await customers(1);
      const first = await hub.gql(INGEST_POLICIES, { records: [autoPolicyRecord(n, cifNo)] });
      expect(outcomesOf(first).map((o) => o.status)).toEqual(['CREATED']);

      // The database refuses a policy under this product after the record changed the car.
      await hub.sql(`create function refuse_test_policy() returns trigger language plpgsql as $$
        begin
          if new.product_code = 'REFUSED' then
            raise exception 'refused' using errcode = 'check_violation', constraint = 'policy_test_rule';
          end if;
          return new;
        end $$`);
      await hub.sql(
        `create trigger refuse_test_policy before insert or update on policy for each row execute function refuse_test_policy()`,
      );
      try {
        const [other, third] = [nextNumber(), nextNumber()];
        const res = await hub.gql(INGEST_POLICIES, {
          records: [
            // Loads the car into the batch.
            autoPolicyRecord(n, cifNo, { premium: '5000.00' }),
            // Changes the same car, then is refused.
            autoPolicyRecord(other, cifNo, {
              productCode: 'REFUSED',
              vehicle: { vin: vin(n), plate: plate(other), use: 'OPERATING' },
            }),
            autoPolicyRecord(third, cifNo),
          ],
        });
        expect(outcomesOf(res).map((o) => [o.status, o.errors])).toEqual([
          ['UPDATED', []],
          ['REJECTED', [expect.objectContaining({ field: 'policy_test_rule', rule: 'CHECK' })]],
          ['CREATED', []],
        ]);
        expect(await hub.sql(`select plate, use from vehicle where vin = $1`, [vin(n)])).toEqual([
          { plate: plate(n), use: 'FAMILY_PRIVATE' },
        ]);
        expect(
          await hub.sql(`select policy_no from policy where policy_no = any($1) order by 1`, [
            [autoPolicyRecord(other, '').policyNo, autoPolicyRecord(third, '').policyNo],
          ]),
        ).toEqual([{ policy_no: autoPolicyRecord(third, '').policyNo }]);
      } finally {
        await hub.sql('drop trigger refuse_test_policy on policy');
        await hub.sql('drop function refuse_test_policy');
      }
    });
  });

  describe('batches sent at the same time', () => {
    const settled = (...responses: { data?: Record<string, any> }[]) =>
      responses.flatMap(outcomesOf).filter((o) => o.status === 'REJECTED' || o.errors.length);

    it('write each policy and claim they share once, and reject none of them', async () => {
      for (let round = 0; round < 3; round++) {
        const holders = await customers(7);
        const policies = holders.map(({ n, cifNo }) => autoPolicyRecord(n, cifNo));
        const claims = holders.map(({ n }) => claimRecord(n, autoPolicyRecord(n, '').policyNo));
        // Five keys in common, in crossing orders: each batch soon holds a key the other
        // needs next.
        expect(
          settled(
            ...(await Promise.all([
              hub.gql(INGEST_POLICIES, { records: policies.slice(0, 6) }),
              hub.gql(INGEST_POLICIES, { records: policies.slice(1).reverse() }),
            ])),
          ),
        ).toEqual([]);
        expect(
          settled(
            ...(await Promise.all([
              hub.gql(INGEST_CLAIMS, { records: claims.slice(0, 6) }),
              hub.gql(INGEST_CLAIMS, { records: claims.slice(1) }),
            ])),
          ),
        ).toEqual([]);
        const rows = await hub.sql(
          `select (select count(*) from policy where policy_no = any($1))::int as policies,
                  (select count(*) from claim where claim_no = any($2))::int as claims`,
          [policies.map((p) => p.policyNo), claims.map((c) => c.claimNo)],
        );
        expect(rows).toEqual([{ policies: 7, claims: 7 }]);
      }
    }, 60_000);

    it('write a car two new policies share once, and reject neither policy', async () => {
      for (let round = 0; round < 5; round++) {
        const [{ n, cifNo }] = await customers(1);
        const car = { vehicle: { vin: vin(n), plate: plate(n), use: 'FAMILY_PRIVATE' } };
        const [a, b] = [nextNumber(), nextNumber()];
        const responses = await Promise.all([
          hub.gql(INGEST_POLICIES, { records: [autoPolicyRecord(a, cifNo, car)] }),
          hub.gql(INGEST_POLICIES, { records: [autoPolicyRecord(b, cifNo, car)] }),
        ]);
        expect(responses.flatMap(outcomesOf).map((o) => o.status)).toEqual(['CREATED', 'CREATED']);
        expect(
          await hub.sql(
            `select count(distinct p.vehicle_id)::int as cars from policy p where p.policy_no = any($1)`,
            [[autoPolicyRecord(a, '').policyNo, autoPolicyRecord(b, '').policyNo]],
          ),
        ).toEqual([{ cars: 1 }]);
      }
    });

    it('describe a car as its current policy does, whatever order its policies arrive in', async () => {
      const [{ n, cifNo }] = await customers(1);
      const today = hub.clock.today();
      const [current, backfill, next] = [nextNumber(), nextNumber(), nextNumber()];
      const green = `苏AD${String(n % 100000).padStart(5, '0')}`;
      const car = (plateNo: string) => ({
        vehicle: { vin: vin(n), plate: plateNo, use: 'FAMILY_PRIVATE' },
      });
      const send = async (m: number, from: string, plateNo: string, status: string) =>
        outcomesOf(
          await hub.gql(INGEST_POLICIES, {
            records: [
              autoPolicyRecord(m, cifNo, {
                ...car(plateNo),
                effectiveDate: from,
                expiryDate: addDays(addYears(from, 1), -1),
                status,
              }),
            ],
          }),
        )[0]!.status;
      const found = async () =>
        (await hub.gql(`{ vehicle(vin: "${vin(n)}") { plate newEnergy } }`, {}, Role.UNDERWRITING))
          .data!.vehicle;

      expect(await send(current, addDays(today, -30), green, 'IN_FORCE')).toBe('CREATED');
      expect(await found()).toEqual({ plate: green, newEnergy: true });
      // Last year's policy, sent late, names the plate the car had then.
      expect(await send(backfill, addDays(today, -400), plate(n), 'EXPIRED')).toBe('CREATED');
      expect(await found()).toEqual({ plate: green, newEnergy: true });
      // Next year's policy, sold ahead, names the plate the car will have: from its first day.
      expect(await send(next, addDays(today, 335), plate(n), 'PENDING')).toBe('CREATED');
      expect(await found()).toEqual({ plate: green, newEnergy: true });
      hub.clock.set(hub.clock.instantAt(addDays(today, 336), '09:00:00'));
      try {
        expect(await found()).toEqual({ plate: plate(n), newEnergy: false });
      } finally {
        hub.clock.set(undefined);
      }
    });
  });
});

import { generateLabelledRecords } from '../../../bench/matching/generate';
import { keyingRelation, upgradeLegacyResidentId } from '../../../src/modules/matching/identifiers';
import { checkCreditCode, checkResidentId } from '../../../src/validation';

describe('generateLabelledRecords', () => {
  const { records } = generateLabelledRecords({ people: 2_000, organisations: 200, seed: 11 });
  const clusters = new Set(records.map((r) => r.cluster));
  const documents = (type: string) =>
    records.flatMap((r) =>
      (r.record.identityDocuments ?? [])
        .filter((d) => d.type === type)
        .map((d) => ({ cluster: r.cluster, number: d.number })),
    );

  it('is deterministic from its seed', () => {
    const options = { people: 300, organisations: 30, seed: 11 };
    const { records: first } = generateLabelledRecords(options);
    expect(generateLabelledRecords(options).records).toEqual(first);
    expect(generateLabelledRecords({ ...options, seed: 12 }).records).not.toEqual(first);
  });

  it('gives each entity 1 to 4 records, about a fifth of them duplicates', () => {
    expect(clusters.size).toBe(2_200);
    const sizes = new Map<string, number>();
    for (const { cluster } of records) sizes.set(cluster, (sizes.get(cluster) ?? 0) + 1);
    expect(Math.max(...sizes.values())).toBeLessThanOrEqual(4);
    const duplicates = (records.length - clusters.size) / records.length;
    expect(duplicates).toBeGreaterThan(0.15);
    expect(duplicates).toBeLessThan(0.25);
  });

  it('issues resident IDs the validator accepts, but for legacy numbers and keying errors', () => {
    const ids = documents('RESIDENT_ID');
    const valid = ids.filter(({ number }) => checkResidentId(number).ok);
    const legacy = valid.filter(({ number }) => number.length === 15);
    expect(legacy.length).toBeGreaterThan(10);
    const mistyped = ids.filter(({ number }) => !checkResidentId(number).ok);
    expect(mistyped.length).toBeGreaterThan(5);
    // Each is one keying error away from the number another source holds for the same person.
    const related = mistyped.filter(({ cluster, number }) =>
      valid.some(
        (v) =>
          v.cluster === cluster &&
          ['CHECK_CHARACTER', 'TRANSPOSITION'].includes(
            keyingRelation(upgradeLegacyResidentId(v.number), number),
          ),
      ),
    );
    const withAnother = mistyped.filter(({ cluster }) => valid.some((v) => v.cluster === cluster));
    expect(related).toEqual(withAnother);
  });

  it('issues credit codes with both check characters right', () => {
    const codes = documents('UNIFIED_SOCIAL_CREDIT_CODE');
    expect(codes.length).toBeGreaterThan(150);
    for (const { number } of codes) {
      expect(checkCreditCode(number)).toEqual({
        ok: true,
        value: { normalized: number },
        warnings: [],
      });
    }
  });

  it('knows a caller by name and mobile, and an app user by name and e-mail', () => {
    const fields = (system: string) =>
      new Set(
        records
          .filter((r) => r.record.sourceSystem === system)
          .flatMap((r) => [
            ...Object.keys(r.record).filter(
              (k) => !['identityDocuments', 'contactPoints'].includes(k),
            ),
            ...(r.record.identityDocuments ?? []).map((d) => d.type),
            ...(r.record.contactPoints ?? []).map((c) => c.kind),
          ])
          .filter((k) => !['sourceSystem', 'sourceKey', 'kind', 'branchCode'].includes(k)),
      );
    expect(fields('CALL_CENTRE')).toEqual(new Set(['name', 'MOBILE']));
    expect(fields('APP')).toEqual(new Set(['name', 'EMAIL']));
  });

  it("puts a dealer's phone on 30 or more unrelated customers", () => {
    const customers = new Map<string, Set<string>>();
    for (const { cluster, record } of records) {
      if (record.sourceSystem !== 'DEALER') continue;
      for (const c of record.contactPoints ?? []) {
        if (c.kind === 'MOBILE')
          customers.set(c.value, (customers.get(c.value) ?? new Set()).add(cluster));
      }
    }
    expect(Math.max(...[...customers.values()].map((s) => s.size))).toBeGreaterThanOrEqual(30);
  });

  it('spells some names in traditional characters or in pinyin', () => {
    const names = records.map((r) => r.record.name);
    expect(names.filter((n) => /^[A-Za-z]+ [A-Za-z]+$/.test(n)).length).toBeGreaterThan(5);
    expect(names.filter((n) => /[陳張劉黃趙吳鄭偉靜麗]/.test(n)).length).toBeGreaterThan(5);
  });
});

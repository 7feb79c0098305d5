import { Converter } from 'opencc-js/cn2t';
import { pinyin } from 'pinyin-pro';
import {
  CustomerKind,
  ContactKind,
  Gender,
  IdentityDocumentType,
  SourceSystem,
} from '../../src/modules/customer/customer.enums';
import type { CustomerRecordInput } from '../../src/modules/ingestion/ingestion.input';
import { COMPOUND_SURNAMES } from '../../src/modules/matching/names';
import { checkCreditCode, checkResidentId } from '../../src/validation';
import {
  COMMUNITIES,
  EMAIL_DOMAINS,
  FEMALE_GIVEN_NAMES,
  INDUSTRIES,
  MALE_GIVEN_NAMES,
  ROADS,
  SURNAMES,
  TRADE_CHARACTERS,
} from '../../seeds/reference/names';
import { MOBILE_PREFIXES } from '../../seeds/reference/numbering';

/** One source record and the true entity (person or organisation) it describes. */
export interface LabelledRecord {
  cluster: string;
  record: CustomerRecordInput;
}

export interface GeneratorOptions {
  /** True people; each gets 1 to 4 source records. */
  people: number;
  /** True organisations; each gets 1 to 4 source records. */
  organisations: number;
  seed: number;
}

// How often each hard case is drawn. Each is a few per cent of the entities, as the matching
// rules must handle each without being tuned to one.
const RATES = {
  /** A person starts a household of 2 to 4 that shares a mobile, an address and a surname. */
  household: 0.03,
  /** A person takes the common name and the birth date of someone already drawn. */
  namesake: 0.03,
  /** One source writes the name in traditional characters. */
  traditional: 0.02,
  /** One source writes the name in pinyin. */
  romanised: 0.02,
  /** One source mistypes a character of the name as a homophone. */
  homophone: 0.01,
  /** One source mistypes the resident ID's check character or swaps two adjacent characters. */
  idTypo: 0.02,
  /** An organisation's older records carry its former name. */
  renamed: 0.05,
  /** A person born before 1984 shows a pre-1999 15-digit ID to a source. */
  legacyId: 0.3,
  /** A person gives some sources a second mobile. */
  secondMobile: 0.06,
  /** A dealer record carries the dealer's phone, not the customer's. */
  dealerPhone: 0.5,
  /** A record without an ID (which would contradict it) mistypes the birth date. */
  birthTypo: 0.03,
  /** A record without an ID (which would contradict it) carries the wrong gender. */
  genderError: 0.01,
  /** A source drops the province and city from the address. */
  shortAddress: 0.3,
};

// Records per entity: 1 to 4, about 20% of all records repeating an entity another source
// already holds.
const RECORD_COUNTS: [count: number, weight: number][] = [
  [1, 85],
  [2, 10],
  [3, 3],
  [4, 2],
];

// A customer is in the hub because a policy was sold: the first record comes from a sales
// system. Claims, the call centre, the app and WeChat know customers who already hold one.
const SALES_SOURCES: [SourceSystem, number][] = [
  [SourceSystem.POLICY_ADMIN, 65],
  [SourceSystem.AGENCY, 20],
  [SourceSystem.DEALER, 15],
];
const PERSON_SOURCES: [SourceSystem, number][] = [
  [SourceSystem.POLICY_ADMIN, 10],
  [SourceSystem.CLAIMS, 20],
  [SourceSystem.CALL_CENTRE, 20],
  [SourceSystem.APP, 15],
  [SourceSystem.WECHAT, 20],
  [SourceSystem.AGENCY, 5],
  [SourceSystem.DEALER, 10],
];
// Organisations use neither the app nor WeChat.
const ORGANISATION_SOURCES: [SourceSystem, number][] = [
  [SourceSystem.POLICY_ADMIN, 10],
  [SourceSystem.CLAIMS, 40],
  [SourceSystem.CALL_CENTRE, 30],
  [SourceSystem.AGENCY, 10],
  [SourceSystem.DEALER, 10],
];

interface Profile {
  document: number;
  birthDate: number;
  gender: number;
  mobile: number;
  email: number;
  address: number;
}

// What each source system knows of a customer: the share of its records carrying each field.
// The call centre knows a caller by name and number, the app by name and e-mail login; policy
// administration and agencies hold the proposal form; a dealer selling auto insurance and a
// claim paid to a named payee need the resident ID (real-name rules), if not much else.
const PROFILES: Record<SourceSystem, Profile> = {
  POLICY_ADMIN: { document: 0.97, birthDate: 1, gender: 1, mobile: 0.95, email: 0.8, address: 0.9 },
  AGENCY: { document: 0.9, birthDate: 1, gender: 1, mobile: 0.95, email: 0.5, address: 0.7 },
  CLAIMS: { document: 0.85, birthDate: 0.5, gender: 0.6, mobile: 1, email: 0.5, address: 0.3 },
  DEALER: { document: 0.9, birthDate: 0.3, gender: 0.5, mobile: 1, email: 0.2, address: 0.4 },
  WECHAT: { document: 0, birthDate: 0.5, gender: 0.8, mobile: 1, email: 0, address: 0 },
  CALL_CENTRE: { document: 0, birthDate: 0, gender: 0, mobile: 1, email: 0, address: 0 },
  APP: { document: 0, birthDate: 0, gender: 0, mobile: 0, email: 1, address: 0 },
};

// GB/T 2260 county-level division codes with their names, for IDs, credit codes and addresses.
const REGIONS: [code: string, city: string, district: string][] = [
  ['110105', '北京市', '朝阳区'],
  ['310115', '上海市', '浦东新区'],
  ['320106', '江苏省南京市', '鼓楼区'],
  ['320506', '江苏省苏州市', '吴中区'],
  ['330106', '浙江省杭州市', '西湖区'],
  ['440305', '广东省深圳市', '南山区'],
  ['440106', '广东省广州市', '天河区'],
  ['510107', '四川省成都市', '武侯区'],
  ['420106', '湖北省武汉市', '武昌区'],
  ['370212', '山东省青岛市', '崂山区'],
  ['350203', '福建省厦门市', '思明区'],
  ['610113', '陕西省西安市', '雁塔区'],
];

// Given-name characters outside the common lists: names built from them are rare.
const RARE_GIVEN_CHARACTERS = [...'翊珩琰璟昀晟婳湉骁蔚熠芃筠翀瑀瑾琛璇玥煜祎沅澍岚钰霖屹'];
// Uyghur names, written with a middle dot, keep their own words in pinyin.
const DOTTED_NAMES = ['买买提·艾力', '阿依古丽·吐尔逊', '艾尔肯·阿不都', '古丽娜尔·热合曼'];
// Homophones that a pinyin keyboard offers first: a common slip when keying a name.
const HOMOPHONES: Record<string, string> = {
  静: '晶',
  伟: '玮',
  娜: '纳',
  敏: '民',
  丽: '莉',
  杰: '洁',
  芳: '方',
  军: '君',
  勇: '永',
  涛: '韬',
  明: '铭',
  婷: '亭',
  强: '蔷',
  磊: '蕾',
  辉: '徽',
};
const DIGITS = '0123456789';

/** mulberry32 (Tommy Ettinger, public domain): fast, 32-bit state, good enough for test data. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Draw {
  private readonly next: () => number;
  // Zipf weights per list, computed once.
  private readonly cumulative = new Map<readonly unknown[], number[]>();

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  fraction(): number {
    return this.next();
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  int(from: number, to: number): number {
    return from + Math.floor(this.next() * (to - from + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  digits(n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += DIGITS[this.int(0, 9)];
    return out;
  }

  weighted<T>(items: readonly [T, number][]): T {
    const total = items.reduce((sum, [, w]) => sum + w, 0);
    let r = this.next() * total;
    for (const [item, weight] of items) {
      r -= weight;
      if (r < 0) return item;
    }
    return items[items.length - 1][0];
  }

  /** The i-th item with weight 1/(i+1): the few common names, and a long tail. */
  zipf<T>(items: readonly T[]): T {
    let cumulative = this.cumulative.get(items);
    if (!cumulative) {
      let sum = 0;
      cumulative = items.map((_, i) => (sum += 1 / (i + 1)));
      this.cumulative.set(items, cumulative);
    }
    const r = this.next() * cumulative[cumulative.length - 1];
    const i = cumulative.findIndex((c) => r < c);
    return items[i];
  }

  /** `count` different items, each drawn by weight. */
  distinct<T>(items: readonly [T, number][], count: number): T[] {
    const left = [...items];
    const out: T[] = [];
    while (out.length < count && left.length > 0) {
      const item = this.weighted(left);
      out.push(item);
      left.splice(
        left.findIndex(([x]) => x === item),
        1,
      );
    }
    return out;
  }
}

interface Person {
  cluster: string;
  surname: string;
  given: string;
  gender: Gender;
  birthDate: string;
  residentId: string;
  mobile: string;
  secondMobile?: string;
  email: string;
  address: { full: string; short: string };
}

interface Organisation {
  cluster: string;
  name: string;
  formerName?: string;
  creditCode: string;
  mobile: string;
  email: string;
  address: { full: string; short: string };
}

const toTraditional = Converter({ from: 'cn', to: 'tw' });

/**
 * Labelled source records for measuring the matching rules: true people and organisations,
 * each seen by 1 to 4 source systems with those systems' gaps and keying errors, and the hard
 * cases of RATES. Deterministic from the seed. Records are CustomerRecordInput-shaped, so the
 * same data can go through ingestion; mistyped resident IDs fail its checksum by design.
 */
export function generateLabelledRecords(options: GeneratorOptions): { records: LabelledRecord[] } {
  const draw = new Draw(options.seed);
  const used = new Set<string>();
  // Draws until the value is new: identity numbers, mobiles and e-mails are one holder's.
  const unique = (make: () => string) => {
    let value = make();
    while (used.has(value)) value = make();
    used.add(value);
    return value;
  };
  const mobile = () => unique(() => draw.pick(MOBILE_PREFIXES) + draw.digits(8));
  const dealerPhones = Array.from(
    { length: Math.max(1, Math.ceil(options.people / 1000)) },
    mobile,
  );
  const address = (region: (typeof REGIONS)[number], home: boolean) => {
    const street = `${draw.pick(ROADS)}${draw.int(1, 999)}号`;
    const unit = home
      ? `${draw.pick(COMMUNITIES)}${draw.int(1, 30)}幢${draw.int(1, 30)}0${draw.int(1, 4)}室`
      : `${draw.int(1, 30)}楼`;
    return {
      full: `${region[1]}${region[2]}${street}${unit}`,
      short: `${region[2]}${street}${unit}`,
    };
  };
  const records: LabelledRecord[] = [];
  const sequences = new Map<SourceSystem, number>();
  const emit = (cluster: string, record: Omit<CustomerRecordInput, 'sourceKey' | 'branchCode'>) => {
    const sequence = (sequences.get(record.sourceSystem) ?? 0) + 1;
    sequences.set(record.sourceSystem, sequence);
    const sourceKey = `${record.sourceSystem.toLowerCase()}-${String(sequence).padStart(7, '0')}`;
    // Absent fields are left out, as a source system's JSON leaves them out.
    const present = Object.entries(record).filter(([, value]) => value !== undefined);
    records.push({
      cluster,
      record: { ...(Object.fromEntries(present) as typeof record), sourceKey, branchCode: '0000' },
    });
  };

  const people: Person[] = [];
  let household:
    { left: number; surname: string; mobile: string; address: Person['address'] } | undefined;
  for (let i = 0; i < options.people; i++) {
    const gender = draw.chance(0.5) ? Gender.MALE : Gender.FEMALE;
    const region = draw.pick(REGIONS);
    if (!household && draw.chance(RATES.household)) {
      household = {
        left: draw.int(2, 4),
        surname: draw.zipf(SURNAMES)[0],
        mobile: mobile(),
        address: address(region, true),
      };
    }
    const namesake = !household && people.length > 0 && draw.chance(RATES.namesake);
    const model = namesake ? commonlyNamed(draw, people) : undefined;
    let { surname, given } = model ?? drawName(draw, gender);
    if (household) {
      surname = household.surname;
      // A household's members have different given names, from the common ones.
      const givenNames = gender === Gender.MALE ? MALE_GIVEN_NAMES : FEMALE_GIVEN_NAMES;
      do given = draw.zipf(givenNames);
      while (people.slice(-3).some((p) => p.surname === surname && p.given === given));
    }
    const birthDate = model?.birthDate ?? drawBirthDate(draw);
    const residentId = unique(() =>
      residentIdOf(region[0], birthDate, model?.gender ?? gender, draw),
    );
    people.push({
      cluster: `person-${i}`,
      surname,
      given,
      gender: model?.gender ?? gender,
      birthDate,
      residentId,
      mobile: household?.mobile ?? mobile(),
      secondMobile: draw.chance(RATES.secondMobile) ? mobile() : undefined,
      email: unique(() => emailOf(draw, surname + given)),
      address: household?.address ?? address(region, true),
    });
    if (household && --household.left === 0) household = undefined;
  }

  for (const person of people) {
    const variants = {
      traditional: draw.chance(RATES.traditional),
      romanised: draw.chance(RATES.romanised),
      homophone: draw.chance(RATES.homophone),
      idTypo: draw.chance(RATES.idTypo),
    };
    const hard = Object.values(variants).some(Boolean);
    const count = Math.max(hard ? 2 : 1, draw.weighted(RECORD_COUNTS));
    const sources = sourcesOf(draw, PERSON_SOURCES, count);
    // A variant goes on one record other than the first, so another record shows the truth;
    // a mistyped ID on one from a system that records IDs.
    const variantAt = draw.int(1, count - 1);
    const typoAt = variants.idTypo
      ? sources.findIndex((s, n) => n > 0 && PROFILES[s].document > 0)
      : -1;
    const legacy = person.birthDate < '1984' && draw.chance(RATES.legacyId);
    // The sale records what the customer later uses elsewhere: the e-mail their app account
    // is registered under (the e-policy went there), the own mobile that the call centre and
    // WeChat see them by. Without it those records share nothing with the rest but a name.
    const sale = {
      email: sources.includes(SourceSystem.APP),
      mobile: sources.some((s) => s === SourceSystem.CALL_CENTRE || s === SourceSystem.WECHAT),
    };
    sources.forEach((source, n) => {
      const profile =
        n === 0
          ? {
              ...PROFILES[source],
              email: sale.email ? 1 : PROFILES[source].email,
              mobile: sale.mobile ? 1 : PROFILES[source].mobile,
            }
          : PROFILES[source];
      const withId = draw.chance(profile.document) || n === typoAt;
      let name = person.surname + person.given;
      if (n === variantAt) {
        if (variants.traditional) name = toTraditional(name);
        if (variants.romanised) name = romanise(draw, person);
        if (variants.homophone) name = homophoneOf(name);
      }
      let id = person.residentId;
      if (n === typoAt) id = mistype(draw, id);
      else if (withId && legacy && (source === 'AGENCY' || source === 'CLAIMS')) {
        id = id.slice(0, 6) + id.slice(8, 17);
      }
      // A source whose record carries an ID is checked against it on ingestion; only the
      // others keep their keying errors.
      let birthDate = draw.chance(profile.birthDate) || withId ? person.birthDate : undefined;
      if (birthDate && !withId && draw.chance(RATES.birthTypo)) birthDate = mistypeDate(birthDate);
      let gender = draw.chance(profile.gender) || withId ? person.gender : undefined;
      if (gender && !withId && draw.chance(RATES.genderError)) {
        gender = gender === Gender.MALE ? Gender.FEMALE : Gender.MALE;
      }
      const sourceMobile =
        source === 'DEALER' && !(n === 0 && sale.mobile) && draw.chance(RATES.dealerPhone)
          ? draw.pick(dealerPhones)
          : person.secondMobile && draw.chance(0.5)
            ? person.secondMobile
            : person.mobile;
      emit(person.cluster, {
        sourceSystem: source,
        kind: CustomerKind.INDIVIDUAL,
        name,
        gender,
        birthDate,
        identityDocuments: withId ? [{ type: IdentityDocumentType.RESIDENT_ID, number: id }] : [],
        contactPoints: contacts(draw, profile, sourceMobile, person.email, person.address),
      });
    });
  }

  for (let i = 0; i < options.organisations; i++) {
    const region = draw.pick(REGIONS);
    const renamed = draw.chance(RATES.renamed);
    const organisation: Organisation = {
      cluster: `organisation-${i}`,
      name: unique(() => organisationName(draw, region)),
      formerName: renamed ? unique(() => organisationName(draw, region)) : undefined,
      creditCode: unique(() => creditCodeOf(region[0], draw)),
      mobile: mobile(),
      email: unique(() => `${draw.digits(6)}@${draw.pick(EMAIL_DOMAINS)}`),
      address: address(region, false),
    };
    const count = Math.max(renamed ? 2 : 1, draw.weighted(RECORD_COUNTS));
    sourcesOf(draw, ORGANISATION_SOURCES, count).forEach((source, n) => {
      const profile = PROFILES[source];
      // The sale is the oldest record: it keeps the former name, which only the credit code
      // ties to the rest.
      const former = organisation.formerName !== undefined && n === 0;
      const withCode = former || draw.chance(profile.document);
      const name = former ? organisation.formerName! : organisation.name;
      emit(organisation.cluster, {
        sourceSystem: source,
        kind: CustomerKind.ORGANISATION,
        // Systems type the brackets around a place name full- or half-width.
        name: draw.chance(0.5) ? name.replace('（', '(').replace('）', ')') : name,
        identityDocuments: withCode
          ? [
              {
                type: IdentityDocumentType.UNIFIED_SOCIAL_CREDIT_CODE,
                number: organisation.creditCode,
              },
            ]
          : [],
        contactPoints: contacts(
          draw,
          profile,
          source === 'DEALER' && draw.chance(RATES.dealerPhone)
            ? draw.pick(dealerPhones)
            : organisation.mobile,
          organisation.email,
          organisation.address,
        ),
      });
    });
  }
  return { records };
}

/** A sales system first, then `count - 1` other systems. */
function sourcesOf(draw: Draw, others: [SourceSystem, number][], count: number): SourceSystem[] {
  const first = draw.weighted(SALES_SOURCES);
  return [
    first,
    ...draw.distinct(
      others.filter(([s]) => s !== first),
      count - 1,
    ),
  ];
}

function contacts(
  draw: Draw,
  profile: Profile,
  mobile: string,
  email: string,
  address: { full: string; short: string },
): CustomerRecordInput['contactPoints'] {
  return [
    ...(draw.chance(profile.mobile) ? [{ kind: ContactKind.MOBILE, value: mobile }] : []),
    ...(draw.chance(profile.email) ? [{ kind: ContactKind.EMAIL, value: email }] : []),
    ...(draw.chance(profile.address)
      ? [
          {
            kind: ContactKind.ADDRESS,
            value: draw.chance(RATES.shortAddress) ? address.short : address.full,
          },
        ]
      : []),
  ];
}

function drawName(draw: Draw, gender: Gender): { surname: string; given: string } {
  const givenNames = gender === Gender.MALE ? MALE_GIVEN_NAMES : FEMALE_GIVEN_NAMES;
  const kind = draw.fraction();
  if (kind < 0.01) {
    const [surname, given] = draw.pick(DOTTED_NAMES).split('·');
    return { surname, given: `·${given}` };
  }
  const surname = kind < 0.04 ? draw.pick(COMPOUND_SURNAMES) : draw.zipf(SURNAMES)[0];
  if (kind < 0.6) return { surname, given: draw.zipf(givenNames) };
  // Two characters, at least one outside the common lists for a rare name.
  const common = [...givenNames.filter((g) => g.length === 1)];
  const second = kind < 0.9 ? draw.pick(common) : draw.pick(RARE_GIVEN_CHARACTERS);
  return { surname, given: draw.pick(common) + second };
}

/** Someone already drawn whose name is common enough to be shared by chance. */
function commonlyNamed(draw: Draw, people: Person[]): Person | undefined {
  // The most common surnames and given names: 王伟, 张伟, 王芳, 李娜, ...
  const common = (p: Person) =>
    SURNAMES.slice(0, 3).some(([s]) => s === p.surname) &&
    (MALE_GIVEN_NAMES.slice(0, 3).includes(p.given) ||
      FEMALE_GIVEN_NAMES.slice(0, 3).includes(p.given));
  // Looks back a bounded way so that drawing stays linear in the people.
  for (let tries = 0; tries < 50; tries++) {
    const candidate = people[draw.int(0, people.length - 1)];
    if (common(candidate)) return candidate;
  }
  return undefined;
}

// Customers born 1950-2005: 55 years, as weights.ts assumes for the birth date's u.
const FIRST_BIRTH_DAY = Date.UTC(1950, 0, 1) / 86_400_000;
const LAST_BIRTH_DAY = Date.UTC(2005, 11, 31) / 86_400_000;

function drawBirthDate(draw: Draw): string {
  const day = draw.int(FIRST_BIRTH_DAY, LAST_BIRTH_DAY);
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/**
 * A valid GB 11643 number. The check character is the one the hub's validator accepts, so the
 * generator and the validator cannot disagree.
 */
function residentIdOf(region: string, birthDate: string, gender: Gender, draw: Draw): string {
  // GB 11643-1999: odd sequence codes for men, even ones for women.
  const sex = draw.pick(
    gender === Gender.MALE ? ['1', '3', '5', '7', '9'] : ['0', '2', '4', '6', '8'],
  );
  const body = region + birthDate.replace(/-/g, '') + draw.digits(2) + sex;
  // The validator upgrades a 15-digit number of the 1900s with its check character in one
  // call; later births try the 11 possible characters.
  const legacy = checkResidentId(body.slice(0, 6) + body.slice(8));
  if (birthDate < '2000' && legacy.ok) return legacy.value.normalized;
  return body + [...'0123456789X'].find((c) => checkResidentId(body + c).ok)!;
}

/**
 * A valid GB 32100 code for an enterprise ('91'). Both check characters come from the hub's
 * validator, which reports each mismatch as a warning: for a right organisation-code check
 * (position 17) two different final characters give at most two warnings between them, for a
 * wrong one at least three.
 */
function creditCodeOf(region: string, draw: Draw): string {
  const body = `91${region}${draw.digits(8)}`;
  const warnings = (code: string) => {
    const checked = checkCreditCode(code);
    return checked.ok ? checked.warnings.length : Infinity;
  };
  const position17 = [...'0123456789X'].find(
    (c) => warnings(`${body}${c}0`) + warnings(`${body}${c}1`) <= 2,
  );
  const position18 = [...'0123456789ABCDEFGHJKLMNPQRTUWXY'].find(
    (c) => warnings(`${body}${position17}${c}`) === 0,
  );
  return `${body}${position17}${position18}`;
}

// Names repeat (that is the point of a common name): each is romanised once.
const romanisedNames = new Map<string, string>();

function emailOf(draw: Draw, name: string): string {
  let local = romanisedNames.get(name);
  if (local === undefined) {
    local = pinyin(name, { toneType: 'none', type: 'array', v: true, surname: 'head' })
      .join('')
      .replace(/[^a-z]/g, '');
    romanisedNames.set(name, local);
  }
  return `${local}${draw.int(1, 9999)}@${draw.pick(EMAIL_DOMAINS)}`;
}

/** The name as a passport or a foreign-language form writes it: 'Chen Jing', 'JING CHEN'. */
function romanise(draw: Draw, person: Person): string {
  const word = (hanzi: string, surname: boolean) => {
    const letters = pinyin(hanzi.replace('·', ''), {
      toneType: 'none',
      type: 'array',
      v: true,
      surname: surname ? 'head' : 'off',
    }).join('');
    return letters[0].toUpperCase() + letters.slice(1);
  };
  const [surname, given] = [word(person.surname, true), word(person.given, false)];
  const style = draw.int(0, 2);
  if (style === 0) return `${surname} ${given}`;
  if (style === 1) return `${surname} ${given}`.toUpperCase();
  return `${given} ${surname}`;
}

function homophoneOf(name: string): string {
  // From the second character: the surname is the one part everybody spells right.
  const at = [...name].findIndex((c, i) => i > 0 && HOMOPHONES[c] !== undefined);
  return at === -1 ? name : name.slice(0, at) + HOMOPHONES[name[at]] + name.slice(at + 1);
}

/** A keying error in an 18-character ID: a wrong check character or two characters swapped. */
function mistype(draw: Draw, id: string): string {
  if (draw.chance(0.5)) {
    return id.slice(0, 17) + draw.pick([...'0123456789X'].filter((c) => c !== id[17]));
  }
  const swappable = [...id.slice(0, 17)].flatMap((c, i) => (c !== id[i + 1] ? [i] : []));
  const i = draw.pick(swappable);
  return id.slice(0, i) + id[i + 1] + id[i] + id.slice(i + 2);
}

/** A keying error in a YYYY-MM-DD date: day and month swapped, or the day's last digit off. */
function mistypeDate(date: string): string {
  const [year, month, day] = date.split('-');
  if (Number(day) <= 12 && day !== month) return `${year}-${day}-${month}`;
  const next = Number(day) % 10 < 8 ? Number(day) + 1 : Number(day) - 1;
  // Date.UTC rolls a day past the month's end over into the next month.
  const real = new Date(Date.UTC(Number(year), Number(month) - 1, next)).getUTCDate() === next;
  return `${year}-${month}-${String(real ? next : Number(day) - 1).padStart(2, '0')}`;
}

function organisationName(draw: Draw, region: (typeof REGIONS)[number]): string {
  const city = region[1].replace(/^.*省/, '').replace(/市$/, '');
  const trade = draw.pick(TRADE_CHARACTERS) + draw.pick(TRADE_CHARACTERS);
  const industry = draw.pick(INDUSTRIES);
  const style = draw.int(0, 2);
  if (style === 0) return `${city}${trade}${industry}有限公司`;
  if (style === 1) return `${trade}${industry}（${city}）有限公司`;
  return `${trade}${industry}股份有限公司`;
}

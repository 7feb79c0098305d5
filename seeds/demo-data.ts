import { createHash } from 'node:crypto';
import type { Client, ClientBase } from 'pg';
import { BranchLevel } from '../src/modules/branch/branch.entity';
import { ClaimStatus, FastTrack, ReportChannel } from '../src/modules/claim/claim.enums';
import {
  ConsentChannel,
  ContactKind,
  CustomerKind,
  CustomerStatus,
  Gender,
  IdentityDocumentType,
  SourceSystem,
  VerificationMethod,
  VerificationStatus,
} from '../src/modules/customer/customer.enums';
import {
  LineOfBusiness,
  PartyRole,
  PolicyStatus,
  SalesChannel,
} from '../src/modules/policy/policy.enums';
import { RiskLevel, RiskStage, RiskSubjectType } from '../src/modules/risk/risk.enums';
import { VehicleUse } from '../src/modules/vehicle/vehicle.entity';

/**
 * Demo data for a large Chinese P&C insurer, mostly auto business, written set-based: each
 * table is filled by INSERT ... SELECT over a chunk of customer indexes, never row by row.
 *
 * Deterministic: every value derives from a row's index (hashint8extended seeded per purpose,
 * md5, fixed permutations) and every date and time from SEED_TODAY, so the same customer
 * count and key give byte-identical data on every run.
 */

/** The seed's "today": policies, claims and scores are placed relative to it. */
export const SEED_TODAY = '2026-11-01';

export interface SeedOptions {
  customers: number;
  piiHashKey: string;
  onProgress?: (done: number, total: number, step: string) => void;
  /**
   * Opens another connection to the same database. Given one, the seed works rows out on it
   * while `client` writes the previous chunk, keeping two cores busy; the data are the same.
   */
  connect?: () => Promise<Client>;
}

export interface SeedCounts {
  customers: number;
  policies: number;
  claims: number;
  riskScores: number;
}

/** The permutations below stay one-to-one up to here (the birth-date slots run out first). */
export const MAX_SEED_CUSTOMERS = 10_000_000;

const CHUNK_CUSTOMERS = 50_000;

const TODAY = `date '${SEED_TODAY}'`;
// China has kept UTC+8 without daylight saving since 1991: midnight Beijing time at the start
// of SEED_TODAY is "now", and times of day are plain second offsets from a local midnight.
const NOW = `timestamptz '${SEED_TODAY} 00:00:00+08'`;
const SEED_YEAR = Number(SEED_TODAY.slice(0, 4));
/** Scores from this instant on come from model v3; older ones from v2. */
const V3_ROLLOUT = `timestamptz '2025-07-01 00:00:00+08'`;
const DAY = 86_400;

// ---------------------------------------------------------------------------------------------
// Reference data
// ---------------------------------------------------------------------------------------------

interface Market {
  /** Share of all customers, in percent. */
  weight: number;
  /** The place name organisations carry in their names. */
  city: string;
  /** Province and city, the start of every address there. */
  address: string;
  /** GA 36-2018 plate prefixes: province abbreviation and issuing authority letter. */
  plates: string[];
  /** GB/T 2260 district codes and names: resident IDs and credit codes embed the code. */
  districts: [code: string, name: string][];
}

interface BranchSeed {
  code: string;
  name: string;
  level: BranchLevel;
  parent?: string;
  /** City and county branches serve customers; the levels above only manage. */
  market?: Market;
}

const BRANCHES: BranchSeed[] = [
  { code: '0000', name: '总公司', level: BranchLevel.HEAD_OFFICE },
  { code: '3200', name: '江苏省分公司', level: BranchLevel.PROVINCIAL, parent: '0000' },
  {
    code: '3201',
    name: '南京市分公司',
    level: BranchLevel.CITY,
    parent: '3200',
    market: {
      weight: 14,
      city: '南京',
      address: '江苏省南京市',
      plates: ['苏A'],
      districts: [
        ['320102', '玄武区'],
        ['320104', '秦淮区'],
        ['320106', '鼓楼区'],
        ['320111', '浦口区'],
      ],
    },
  },
  {
    code: '320115',
    name: '江宁支公司',
    level: BranchLevel.COUNTY,
    parent: '3201',
    market: {
      weight: 5,
      city: '江宁',
      address: '江苏省南京市',
      plates: ['苏A'],
      districts: [['320115', '江宁区']],
    },
  },
  {
    code: '3202',
    name: '无锡市分公司',
    level: BranchLevel.CITY,
    parent: '3200',
    market: {
      weight: 7,
      city: '无锡',
      address: '江苏省无锡市',
      plates: ['苏B'],
      districts: [
        ['320211', '滨湖区'],
        ['320213', '梁溪区'],
        ['320214', '新吴区'],
      ],
    },
  },
  {
    code: '3205',
    name: '苏州市分公司',
    level: BranchLevel.CITY,
    parent: '3200',
    market: {
      weight: 9,
      city: '苏州',
      address: '江苏省苏州市',
      plates: ['苏E'],
      districts: [
        ['320505', '虎丘区'],
        ['320506', '吴中区'],
        ['320508', '姑苏区'],
      ],
    },
  },
  {
    code: '320582',
    name: '张家港支公司',
    level: BranchLevel.COUNTY,
    parent: '3205',
    market: {
      weight: 3,
      city: '张家港',
      address: '江苏省苏州市',
      plates: ['苏E'],
      districts: [['320582', '张家港市']],
    },
  },
  { code: '3300', name: '浙江省分公司', level: BranchLevel.PROVINCIAL, parent: '0000' },
  {
    code: '3301',
    name: '杭州市分公司',
    level: BranchLevel.CITY,
    parent: '3300',
    market: {
      weight: 9,
      city: '杭州',
      address: '浙江省杭州市',
      plates: ['浙A'],
      districts: [
        ['330102', '上城区'],
        ['330105', '拱墅区'],
        ['330106', '西湖区'],
        ['330110', '余杭区'],
      ],
    },
  },
  {
    code: '3302',
    name: '宁波市分公司',
    level: BranchLevel.CITY,
    parent: '3300',
    market: {
      weight: 5,
      city: '宁波',
      address: '浙江省宁波市',
      plates: ['浙B'],
      districts: [
        ['330203', '海曙区'],
        ['330212', '鄞州区'],
      ],
    },
  },
  { code: '4400', name: '广东省分公司', level: BranchLevel.PROVINCIAL, parent: '0000' },
  {
    code: '4401',
    name: '广州市分公司',
    level: BranchLevel.CITY,
    parent: '4400',
    market: {
      weight: 10,
      city: '广州',
      address: '广东省广州市',
      plates: ['粤A'],
      districts: [
        ['440103', '荔湾区'],
        ['440104', '越秀区'],
        ['440106', '天河区'],
        ['440111', '白云区'],
      ],
    },
  },
  {
    code: '4403',
    name: '深圳市分公司',
    level: BranchLevel.CITY,
    parent: '4400',
    market: {
      weight: 10,
      city: '深圳',
      address: '广东省深圳市',
      plates: ['粤B'],
      districts: [
        ['440303', '罗湖区'],
        ['440304', '福田区'],
        ['440305', '南山区'],
        ['440306', '宝安区'],
      ],
    },
  },
  { code: '1100', name: '北京市分公司', level: BranchLevel.PROVINCIAL, parent: '0000' },
  {
    code: '1101',
    name: '北京市营业部',
    level: BranchLevel.CITY,
    parent: '1100',
    market: {
      weight: 12,
      city: '北京',
      address: '北京市',
      plates: ['京A', '京B', '京C', '京E', '京F', '京G', '京H', '京J', '京K', '京L', '京M', '京N'],
      districts: [
        ['110101', '东城区'],
        ['110102', '西城区'],
        ['110105', '朝阳区'],
        ['110106', '丰台区'],
        ['110108', '海淀区'],
      ],
    },
  },
  { code: '5100', name: '四川省分公司', level: BranchLevel.PROVINCIAL, parent: '0000' },
  {
    code: '5101',
    name: '成都市分公司',
    level: BranchLevel.CITY,
    parent: '5100',
    market: {
      weight: 9,
      city: '成都',
      address: '四川省成都市',
      plates: ['川A'],
      districts: [
        ['510104', '锦江区'],
        ['510105', '青羊区'],
        ['510107', '武侯区'],
        ['510108', '成华区'],
      ],
    },
  },
  {
    code: '510116',
    name: '双流支公司',
    level: BranchLevel.COUNTY,
    parent: '5101',
    market: {
      weight: 3,
      city: '双流',
      address: '四川省成都市',
      plates: ['川A'],
      districts: [['510116', '双流区']],
    },
  },
  {
    code: '5107',
    name: '绵阳市分公司',
    level: BranchLevel.CITY,
    parent: '5100',
    market: {
      weight: 4,
      city: '绵阳',
      address: '四川省绵阳市',
      plates: ['川B'],
      districts: [
        ['510703', '涪城区'],
        ['510704', '游仙区'],
      ],
    },
  },
];

const MARKETS = BRANCHES.flatMap((b) => (b.market ? [{ code: b.code, ...b.market }] : []));
/** Plates are numbered per prefix, and markets may share one (a county and its city). */
const PLATE_PREFIXES = [...new Set(MARKETS.flatMap((m) => m.plates))];

/** Common surnames with the pinyin that e-mail addresses are made of. */
const SURNAMES: [hanzi: string, pinyin: string][] = [
  ['王', 'wang'],
  ['李', 'li'],
  ['张', 'zhang'],
  ['刘', 'liu'],
  ['陈', 'chen'],
  ['杨', 'yang'],
  ['黄', 'huang'],
  ['赵', 'zhao'],
  ['吴', 'wu'],
  ['周', 'zhou'],
  ['徐', 'xu'],
  ['孙', 'sun'],
  ['马', 'ma'],
  ['朱', 'zhu'],
  ['胡', 'hu'],
  ['郭', 'guo'],
  ['何', 'he'],
  ['林', 'lin'],
  ['罗', 'luo'],
  ['高', 'gao'],
  ['郑', 'zheng'],
  ['梁', 'liang'],
  ['谢', 'xie'],
  ['宋', 'song'],
  ['唐', 'tang'],
  ['韩', 'han'],
  ['冯', 'feng'],
  ['邓', 'deng'],
  ['曹', 'cao'],
  ['彭', 'peng'],
  ['曾', 'zeng'],
  ['肖', 'xiao'],
  ['田', 'tian'],
  ['董', 'dong'],
  ['袁', 'yuan'],
  ['潘', 'pan'],
  ['蒋', 'jiang'],
  ['蔡', 'cai'],
  ['余', 'yu'],
  ['杜', 'du'],
];
const MALE_GIVEN_NAMES = [
  '伟',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '杰',
  '涛',
  '明',
  '超',
  '刚',
  '平',
  '辉',
  '鹏',
  '浩',
  '宇',
  '俊',
  '建国',
  '志强',
  '建华',
  '文博',
  '子豪',
  '宇轩',
  '浩然',
  '明轩',
  '国栋',
  '海波',
];
const FEMALE_GIVEN_NAMES = [
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '艳',
  '娟',
  '霞',
  '婷',
  '雪',
  '慧',
  '颖',
  '琳',
  '秀英',
  '桂英',
  '玉兰',
  '欣怡',
  '梓涵',
  '诗涵',
  '雨桐',
  '思琪',
  '佳怡',
  '晓燕',
  '丽华',
  '美玲',
  '淑芬',
];
const TRADE_NAMES = [
  '华通',
  '恒信',
  '鑫达',
  '宏远',
  '金诚',
  '安泰',
  '永盛',
  '瑞丰',
  '嘉禾',
  '中联',
  '天成',
  '远航',
  '润泽',
  '盛世',
  '宏图',
  '新源',
];
const INDUSTRIES = [
  '物流',
  '运输',
  '汽车租赁',
  '建设工程',
  '贸易',
  '科技',
  '机械制造',
  '食品',
  '电子',
  '医药',
  '纺织',
  '商贸',
];
const ROADS = [
  '中山路',
  '人民路',
  '解放路',
  '建设路',
  '和平路',
  '新华路',
  '长江路',
  '文化路',
  '胜利路',
  '青年路',
  '光明路',
  '友谊路',
  '北京路',
  '东风路',
  '滨江大道',
  '学府路',
  '科技园路',
  '迎宾大道',
];
const COMMUNITIES = ['阳光花园', '翠苑', '金色家园', '锦绣华庭', '名都城', '滨江花园', '星河湾'];
const OFFICE_BUILDINGS = ['A座', 'B座', '科技大厦', '国际大厦', '金融中心', '商务广场'];
const EMAIL_DOMAINS = ['163.com', '126.com', 'sina.com', '139.com', 'foxmail.com', 'aliyun.com'];
// MIIT numbering plan: mobile numbers start with 1, a network digit of 3-9, then a prefix.
const MOBILE_PREFIXES = [
  '130',
  '131',
  '132',
  '133',
  '134',
  '135',
  '136',
  '137',
  '138',
  '139',
  '150',
  '151',
  '152',
  '153',
  '155',
  '156',
  '157',
  '158',
  '159',
  '166',
  '173',
  '175',
  '176',
  '177',
  '178',
  '180',
  '181',
  '182',
  '183',
  '185',
  '186',
  '187',
  '188',
  '189',
  '191',
  '198',
  '199',
];
// ISO 3780 world manufacturer identifiers of Chinese plants (SAIC-VW, FAW-VW, GAC Honda, ...).
const FUEL_WMIS = ['LSV', 'LFV', 'LGB', 'LHG', 'LVG', 'LSG', 'LFM', 'LBV', 'LVS', 'LGW', 'LZW'];
const NEW_ENERGY_WMIS = ['LGX', 'LRW', 'L6T', 'LNB'];

const SOURCES: [system: SourceSystem, keyPrefix: string, weight: number][] = [
  [SourceSystem.POLICY_ADMIN, 'PA', 62],
  [SourceSystem.DEALER, 'DL', 12],
  [SourceSystem.AGENCY, 'AG', 10],
  [SourceSystem.APP, 'APP', 7],
  [SourceSystem.WECHAT, 'WX', 5],
  [SourceSystem.CALL_CENTRE, 'CC', 3],
  [SourceSystem.CLAIMS, 'CL', 1],
];
const CHANNELS: [SalesChannel, number][] = [
  [SalesChannel.DEALER, 30],
  [SalesChannel.INDIVIDUAL_AGENT, 27],
  [SalesChannel.PROFESSIONAL_AGENCY, 17],
  [SalesChannel.PHONE_ONLINE, 11],
  [SalesChannel.DIRECT, 9],
  [SalesChannel.NEW_PLATFORM, 6],
];

/** How many vehicles a customer insures, weights per thousand: 80% of individuals drive. */
const VEHICLES_PER_INDIVIDUAL: [number, number][] = [
  [0, 200],
  [1, 750],
  [2, 50],
];
const VEHICLES_PER_ORGANISATION: [number, number][] = [
  [0, 500],
  [1, 300],
  [2, 200],
];
/** Years of cover before the current one, per vehicle: many renewed with us, a few for years. */
const EARLIER_POLICY_YEARS: [number, number][] = [
  [0, 70],
  [1, 24],
  [2, 2],
  [3, 2],
  [4, 2],
];
/** Claims per policy year, weights per thousand: third-party (compulsory) claims are rarer. */
const CLAIMS_PER_COMPULSORY_POLICY: [number, number][] = [
  [0, 940],
  [1, 55],
  [2, 5],
];
const CLAIMS_PER_COMMERCIAL_POLICY: [number, number][] = [
  [0, 770],
  [1, 190],
  [2, 30],
  [3, 10],
];

/** Non-auto lines: who holds them, how often (percent), and their price and cover ranges. */
const OTHER_LINES: {
  slot: number;
  kind: CustomerKind;
  line: LineOfBusiness;
  product: string;
  share: number;
  premium: [number, number];
  sumInsured: [number, number];
}[] = [
  {
    slot: 0,
    kind: CustomerKind.INDIVIDUAL,
    line: LineOfBusiness.ACCIDENT_HEALTH,
    product: 'EAK',
    share: 12,
    premium: [100, 800],
    sumInsured: [100_000, 1_000_000],
  },
  {
    slot: 1,
    kind: CustomerKind.INDIVIDUAL,
    line: LineOfBusiness.PROPERTY,
    product: 'JAB',
    share: 5,
    premium: [80, 600],
    sumInsured: [300_000, 2_000_000],
  },
  {
    slot: 0,
    kind: CustomerKind.ORGANISATION,
    line: LineOfBusiness.ACCIDENT_HEALTH,
    product: 'EGA',
    share: 20,
    premium: [2_000, 30_000],
    sumInsured: [1_000_000, 10_000_000],
  },
  {
    slot: 1,
    kind: CustomerKind.ORGANISATION,
    line: LineOfBusiness.PROPERTY,
    product: 'QCC',
    share: 55,
    premium: [3_000, 150_000],
    sumInsured: [2_000_000, 100_000_000],
  },
  {
    slot: 2,
    kind: CustomerKind.ORGANISATION,
    line: LineOfBusiness.LIABILITY,
    product: 'ZAB',
    share: 35,
    premium: [2_000, 40_000],
    sumInsured: [1_000_000, 10_000_000],
  },
  {
    slot: 3,
    kind: CustomerKind.ORGANISATION,
    line: LineOfBusiness.MARINE,
    product: 'YAC',
    share: 20,
    premium: [1_000, 60_000],
    sumInsured: [500_000, 20_000_000],
  },
];

/** Claim stages in order: a claim's status is the last one it reached. */
const STAGES = [
  ClaimStatus.REPORTED,
  ClaimStatus.REGISTERED,
  ClaimStatus.SURVEYED,
  ClaimStatus.ASSESSED,
  ClaimStatus.APPROVED,
  ClaimStatus.PAID,
  ClaimStatus.CLOSED,
];
/** Claims on recent cover: some still open. Weights per thousand. */
const RECENT_CLAIM_STATUSES: [ClaimStatus, number][] = [
  [ClaimStatus.REPORTED, 40],
  [ClaimStatus.REGISTERED, 60],
  [ClaimStatus.SURVEYED, 80],
  [ClaimStatus.ASSESSED, 80],
  [ClaimStatus.APPROVED, 50],
  [ClaimStatus.PAID, 50],
  [ClaimStatus.CLOSED, 560],
  [ClaimStatus.REJECTED, 40],
  [ClaimStatus.WITHDRAWN, 40],
];
/** Claims on cover that ended over a month ago: nearly all finished, a few long-running. */
const SETTLED_CLAIM_STATUSES: [ClaimStatus, number][] = [
  [ClaimStatus.CLOSED, 930],
  [ClaimStatus.REJECTED, 35],
  [ClaimStatus.WITHDRAWN, 28],
  [ClaimStatus.PAID, 4],
  [ClaimStatus.ASSESSED, 3],
];
/** How many days back an accident can lie for a claim still open at each stage. */
const OPEN_CLAIM_DAYS: Partial<Record<ClaimStatus, number>> = {
  [ClaimStatus.REPORTED]: 3,
  [ClaimStatus.REGISTERED]: 10,
  [ClaimStatus.SURVEYED]: 20,
  [ClaimStatus.ASSESSED]: 60,
  [ClaimStatus.APPROVED]: 30,
  [ClaimStatus.PAID]: 20,
};
/** Accidents by hour of day: the rush hours peak, the small hours are quiet. */
const ACCIDENT_HOURS = [1, 1, 1, 1, 1, 2, 4, 8, 9, 7, 6, 6, 6, 6, 6, 6, 7, 9, 8, 6, 5, 4, 3, 2];

/** Rules of the claims rule base that the seed fires: code, description, weight. */
const RULES = {
  R017: ['report after 21:00 (possible drunk driving)', '12.5'],
  R042: ['reported more than 48 hours after the accident', '15.0'],
  R088: ['mobile number shared with other claimants', '35.0'],
  R102: ['survey more than 3 days late', '10.0'],
  R118: ['single-party accident at night', '14.5'],
  R150: ['reserve above 50,000 CNY', '7.5'],
  R205: ['accident within 30 days of the policy start', '18.0'],
  R230: ['third claim within 12 months', '20.0'],
  R231: ['two or more claims in the last 3 years', '10.0'],
  R240: ['injury claim on record', '6.5'],
  R275: ['parts priced more than 20% above market', '22.5'],
  R311: ['injury claim', '8.0'],
  R320: ['payee differs from the insured', '16.0'],
  R360: ['repair shop with repeated claims', '25.0'],
  R405: ['operating use (ride-hailing or freight)', '15.0'],
  R430: ['new-energy vehicle (battery risk)', '5.0'],
  R499: ['odometer reading inconsistent with vehicle age', '35.0'],
} as const;
type RuleCode = keyof typeof RULES;

/**
 * Id spaces: an id is its table's tag followed by the row key, so that rows are written in
 * primary-key order (as with UUIDv7: index builds find their input nearly sorted) and an id
 * tells which seeded row it is.
 */
const TAG = {
  branch: 1,
  customer: 2,
  identityDocument: 3,
  contactPoint: 4,
  sourceRecord: 5,
  vehicle: 6,
  autoPolicy: 7,
  otherPolicy: 8,
  claim: 9,
  claimScore: 10,
  customerScore: 11,
  vehicleScore: 12,
} as const;

// Large primes for one-to-one permutations x -> (x * P + c) mod M: each is prime and larger
// than every modulus used, so it is coprime with it and the map is a bijection on [0, M).
const P1 = 2_654_435_761;
const P2 = 2_246_822_519;
const P3 = 3_266_489_917;
const P4 = 668_265_263;
const P5 = 374_761_393;

// ---------------------------------------------------------------------------------------------
// SQL building blocks
// ---------------------------------------------------------------------------------------------

type SqlValue = string | number | boolean | null;

function lit(value: SqlValue): string {
  if (value === null) return 'null';
  if (typeof value !== 'string') return String(value);
  return `'${value.replace(/'/g, "''")}'`;
}

/** An SQL array of literals: numeric if every value is a number, text otherwise. */
function sqlArray(values: readonly SqlValue[]): string {
  const numeric = values.every((v) => typeof v === 'number');
  return `array[${values.map(lit).join(', ')}]${numeric ? '' : '::text[]'}`;
}

/** FNV-1a: a fixed number per purpose, so that each pseudo-random choice draws on its own. */
function saltOf(purpose: string): number {
  let hash = 0x811c9dc5;
  for (const ch of purpose) hash = Math.imul(hash ^ ch.codePointAt(0)!, 0x01000193) >>> 0;
  return hash;
}

/** SQL: a pseudo-random int in [0, n), n < 2^31, fixed by the row key and the purpose. */
function pick(key: string, purpose: string, n: number | string): string {
  return `((hashint8extended(${key}, ${saltOf(purpose)}) & 9223372036854775807) % (${n}))::int`;
}

/** SQL: true for `percent` % of keys. */
function chance(key: string, purpose: string, percent: number | string): string {
  return `(${pick(key, purpose, 10_000)} < (${percent}) * 100)`;
}

function oneOf(key: string, purpose: string, values: readonly string[]): string {
  return `(${sqlArray(values)})[1 + ${pick(key, purpose, values.length)}]`;
}

/** SQL: a 1-based index drawn with the given weights. */
function weightedIndex(key: string, purpose: string, weights: readonly number[]): string {
  if (weights.length === 1) return '1';
  let total = 0;
  const bounds = weights.map((w) => (total += w)).slice(0, -1);
  return `(1 + width_bucket(${pick(key, purpose, total)}, array[${bounds.join(', ')}]))`;
}

function weighted(
  key: string,
  purpose: string,
  choices: readonly (readonly [SqlValue, number])[],
): string {
  const values = sqlArray(choices.map(([value]) => value));
  return `(${values})[${weightedIndex(
    key,
    purpose,
    choices.map(([, w]) => w),
  )}]`;
}

/** SQL: an integer from one of several [min, max) ranges, each picked with its weight. */
function ranged(
  key: string,
  purpose: string,
  ranges: readonly (readonly [weight: number, min: number, max: number])[],
): string {
  const bucket = weightedIndex(
    key,
    purpose,
    ranges.map(([weight]) => weight),
  );
  const mins = sqlArray(ranges.map(([, min]) => min));
  const widths = sqlArray(ranges.map(([, min, max]) => max - min));
  return `((${mins})[${bucket}] + ${pick(key, `${purpose}.offset`, `(${widths})[${bucket}]`)})`;
}

/** SQL: (x * multiplier + offset) mod modulus, a bijection on [0, modulus). */
function permute(x: string, multiplier: number, offset: number, modulus: number): string {
  return `((${x} * ${multiplier} + ${offset}) % ${modulus})`;
}

/**
 * SQL: a deterministic RFC 9562 version 8 (custom) UUID: the table tag and the row key in
 * the first 48 bits keep ids in insertion order; hashes of the key fill the other 72 bits.
 */
function uuidSql(tag: number, key: string): string {
  const prefix = tag.toString(16).padStart(2, '0');
  const random = (part: string, digits: number) =>
    `lpad(to_hex(hashint8extended(${key}, ${saltOf(`uuid.${tag}.${part}`)})
      & ${16n ** BigInt(digits) - 1n}), ${digits}, '0')`;
  // Version 8 in the 13th digit, variant 10xx in the 17th.
  return `('${prefix}' || lpad(to_hex(${key}), 10, '0') || '8' || ${random('a', 3)}
    || '8' || ${random('b', 15)})::uuid`;
}

/** SQL: the instant `seconds` after midnight, Beijing time, of the date `day`. */
function instant(day: string, seconds: string | number): string {
  return `(${NOW} + ((${day} - ${TODAY}) * ${DAY} + ${seconds}) * interval '1 second')`;
}

function caseOf(expression: string, cases: readonly (readonly [SqlValue, SqlValue])[]): string {
  const whens = cases.map(([when, then]) => `when ${lit(when)} then ${lit(then)}`).join(' ');
  return `(case ${expression} ${whens} end)`;
}

/**
 * SQL: HMAC-SHA256 (RFC 2104) of kind, NUL, value under the seed key: exactly what
 * PiiHasher.digest(kind, value) computes, built from PostgreSQL's own sha256. The key pads
 * come from Node through the temporary table s_key.
 */
function hmacSql(kind: string, value: string): string {
  const message = `convert_to(${kind}, 'UTF8') || '\\x00'::bytea || convert_to(${value}, 'UTF8')`;
  return `sha256((select opad from s_key) || sha256((select ipad from s_key) || ${message}))`;
}

/** RFC 2104 inner and outer pads for a SHA-256 HMAC key (64-byte blocks). */
function hmacPads(key: string): { ipad: Buffer; opad: Buffer } {
  const raw = Buffer.from(key, 'utf8');
  const block = Buffer.alloc(64);
  // RFC 2104: a key longer than the block is hashed first; a shorter one is padded with zeros.
  (raw.length > 64 ? createHash('sha256').update(raw).digest() : raw).copy(block);
  const xor = (pad: number) => Buffer.from(Uint8Array.from(block, (byte) => byte ^ pad));
  return { ipad: xor(0x36), opad: xor(0x5c) };
}

interface CheckScheme {
  weights: readonly number[];
  /** The characters a code may hold; the value of each is its index unless `values` says. */
  alphabet: string;
  values?: string;
  /** SQL: the check value, an index into `symbols`, from the weighted sum. */
  check: (sum: string) => string;
  symbols: string;
}

const RESIDENT_ID_CHECK: CheckScheme = {
  // GB 11643-1999 (ISO 7064 MOD 11-2): W(i) = 2^(i-1) mod 11, i counting positions from the
  // right, so the first of the 17 body digits has i = 18.
  weights: Array.from({ length: 17 }, (_, k) => 2 ** (17 - k) % 11),
  alphabet: '0123456789',
  // ISO 7064 MOD 11-2: the check brings the weighted sum to 1 (mod 11); 10 is written X.
  check: (sum) => `(12 - ${sum} % 11) % 11`,
  symbols: '0123456789X',
};

const ORGANISATION_CODE_CHECK: CheckScheme = {
  // GB 11714-1997: weights 3, 7, 9, 10, 5, 8, 4, 2, which are 2^(9-i) mod 11.
  weights: Array.from({ length: 8 }, (_, k) => 2 ** (8 - k) % 11),
  // GB 11714-1997: digits count as themselves and letters A-Z as 10-35.
  alphabet: '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  // GB 11714-1997: C9 = 11 - (sum mod 11), where 10 is written X and 11 is written 0.
  check: (sum) => `11 - ${sum} % 11`,
  symbols: '0123456789X0',
};

// GB 32100-2015: the code alphabet, without I, O, Z, S and V; a character's value is its index.
const CREDIT_CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_CODE_CHECK: CheckScheme = {
  // GB 32100-2015: W(i) = 3^(i-1) mod 31 for positions 1 to 17.
  weights: Array.from({ length: 17 }, (_, k) => 3 ** k % 31),
  alphabet: CREDIT_CODE_ALPHABET,
  // GB 32100-2015: C18 = 31 - (sum mod 31), where 31 is written 0.
  check: (sum) => `(31 - ${sum} % 31) % 31`,
  symbols: CREDIT_CODE_ALPHABET,
};

// ISO 3779: the VIN alphabet leaves out I, O and Q.
const VIN_ALPHABET = '0123456789ABCDEFGHJKLMNPRSTUVWXYZ';
const VIN_CHECK: CheckScheme = {
  // 49 CFR 565, adopted by GB 16735: position weights; the check digit (position 9) weighs 0.
  weights: [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2],
  alphabet: VIN_ALPHABET,
  // 49 CFR 565 transliteration: letters count 1-9 in turn (skipping I, O, Q), S restarts at 2.
  values: '012345678912345678123457923456789',
  // GB 16735: the weighted sum mod 11, 10 written X.
  check: (sum) => `${sum} % 11`,
  symbols: '0123456789X',
};

// Codes hold digits and capital letters only: ASCII 48 ('0') to 90 ('Z').
const FIRST_CODE_CHARACTER = 48;
const LAST_CODE_CHARACTER = 90;

/**
 * SQL: the check character of a code body under a weighted-sum standard. `bytes` is the body
 * as bytea: reading bytes and looking their values up by character code costs a fifth of
 * what substr and strpos do. A character outside the alphabet makes the result null.
 */
function checkCharacterSql(bytes: string, scheme: CheckScheme): string {
  const valueByCode = Array.from(
    { length: LAST_CODE_CHARACTER - FIRST_CODE_CHARACTER + 1 },
    (_, k) => {
      const index = scheme.alphabet.indexOf(String.fromCharCode(FIRST_CODE_CHARACTER + k));
      if (index === -1) return 'null';
      return scheme.values ? scheme.values[index] : String(index);
    },
  );
  const value = `(array[${valueByCode.join(', ')}]::int[])`;
  const terms = scheme.weights.flatMap((weight, k) =>
    weight === 0
      ? []
      : [`${weight} * ${value}[get_byte(${bytes}, ${k}) - ${FIRST_CODE_CHARACTER - 1}]`],
  );
  return `substr('${scheme.symbols}', ${scheme.check(`(${terms.join(' + ')})`)} + 1, 1)`;
}

/** SQL: a code body (as bytea) followed by its check character, as text. */
function withCheckCharacterSql(bytes: string, scheme: CheckScheme): string {
  return `convert_from(${bytes}, 'UTF8') || ${checkCharacterSql(bytes, scheme)}`;
}

/** SQL: whether customer `i` is an individual (a pure function of i, used across chunks). */
const isIndividual = (i: string) => chance(i, 'individual', 93);

// GA 36-2018: plate serials use the digits and the letters other than I and O.
const PLATE_CHARACTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';

/**
 * SQL: the serial of the `no`-th plate issued under one prefix. GA 36-2018 ordinary plates:
 * here two letters-or-digits and three digits; small new-energy plates: D (electric) or F
 * (other new energy), a letter or digit and four digits. A fixed permutation keeps serials
 * distinct without issuing them in an obvious sequence, up to 1.156 million ordinary and
 * 680,000 new-energy plates per prefix: enough for 苏A, the busiest, up to 8 million customers.
 */
function plateSerialSql(no: string, newEnergy: string): string {
  const ordinary = permute(no, P1, 104_729, 34 * 34 * 1000);
  const electric = permute(no, P1, 104_729, 2 * 34 * 10_000);
  const char = (index: string) => `substr('${PLATE_CHARACTERS}', 1 + (${index})::int, 1)`;
  return `(case when ${newEnergy}
      then (array['D', 'F'])[1 + (${electric} % 2)::int] || ${char(`${electric} / 2 % 34`)}
        || lpad((${electric} / 68)::text, 4, '0')
      else ${char(`${ordinary} % 34`)} || ${char(`${ordinary} / 34 % 34`)}
        || lpad((${ordinary} / 1156)::text, 3, '0') end)`;
}

// ---------------------------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------------------------

function branchesSql(): string {
  const byCode = new Map(BRANCHES.map((b) => [b.code, b]));
  const pathOf = (b: BranchSeed): string =>
    b.parent ? `${pathOf(byCode.get(b.parent)!)}.${b.code}` : b.code;
  const rows = BRANCHES.map((b) => {
    const parent = b.parent ? uuidSql(TAG.branch, b.parent) : 'null::uuid';
    return `(${uuidSql(TAG.branch, b.code)}, ${NOW}, ${NOW}, ${lit(b.code)}, ${lit(b.name)},
      ${lit(b.level)}, ${parent}, ${lit(pathOf(b))})`;
  });
  return `insert into branch (id, created_at, updated_at, code, name, level, parent_id, path)
    values ${rows.join(',\n')}`;
}

/** The branches that serve customers, with what the generators need to know about them. */
function marketsSql(): string {
  const rows = MARKETS.map(
    (m, k) => `(${k + 1}, ${uuidSql(TAG.branch, m.code)}, ${lit(m.code)}, ${lit(m.city)},
      ${lit(m.address)}, ${sqlArray(m.plates.map((plate) => PLATE_PREFIXES.indexOf(plate) + 1))},
      ${sqlArray(m.districts.map(([code]) => code))},
      ${sqlArray(m.districts.map(([, name]) => name))})`,
  );
  return `create temp table s_market as
    select * from (values ${rows.join(',\n')})
      as m(idx, id, code, city, address, plate_ids, district_codes, district_names)`;
}

// Birth dates run from 1950-01-01 to 2004-12-31 (20,089 days); each day has 500 sequence
// numbers per sex, so a permutation of the index over days x 500 gives every individual a
// distinct (birth date, sequence) pair and hence a distinct resident ID.
const BIRTH_DAYS = 20_089;
const BIRTH_SLOTS = BIRTH_DAYS * 500;

/** Works out one chunk of customers, with everything the other tables derive from them. */
function customerWorkSql(create: string, lo: number, hi: number): string {
  const i = 'g.i';
  // GB 32100-2015: 9 (registered by market regulation), 1 (enterprise), the division code, and
  // the GB 11714 organisation code with its own check character.
  const creditBody = `'91' || p.district_code
    || ${withCheckCharacterSql('p.org_bytes', ORGANISATION_CODE_CHECK)}`;
  const address = `p.address || p.district_name || ${oneOf('p.i', 'road', ROADS)}
      || (1 + ${pick('p.i', 'houseNo', 600)}) || '号'`;
  return `${create} s_cust as
with base as materialized (
  select ${i} as i, ${isIndividual(i)} as individual, ${chance(i, 'male', 51)} as male,
    1 + ${pick(i, 'surname', SURNAMES.length)} as surname_no,
    ${weightedIndex(
      i,
      'source',
      SOURCES.map(([, , weight]) => weight),
    )} as source_no,
    ${permute(i, P1, 7, BIRTH_SLOTS)} as birth_slot,
    m.idx as market, m.id as branch_id, m.code as branch_code, m.city, m.address, m.plate_ids,
    m.district_codes[1 + ${pick(i, 'district', 'cardinality(m.district_codes)')}]
      as district_code,
    m.district_names[1 + ${pick(i, 'district', 'cardinality(m.district_codes)')}]
      as district_name
  from generate_series(${lo}::bigint, ${hi}::bigint) as g(i)
  join s_market m on m.idx = ${weightedIndex(
    i,
    'branch',
    MARKETS.map((m) => m.weight),
  )}
),
people as materialized (
  select b.*,
    case when b.individual then date '1950-01-01' + (b.birth_slot / 500)::int end as birth_date,
    case when b.individual then b.birth_slot % 500 * 2 + b.male::int end as id_sequence,
    case when not b.individual
      then convert_to(lpad(${permute('b.i', P2, 11, 100_000_000)}::text, 8, '0'), 'UTF8')
      end as org_bytes,
    ${permute('b.i', P3, 13, MOBILE_PREFIXES.length * 100_000_000)} as mobile_no
  from base b
),
bodies as materialized (
  select p.*,
    convert_to(p.district_code || to_char(p.birth_date::timestamp, 'YYYYMMDD')
      || lpad(p.id_sequence::text, 3, '0'), 'UTF8') as id_bytes,
    convert_to(${creditBody}, 'UTF8') as credit_bytes,
    (${sqlArray(MOBILE_PREFIXES)})[1 + (p.mobile_no / 100000000)::int]
      || lpad((p.mobile_no % 100000000)::text, 8, '0') as mobile,
    case when ${chance('p.i', 'hasEmail', 50)} then
      case when p.individual and ${chance('p.i', 'qqMail', 45)}
        then (10000000 + ${permute('p.i', P4, 17, 1_990_000_000)}) || '@qq.com'
        else coalesce((${sqlArray(SURNAMES.map(([, pinyin]) => pinyin))})[
            case when p.individual then p.surname_no end], 'office')
          || ${permute('p.i', P5, 19, 100_000_000)} || '@' || ${oneOf('p.i', 'mail', EMAIL_DOMAINS)}
      end end as email,
    case when not ${chance('p.i', 'hasAddress', 70)} then null
      when p.individual then ${address} || ${oneOf('p.i', 'community', COMMUNITIES)}
        || (1 + ${pick('p.i', 'building', 30)}) || '栋' || (1 + ${pick('p.i', 'unit', 6)})
        || '单元' || (1 + ${pick('p.i', 'floor', 28)})
        || lpad((1 + ${pick('p.i', 'room', 4)})::text, 2, '0') || '室'
      else ${address} || ${oneOf('p.i', 'tower', OFFICE_BUILDINGS)}
        || (1 + ${pick('p.i', 'officeFloor', 30)}) || '层' end as street_address
  from people p
)
select b.i, ${uuidSql(TAG.customer, 'b.i')} as id, b.individual,
  case when b.individual then ${lit(CustomerKind.INDIVIDUAL)}
    else ${lit(CustomerKind.ORGANISATION)} end as kind,
  case when b.individual then
    case when b.male then ${lit(Gender.MALE)} else ${lit(Gender.FEMALE)} end end as gender,
  b.birth_date,
  case when b.individual then (${sqlArray(SURNAMES.map(([hanzi]) => hanzi))})[b.surname_no]
      || case when b.male then ${oneOf('b.i', 'givenName', MALE_GIVEN_NAMES)}
        else ${oneOf('b.i', 'givenName', FEMALE_GIVEN_NAMES)} end
    else b.city || ${oneOf('b.i', 'tradeName', TRADE_NAMES)}
      || ${oneOf('b.i', 'industry', INDUSTRIES)} || '有限公司' end as name,
  b.market, b.branch_id, b.branch_code, b.plate_ids,
  case when ${chance('b.i', 'deceased', 0.4)} then ${lit(CustomerStatus.DECEASED)}
    else ${lit(CustomerStatus.ACTIVE)} end as status,
  ${chance('b.i', 'consent', 60)} as consent,
  ${weighted('b.i', 'consentChannel', [
    [ConsentChannel.APP, 30],
    [ConsentChannel.WECHAT, 30],
    [ConsentChannel.AGENT, 20],
    [ConsentChannel.CALL_CENTRE, 12],
    [ConsentChannel.PAPER, 8],
  ])} as consent_channel,
  ${NOW} - (3600 + ${pick('b.i', 'consentAt', 3 * 365 * DAY)}) * interval '1 second' as consent_at,
  case when b.individual then ${lit(IdentityDocumentType.RESIDENT_ID)}
    else ${lit(IdentityDocumentType.UNIFIED_SOCIAL_CREDIT_CODE)} end as doc_type,
  case when b.individual then ${withCheckCharacterSql('b.id_bytes', RESIDENT_ID_CHECK)}
    else ${withCheckCharacterSql('b.credit_bytes', CREDIT_CODE_CHECK)}
    end as doc_number,
  b.mobile, b.email, b.street_address,
  case when b.individual
    then ${weighted('b.i', 'vehicles', VEHICLES_PER_INDIVIDUAL)}
    else ${weighted('b.i', 'fleet', VEHICLES_PER_ORGANISATION)} end as vehicles,
  (${sqlArray(SOURCES.map(([system]) => system))})[b.source_no] as source_system,
  (${sqlArray(SOURCES.map(([, prefix]) => prefix))})[b.source_no] || lpad(b.i::text, 10, '0')
    as source_key
from bodies b`;
}

/** The rows one chunk adds to a table, computed from the chunk's working tables. */
interface RowSet {
  table: string;
  columns: string;
  select: string;
}

const CUSTOMER_ROWS: RowSet = {
  table: 'customer',
  columns: `id, created_at, updated_at, cif_no, kind, name, gender, birth_date, branch_id,
    status, marketing_consent, consent_at, consent_channel`,
  // CIF numbers follow the index rather than nextval, which an earlier, rolled-back attempt
  // may have advanced; the sequence is set past them at the end.
  select: `select id, ${NOW}, ${NOW}, 'C' || lpad(i::text, 10, '0'), kind, name, gender,
    birth_date, branch_id, status, consent,
    case when consent then consent_at end, case when consent then consent_channel end
  from s_cust order by i`,
};

const DOCUMENT_ROWS: RowSet = {
  table: 'identity_document',
  columns: 'id, created_at, updated_at, customer_id, type, number, number_hash, checksum_exception',
  select: `select ${uuidSql(TAG.identityDocument, 'c.i')}, ${NOW}, ${NOW}, c.id, c.doc_type,
    c.doc_number, ${hmacSql('c.doc_type', 'c.doc_number')}, false
  from s_cust c order by c.i`,
};

interface ContactSpec {
  kind: ContactKind;
  slot: number;
  value: string;
  statuses: [VerificationStatus, number][];
  methods: [VerificationMethod, number][];
}

const CONTACTS: ContactSpec[] = [
  {
    kind: ContactKind.MOBILE,
    slot: 0,
    value: 'c.mobile',
    // Contact authenticity: branches report 93% and aim at 99.5% of mobiles verified.
    statuses: [
      [VerificationStatus.VERIFIED, 85],
      [VerificationStatus.UNVERIFIED, 12],
      [VerificationStatus.FAILED, 3],
    ],
    methods: [
      [VerificationMethod.SMS, 70],
      [VerificationMethod.CALL_BACK, 30],
    ],
  },
  {
    kind: ContactKind.EMAIL,
    slot: 1,
    value: 'c.email',
    statuses: [
      [VerificationStatus.VERIFIED, 40],
      [VerificationStatus.UNVERIFIED, 58],
      [VerificationStatus.FAILED, 2],
    ],
    methods: [[VerificationMethod.EMAIL_LINK, 1]],
  },
  {
    kind: ContactKind.ADDRESS,
    slot: 2,
    value: 'c.street_address',
    statuses: [
      [VerificationStatus.VERIFIED, 15],
      [VerificationStatus.UNVERIFIED, 85],
    ],
    methods: [[VerificationMethod.IN_PERSON, 1]],
  },
];

/** All of a chunk's contact points, in one statement (and one run of the insert trigger). */
function contactRows(): RowSet {
  const key = 'c.i * 4 + k.slot';
  const bySlot = (choose: (spec: ContactSpec) => string) =>
    `case k.slot ${CONTACTS.map((spec) => `when ${spec.slot} then ${choose(spec)}`).join(' ')} end`;
  const kinds = CONTACTS.map((spec) => `(${spec.slot}, ${lit(spec.kind)}, ${spec.value})`);
  const verified = `v.status <> ${lit(VerificationStatus.UNVERIFIED)}`;
  return {
    table: 'contact_point',
    columns: `id, created_at, updated_at, customer_id, kind, value, value_hash, "primary",
      verification_status, verification_method, verified_at`,
    select: `select ${uuidSql(TAG.contactPoint, key)}, ${NOW}, ${NOW}, c.id, k.kind, k.value,
    ${hmacSql('k.kind', 'k.value')}, k.kind = ${lit(ContactKind.MOBILE)}, v.status,
    case when ${verified}
      then ${bySlot((spec) => weighted(key, 'verificationMethod', spec.methods))} end,
    case when ${verified}
      then ${NOW} - (3600 + ${pick(key, 'verifiedAt', 2 * 365 * DAY)}) * interval '1 second' end
  from s_cust c
  cross join lateral (values ${kinds.join(', ')}) as k(slot, kind, value)
  cross join lateral (
    select ${bySlot((spec) => weighted(key, 'verification', spec.statuses))} as status) v
  where k.value is not null
  order by c.i, k.slot`,
  };
}

const SOURCE_RECORD_ROWS: RowSet = {
  table: 'source_record',
  columns: `id, created_at, updated_at, source_system, source_key, customer_id, attributes,
    content_hash, received_at`,
  // The content hash digests the attributes' values: as deterministic as their JSON, cheaper.
  select: `select ${uuidSql(TAG.sourceRecord, 'r.i')}, ${NOW}, ${NOW}, r.source_system,
    r.source_key, r.id, r.attributes, r.content_hash, ${NOW}
  from (
    select c.i, c.id, c.source_system, c.source_key,
      md5(concat_ws('|', c.source_system, c.source_key, c.kind, c.name, c.gender, c.birth_date,
        c.branch_code, c.doc_type, c.doc_number, c.mobile)) as content_hash,
      jsonb_strip_nulls(jsonb_build_object('sourceSystem', c.source_system,
        'sourceKey', c.source_key, 'kind', c.kind, 'name', c.name, 'gender', c.gender,
        'birthDate', c.birth_date, 'branchCode', c.branch_code,
        'identityDocuments', jsonb_build_array(
          jsonb_build_object('type', c.doc_type, 'number', c.doc_number)),
        'contactPoints', jsonb_build_array(
          jsonb_build_object('kind', ${lit(ContactKind.MOBILE)}, 'value', c.mobile))))
        as attributes
    from s_cust c offset 0) r
  order by r.i`,
};

/** Works out the chunk's vehicles: VIN, plate, use, and the start of the current cover. */
function vehicleWorkSql(create: string): string {
  const vkey = '(c.i * 2 + k.k)';
  return `${create} s_veh as
with owned as materialized (
  select c.i, c.id as customer_id, c.branch_id, c.branch_code, c.market, ${vkey} as vkey,
    case when c.individual then ${weighted(vkey, 'use', [
      [VehicleUse.FAMILY_PRIVATE, 96],
      [VehicleUse.OPERATING, 4],
    ])} else ${weighted(vkey, 'fleetUse', [
      [VehicleUse.NON_OPERATING, 50],
      [VehicleUse.OPERATING, 35],
      [VehicleUse.SPECIAL, 15],
    ])} end as use,
    c.plate_ids[1 + ${pick(vkey, 'authority', 'cardinality(c.plate_ids)')}] as plate_id,
    ${weighted(vkey, 'tenure', EARLIER_POLICY_YEARS)} as tenure,
    ${pick(vkey, 'age', 8)} as extra_age,
    case when ${chance(vkey, 'pending', 1)} then ${TODAY} + 1 + ${pick(vkey, 'pendingStart', 30)}
      else ${TODAY} - ${pick(vkey, 'start', 365)} end as effective,
    (60 + ${pick(vkey, 'value', 340)}) * 1000 as vehicle_value
  from s_cust c cross join generate_series(0, c.vehicles - 1) as k(k)
),
described as materialized (
  select o.*,
    o.use <> ${lit(VehicleUse.SPECIAL)} and ${chance('o.vkey', 'newEnergy', 15)} as nev,
    ${permute('o.vkey', P2, 23, 33 * 1_000_000)} as serial_no
  from owned o
),
numbered as materialized (
  select d.*,
    row_number() over (partition by d.plate_id, d.nev order by d.vkey) - 1
      + coalesce(pc.used, 0) as plate_no,
    convert_to(case when d.nev then ${oneOf('d.vkey', 'wmi', NEW_ENERGY_WMIS)}
      else ${oneOf('d.vkey', 'wmi', FUEL_WMIS)} end
      || upper(substr(md5('vds' || d.vkey), 1, 5)) || '0'
      -- ISO 3779 position 10, the model year: A = 2010 ... T = 2026 (no I, O, Q, U, Z).
      || substr('ABCDEFGHJKLMNPRST', ${SEED_YEAR} - d.tenure - d.extra_age - 2009, 1)
      || substr('${VIN_ALPHABET}', 1 + (d.serial_no / 1000000)::int, 1)
      || lpad((d.serial_no % 1000000)::text, 6, '0'), 'UTF8') as vin_bytes
  from described d
  left join s_plate_counter pc on pc.plate_id = d.plate_id and pc.nev = d.nev
)
select n.vkey, ${uuidSql(TAG.vehicle, 'n.vkey')} as id, n.i, n.customer_id, n.branch_id,
  n.branch_code, n.market, n.use, n.nev, n.tenure, n.effective, n.vehicle_value, n.plate_id,
  overlay(convert_from(n.vin_bytes, 'UTF8') placing ${checkCharacterSql('n.vin_bytes', VIN_CHECK)}
    from 9 for 1) as vin,
  (${sqlArray(PLATE_PREFIXES)})[n.plate_id] || ${plateSerialSql('n.plate_no', 'n.nev')} as plate
from numbered n`;
}

const COUNT_PLATES_SQL = `insert into s_plate_counter (plate_id, nev, used)
  select plate_id, nev, count(*) from s_veh group by plate_id, nev
  on conflict (plate_id, nev) do update set used = s_plate_counter.used + excluded.used`;

const VEHICLE_ROWS: RowSet = {
  table: 'vehicle',
  columns: 'id, created_at, updated_at, vin, plate, use, new_energy',
  select: `select id, ${NOW}, ${NOW}, vin, plate, use, nev from s_veh order by vkey`,
};

/** Works out the chunk's policies: auto renewal chains per vehicle, and the other lines. */
function policyWorkSql(create: string): string {
  const autoKey = 'v.vkey * 16 + y.y * 2 + l.line_no';
  const otherKey = 'c.i * 4 + l.slot';
  const use = (values: [number, number, number, number]) =>
    caseOf('v.use', [
      [VehicleUse.FAMILY_PRIVATE, values[0]],
      [VehicleUse.NON_OPERATING, values[1]],
      [VehicleUse.OPERATING, values[2]],
      [VehicleUse.SPECIAL, values[3]],
    ]);
  // The compulsory premium is the national base rate for the vehicle class, moved by the
  // no-claims float (-30% to +30%): 950 CNY for a family car, 665 after claim-free years.
  const compulsory = `round(${use([950, 1000, 1800, 3000])} * ${weighted(autoKey, 'ncd', [
    [0.7, 30],
    [0.8, 15],
    [0.9, 15],
    [1.0, 30],
    [1.1, 6],
    [1.3, 4],
  ])}, 2)`;
  const commercial = `round((2000 + ${pick(autoKey, 'premium', 600_000)} / 100.0)
    * ${use([1, 1.2, 1.6, 2])}, 2)`;
  const thirdParty = weighted(autoKey, 'thirdPartyCover', [
    [1_000_000, 20],
    [1_500_000, 20],
    [2_000_000, 35],
    [3_000_000, 25],
  ]);
  const otherLines = OTHER_LINES.map(
    (l) => `(${l.slot}, ${lit(l.kind)}, ${lit(l.line)}, ${lit(l.product)}, ${l.share},
      ${l.premium.join(', ')}, ${l.sumInsured.join(', ')})`,
  );
  const insuresFamily = `l.line = ${lit(LineOfBusiness.ACCIDENT_HEALTH)} and c.individual
    and c.i > 1 and ${isIndividual('c.i - 1')} and ${chance('c.i', 'insuresFamily', 20)}`;
  return `${create} s_pol as
with auto as (
  select ${uuidSql(TAG.autoPolicy, autoKey)} as id, ${autoKey} as pkey, v.i, v.customer_id,
    v.customer_id as insured_id, v.id as vehicle_id, v.branch_id, v.branch_code, v.market,
    l.line, l.product, ${weighted('v.vkey * 16 + y.y * 2', 'channel', CHANNELS)} as channel,
    (v.effective - make_interval(years => y.y))::date as effective,
    case when l.line_no = 0 then ${compulsory} else ${commercial} end as premium,
    case when l.line_no = 0 then 200000 else ${thirdParty} + v.vehicle_value end as sum_insured,
    y.y = 0 and ${chance('v.vkey', 'cancelled', 0.8)} as cancelled,
    case when y.y < v.tenure then ${uuidSql(TAG.autoPolicy, `${autoKey} + 2`)} end as renews_id,
    true as auto
  from s_veh v
  cross join generate_series(0, v.tenure) as y(y)
  cross join (values (0, ${lit(LineOfBusiness.COMPULSORY_AUTO)}, 'DZA'),
    (1, ${lit(LineOfBusiness.COMMERCIAL_AUTO)}, 'DAT')) as l(line_no, line, product)
),
other as (
  select ${uuidSql(TAG.otherPolicy, otherKey)} as id, ${otherKey} as pkey, c.i, c.id,
    case when ${insuresFamily} then ${uuidSql(TAG.customer, 'c.i - 1')} else c.id end,
    null::uuid, c.branch_id, c.branch_code, c.market, l.line, l.product,
    ${weighted(otherKey, 'channel', CHANNELS)},
    ${TODAY} - ${pick(otherKey, 'start', 730)},
    round(l.premium_min + ${pick(otherKey, 'premium', '(l.premium_max - l.premium_min) * 100')}
      / 100.0, 2),
    l.insured_min
      + ${pick(otherKey, 'sumInsured', '(l.insured_max - l.insured_min) / 10000 + 1')} * 10000,
    ${chance(otherKey, 'cancelled', 1)}, null::uuid, false
  from s_cust c
  join (values ${otherLines.join(',\n')}) as l(slot, kind, line, product, share, premium_min,
    premium_max, insured_min, insured_max) on l.kind = c.kind
  where ${chance(otherKey, 'holds', 'l.share')}
)
select x.*,
  case when x.cancelled then ${lit(PolicyStatus.CANCELLED)}
    when x.effective > ${TODAY} then ${lit(PolicyStatus.PENDING)}
    when x.expiry < ${TODAY} then ${lit(PolicyStatus.EXPIRED)}
    else ${lit(PolicyStatus.IN_FORCE)} end as status,
  'P' || x.product || to_char(x.effective::timestamp, 'YYYY') || left(x.branch_code, 4)
    || lpad(x.pkey::text, 10, '0') as policy_no
from (
  -- A policy year runs to the day before the anniversary of its start.
  select u.*, (u.effective + interval '1 year')::date - 1 as expiry
  from (select * from auto union all select * from other) u
) x`;
}

const POLICY_ROWS: RowSet = {
  table: 'policy',
  columns: `id, created_at, updated_at, policy_no, line, product_code, channel, branch_id,
    effective_date, expiry_date, premium, sum_insured, status, renews_id, vehicle_id,
    source_system, content_hash`,
  select: `select id, ${NOW}, ${NOW}, policy_no, line, product, channel, branch_id, effective,
    expiry, premium, sum_insured, status, renews_id, vehicle_id, ${lit(SourceSystem.POLICY_ADMIN)},
    md5(policy_no || '|' || status || '|' || premium::text)
  from s_pol order by id`,
};

const PARTY_ROWS: RowSet = {
  table: 'policy_party',
  columns: 'policy_id, customer_id, role',
  select: `select p.id, case when r.role = ${lit(PartyRole.POLICYHOLDER)} then p.customer_id
      else p.insured_id end, r.role
  from s_pol p
  cross join (values (${lit(PartyRole.POLICYHOLDER)}), (${lit(PartyRole.INSURED)})) as r(role)
  order by p.id, r.role`,
};

/** Works out the chunk's claims, with their whole timeline, on auto policies that ran. */
function claimWorkSql(create: string): string {
  const k = 's.ckey';
  const open = Object.entries(OPEN_CLAIM_DAYS).map(([status, days]) => [status, days!] as const);
  const gap = (purpose: string, ranges: [number, number, number][], injury?: [number, number]) =>
    `case when s.fast then ${ranged(k, `${purpose}.fast`, [[1, 300, 3600]])}
      ${injury ? `when s.injury then ${ranged(k, `${purpose}.injury`, [[1, ...injury]])}` : ''}
      else ${ranged(k, purpose, ranges)} end`;
  const gaps = [
    gap('report', [
      [700, 300, 7_500],
      [250, 7_200, 2 * DAY],
      [50, 2 * DAY, 10 * DAY],
    ]),
    gap('register', [
      [990, 600, 22_200],
      [10, 3 * DAY, 15 * DAY],
    ]),
    `case when s.fast_track = ${lit(FastTrack.SURVEY_FREE)} then 0 else ${gap('survey', [
      [920, 1_800, 88_200],
      // Rule R102's case: the surveyor comes more than 3 days late.
      [80, 3 * DAY + 3_600, 6 * DAY],
    ])} end`,
    gap('assess', [[1, DAY, 5 * DAY]], [20 * DAY, 120 * DAY]),
    gap('approve', [[1, 4 * 3_600, 6 * DAY]], [5 * DAY, 30 * DAY]),
    gap('pay', [[1, 3_600, 3 * DAY]]),
    gap('close', [
      [950, 600, 2 * DAY],
      [50, 10 * DAY, 40 * DAY],
    ]),
  ];
  const cumulative = gaps.map((_, n) =>
    Array.from({ length: n + 1 }, (_, m) => `s.g${m}`).join(' + '),
  );
  // Each stage happens at its planned offset, squeezed proportionally when the claim is too
  // young for the stage it has reached: the order of stages always holds.
  const at = (n: number) => `s.acc + floor(s.c${n} * s.scale) * interval '1 second'`;
  const stage = (n: number, extra = '') =>
    `case when s.last_stage >= ${n}${extra} then ${at(n)} end`;
  return `${create} s_claim as
with claimable as (
  select p.id, p.pkey, p.customer_id, p.i, p.market, p.branch_code, p.product, p.line,
    p.effective, least(p.expiry, ${TODAY} - 1) - p.effective as span,
    p.expiry < ${TODAY} - 30 as settled
  from s_pol p
  where p.auto and p.status in (${lit(PolicyStatus.IN_FORCE)}, ${lit(PolicyStatus.EXPIRED)})
    and p.effective < ${TODAY}
),
drawn as materialized (
  select c.*, c.pkey * 4 + n.n as ckey
  from claimable c
  cross join generate_series(1,
    case when c.line = ${lit(LineOfBusiness.COMPULSORY_AUTO)}
      then ${weighted('c.pkey', 'claims', CLAIMS_PER_COMPULSORY_POLICY)}
      else ${weighted('c.pkey', 'claims', CLAIMS_PER_COMMERCIAL_POLICY)} end) as n(n)
),
facts as materialized (
  select d.*,
    case when d.settled then ${weighted('d.ckey', 'status', SETTLED_CLAIM_STATUSES)}
      else ${weighted('d.ckey', 'status', RECENT_CLAIM_STATUSES)} end as claim_status,
    ${chance('d.ckey', 'injury', 7)} as injury,
    ${chance('d.ckey', 'singleParty', 40)} as single_party,
    ${weightedIndex('d.ckey', 'hour', ACCIDENT_HOURS)} - 1 as hour
  from drawn d
),
sized as materialized (
  select f.*,
    round(case when f.injury then ${ranged('f.ckey', 'injuryReserve', [[1, 2e6, 5e7]])}
      else ${ranged('f.ckey', 'reserve', [
        [600, 50_000, 500_000],
        [300, 500_000, 2_000_000],
        [80, 2_000_000, 10_000_000],
        [20, 10_000_000, 30_000_000],
      ])} end / 100.0, 2) as reserve,
    f.hour * 3600 + ${pick('f.ckey', 'minute', 3540)} as tod,
    case when ${caseOf('f.claim_status', open)} is not null and not f.settled
      then f.effective + f.span
        - ${pick('f.ckey', 'recentDay', `least(${caseOf('f.claim_status', open)}, f.span + 1)`)}
      else f.effective + ${pick('f.ckey', 'day', 'f.span + 1')} end as accident_day,
    case f.claim_status
      ${STAGES.map((s, n) => `when ${lit(s)} then ${n}`).join(' ')}
      when ${lit(ClaimStatus.REJECTED)} then 2 + ${chance('f.ckey', 'rejectedLate', 50)}::int
      when ${lit(ClaimStatus.WITHDRAWN)} then ${chance('f.ckey', 'withdrawnLate', 50)}::int
    end as last_stage
  from facts f
),
tracked as materialized (
  select z.*, z.fast_track in (${lit(FastTrack.FLASH)}, ${lit(FastTrack.DOCUMENT_FREE)}) as fast
  from (
    select s.*,
      -- Fast tracks are for small claims without injury; document-free only when single-party.
      case when s.reserve < 5000 and not s.injury
        and s.claim_status not in (${lit(ClaimStatus.REJECTED)}, ${lit(ClaimStatus.WITHDRAWN)})
      then nullif(${weighted('s.ckey', 'fastTrack', [
        [null, 50],
        [FastTrack.FLASH, 15],
        [FastTrack.SURVEY_FREE, 15],
        [FastTrack.DOCUMENT_FREE, 20],
      ])}, case when not s.single_party then ${lit(FastTrack.DOCUMENT_FREE)} end) end
        as fast_track
    from sized s) z
),
gapped as materialized (
  select s.*, ${gaps.map((g, n) => `${g} as g${n}`).join(',\n    ')}
  from tracked s
),
scheduled as (
  select s.*, ${cumulative.map((c, n) => `${c} as c${n}`).join(', ')}
  from gapped s
)
select s.ckey, ${uuidSql(TAG.claim, 's.ckey')} as id,
  'R' || s.product || to_char(s.accident_day::timestamp, 'YYYY') || left(s.branch_code, 4)
    || lpad(s.ckey::text, 12, '0') as claim_no,
  s.id as policy_id, s.customer_id, s.i, s.market, s.effective, s.accident_day,
  s.hour as accident_hour, s.claim_status as status, s.reserve, s.injury, s.single_party,
  s.fast_track,
  ${weighted(k, 'reportChannel', [
    [ReportChannel.PHONE, 45],
    [ReportChannel.APP, 25],
    [ReportChannel.WECHAT, 22],
    [ReportChannel.AGENT, 8],
  ])} as report_channel,
  s.acc as accident_at, ${at(0)} as reported_at, ${stage(1)} as registered_at,
  ${stage(2, ` and s.fast_track is distinct from ${lit(FastTrack.SURVEY_FREE)}`)} as surveyed_at,
  ${stage(3)} as assessed_at, ${stage(4)} as approved_at, ${stage(5)} as paid_at,
  ${stage(6)} as closed_at,
  floor(s.c0 * s.scale)::bigint as report_delay,
  (s.tod + floor(s.c0 * s.scale)::bigint) % ${DAY} / 3600 as report_hour,
  case when s.claim_status in (${lit(ClaimStatus.PAID)}, ${lit(ClaimStatus.CLOSED)})
    then round(s.reserve * case when ${chance(k, 'overpaid', 5)}
      then 1 + ${pick(k, 'overpay', 11)} / 100.0 else 0.8 + ${pick(k, 'payRatio', 21)} / 100.0
      end, 2)
    else 0 end as paid_amount,
  (s.injury and ${chance(k, 'advance', 40)})
    or (s.reserve >= 50000 and ${chance(k, 'advanceLarge', 15)}) as advance_payment,
  not s.injury and ${chance(k, 'directSettlement', 35)} as direct_settlement,
  ${weighted(k, 'complaints', [
    [0, 970],
    [1, 22],
    [2, 8],
  ])} as complaints,
  count(*) over (partition by s.customer_id order by s.acc
    range between interval '8760 hours' preceding and current row) as claims_12m
from (
  select sc.*, ${instant('sc.accident_day', 'sc.tod')} as acc,
    least(1.0, ((${TODAY} - sc.accident_day) * ${DAY} - sc.tod - 60)::float8
      / (array[sc.c0, sc.c1, sc.c2, sc.c3, sc.c4, sc.c5, sc.c6])[sc.last_stage + 1]) as scale
  from scheduled sc) s`;
}

function claimRows(): RowSet {
  const road = (offset: string) => {
    const index = `(${pick('c.ckey', 'road', ROADS.length)} + ${offset}) % ${ROADS.length}`;
    return `(${sqlArray(ROADS)})[1 + ${index}]`;
  };
  return {
    table: 'claim',
    columns: `id, created_at, updated_at, claim_no, policy_id, claimant_id, accident_at,
      accident_place, report_channel, reported_at, registered_at, surveyed_at, assessed_at,
      approved_at, paid_at, closed_at, status, reserve, paid_amount, single_party, injury,
      fast_track, advance_payment, direct_settlement, complaints, source_system, content_hash`,
    select: `select c.id, ${NOW}, ${NOW}, c.claim_no, c.policy_id, c.customer_id, c.accident_at,
    m.address || m.district_names[1 + ${pick('c.ckey', 'place', 'cardinality(m.district_names)')}]
      || ${road('0')} || '与' || ${road(`1 + ${pick('c.ckey', 'crossing', ROADS.length - 1)}`)}
      || '交叉口',
    c.report_channel, c.reported_at, c.registered_at, c.surveyed_at, c.assessed_at,
    c.approved_at, c.paid_at, c.closed_at, c.status, c.reserve, c.paid_amount, c.single_party,
    c.injury, c.fast_track, c.advance_payment, c.direct_settlement, c.complaints,
    ${lit(SourceSystem.CLAIMS)}, md5(c.claim_no || '|' || c.status || '|' || c.reserve::text)
  from s_claim c join s_market m on m.idx = c.market
  order by c.ckey`,
  };
}

interface ScoreSet {
  subject: RiskSubjectType;
  tag: number;
  keyPrefix: string;
  /** SQL yielding `k` (the score's key), `subject_id` and the facts the rules read. */
  source: string;
  /** SQL over the source's columns. */
  stage: string;
  scoredAt: string;
  rules: [RuleCode, string][];
}

/** Scores a set of subjects: base risk plus the weights of the rules that fire, capped at 100. */
function scoreSelect(set: ScoreSet): string {
  // Which rules fire is a bit mask; the rule lists and point totals of every combination are
  // constants, looked up instead of assembling JSON row by row.
  const combinations = Array.from({ length: 2 ** set.rules.length }, (_, mask) =>
    set.rules.filter((_, bit) => mask & (1 << bit)).map(([code]) => code),
  );
  const firedRules = combinations.map((codes) =>
    lit(
      JSON.stringify(
        codes.map((code) => ({ code, description: RULES[code][0], weight: RULES[code][1] })),
      ),
    ),
  );
  const points = combinations.map((codes) =>
    codes.reduce((total, code) => total + Number(RULES[code][1]), 0),
  );
  const mask = set.rules.map(([, when], bit) => `(${when})::int * ${2 ** bit}`).join(' + ');
  const subjectColumn = (subject: RiskSubjectType) =>
    set.subject === subject ? 's.subject_id' : 'null::uuid';
  return `select ${uuidSql(set.tag, 's.k')}, ${NOW}, ${NOW}, ${lit(SourceSystem.CLAIMS)},
    ${lit(`${set.keyPrefix}-`)} || lpad(s.k::text, 12, '0'), ${lit(set.subject)},
    ${subjectColumn(RiskSubjectType.CUSTOMER)}, ${subjectColumn(RiskSubjectType.CLAIM)},
    ${subjectColumn(RiskSubjectType.VEHICLE)}, s.stage,
    'claims-rules', case when s.scored_at < ${V3_ROLLOUT} then 'v2' else 'v3' end, s.score,
    case when s.score < 40 then ${lit(RiskLevel.LOW)}
      when s.score < 70 then ${lit(RiskLevel.MEDIUM)} else ${lit(RiskLevel.HIGH)} end,
    (array[${firedRules.join(', ')}]::jsonb[])[s.mask + 1], s.scored_at,
    md5(s.k || '|' || s.score::text)
  from (
    select x.k, x.subject_id, ${set.stage} as stage, ${set.scoredAt} as scored_at, m.mask,
      least(100, (500 + ${pick('x.k', 'baseScore', 3500)}) / 100.0
        + (array[${points.join(', ')}]::numeric[])[m.mask + 1]) as score
    from (${set.source}) x cross join lateral (select ${mask} as mask) m
    offset 0) s`;
}

const NIGHT = (hour: string) => `(${hour} >= 21 or ${hour} < 5)`;
const minutesAfter = (at: string, key: string, purpose: string) =>
  `least(${at} + (60 + ${pick(key, purpose, 1800)}) * interval '1 second', ${NOW})`;

/** Claim scores: one at report, a v3 rescoring of some older ones, and later stages. */
function claimScoreSets(): ScoreSet[] {
  const claims = (slot: number, where: string) =>
    `select c.*, c.ckey * 8 + ${slot} as k, c.id as subject_id from s_claim c where ${where}`;
  const reportRules: [RuleCode, string][] = [
    ['R017', NIGHT('x.report_hour')],
    ['R042', `x.report_delay > ${2 * DAY}`],
    ['R205', 'x.accident_day - x.effective < 30'],
    ['R230', 'x.claims_12m >= 3'],
    ['R088', chance('x.ckey', 'R088', 3)],
  ];
  const claim = { subject: RiskSubjectType.CLAIM, tag: TAG.claimScore, keyPrefix: 'CLM' };
  return [
    {
      ...claim,
      source: claims(0, 'true'),
      stage: lit(RiskStage.REPORT),
      scoredAt: minutesAfter('x.reported_at', 'x.k', 'scoreDelay'),
      rules: reportRules,
    },
    {
      ...claim,
      // When v3 went live, open and recent claims were scored again.
      source: claims(1, `c.reported_at < ${V3_ROLLOUT} and ${chance('c.ckey', 'rescored', 20)}`),
      stage: lit(RiskStage.REPORT),
      scoredAt: `${V3_ROLLOUT} + ${pick('x.k', 'rescoreAt', 30 * DAY)} * interval '1 second'`,
      rules: reportRules,
    },
    {
      ...claim,
      source: claims(2, `c.surveyed_at is not null and ${chance('c.ckey', 'surveyScore', 45)}`),
      stage: lit(RiskStage.SURVEY),
      scoredAt: minutesAfter('x.surveyed_at', 'x.k', 'scoreDelay'),
      rules: [
        ['R102', `x.surveyed_at - x.registered_at > interval '72 hours'`],
        ['R118', `x.single_party and ${NIGHT('x.accident_hour')}`],
        ['R360', chance('x.ckey', 'R360', 6)],
      ],
    },
    {
      ...claim,
      source: claims(3, `c.assessed_at is not null and ${chance('c.ckey', 'assessScore', 30)}`),
      stage: lit(RiskStage.ASSESSMENT),
      scoredAt: minutesAfter('x.assessed_at', 'x.k', 'scoreDelay'),
      rules: [
        ['R150', 'x.reserve > 50000'],
        ['R311', 'x.injury'],
        ['R275', chance('x.ckey', 'R275', 8)],
      ],
    },
    {
      ...claim,
      source: claims(4, `c.approved_at is not null and ${chance('c.ckey', 'approvalScore', 10)}`),
      stage: lit(RiskStage.APPROVAL),
      scoredAt: minutesAfter('x.approved_at', 'x.k', 'scoreDelay'),
      rules: [
        ['R150', 'x.reserve > 50000'],
        ['R320', chance('x.ckey', 'R320', 5)],
      ],
    },
  ];
}

/** Customer scores for everyone with a claim: the latest, and an older v2 one for some. */
function customerScoreSets(): ScoreSet[] {
  const customers = (slot: number, where: string) => `select a.*, r.renewal, a.i * 4 + ${slot} as k,
      a.customer_id as subject_id
    from (select c.customer_id, c.i, max(c.reported_at) as last_reported,
        min(c.reported_at) as first_reported, max(c.claims_12m) as claims_12m,
        count(*) filter (where c.accident_day > ${TODAY} - 1095) as claims_3y,
        bool_or(c.injury) as injury
      from s_claim c group by c.customer_id, c.i) a
    join (select customer_id, max(effective) as renewal from s_pol
      where auto and status <> ${lit(PolicyStatus.CANCELLED)} group by customer_id) r
      using (customer_id)
    where ${where}`;
  const rules: [RuleCode, string][] = [
    ['R230', 'x.claims_12m >= 3'],
    ['R231', 'x.claims_3y >= 2'],
    ['R240', 'x.injury'],
    ['R088', chance('x.i', 'R088', 2)],
  ];
  const customer = { subject: RiskSubjectType.CUSTOMER, tag: TAG.customerScore, keyPrefix: 'CUS' };
  const underwriting = chance('x.i', 'underwritingScore', 40);
  return [
    {
      ...customer,
      source: customers(0, 'true'),
      stage: `case when ${underwriting} then ${lit(RiskStage.UNDERWRITING)}
        else ${lit(RiskStage.REPORT)} end`,
      // Underwriting scores the customer a week before the current cover starts.
      scoredAt: `case when ${underwriting}
        then least(${instant('x.renewal - 7', 36_000)}, ${NOW})
        else ${minutesAfter('x.last_reported', 'x.k', 'scoreDelay')} end`,
      rules,
    },
    {
      ...customer,
      source: customers(
        1,
        `a.first_reported < ${V3_ROLLOUT} and a.first_reported < a.last_reported`,
      ),
      stage: lit(RiskStage.REPORT),
      scoredAt: minutesAfter('x.first_reported', 'x.k', 'scoreDelay'),
      rules,
    },
  ];
}

/** Vehicle scores at underwriting, for some vehicles this year and the year before. */
function vehicleScoreSets(): ScoreSet[] {
  const vehicles = (slot: number, where: string) =>
    `select v.*, v.vkey * 4 + ${slot} as k, v.id as subject_id from s_veh v
    where ${chance('v.vkey', 'vehicleScore', 20)} and ${where}`;
  const rules: [RuleCode, string][] = [
    ['R405', `x.use = ${lit(VehicleUse.OPERATING)}`],
    ['R430', 'x.nev'],
    ['R499', chance('x.vkey', 'R499', 3)],
  ];
  const vehicle = { subject: RiskSubjectType.VEHICLE, tag: TAG.vehicleScore, keyPrefix: 'VEH' };
  const hour = `${9 * 3600} + ${pick('x.k', 'scoreTime', 9 * 3600)}`;
  return [
    {
      ...vehicle,
      source: vehicles(0, 'true'),
      stage: lit(RiskStage.UNDERWRITING),
      scoredAt: `least(${instant('x.effective - 5', hour)}, ${NOW})`,
      rules,
    },
    {
      ...vehicle,
      source: vehicles(1, `v.tenure >= 1 and ${chance('v.vkey', 'vehicleHistory', 30)}`),
      stage: lit(RiskStage.UNDERWRITING),
      scoredAt: instant(`(x.effective - interval '1 year')::date - 5`, hour),
      rules,
    },
  ];
}

const SEEDED_TABLES = [
  'branch',
  'customer',
  'identity_document',
  'contact_point',
  'source_record',
  'vehicle',
  'policy',
  'policy_party',
  'claim',
  'risk_score',
];

/** What `detachKeysAndIndexes` took off, as the statements that put it back. */
interface Detached {
  /** Primary and unique keys. */
  keys: string[];
  indexes: string[];
  foreignKeys: { add: string; validate: string }[];
}

/**
 * Takes the seeded tables' keys and indexes off, foreign keys pointing at them from other
 * tables included: maintained row by row they cost about as much as the rest of the load;
 * rebuilt, each index is one sort and each foreign key check one join. Nobody sees the
 * tables without their keys: the seed's transaction holds them until it commits.
 */
async function detachKeysAndIndexes(client: ClientBase): Promise<Detached> {
  const { rows } = await client.query<{ kind: string; drop: string; add: string }>(
    `select case contype when 'f' then 'foreign key' else 'key' end as kind,
        format('alter table %s drop constraint %I', conrelid::regclass, conname) as drop,
        format('alter table %s add constraint %I %s', conrelid::regclass, conname,
          pg_get_constraintdef(oid)) as add
      from pg_constraint
      where contype in ('p', 'u', 'f') and (conrelid = any($1::regclass[])
        or confrelid = any($1::regclass[]))
    union all
    select 'index', format('drop index %s', indexrelid::regclass), pg_get_indexdef(indexrelid)
      from pg_index i
      where indrelid = any($1::regclass[])
        and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)
    order by kind, drop`,
    [SEEDED_TABLES],
  );
  // Foreign keys go first, keys last: nothing may depend on what is dropped.
  for (const { drop } of rows) await client.query(drop);
  const of = (kind: string) => rows.filter((row) => row.kind === kind);
  return {
    keys: of('key').map(({ add }) => add),
    indexes: of('index').map(({ add }) => add),
    foreignKeys: of('foreign key').map(({ drop, add }) => ({
      add,
      validate: drop.replace(' drop constraint ', ' validate constraint '),
    })),
  };
}

/** Row sets written chunk by chunk, each referring only to rows written before it. */
const CHUNK_ROW_SETS: RowSet[] = [
  CUSTOMER_ROWS,
  DOCUMENT_ROWS,
  contactRows(),
  SOURCE_RECORD_ROWS,
  VEHICLE_ROWS,
  POLICY_ROWS,
];

/**
 * Row sets written after the last chunk, with one statement each, parties last. The tier
 * queue's statement-level triggers on claims and risk scores reach customers through
 * policy_party: a join across the two largest tables once it is filled, none while it is
 * empty. Every seeded customer is queued by then anyway, through its contact points.
 */
const FINAL_ROW_SETS: RowSet[] = [
  claimRows(),
  {
    table: 'risk_score',
    columns: `id, created_at, updated_at, source_system, source_key, subject_type, customer_id,
      claim_id, vehicle_id, stage, model, model_version, score, level, fired_rules, scored_at,
      content_hash`,
    select: [...claimScoreSets(), ...customerScoreSets(), ...vehicleScoreSets()]
      .map(scoreSelect)
      .join('\nunion all\n'),
  },
  PARTY_ROWS,
];

/** The chunk's working tables, which its row sets are selected from. */
function workSql(create: string, lo: number, hi: number): string[] {
  return [
    customerWorkSql(create, lo, hi),
    vehicleWorkSql(create),
    COUNT_PLATES_SQL,
    policyWorkSql(create),
    claimWorkSql(create),
  ];
}

/**
 * Settings and lookup tables of a connection that works rows out or writes them, set in its
 * open transaction: for that transaction only, or for the session of the seed's own helper.
 */
async function prepareSession(db: ClientBase, piiHashKey: string, session: boolean) {
  const set = (name: string, value: string) =>
    db.query('select set_config($1, $2, $3)', [name, value, !session]);
  // JIT compiling these wide expressions costs more than it saves; the one commit that
  // matters is not worth a flush per WAL page.
  await set('jit', 'off');
  await set('synchronous_commit', 'off');
  await set('work_mem', '256MB');
  await set('maintenance_work_mem', '512MB');
  // Working tables outgrow the default 8 MB of local buffers, but the size can only change
  // before a session's first temporary table: a session that had one keeps its own.
  await db.query('savepoint local_buffers');
  await set('temp_buffers', '256MB').then(
    () => db.query('release savepoint local_buffers'),
    () => db.query('rollback to savepoint local_buffers'),
  );
  const { ipad, opad } = hmacPads(piiHashKey);
  await db.query('create temp table s_key (ipad bytea, opad bytea)');
  await db.query('insert into s_key values ($1, $2)', [ipad, opad]);
  await db.query(marketsSql());
  await db.query(`create temp table s_plate_counter (plate_id int, nev boolean,
    used bigint not null, primary key (plate_id, nev))`);
}

/**
 * Fills an empty, migrated database with `customers` demo customers and everything that
 * hangs off them, in one transaction on `client`.
 *
 * Given `options.connect`, a helper connection works each chunk out into unlogged tables of
 * schemas of its own while `client` writes the chunk before, one core each; then the
 * transaction commits the rows with their primary and unique keys, and foreign keys that hold
 * for new rows, and the two connections build the other indexes and check the foreign keys
 * on the rows written. Alone, `client` does it all inside its transaction. The data are the
 * same either way.
 */
export async function seedDemoData(client: ClientBase, options: SeedOptions): Promise<SeedCounts> {
  const total = options.customers;
  if (!Number.isInteger(total) || total < 1 || total > MAX_SEED_CUSTOMERS) {
    throw new Error(`customers must be an integer from 1 to ${MAX_SEED_CUSTOMERS}, got ${total}`);
  }
  const seeded = await client.query<{ any: boolean }>(
    'select exists (select 1 from customer) or exists (select 1 from branch) as any',
  );
  if (seeded.rows[0].any) {
    throw new Error('The database already has customers or branches: seed an empty database');
  }
  const chunks = Array.from({ length: Math.ceil(total / CHUNK_CUSTOMERS) }, (_, n) => ({
    lo: n * CHUNK_CUSTOMERS + 1,
    hi: Math.min(total, (n + 1) * CHUNK_CUSTOMERS),
  }));
  const {
    rows: [{ pid }],
  } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
  const helper = await options.connect?.();
  const schema = (n: number) => `cif_seed_${pid}_${n}`;
  const dropSchemas = `drop schema if exists ${chunks.map((_, n) => schema(n)).join(', ')} cascade`;
  const staged = (rows: RowSet, n: number) =>
    helper ? `${schema(n)}.s_rows_${rows.table}` : `s_rows_${rows.table}_${n}`;
  const counts: SeedCounts = { customers: 0, policies: 0, claims: 0, riskScores: 0 };
  const write = async (rows: RowSet, source: string) =>
    (await client.query(`insert into ${rows.table} (${rows.columns}) ${source}`)).rowCount ?? 0;
  const step = (name: string, statements: number) => {
    let done = 0;
    options.onProgress?.(0, statements, name);
    return () => options.onProgress?.(++done, statements, name);
  };

  const work = async (n: number) => {
    const db = helper ?? client;
    if (helper) {
      await helper.query(`create schema ${schema(n)}`);
      await helper.query(`set search_path = ${schema(n)}`);
    } else {
      await client.query('drop table if exists s_cust, s_veh, s_pol, s_claim');
    }
    const create = helper ? 'create unlogged table' : 'create temp table';
    for (const sql of workSql(create, chunks[n].lo, chunks[n].hi)) await db.query(sql);
    for (const rows of FINAL_ROW_SETS) {
      await db.query(`${create} ${staged(rows, n)} (${rows.columns}) as ${rows.select}`);
    }
  };
  const writeChunk = async (n: number) => {
    if (helper) await client.query(`set local search_path = ${schema(n)}, public`);
    for (const rows of CHUNK_ROW_SETS) {
      const written = await write(rows, rows.select);
      if (rows === CUSTOMER_ROWS) counts.customers += written;
      if (rows === POLICY_ROWS) counts.policies += written;
    }
    options.onProgress?.(chunks[n].hi, total, 'customers');
  };

  options.onProgress?.(0, total, 'customers');
  await client.query('begin');
  let detached: Detached;
  try {
    await prepareSession(client, options.piiHashKey, false);
    detached = await detachKeysAndIndexes(client);
    await client.query(branchesSql());
    if (helper) {
      await dropAbandonedSchemas(helper);
      await helper.query('begin');
      await prepareSession(helper, options.piiHashKey, true);
      await helper.query('commit');
      await pipeline(chunks.length, work, writeChunk);
      await client.query('set local search_path to default');
      await helper.query('reset search_path');
    } else {
      for (const n of chunks.keys()) {
        await work(n);
        await writeChunk(n);
      }
    }
    for (const rows of FINAL_ROW_SETS) {
      const done = step(rows.table, 1);
      const union = chunks.map((_, n) => `select * from ${staged(rows, n)}`).join(' union all ');
      const written = await write(rows, union);
      if (rows.table === 'claim') counts.claims = written;
      if (rows.table === 'risk_score') counts.riskScores = written;
      done();
    }
    // Temporary tables outlive the transaction: the caller's session keeps no key pads.
    const waited = helper
      ? []
      : FINAL_ROW_SETS.flatMap((rows) => chunks.map((_, n) => staged(rows, n)));
    await client.query(`drop table if exists ${[WORKING_TABLES, ...waited].join(', ')}`);
    await runAll(client, detached.keys, step('keys', detached.keys.length));
    await client.query(`select setval('cif_no_seq', ${total})`);
    if (helper) {
      // They hold for every row written from now on; the rows already written are checked
      // after the commit.
      for (const { add } of detached.foreignKeys) await client.query(`${add} not valid`);
    } else {
      const adds = detached.foreignKeys.map(({ add }) => add);
      await runAll(client, detached.indexes, step('indexes', detached.indexes.length));
      await runAll(client, adds, step('foreign keys', adds.length));
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    await helper?.query(dropSchemas).catch(() => undefined);
    await helper?.end();
    throw error;
  }
  const analyze = `analyze ${SEEDED_TABLES.join(', ')}`;
  if (!helper) {
    await runAll(client, [analyze], step('analyze', 1));
    return counts;
  }
  try {
    await helper.query(dropSchemas);
    const validations = detached.foreignKeys.map(({ validate }) => validate);
    const done = step('indexes and foreign keys', detached.indexes.length + 1 + validations.length);
    await Promise.all([
      runAll(client, [...detached.indexes, analyze], done),
      runAll(helper, validations, done),
    ]);
  } finally {
    await helper.end();
  }
  return counts;
}

async function runAll(db: ClientBase, statements: string[], done: () => void): Promise<void> {
  for (const sql of statements) {
    await db.query(sql);
    done();
  }
}

const WORKING_TABLES = 's_key, s_market, s_plate_counter, s_cust, s_veh, s_pol, s_claim';

/** Drops the schemas of seeds that were killed: their writers are gone. */
async function dropAbandonedSchemas(db: ClientBase): Promise<void> {
  const { rows } = await db.query<{ nspname: string }>(
    `select nspname from pg_namespace where nspname ~ '^cif_seed_[0-9]+_[0-9]+$'
      and split_part(nspname, '_', 3)::int not in (select pid from pg_stat_activity)`,
  );
  for (const { nspname } of rows) await db.query(`drop schema "${nspname}" cascade`);
}

/**
 * Runs `work` on chunk after chunk while `write` follows one chunk behind it; a failure on
 * either side stops both.
 */
async function pipeline(
  chunks: number,
  work: (n: number) => Promise<void>,
  write: (n: number) => Promise<void>,
): Promise<void> {
  let stopped = false;
  const worked: Promise<void>[] = [];
  let previous = Promise.resolve();
  for (let n = 0; n < chunks; n++) {
    previous = previous.then(() => (stopped ? undefined : work(n)));
    worked.push(previous);
  }
  // Each is awaited in turn below; this keeps an early failure from counting as unhandled.
  for (const promise of worked) promise.catch(() => undefined);
  try {
    for (let n = 0; n < chunks; n++) {
      await worked[n];
      await write(n);
    }
  } finally {
    stopped = true;
    await Promise.allSettled(worked);
  }
}

import { BranchLevel } from '../../src/modules/branch/branch.entity';

export interface Market {
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

export interface BranchSeed {
  code: string;
  name: string;
  level: BranchLevel;
  parent?: string;
  /** The first day the branch was open (`valid_from`), as in examples/branches.csv. */
  opened: string;
  /** City and county branches serve customers; the levels above only manage. */
  market?: Market;
}

/**
 * The demo insurer's branch tree: the head office, provincial branches, and under them the
 * city and county branches that serve customers.
 */
export const BRANCHES: BranchSeed[] = [
  { code: '0000', name: '总公司', level: BranchLevel.HEAD_OFFICE, opened: '1996-06-01' },
  {
    code: '3200',
    name: '江苏省分公司',
    level: BranchLevel.PROVINCIAL,
    parent: '0000',
    opened: '1997-03-01',
  },
  {
    code: '3201',
    name: '南京市分公司',
    level: BranchLevel.CITY,
    parent: '3200',
    opened: '1997-03-01',
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
    opened: '2003-09-01',
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
    opened: '1998-05-01',
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
    opened: '1998-05-01',
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
    opened: '2005-01-01',
    market: {
      weight: 3,
      city: '张家港',
      address: '江苏省苏州市',
      plates: ['苏E'],
      districts: [['320582', '张家港市']],
    },
  },
  {
    code: '3300',
    name: '浙江省分公司',
    level: BranchLevel.PROVINCIAL,
    parent: '0000',
    opened: '1997-03-01',
  },
  {
    code: '3301',
    name: '杭州市分公司',
    level: BranchLevel.CITY,
    parent: '3300',
    opened: '1997-03-01',
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
    opened: '1999-07-01',
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
  {
    code: '4400',
    name: '广东省分公司',
    level: BranchLevel.PROVINCIAL,
    parent: '0000',
    opened: '1997-03-01',
  },
  {
    code: '4401',
    name: '广州市分公司',
    level: BranchLevel.CITY,
    parent: '4400',
    opened: '1997-03-01',
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
    opened: '1998-01-01',
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
  {
    code: '1100',
    name: '北京市分公司',
    level: BranchLevel.PROVINCIAL,
    parent: '0000',
    opened: '1996-06-01',
  },
  {
    code: '1101',
    name: '北京市营业部',
    level: BranchLevel.CITY,
    parent: '1100',
    opened: '1996-06-01',
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
  {
    code: '5100',
    name: '四川省分公司',
    level: BranchLevel.PROVINCIAL,
    parent: '0000',
    opened: '2000-10-01',
  },
  {
    code: '5101',
    name: '成都市分公司',
    level: BranchLevel.CITY,
    parent: '5100',
    opened: '2000-10-01',
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
    opened: '2006-04-01',
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
    opened: '2002-08-01',
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

export const MARKETS = BRANCHES.flatMap((b) => (b.market ? [{ code: b.code, ...b.market }] : []));
/** Plates are numbered per prefix, and markets may share one (a county and its city). */
export const PLATE_PREFIXES = [...new Set(MARKETS.flatMap((m) => m.plates))];

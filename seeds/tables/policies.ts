import { SourceSystem, CustomerKind } from '../../src/modules/customer/customer.enums';
import {
  LineOfBusiness,
  PartyRole,
  PolicyStatus,
  SalesChannel,
} from '../../src/modules/policy/policy.enums';
import { VehicleUse } from '../../src/modules/vehicle/vehicle.entity';
import { chance, pick, weighted } from '../sql/draws';
import { TAG, uuidSql } from '../sql/ids';
import type { SeedTime } from '../sql/seed-time';
import { caseOf, lit } from '../sql/values';
import { isIndividual } from './customers';
import type { RowSet } from './row-set';

const CHANNELS: [SalesChannel, number][] = [
  [SalesChannel.DEALER, 30],
  [SalesChannel.INDIVIDUAL_AGENT, 27],
  [SalesChannel.PROFESSIONAL_AGENCY, 17],
  [SalesChannel.PHONE_ONLINE, 11],
  [SalesChannel.DIRECT, 9],
  [SalesChannel.NEW_PLATFORM, 6],
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

/**
 * SQL: the last day of a policy year starting on `start`, the day before the anniversary.
 * Cover from 29 February ends on 28 February of a common year: without a corresponding day
 * the period ends on the last day of the month (Civil Code art. 202), and PostgreSQL's
 * `+ interval '1 year'` already lands there.
 */
function policyYearEnd(start: string): string {
  return `((${start}) + interval '1 year')::date
    - (to_char((${start})::timestamp, 'MMDD') <> '0229')::int`;
}

/**
 * Works out the chunk's policies into s_pol: a chain of yearly auto policies per vehicle,
 * the current one starting on the vehicle's cover start and each earlier one a year before
 * the one that renews it, and the other lines.
 */
export function policyWorkSql(time: SeedTime, create: string): string {
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
  const yearsBack = (years: string) => `(v.effective - make_interval(years => ${years}))::date`;
  const otherStart = `${time.today} - ${pick(otherKey, 'start', 730)}`;
  return `${create} s_pol as
with auto as (
  select ${uuidSql(TAG.autoPolicy, autoKey)} as id, ${autoKey} as pkey, v.i, v.customer_id,
    v.customer_id as insured_id, v.id as vehicle_id, v.branch_id, v.branch_code, v.market,
    l.line, l.product, ${weighted('v.vkey * 16 + y.y * 2', 'channel', CHANNELS)} as channel,
    ${yearsBack('y.y')} as effective,
    -- A renewal starts the day after the policy it renews ends, on leap days too.
    case when y.y = 0 then ${policyYearEnd('v.effective')}
      else ${yearsBack('y.y - 1')} - 1 end as expiry,
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
    ${weighted(otherKey, 'channel', CHANNELS)}, ${otherStart}, ${policyYearEnd(otherStart)},
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
    when x.effective > ${time.today} then ${lit(PolicyStatus.PENDING)}
    when x.expiry < ${time.today} then ${lit(PolicyStatus.EXPIRED)}
    else ${lit(PolicyStatus.IN_FORCE)} end as status,
  'P' || x.product || to_char(x.effective::timestamp, 'YYYY') || left(x.branch_code, 4)
    || lpad(x.pkey::text, 10, '0') as policy_no
from (select * from auto union all select * from other) x`;
}

export const policyRows = (time: SeedTime): RowSet => ({
  table: 'policy',
  columns: `id, created_at, updated_at, policy_no, line, product_code, channel, branch_id,
    effective_date, expiry_date, premium, sum_insured, status, renews_id, vehicle_id,
    vehicle_plate, vehicle_use, vehicle_new_energy, source_system, content_hash`,
  select: `select p.id, ${time.now}, ${time.now}, p.policy_no, p.line, p.product, p.channel,
    p.branch_id, p.effective, p.expiry, p.premium, p.sum_insured, p.status, p.renews_id,
    p.vehicle_id, v.plate, v.use, v.nev, ${lit(SourceSystem.POLICY_ADMIN)},
    md5(p.policy_no || '|' || p.status || '|' || p.premium::text)
  from s_pol p left join s_veh v on v.id = p.vehicle_id order by p.id`,
});

/** The policyholder and the insured of every policy: the customer, or a family member. */
export const POLICY_PARTY_ROWS: RowSet = {
  table: 'policy_party',
  columns: 'policy_id, customer_id, role',
  select: `select p.id, case when r.role = ${lit(PartyRole.POLICYHOLDER)} then p.customer_id
      else p.insured_id end, r.role
  from s_pol p
  cross join (values (${lit(PartyRole.POLICYHOLDER)}), (${lit(PartyRole.INSURED)})) as r(role)
  order by p.id, r.role`,
};

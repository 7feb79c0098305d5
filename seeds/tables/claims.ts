import { SourceSystem } from '../../src/modules/customer/customer.enums';
import { ClaimStatus, FastTrack, ReportChannel } from '../../src/modules/claim/claim.enums';
import { LineOfBusiness, PolicyStatus } from '../../src/modules/policy/policy.enums';
import { ROADS } from '../reference/names';
import { chance, pick, ranged, weighted, weightedIndex } from '../sql/draws';
import { TAG, uuidSql } from '../sql/ids';
import { DAY, type SeedTime } from '../sql/seed-time';
import { caseOf, lit, sqlArray } from '../sql/values';
import type { RowSet } from './row-set';

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

/**
 * Works out the chunk's claims into s_claim, with their whole timeline, on auto policies that
 * ran before the seed day: open claims lie in the last weeks, settled ones anywhere in cover.
 */
export function claimWorkSql(time: SeedTime, create: string): string {
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
    p.effective, least(p.expiry, ${time.today} - 1) - p.effective as span,
    p.expiry < ${time.today} - 30 as settled
  from s_pol p
  where p.auto and p.status in (${lit(PolicyStatus.IN_FORCE)}, ${lit(PolicyStatus.EXPIRED)})
    and p.effective < ${time.today}
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
  select a.*, least(1.0, (extract(epoch from ${time.now} - a.acc) - 60)::float8
      / (array[a.c0, a.c1, a.c2, a.c3, a.c4, a.c5, a.c6])[a.last_stage + 1]) as scale
  from (
    select sc.*, ${time.instant('sc.accident_day', 'sc.tod')} as acc from scheduled sc) a) s`;
}

export function claimRows(time: SeedTime): RowSet {
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
    select: `select c.id, ${time.now}, ${time.now}, c.claim_no, c.policy_id, c.customer_id, c.accident_at,
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

import { SourceSystem } from '../../src/modules/customer/customer.enums';
import { PolicyStatus } from '../../src/modules/policy/policy.enums';
import { RiskLevel, RiskStage, RiskSubjectType } from '../../src/modules/risk/risk.enums';
import { VehicleUse } from '../../src/modules/vehicle/vehicle.entity';
import { RULES, type RuleCode } from '../reference/claim-rules';
import { chance, pick } from '../sql/draws';
import { TAG, uuidSql } from '../sql/ids';
import { DAY, type SeedTime } from '../sql/seed-time';
import { lit } from '../sql/values';
import type { RowSet } from './row-set';

/** Model v3 of the claims rule base went live about 16 months before the seed day; v2 before. */
const v3Rollout = (time: SeedTime) => time.instant(`${time.today} - 488`, 0);

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
function scoreSelect(time: SeedTime, set: ScoreSet): string {
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
  return `select ${uuidSql(set.tag, 's.k')}, ${time.now}, ${time.now}, ${lit(SourceSystem.CLAIMS)},
    ${lit(`${set.keyPrefix}-`)} || lpad(s.k::text, 12, '0'), ${lit(set.subject)},
    ${subjectColumn(RiskSubjectType.CUSTOMER)}, ${subjectColumn(RiskSubjectType.CLAIM)},
    ${subjectColumn(RiskSubjectType.VEHICLE)}, s.stage,
    'claims-rules', case when s.scored_at < ${v3Rollout(time)} then 'v2' else 'v3' end, s.score,
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
const minutesAfter = (time: SeedTime, at: string, key: string, purpose: string) =>
  `least(${at} + (60 + ${pick(key, purpose, 1800)}) * interval '1 second', ${time.now})`;

/** Claim scores: one at report, a v3 rescoring of some older ones, and later stages. */
function claimScoreSets(time: SeedTime): ScoreSet[] {
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
      scoredAt: minutesAfter(time, 'x.reported_at', 'x.k', 'scoreDelay'),
      rules: reportRules,
    },
    {
      ...claim,
      // When v3 went live, open and recent claims were scored again.
      source: claims(
        1,
        `c.reported_at < ${v3Rollout(time)} and ${chance('c.ckey', 'rescored', 20)}`,
      ),
      stage: lit(RiskStage.REPORT),
      scoredAt: `${v3Rollout(time)} + ${pick('x.k', 'rescoreAt', 30 * DAY)} * interval '1 second'`,
      rules: reportRules,
    },
    {
      ...claim,
      source: claims(2, `c.surveyed_at is not null and ${chance('c.ckey', 'surveyScore', 45)}`),
      stage: lit(RiskStage.SURVEY),
      scoredAt: minutesAfter(time, 'x.surveyed_at', 'x.k', 'scoreDelay'),
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
      scoredAt: minutesAfter(time, 'x.assessed_at', 'x.k', 'scoreDelay'),
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
      scoredAt: minutesAfter(time, 'x.approved_at', 'x.k', 'scoreDelay'),
      rules: [
        ['R150', 'x.reserve > 50000'],
        ['R320', chance('x.ckey', 'R320', 5)],
      ],
    },
  ];
}

/** Customer scores for everyone with a claim: the latest, and an older v2 one for some. */
function customerScoreSets(time: SeedTime): ScoreSet[] {
  const customers = (slot: number, where: string) => `select a.*, r.renewal, a.i * 4 + ${slot} as k,
      a.customer_id as subject_id
    from (select c.customer_id, c.i, max(c.reported_at) as last_reported,
        min(c.reported_at) as first_reported, max(c.claims_12m) as claims_12m,
        count(*) filter (where c.accident_day > ${time.today} - 1095) as claims_3y,
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
        then least(${time.instant('x.renewal - 7', 36_000)}, ${time.now})
        else ${minutesAfter(time, 'x.last_reported', 'x.k', 'scoreDelay')} end`,
      rules,
    },
    {
      ...customer,
      source: customers(
        1,
        `a.first_reported < ${v3Rollout(time)} and a.first_reported < a.last_reported`,
      ),
      stage: lit(RiskStage.REPORT),
      scoredAt: minutesAfter(time, 'x.first_reported', 'x.k', 'scoreDelay'),
      rules,
    },
  ];
}

/** Vehicle scores at underwriting, for some vehicles this year and the year before. */
function vehicleScoreSets(time: SeedTime): ScoreSet[] {
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
      scoredAt: `least(${time.instant('x.effective - 5', hour)}, ${time.now})`,
      rules,
    },
    {
      ...vehicle,
      source: vehicles(1, `v.tenure >= 1 and ${chance('v.vkey', 'vehicleHistory', 30)}`),
      stage: lit(RiskStage.UNDERWRITING),
      scoredAt: time.instant(`(x.effective - interval '1 year')::date - 5`, hour),
      rules,
    },
  ];
}

/** Every risk score: claims at their stages, customers with claims, some vehicles. */
export function riskScoreRows(time: SeedTime): RowSet {
  return {
    table: 'risk_score',
    columns: `id, created_at, updated_at, source_system, source_key, subject_type, customer_id,
      claim_id, vehicle_id, stage, model, model_version, score, level, fired_rules, scored_at,
      content_hash`,
    select: [...claimScoreSets(time), ...customerScoreSets(time), ...vehicleScoreSets(time)]
      .map((set) => scoreSelect(time, set))
      .join('\nunion all\n'),
  };
}

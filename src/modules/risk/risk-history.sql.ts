import { knownDay } from '../../graphql/known-day';
import type { ReadContext } from '../../read/read-model';
import type { SqlScope } from '../../read/sql-scope';
import { AUTO_LINES } from '../policy/policy.enums';
import { RiskLevel } from './risk.enums';

/**
 * The underwriting indicators, defined once in SQL for any set of policies (a customer's,
 * a vehicle's) as of a date:
 *
 * - a claim counts unless it was rejected or withdrawn; it falls in a window by accident date;
 * - incurred = paid for closed claims, the larger of reserve and paid for open ones
 *   (paid plus outstanding reserve), and for rejected or withdrawn ones what they paid (an
 *   advance paid before the claim was withdrawn is money out); as of the date: paid by then,
 *   and open if it closed later (INCURRED);
 * - earned premium = premium x the share of the policy period elapsed by the date (the
 *   period includes its expiry day); cancelled and pending policies earn nothing, as the
 *   hub holds no cancellation date;
 * - loss ratio = incurred / earned premium, null while nothing is earned;
 * - claim-free years = whole years since the last counted claim's accident, or since the
 *   first cover began when there was none.
 */

/**
 * The no-claims discount of commercial auto insurance (无赔款优待系数, NCD): the national
 * table of the 2020 reform, from level -4 (four or more claim-free years) to 4 (five or
 * more claims in the last year, counting claims that paid: one closed with nothing paid is
 * none). The claim-free years are whole years of auto cover since the last auto claim, counted from the cover that followed a lapse (NCD_LAPSE_DAYS) if later;
 * a level below 0 needs no claim in the last year.
 */
export const NCD_TABLE = [
  { level: -4, coefficient: '0.50', when: 'no claim for 4 years or more' },
  { level: -3, coefficient: '0.60', when: 'no claim for 3 years' },
  { level: -2, coefficient: '0.70', when: 'no claim for 2 years' },
  { level: -1, coefficient: '0.80', when: 'no claim in the last year' },
  { level: 0, coefficient: '1.00', when: 'new to auto cover, or 1 claim in the last year' },
  { level: 1, coefficient: '1.20', when: '2 claims in the last year' },
  { level: 2, coefficient: '1.40', when: '3 claims in the last year' },
  { level: 3, coefficient: '1.60', when: '4 claims in the last year' },
  { level: 4, coefficient: '2.00', when: '5 claims or more in the last year' },
] as const;

const LOWEST_NCD = NCD_TABLE[0].level;
const HIGHEST_NCD = NCD_TABLE[NCD_TABLE.length - 1].level;

/**
 * Days without auto cover beyond which it has lapsed (脱保): the claim-free years of the NCD
 * count from the cover that followed (LAPSED).
 */
export const NCD_LAPSE_DAYS = 90;

/**
 * Auto cover whose last day was `until` has lapsed when the days without it, up to and
 * including `lastDayWithout`, are more than NCD_LAPSE_DAYS: the same count whether cover has
 * resumed since (the day before it did) or not yet (the day asked about).
 */
const LAPSED = (until: string, lastDayWithout: string) =>
  `(${lastDayWithout}) - ${until} > ${NCD_LAPSE_DAYS}`;

/** Whether the policy `policy` is auto cover that ran: a cancelled or pending one did not. */
const AUTO_COVER = (policy: string) =>
  `(${policy}.line in (${AUTO_LINES.map((l) => `'${l}'`).join(', ')})
    and ${policy}.status not in ('CANCELLED', 'PENDING'))`;

/** The NCD level from a row's auto figures (null without auto cover), as SQL. */
const ncdLevel = (asOf: string, t: string) => `case when ${t}.auto_first_cover is null then null
  when ${t}.auto_claims_1y > 0 then least(${t}.auto_claims_1y, ${HIGHEST_NCD + 1}) - 1
  -- No cover that ran (only cancelled or pending policies), or none for the lapse since the
  -- last ended: new to auto cover.
  when ${t}.auto_cover_since is null or ${LAPSED(`${t}.auto_cover_until`, asOf)} then 0
  else greatest(-extract(year from age(${asOf},
    greatest(${t}.auto_last_accident, ${t}.auto_cover_since)))::int, ${LOWEST_NCD}) end`;

/**
 * Of scores taken at one instant, the graver first (HIGH, MEDIUM, LOW): the reading an
 * underwriter takes when two models disagree at once, and one that a third score at that
 * instant cannot turn by the order of ids.
 */
export const GRAVER_FIRST = (level: string) =>
  `case ${level} ${Object.values(RiskLevel)
    .reverse()
    .map((value, rank) => `when '${value}' then ${rank}`)
    .join(' ')} end`;

/**
 * The latest of a subject's scores first: by scoring time, two scored at one instant the
 * graver first, then in a fixed order, so that a tier's "latest risk level" and the
 * profile's latest score agree.
 */
export const LATEST_SCORE_FIRST = (score: string) =>
  `${score}.scored_at desc, ${GRAVER_FIRST(`${score}.level`)}, ${score}.id`;

export const COUNTED_CLAIM = (claim: string) => `${claim}.status not in ('REJECTED', 'WITHDRAWN')`;

/**
 * What a claim had paid: as of a business day `asOf` (SQL), nothing before the day of its
 * payment (a payment of no known day counts); without one, what it has paid now.
 */
export const PAID = (claim: string, asOf?: string) =>
  asOf
    ? `case when ${claim}.paid_at::date > ${asOf} then 0.00 else ${claim}.paid_amount end`
    : `${claim}.paid_amount`;

/**
 * Paid for a closed claim, the larger of reserve and paid for an open one, and for a rejected
 * or withdrawn one what it paid (its reserve is no liability, but an advance paid out is a
 * loss: incurred is never less than paid); as of `asOf`, a claim closed later was open then,
 * with what it had paid by then (its reserve as it stands: the hub keeps no reserve history).
 */
export const INCURRED = (claim: string, asOf?: string) => `case
  when ${claim}.status in ('REJECTED', 'WITHDRAWN') then ${PAID(claim, asOf)}
  when ${claim}.status = 'CLOSED'${asOf ? ` and not ${claim}.closed_at::date > ${asOf}` : ''}
    then ${PAID(claim, asOf)}
  else greatest(${claim}.reserve, ${PAID(claim, asOf)}) end`;

export const EARNED_PREMIUM = (policy: string, asOf: string) => `case
  when ${policy}.status in ('CANCELLED', 'PENDING') then 0.00
  else round(${policy}.premium * least(greatest(
    (${asOf} - ${policy}.effective_date + 1)::numeric
      / (${policy}.expiry_date - ${policy}.effective_date + 1), 0), 1), 2) end`;

/** `asOf` as SQL: the argument bound as a date, or the business clock's today. */
export function asOfSql(row: SqlScope, asOf: string | undefined, context: ReadContext): string {
  return row.param(knownDay(context.clock, 'asOf', asOf) ?? context.clock.today(), 'date');
}

/**
 * One row of indicators over the policies `policyIds` (SQL yielding policy ids) as of
 * `asOf`, with its per-year breakdown in `years` (see `policyYearRows`). Each policy and
 * its claims are read once, for the totals and the years alike: read apart, they doubled
 * the database's work for an underwriting history.
 */
export function riskHistoryRow(policyIds: string, asOf: string, alias: string): string {
  return `(select ${asOf} as as_of, t.*,
      case when t.first_cover is null then 0
        else extract(year from age(${asOf}, coalesce(t.last_accident, t.first_cover)))::int end
        as claim_free_years,
      case when t.earned_premium = 0 then null
        else round(t.incurred / t.earned_premium, 4) end as loss_ratio,
      ${ncdLevel(asOf, 't')} as ncd_level,
      (array[${NCD_TABLE.map((n) => n.coefficient).join(', ')}]::numeric[])[${ncdLevel(asOf, 't')} - ${LOWEST_NCD - 1}]
        as ncd_coefficient
    from (with pc as (select p.effective_date, p.expiry_date, p.premium,
          ${EARNED_PREMIUM('p', asOf)} as earned,
          p.effective_date <= ${asOf} as covered,
          -- Written premium is what policies not cancelled carry: the tier's premium12m.
          case when p.status = 'CANCELLED' then 0.00 else p.premium end as written,
          -- Cover that ran: a cancelled or pending policy starts no claim-free years.
          p.status in ('IN_FORCE', 'EXPIRED') as ran,
          p.line in (${AUTO_LINES.map((l) => `'${l}'`).join(', ')}) as auto,
          ${AUTO_COVER('p')} as auto_cover,
          -- The latest expiry of the auto cover before this policy, for lapses.
          max(p.expiry_date) filter (where ${AUTO_COVER('p')})
            over (order by p.effective_date, p.id rows between unbounded preceding and 1 preceding)
            as auto_cover_before, k.*
        -- Money paid counts whatever became of the claim (an advance payment on a claim
        -- later rejected or withdrawn went out all the same); the claim itself does not.
        from policy p cross join lateral (select count(*) filter (where cc.counted) as claims,
            count(*) filter (where cc.counted and c.accident_at::date > ${asOf} - interval '1 year') as claims_1y,
            count(*) filter (where cc.counted and c.accident_at::date > ${asOf} - interval '3 years') as claims_3y,
            count(*) filter (where cc.counted and c.accident_at::date > ${asOf} - interval '5 years') as claims_5y,
            (max(c.accident_at) filter (where cc.counted))::date as last_accident,
            count(*) filter (where cc.ncd and c.accident_at::date > ${asOf} - interval '1 year') as ncd_claims_1y,
            (max(c.accident_at) filter (where cc.ncd))::date as ncd_last_accident,
            coalesce(sum(${PAID('c', asOf)}), 0.00) as paid,
            coalesce(sum(${INCURRED('c', asOf)}), 0.00) as incurred
          from claim c cross join lateral (select ${COUNTED_CLAIM('c')} as counted,
              -- The NCD counts claims that paid: one closed with nothing paid (零结案) is no
              -- claim to it, as rejected and withdrawn ones are not.
              ${COUNTED_CLAIM('c')} and not (c.status = 'CLOSED'
                and c.closed_at::date <= ${asOf} and ${PAID('c', asOf)} = 0) as ncd) cc
          where c.policy_id = p.id and c.accident_at::date <= ${asOf}) k
        where p.id = any(array(${policyIds})))
      select coalesce(sum(pc.written) filter (where pc.covered), 0.00) as written_premium,
        coalesce(sum(pc.earned) filter (where pc.covered), 0.00) as earned_premium,
        min(pc.effective_date) filter (where pc.covered and pc.ran) as first_cover,
        coalesce(sum(pc.claims_1y), 0)::int as claim_count_1y,
        coalesce(sum(pc.claims_3y), 0)::int as claim_count_3y,
        coalesce(sum(pc.claims_5y), 0)::int as claim_count_5y,
        max(pc.last_accident) as last_accident,
        min(pc.effective_date) filter (where pc.covered and pc.auto) as auto_first_cover,
        max(pc.expiry_date) filter (where pc.covered and pc.auto_cover) as auto_cover_until,
        max(pc.effective_date) filter (where pc.covered and pc.auto_cover
          and (pc.auto_cover_before is null
            or ${LAPSED('pc.auto_cover_before', 'pc.effective_date - 1')})) as auto_cover_since,
        coalesce(sum(pc.ncd_claims_1y) filter (where pc.auto), 0)::int as auto_claims_1y,
        max(pc.ncd_last_accident) filter (where pc.auto) as auto_last_accident,
        coalesce(sum(pc.paid), 0.00) as paid,
        coalesce(sum(pc.incurred), 0.00) as incurred,
        (select coalesce(jsonb_agg(y), '[]'::jsonb) from (
            select extract(year from pc.effective_date)::int as year,
              count(*)::int as policy_count,
              sum(pc.written) as written_premium,
              sum(pc.earned) as earned_premium,
              sum(pc.claims)::int as claim_count,
              sum(pc.paid) as paid,
              sum(pc.incurred) as incurred
            from pc where pc.covered group by 1) y) as years
      from pc) t) ${alias}`;
}

/** Per underwriting year (the year a policy period starts), over a risk-history row. */
export function policyYearRows(history: string, alias: string): string {
  return `(select y.*, case when y.earned_premium = 0 then null
        else round(y.incurred / y.earned_premium, 4) end as loss_ratio
    from jsonb_to_recordset(${history}.years) as y(year int, policy_count int,
      written_premium numeric, earned_premium numeric, claim_count int, paid numeric,
      incurred numeric)) ${alias}`;
}

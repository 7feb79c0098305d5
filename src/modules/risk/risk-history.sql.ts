import type { ReadContext } from '../../read/read-model';
import type { SqlScope } from '../../read/sql-scope';

/**
 * The underwriting indicators, defined once in SQL for any set of policies (a customer's,
 * a vehicle's) as of a date:
 *
 * - a claim counts unless it was rejected or withdrawn; it falls in a window by accident date;
 * - incurred = paid for closed claims, the larger of reserve and paid for open ones
 *   (paid plus outstanding reserve), nothing for rejected or withdrawn ones;
 * - earned premium = premium x the share of the policy period elapsed by the date (the
 *   period includes its expiry day); cancelled and pending policies earn nothing, as the
 *   hub holds no cancellation date;
 * - loss ratio = incurred / earned premium, null while nothing is earned;
 * - claim-free years = whole years since the last counted claim's accident, or since the
 *   first cover began when there was none.
 */

export const COUNTED_CLAIM = (claim: string) => `${claim}.status not in ('REJECTED', 'WITHDRAWN')`;

export const INCURRED = (claim: string) => `case
  when ${claim}.status in ('REJECTED', 'WITHDRAWN') then 0
  when ${claim}.status = 'CLOSED' then ${claim}.paid_amount
  else greatest(${claim}.reserve, ${claim}.paid_amount) end`;

export const EARNED_PREMIUM = (policy: string, asOf: string) => `case
  when ${policy}.status in ('CANCELLED', 'PENDING') then 0
  else round(${policy}.premium * least(greatest(
    (${asOf} - ${policy}.effective_date + 1)::numeric
      / (${policy}.expiry_date - ${policy}.effective_date + 1), 0), 1), 2) end`;

/** `asOf` as SQL: the argument bound as a date, or the business clock's today. */
export function asOfSql(row: SqlScope, asOf: unknown, context: ReadContext): string {
  return row.param(asOf || context.clock.today(), 'date');
}

/**
 * One row of indicators over the policies `policyIds` (SQL yielding policy ids) as of
 * `asOf`; it also carries `policy_ids` and `as_of` for the per-year breakdown.
 */
export function riskHistoryRow(policyIds: string, asOf: string, alias: string): string {
  return `(select ${asOf} as as_of, pol.policy_ids,
      cl.claims_1y as claim_count_1y,
      cl.claims_3y as claim_count_3y,
      cl.claims_5y as claim_count_5y,
      case when po.first_cover is null then 0
        else extract(year from age(${asOf}, coalesce(cl.last_accident, po.first_cover)))::int end
        as claim_free_years,
      coalesce(po.written, 0.00) as written_premium,
      coalesce(po.earned, 0.00) as earned_premium,
      coalesce(cl.paid, 0.00) as paid,
      coalesce(cl.incurred, 0.00) as incurred,
      case when coalesce(po.earned, 0) = 0 then null
        else round(coalesce(cl.incurred, 0) / po.earned, 4) end as loss_ratio,
      cl.last_accident
    from (select array(${policyIds}) as policy_ids) pol
    cross join lateral (select sum(p.premium) as written,
        sum(${EARNED_PREMIUM('p', asOf)}) as earned,
        min(p.effective_date) as first_cover
      from policy p where p.id = any(pol.policy_ids) and p.effective_date <= ${asOf}) po
    cross join lateral (select
        count(*) filter (where c.accident_at::date > ${asOf} - interval '1 year') as claims_1y,
        count(*) filter (where c.accident_at::date > ${asOf} - interval '3 years') as claims_3y,
        count(*) filter (where c.accident_at::date > ${asOf} - interval '5 years') as claims_5y,
        max(c.accident_at)::date as last_accident,
        sum(c.paid_amount) as paid,
        sum(${INCURRED('c')}) as incurred
      from claim c
      where c.policy_id = any(pol.policy_ids) and ${COUNTED_CLAIM('c')}
        and c.accident_at::date <= ${asOf}) cl) ${alias}`;
}

/** Per underwriting year (the year a policy period starts), over a risk-history row. */
export function policyYearRows(history: string, alias: string): string {
  return `(select y.*, case when y.earned_premium = 0 then null
        else round(y.incurred / y.earned_premium, 4) end as loss_ratio
    from (select extract(year from p.effective_date)::int as year,
        count(*) as policy_count,
        sum(p.premium) as written_premium,
        sum(${EARNED_PREMIUM('p', `${history}.as_of`)}) as earned_premium,
        sum(c.claims) as claim_count,
        sum(c.paid) as paid,
        sum(c.incurred) as incurred
      from policy p
      cross join lateral (select count(*) as claims,
          coalesce(sum(cl.paid_amount), 0.00) as paid,
          coalesce(sum(${INCURRED('cl')}), 0.00) as incurred
        from claim cl where cl.policy_id = p.id and ${COUNTED_CLAIM('cl')}
          and cl.accident_at::date <= ${history}.as_of) c
      where p.id = any(${history}.policy_ids) and p.effective_date <= ${history}.as_of
      group by 1) y) ${alias}`;
}

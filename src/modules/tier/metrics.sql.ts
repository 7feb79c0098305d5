import { PROVES_REACH } from '../customer/customer.enums';
import { COUNTED_CLAIM, INCURRED, LATEST_SCORE_FIRST } from '../risk/risk-history.sql';

/**
 * The tier metrics of customers as of a date, one row per active customer, in one
 * set-based statement: the same SQL serves the nightly recompute of every customer, the
 * recompute of the few a change touched, and simulations. The definitions are stated in
 * `rule-set/metrics.ts`; windows run up to and including `asOf`.
 *
 * `asOf` is a SQL date expression; `customers` a condition on the customer row `c` that
 * selects whom to compute (the planner pushes it into each aggregate through `scope`).
 */
export function metricsQuery(asOf: string, customers: string): string {
  // Earned premium of policy `p` over the window's days, pro rata: the days after `from` up
  // to `asOf`, those whose accidents the claim windows count.
  const earnedIn = (from: string) => `case when p.status in ('CANCELLED', 'PENDING') then 0
    else p.premium * greatest(0, least(p.expiry_date, ${asOf}) - greatest(p.effective_date, ${from} + 1) + 1)::numeric
      / (p.expiry_date - p.effective_date + 1) end`;
  const months = (n: number) => `(${asOf} - interval '${n} months')::date`;
  return `with scope as (select c.id, c.branch_id from customer c where c.status = 'ACTIVE' and ${customers}),
  holdings as (
    select distinct pp.customer_id, pp.policy_id from policy_party pp join scope s on s.id = pp.customer_id),
  policy_metrics as (
    select h.customer_id,
      sum(p.premium) filter (where p.status <> 'CANCELLED'
        and p.effective_date > ${months(12)} and p.effective_date <= ${asOf}) as premium_12m,
      count(distinct p.line) filter (where p.status in ('IN_FORCE', 'EXPIRED')
        and ${asOf} between p.effective_date and p.expiry_date) as lines_held,
      -- Cover that ran: a cancelled or pending policy starts no tenure, nor claim-free months.
      min(p.effective_date) filter (where p.status in ('IN_FORCE', 'EXPIRED')
        and p.effective_date <= ${asOf}) as first_cover,
      count(*) filter (where p.renews_id is not null and p.status <> 'CANCELLED'
        and p.effective_date > ${months(36)} and p.effective_date <= ${asOf}) as renewals,
      sum(${earnedIn(months(12))}) filter (where p.effective_date <= ${asOf}
        and p.expiry_date > ${months(12)}) as earned_12m,
      sum(${earnedIn(months(36))}) filter (where p.effective_date <= ${asOf}
        and p.expiry_date > ${months(36)}) as earned_36m
    from holdings h join policy p on p.id = h.policy_id
    group by h.customer_id),
  claim_metrics as (
    select h.customer_id,
      count(*) filter (where cl.accident_at::date > ${months(12)}) as claim_count_12m,
      count(*) filter (where cl.accident_at::date > ${months(36)}) as claim_count_36m,
      sum(${INCURRED('cl', asOf)}) filter (where cl.accident_at::date > ${months(12)}) as incurred_12m,
      sum(${INCURRED('cl', asOf)}) filter (where cl.accident_at::date > ${months(36)}) as incurred_36m,
      max(cl.accident_at)::date as last_accident
    from holdings h join claim cl on cl.policy_id = h.policy_id
    where ${COUNTED_CLAIM('cl')} and cl.accident_at::date <= ${asOf}
    group by h.customer_id),
  latest_score as (
    select distinct on (rs.customer_id) rs.customer_id, rs.level, rs.model, rs.model_version,
      rs.scored_at::date as scored_at
    from risk_score rs join scope s on s.id = rs.customer_id
    where rs.scored_at::date <= ${asOf}
    order by rs.customer_id, ${LATEST_SCORE_FIRST('rs')}),
  worst_score as (
    select x.customer_id,
      max(array_position(array['LOW', 'MEDIUM', 'HIGH'], x.level)) as worst
    from (
      select rs.customer_id, rs.level, rs.scored_at from risk_score rs join scope s on s.id = rs.customer_id
      union all
      select h.customer_id, rs.level, rs.scored_at from holdings h
        join claim cl on cl.policy_id = h.policy_id join risk_score rs on rs.claim_id = cl.id
    ) x
    where x.scored_at::date > ${months(36)} and x.scored_at::date <= ${asOf}
    group by x.customer_id),
  contact as (
    select cp.customer_id from contact_point cp join scope s on s.id = cp.customer_id
    -- A number on many customers (a dealer's) reaches someone, not this customer.
    where cp.kind = 'MOBILE' and cp.verification_status = 'VERIFIED' and not cp.generic
      and cp.verification_method in (${PROVES_REACH.map((m) => `'${m}'`).join(', ')})
    group by cp.customer_id)
  select s.id as customer_id, s.branch_id,
    coalesce(pm.premium_12m, 0.00) as premium_12m,
    coalesce(pm.lines_held, 0)::int as lines_held,
    coalesce((extract(year from age(${asOf}, pm.first_cover)) * 12
      + extract(month from age(${asOf}, pm.first_cover)))::int, 0) as tenure_months,
    coalesce(pm.renewals, 0)::int as renewals,
    coalesce(cm.claim_count_12m, 0)::int as claim_count_12m,
    coalesce(cm.claim_count_36m, 0)::int as claim_count_36m,
    coalesce(cm.incurred_12m, 0.00) as incurred_12m,
    coalesce(cm.incurred_36m, 0.00) as incurred_36m,
    -- Exact: a rounded ratio put 1.00001 on the right side of "> 1". Shown to 4 decimals.
    coalesce(cm.incurred_12m, 0) / nullif(pm.earned_12m, 0) as loss_ratio_12m,
    coalesce(cm.incurred_36m, 0) / nullif(pm.earned_36m, 0) as loss_ratio_36m,
    coalesce((extract(year from age(${asOf}, coalesce(cm.last_accident, pm.first_cover))) * 12
      + extract(month from age(${asOf}, coalesce(cm.last_accident, pm.first_cover))))::int, 0)
      as claim_free_months,
    coalesce(ls.level, 'NONE') as latest_risk_level,
    ls.model as latest_risk_model,
    ls.model_version as latest_risk_model_version,
    ls.scored_at as latest_risk_scored_at,
    coalesce((array['LOW', 'MEDIUM', 'HIGH'])[ws.worst], 'NONE') as worst_risk_level_36m,
    (ct.customer_id is not null) as verified_contact
  from scope s
  left join policy_metrics pm on pm.customer_id = s.id
  left join claim_metrics cm on cm.customer_id = s.id
  left join latest_score ls on ls.customer_id = s.id
  left join worst_score ws on ws.customer_id = s.id
  left join contact ct on ct.customer_id = s.id`;
}

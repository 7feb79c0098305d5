import type { PoolClient } from 'pg';
import { classSql, reasonTextsSql, rowColumn, tierSql } from './rule-set/compile';
import type { TierRuleSetDocument } from './rule-set/document';
import { METRICS, type MetricKey } from './rule-set/metrics';
import { metricsQuery } from './metrics.sql';

/** A tier rule set version ready to apply. */
export interface TierRuleSet {
  id: string;
  version: number;
  document: TierRuleSetDocument;
}

/** The metrics row as JSON keyed by metric key (the rule set's names, not the columns). */
const metricsJson = (row: string) =>
  `jsonb_build_object(${(Object.keys(METRICS) as MetricKey[])
    .map((key) => `'${key}', ${row}.${METRICS[key].column}`)
    .join(', ')})`;

/**
 * Each metrics row (kept whole, for reasons) with its classes, tier and metrics as JSON
 * under `ruleSet`: the one classification
 * query behind recomputes and simulations alike. `metrics` is a relation of metrics rows
 * (see `metricsOf`, or a table filled from it).
 */
export function evaluationQuery(ruleSet: TierRuleSet, metrics: string): string {
  const { document } = ruleSet;
  const column = rowColumn('m');
  return `select x.*,
      ${tierSql(document, 'x.risk_class', 'x.value_class')} as tier,
      ${metricsJson('x')} as metrics_json
    from (select m.*,
        ${classSql(document.riskClasses, column)} as risk_class,
        ${classSql(document.valueClasses, column)} as value_class
      from ${metrics} m) x`;
}

/**
 * The metrics on business day `day` (`YYYY-MM-DD`, from the clock) of the customers
 * matching `customers` (a condition on `c`), as a relation.
 */
export function metricsOf(customers: string, day: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`not a business day: ${day}`);
  return `(${metricsQuery(`date '${day}'`, customers)})`;
}

export interface RecomputeResult {
  evaluated: number;
  changed: number;
}

/** What one recompute call did, with the customers its snapshot guard left alone. */
export interface ChunkResult extends RecomputeResult {
  skipped: string[];
}

/**
 * Recomputes the selected customers' tiers inside the caller's transaction. A customer
 * whose tier, classes or rule set version changed gets the open assignment closed at `now`
 * and a new one opened; the others keep theirs, with current metric values and reasons.
 */
export async function recomputeTiers(
  client: PoolClient,
  options: {
    ruleSet: TierRuleSet;
    /** The metrics rows to evaluate: see `evaluationQuery`. */
    metrics: string;
    values: unknown[];
    cause: string;
    now: Date;
    /**
     * The snapshot (`pg_current_snapshot()`) the metrics were read in, when they were read
     * in an earlier transaction: customers changed or recomputed since are left alone.
     */
    snapshot?: string;
  },
): Promise<ChunkResult> {
  const { ruleSet, metrics, values, cause, snapshot } = options;
  await client.query('drop table if exists tier_evaluation');
  const evaluated = await client.query(
    `create temp table tier_evaluation on commit drop as ${evaluationQuery(ruleSet, metrics)}`,
    values,
  );
  // The statements below reach the assignments through this array of ids (an index probe
  // per customer); a join lets the planner scan the whole, ever-growing history instead.
  const evaluatedIds = `a.customer_id = any(array(select customer_id from tier_evaluation))`;
  // The customers whose tier changes: the assignment triggers below rewrite their current
  // tier. Locked first, in id order, as merges lock customers before the assignments they
  // close, so that a merge and a recompute never wait on each other in a cycle.
  await client.query(
    `select 1 from customer c join tier_evaluation e on e.customer_id = c.id
     where c.id = any(array(select customer_id from tier_evaluation))
       and c.current_tier is distinct from e.tier
     order by c.id for no key update of c`,
  );
  let skipped: string[] = [];
  if (snapshot) {
    // Metrics from an older snapshot must not overwrite what a later recompute wrote, nor
    // stand for a change the snapshot did not see (its queue entry brings a recompute).
    // The open rows are locked first, in one order, so a recompute writing them now is
    // waited for.
    await client.query(
      `select 1 from tier_assignment a where ${evaluatedIds} and a.valid_to is null
       order by a.customer_id for update`,
    );
    const stale = await client.query<{ customer_id: string }>(
      `delete from tier_evaluation e
       where exists (select 1 from tier_recompute_queue q where q.customer_id = e.customer_id
           and not pg_visible_in_snapshot(q.enqueued_xid, $1::pg_snapshot))
         or exists (select 1 from tier_assignment a where a.customer_id = e.customer_id
           and a.valid_to is null and not pg_visible_in_snapshot(a.computed_xid, $1::pg_snapshot))
       returning e.customer_id`,
      [snapshot],
    );
    skipped = stale.rows.map((r) => r.customer_id);
  }
  // A period never ends before it began, even when the clock was set back (tests, a
  // corrected server clock): the switch happens at the later of now and the latest start.
  const [{ at: now }] = (
    await client.query<{ at: Date }>(
      `select greatest($1::timestamptz, max(a.valid_from)) as at
       from tier_assignment a where ${evaluatedIds} and a.valid_to is null`,
      [options.now],
    )
  ).rows;
  // Reasons are words, the costliest part: written only for the rows that change.
  const reasons = reasonTextsSql(ruleSet.document, rowColumn('e'));
  const insert = `insert into tier_assignment
       (customer_id, rule_set_version_id, tier, risk_class, value_class, metrics, reasons, cause, valid_from)
     select e.customer_id, $1::uuid, e.tier, e.risk_class, e.value_class, e.metrics_json,
       ${reasons}, $3, $2::timestamptz`;
  // A period ends and the next one opens in one statement, so that the assignment triggers
  // see only the outcome: a customer's current tier is written once when the tier changes,
  // and not at all when only the classes or the rule version do (an activation would
  // otherwise rewrite every customer twice). Each new row is joined to the update's output
  // row for its customer, so it is written after the period it follows has ended.
  const replaced = await client.query(
    `with ended as (
       update tier_assignment a set valid_to = $2::timestamptz
       from tier_evaluation e
       where ${evaluatedIds} and a.valid_to is null and a.customer_id = e.customer_id
         and (a.tier, a.risk_class, a.value_class, a.rule_set_version_id)
           is distinct from (e.tier, e.risk_class, e.value_class, $1::uuid)
       returning a.customer_id)
     ${insert} from tier_evaluation e join ended on ended.customer_id = e.customer_id`,
    [ruleSet.id, now, cause],
  );
  const opened = await client.query(
    `${insert} from tier_evaluation e
     left join lateral (select 1 as open from tier_assignment a
       where a.customer_id = e.customer_id and a.valid_to is null) current on true
     where current.open is null
     on conflict (customer_id) where valid_to is null do nothing`,
    [ruleSet.id, now, cause],
  );
  // An unchanged tier keeps its row, refreshed with today's figures: risk gates and the
  // front line read the open row, and must not judge on a verification or a loss ratio
  // that has since changed. Closed rows keep the figures they were decided on.
  // A recompute from current figures stamps every row it evaluated, changed or not: a full
  // run whose older snapshot did not see this transaction then leaves the row alone.
  const stampAll = snapshot ? '' : 'or a.computed_xid <> pg_current_xact_id()';
  await client.query(
    `update tier_assignment a set computed_xid = pg_current_xact_id(),
       metrics = e.metrics_json,
       reasons = case when a.metrics is distinct from e.metrics_json then ${reasons} else a.reasons end
     from tier_evaluation e
     where ${evaluatedIds} and a.valid_to is null and a.customer_id = e.customer_id
       and (a.metrics is distinct from e.metrics_json ${stampAll})`,
  );
  return {
    evaluated: (evaluated.rowCount ?? 0) - skipped.length,
    changed: (replaced.rowCount ?? 0) + (opened.rowCount ?? 0),
    skipped,
  };
}

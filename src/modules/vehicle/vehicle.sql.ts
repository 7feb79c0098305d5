import { ROWS, type Viewer } from '../../auth/rows';
import type { ReadContext } from '../../read/read-model';
import type { SqlScope } from '../../read/sql-scope';

/** What a policy says of its vehicle: the policy's property for each of the vehicle's. */
const DESCRIBED = {
  plate: 'vehiclePlate',
  use: 'vehicleUse',
  newEnergy: 'vehicleNewEnergy',
} as const;

/**
 * The order in which a car's policies say who holds it and what it is, for the business day
 * `today` (a SQL value): those started by then first, the latest start first, then the
 * later number; a policy bought ahead (a renewal, a buyer's starting next week) only where
 * none has started, the first to start first. Otherwise a policy bought ahead took the car,
 * and its plate, from the customer insuring it today.
 */
export const CURRENT_FIRST = (effectiveDate: string, policyNo: string, today: string): string =>
  `(${effectiveDate} <= ${today}) desc,
   case when ${effectiveDate} <= ${today} then ${effectiveDate} end desc,
   ${effectiveDate}, ${policyNo} desc`;

/**
 * The policy of vehicle `vehicleId` the viewer sees, in CURRENT_FIRST order, that says its
 * `field`: `select` of it, as a subquery's text.
 */
function currentSeenPolicy(
  scope: SqlScope,
  vehicleId: string,
  viewer: Viewer,
  context: ReadContext,
  field: keyof typeof DESCRIBED,
  select: (policy: SqlScope) => string,
): string {
  const policy = scope.sibling('dp', 'Policy');
  const seen = ROWS.policy(policy, viewer);
  const today = scope.param(context.clock.today(), 'date');
  return `select ${select(policy)} from ${policy.table} dp
    where ${policy.col('vehicle')} = ${vehicleId} and ${policy.col(DESCRIBED[field])} is not null
      ${seen.map((condition) => `and ${condition}`).join(' ')}
    order by ${CURRENT_FIRST(policy.col('effectiveDate'), policy.col('policyNo'), today)} limit 1`;
}

/**
 * A vehicle's `field` as its current policy the viewer sees describes it (CURRENT_FIRST): a
 * caller who sees only a car's older policies (another branch's customer insures it now)
 * sees its plate, use and power as those say, never the current holder's.
 */
export const describedBy =
  (field: keyof typeof DESCRIBED) =>
  (vehicle: SqlScope, context: ReadContext, viewer: Viewer): string => {
    const described = `(${currentSeenPolicy(
      vehicle,
      vehicle.col('id'),
      viewer,
      context,
      field,
      (p) => p.col(DESCRIBED[field]),
    )})`;
    // Use and power are always known: a policy written before they were kept per policy
    // was given the vehicle's.
    return field === 'plate' ? described : `coalesce(${described}, ${vehicle.col(field)})`;
  };

/**
 * The one vehicle the viewer finds by VIN or plate (`key`, a SQL value): `select lv.*`. By
 * plate, the vehicle the current policy the viewer sees of each car describes with it, the
 * most current such first (CURRENT_FIRST: a plate is reissued over the years, and kept from
 * one car to the next); another branch's policies read as missing, and neither hide the
 * caller's nor give a car a plate its policies the caller sees never named.
 */
export function vehicleFound(
  scope: SqlScope,
  column: 'vin' | 'plate',
  key: string,
  viewer: Viewer,
  context: ReadContext,
): string {
  const candidate = scope.sibling('lv', 'Vehicle');
  if (column === 'vin') {
    // Built only where used: a rule's SQL binds parameters.
    const seen = ROWS.vehicle(candidate, viewer);
    return `select lv.* from ${candidate.table} lv where ${candidate.col('vin')} = ${key}
      ${seen.map((condition) => `and ${condition}`).join(' ')} limit 1`;
  }
  const latest = currentSeenPolicy(candidate, candidate.col('id'), viewer, context, 'plate', (p) =>
    [
      `${p.col('vehiclePlate')} as plate`,
      `${p.col('effectiveDate')} as effective_date`,
      `${p.col('policyNo')} as policy_no`,
    ].join(', '),
  );
  const policy = scope.sibling('plp', 'Policy');
  return `select lv.* from ${candidate.table} lv join lateral (${latest}) lp on true
    where ${candidate.col('id')} in (select ${policy.col('vehicle')} from ${policy.table} plp
        where ${policy.col('vehiclePlate')} = ${key})
      and lp.plate = ${key}
    order by ${CURRENT_FIRST('lp.effective_date', 'lp.policy_no', scope.param(context.clock.today(), 'date'))} limit 1`;
}

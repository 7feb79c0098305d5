import { ROWS, seesEveryCustomer, type Viewer } from '../../auth/rows';
import type { ReadContext } from '../../read/read-model';
import type { SqlScope } from '../../read/sql-scope';

/** What a policy says of its vehicle: the policy's property for each of the vehicle's. */
const DESCRIBED = {
  plate: 'vehiclePlate',
  use: 'vehicleUse',
  newEnergy: 'vehicleNewEnergy',
} as const;

/**
 * The latest of vehicle `vehicleId`'s policies (by start, then number) that the viewer sees
 * and that says its `field`: `select` of it, as a subquery's text.
 */
function latestSeenPolicy(
  scope: SqlScope,
  vehicleId: string,
  viewer: Viewer,
  field: keyof typeof DESCRIBED,
  select: (policy: SqlScope) => string,
): string {
  const policy = scope.sibling('dp', 'Policy');
  const seen = ROWS.policy(policy, viewer);
  return `select ${select(policy)} from ${policy.table} dp
    where ${policy.col('vehicle')} = ${vehicleId} and ${policy.col(DESCRIBED[field])} is not null
      ${seen.map((condition) => `and ${condition}`).join(' ')}
    order by ${policy.col('effectiveDate')} desc, ${policy.col('policyNo')} desc limit 1`;
}

/**
 * A vehicle's `field` as the latest policy the viewer sees describes it: a caller who sees
 * only a car's older policies (another branch's customer insures it now) sees its plate, use
 * and power as those say, never the current holder's. The vehicle row keeps what its latest
 * policy says, which is what a caller seeing every policy reads.
 */
export const describedBy =
  (field: keyof typeof DESCRIBED) =>
  (vehicle: SqlScope, _context: ReadContext, viewer: Viewer): string => {
    if (seesEveryCustomer(viewer)) return vehicle.col(field);
    const described = `(${latestSeenPolicy(vehicle, vehicle.col('id'), viewer, field, (p) =>
      p.col(DESCRIBED[field]),
    )})`;
    // Use and power are always known: a policy written before they were kept per policy
    // was given the vehicle's.
    return field === 'plate' ? described : `coalesce(${described}, ${vehicle.col(field)})`;
  };

/**
 * The one vehicle the viewer finds by VIN or plate (`key`, a SQL value): `select lv.*`. By
 * plate, the vehicle the latest policy the viewer sees of each car describes with it, the
 * latest such first (a plate is reissued over the years, and kept from one car to the
 * next); another branch's policies read as missing, and neither hide the caller's nor give
 * a car a plate its policies the caller sees never named.
 */
export function vehicleFound(
  scope: SqlScope,
  column: 'vin' | 'plate',
  key: string,
  viewer: Viewer,
): string {
  const candidate = scope.sibling('lv', 'Vehicle');
  if (column === 'vin') {
    // Built only where used: a rule's SQL binds parameters.
    const seen = ROWS.vehicle(candidate, viewer);
    return `select lv.* from ${candidate.table} lv where ${candidate.col('vin')} = ${key}
      ${seen.map((condition) => `and ${condition}`).join(' ')} limit 1`;
  }
  const latest = latestSeenPolicy(candidate, candidate.col('id'), viewer, 'plate', (p) =>
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
    order by lp.effective_date desc, lp.policy_no desc limit 1`;
}

import { VehicleUse } from '../../src/modules/vehicle/vehicle.entity';
import { PLATE_PREFIXES } from '../reference/branches';
import {
  FUEL_WMIS,
  MODEL_YEAR_CODES,
  MODEL_YEAR_CYCLE_START,
  NEW_ENERGY_WMIS,
  PLATE_CHARACTERS,
} from '../reference/numbering';
import { checkCharacterSql, VIN_ALPHABET, VIN_CHECK } from '../sql/check-characters';
import { chance, oneOf, P1, P2, permute, pick, weighted } from '../sql/draws';
import { TAG, uuidSql } from '../sql/ids';
import type { SeedTime } from '../sql/seed-time';
import { lit, sqlArray } from '../sql/values';
import type { RowSet } from './row-set';

/** Years of cover before the current one, per vehicle: many renewed with us, a few for years. */
const EARLIER_POLICY_YEARS: [number, number][] = [
  [0, 70],
  [1, 24],
  [2, 2],
  [3, 2],
  [4, 2],
];

/**
 * SQL: the serial of the `no`-th plate issued under one prefix. GA 36-2018 ordinary plates:
 * here two letters-or-digits and three digits; small new-energy plates: D (electric) or F
 * (other new energy), a letter or digit and four digits. A fixed permutation keeps serials
 * distinct without issuing them in an obvious sequence, up to 1.156 million ordinary and
 * 680,000 new-energy plates per prefix: enough for 苏A, the busiest, up to 8 million customers.
 */
function plateSerialSql(no: string, newEnergy: string): string {
  const ordinary = permute(no, P1, 104_729, 34 * 34 * 1000);
  const electric = permute(no, P1, 104_729, 2 * 34 * 10_000);
  const char = (index: string) => `substr('${PLATE_CHARACTERS}', 1 + (${index})::int, 1)`;
  return `(case when ${newEnergy}
      then (array['D', 'F'])[1 + (${electric} % 2)::int] || ${char(`${electric} / 2 % 34`)}
        || lpad((${electric} / 68)::text, 4, '0')
      else ${char(`${ordinary} % 34`)} || ${char(`${ordinary} / 34 % 34`)}
        || lpad((${ordinary} / 1156)::text, 3, '0') end)`;
}

/**
 * Works out the chunk's vehicles into s_veh: VIN, plate, use, and the start of the current
 * cover, which the policies count their years back from. Plates continue the numbering of
 * earlier chunks through s_plate_counter (see `COUNT_PLATES_SQL`).
 */
export function vehicleWorkSql(time: SeedTime, create: string): string {
  const vkey = '(c.i * 2 + k.k)';
  const modelYear = `${time.year} - d.tenure - d.extra_age - ${MODEL_YEAR_CYCLE_START}`;
  return `${create} s_veh as
with owned as materialized (
  select c.i, c.id as customer_id, c.branch_id, c.branch_code, c.market, ${vkey} as vkey,
    case when c.individual then ${weighted(vkey, 'use', [
      [VehicleUse.FAMILY_PRIVATE, 96],
      [VehicleUse.OPERATING, 4],
    ])} else ${weighted(vkey, 'fleetUse', [
      [VehicleUse.NON_OPERATING, 50],
      [VehicleUse.OPERATING, 35],
      [VehicleUse.SPECIAL, 15],
    ])} end as use,
    c.plate_ids[1 + ${pick(vkey, 'authority', 'cardinality(c.plate_ids)')}] as plate_id,
    ${weighted(vkey, 'tenure', EARLIER_POLICY_YEARS)} as tenure,
    ${pick(vkey, 'age', 8)} as extra_age,
    case when ${chance(vkey, 'pending', 1)}
      then ${time.today} + 1 + ${pick(vkey, 'pendingStart', 30)}
      else ${time.today} - ${pick(vkey, 'start', 365)} end as effective,
    (60 + ${pick(vkey, 'value', 340)}) * 1000 as vehicle_value
  from s_cust c cross join generate_series(0, c.vehicles - 1) as k(k)
),
described as materialized (
  select o.*,
    o.use <> ${lit(VehicleUse.SPECIAL)} and ${chance('o.vkey', 'newEnergy', 15)} as nev,
    ${permute('o.vkey', P2, 23, 33 * 1_000_000)} as serial_no
  from owned o
),
numbered as materialized (
  select d.*,
    row_number() over (partition by d.plate_id, d.nev order by d.vkey) - 1
      + coalesce(pc.used, 0) as plate_no,
    convert_to(case when d.nev then ${oneOf('d.vkey', 'wmi', NEW_ENERGY_WMIS)}
      else ${oneOf('d.vkey', 'wmi', FUEL_WMIS)} end
      || upper(substr(md5('vds' || d.vkey), 1, 5)) || '0'
      -- The model year (position 10): as old as the cover with us, and up to 7 years more.
      || substr('${MODEL_YEAR_CODES}', 1 + ((${modelYear}) % 30 + 30) % 30, 1)
      || substr('${VIN_ALPHABET}', 1 + (d.serial_no / 1000000)::int, 1)
      || lpad((d.serial_no % 1000000)::text, 6, '0'), 'UTF8') as vin_bytes
  from described d
  left join s_plate_counter pc on pc.plate_id = d.plate_id and pc.nev = d.nev
)
select n.vkey, ${uuidSql(TAG.vehicle, 'n.vkey')} as id, n.i, n.customer_id, n.branch_id,
  n.branch_code, n.market, n.use, n.nev, n.tenure, n.effective, n.vehicle_value, n.plate_id,
  overlay(convert_from(n.vin_bytes, 'UTF8') placing ${checkCharacterSql('n.vin_bytes', VIN_CHECK)}
    from 9 for 1) as vin,
  (${sqlArray(PLATE_PREFIXES)})[n.plate_id] || ${plateSerialSql('n.plate_no', 'n.nev')} as plate
from numbered n`;
}

/** Counts the plates a chunk issued per prefix, so that the next chunk's continue after them. */
export const COUNT_PLATES_SQL = `insert into s_plate_counter (plate_id, nev, used)
  select plate_id, nev, count(*) from s_veh group by plate_id, nev
  on conflict (plate_id, nev) do update set used = s_plate_counter.used + excluded.used`;

export const vehicleRows = (time: SeedTime): RowSet => ({
  table: 'vehicle',
  columns: 'id, created_at, updated_at, vin, plate, use, new_energy',
  select: `select id, ${time.now}, ${time.now}, vin, plate, use, nev from s_veh order by vkey`,
});

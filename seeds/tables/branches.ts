import { BRANCHES, MARKETS, PLATE_PREFIXES, type BranchSeed } from '../reference/branches';
import { TAG, uuidSql } from '../sql/ids';
import type { SeedTime } from '../sql/seed-time';
import { lit, sqlArray } from '../sql/values';

export function branchesSql(time: SeedTime): string {
  const byCode = new Map(BRANCHES.map((b) => [b.code, b]));
  const pathOf = (b: BranchSeed): string =>
    b.parent ? `${pathOf(byCode.get(b.parent)!)}.${b.code}` : b.code;
  const rows = BRANCHES.map((b) => {
    const parent = b.parent ? uuidSql(TAG.branch, b.parent) : 'null::uuid';
    return `(${uuidSql(TAG.branch, b.code)}, ${time.now}, ${time.now}, ${lit(b.code)},
      ${lit(b.name)}, ${lit(b.level)}, ${parent}, ${lit(pathOf(b))}, ${lit(b.opened)}::date)`;
  });
  // Parents come first: the tree's trigger checks each branch against its parent, and the
  // history trigger records who (the seed) and when (the seed's now) created it.
  return `select set_config('cif.actor', 'seed', true), set_config('cif.at', (${time.now})::text, true);
    insert into branch (id, created_at, updated_at, code, name, level, parent_id, path, valid_from)
    values ${rows.join(',\n')}`;
}

/** The branches that serve customers, with what the generators need to know about them. */
export function marketsSql(): string {
  const rows = MARKETS.map(
    (m, k) => `(${k + 1}, ${uuidSql(TAG.branch, m.code)}, ${lit(m.code)}, ${lit(m.city)},
      ${lit(m.address)}, ${sqlArray(m.plates.map((plate) => PLATE_PREFIXES.indexOf(plate) + 1))},
      ${sqlArray(m.districts.map(([code]) => code))},
      ${sqlArray(m.districts.map(([, name]) => name))})`,
  );
  return `create temp table s_market as
    select * from (values ${rows.join(',\n')})
      as m(idx, id, code, city, address, plate_ids, district_codes, district_names)`;
}

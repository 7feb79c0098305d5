import type { ClientBase } from 'pg';

export const SEEDED_TABLES = [
  'branch',
  'customer',
  'identity_document',
  'contact_point',
  'source_record',
  'source_identifier',
  'vehicle',
  'policy',
  'policy_party',
  'claim',
  'risk_score',
];

/** What `detachKeysAndIndexes` took off, as the statements that put it back. */
export interface Detached {
  /** Primary and unique keys. */
  keys: string[];
  indexes: string[];
  foreignKeys: { add: string; validate: string }[];
}

/**
 * Takes the seeded tables' keys and indexes off, foreign keys pointing at them from other
 * tables included: maintained row by row they cost about as much as the rest of the load;
 * rebuilt, each index is one sort and each foreign key check one join. Nobody sees the
 * tables without their keys: the seed's transaction holds them until it commits.
 */
export async function detachKeysAndIndexes(client: ClientBase): Promise<Detached> {
  const { rows } = await client.query<{ kind: string; drop: string; add: string }>(
    `select case contype when 'f' then 'foreign key' else 'key' end as kind,
        format('alter table %s drop constraint %I', conrelid::regclass, conname) as drop,
        format('alter table %s add constraint %I %s', conrelid::regclass, conname,
          pg_get_constraintdef(oid)) as add
      from pg_constraint
      where contype in ('p', 'u', 'f') and (conrelid = any($1::regclass[])
        or confrelid = any($1::regclass[]))
    union all
    select 'index', format('drop index %s', indexrelid::regclass), pg_get_indexdef(indexrelid)
      from pg_index i
      where indrelid = any($1::regclass[])
        and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)
    order by kind, drop`,
    [SEEDED_TABLES],
  );
  // Foreign keys go first, keys last: nothing may depend on what is dropped.
  for (const { drop } of rows) await client.query(drop);
  const of = (kind: string) => rows.filter((row) => row.kind === kind);
  return {
    keys: of('key').map(({ add }) => add),
    indexes: of('index').map(({ add }) => add),
    foreignKeys: of('foreign key').map(({ drop, add }) => ({
      add,
      validate: drop.replace(' drop constraint ', ' validate constraint '),
    })),
  };
}

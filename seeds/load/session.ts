import type { ClientBase } from 'pg';
import { hmacPads } from '../sql/hmac';
import { marketsSql } from '../tables/branches';

/** The lookup tables `prepareSession` creates, which the generators join. */
export const SESSION_TABLES = ['s_key', 's_market', 's_plate_counter'];

/**
 * The schema in which the seed's helper connection works chunk `n` out; `writerPid` (the
 * writing connection's backend) tells `dropAbandonedSchemas` whether the seed is still alive.
 */
export const chunkSchema = (writerPid: number, n: number) => `cif_seed_${writerPid}_${n}`;

/**
 * Settings and lookup tables of a connection that works rows out or writes them, set in its
 * open transaction: for that transaction only, or for the session of the seed's own helper.
 */
export async function prepareSession(db: ClientBase, piiHashKey: string, session: boolean) {
  const set = (name: string, value: string) =>
    db.query('select set_config($1, $2, $3)', [name, value, !session]);
  // JIT compiling these wide expressions costs more than it saves; the one commit that
  // matters is not worth a flush per WAL page.
  await set('jit', 'off');
  await set('synchronous_commit', 'off');
  await set('work_mem', '256MB');
  await set('maintenance_work_mem', '512MB');
  // Working tables outgrow the default 8 MB of local buffers, but the size can only change
  // before a session's first temporary table: a session that had one keeps its own.
  await db.query('savepoint local_buffers');
  await set('temp_buffers', '256MB').then(
    () => db.query('release savepoint local_buffers'),
    () => db.query('rollback to savepoint local_buffers'),
  );
  const { ipad, opad } = hmacPads(piiHashKey);
  await db.query('create temp table s_key (ipad bytea, opad bytea)');
  await db.query('insert into s_key values ($1, $2)', [ipad, opad]);
  await db.query(marketsSql());
  await db.query(`create temp table s_plate_counter (plate_id int, nev boolean,
    used bigint not null, primary key (plate_id, nev))`);
}

/** Drops the schemas of seeds that were killed: their writers are gone. */
export async function dropAbandonedSchemas(db: ClientBase): Promise<void> {
  const { rows } = await db.query<{ nspname: string }>(
    `select nspname from pg_namespace where nspname ~ '^cif_seed_[0-9]+_[0-9]+$'
      and split_part(nspname, '_', 3)::int not in (select pid from pg_stat_activity)`,
  );
  for (const { nspname } of rows) await db.query(`drop schema "${nspname}" cascade`);
}

import fs from 'node:fs';
import path from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Pool } from 'pg';
import { UnavailableReason } from '../graphql/errors';
import type { Metrics, PoolStats } from './metrics';

/** Times every statement of `pool` into the query latency histogram. */
export function observeQueries(pool: Pool, metrics: Metrics, label: string): void {
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  (pool as unknown as { query: typeof query }).query = (...args: unknown[]) => {
    const done = metrics.querySeconds.startTimer({ pool: label });
    const result = query(...args);
    // Only the promise form is used in the hub; a callback form passes through untimed.
    if (result && typeof result.then === 'function') {
      void result.then(
        () => done(),
        () => done(),
      );
    }
    return result;
  };
}

/** The connection counts of MikroORM's pool (knex's tarn pool). */
export function ormPoolStats(orm: MikroORM): PoolStats {
  const pool = (
    orm.em.getConnection().getKnex().client as {
      pool?: { numUsed(): number; numFree(): number; numPendingAcquires(): number };
    }
  ).pool;
  return pool
    ? { inUse: pool.numUsed(), idle: pool.numFree(), waiting: pool.numPendingAcquires() }
    : { inUse: 0, idle: 0, waiting: 0 };
}

export type ReadinessResult = { ready: true } | { ready: false; reason: string };

/**
 * Ready when the database answers, on a connection of its own (a busy pool is not an
 * outage), and every migration this build ships has been applied.
 */
export class Readiness {
  private readonly migrations: string[];

  constructor(
    private readonly probe: Pool,
    orm: MikroORM,
  ) {
    this.migrations = shippedMigrations(orm);
  }

  async check(): Promise<ReadinessResult> {
    try {
      const { rows } = await this.probe.query<{ n: number; read_only: string }>(
        `select count(*)::int as n, current_setting('transaction_read_only') as read_only
         from mikro_orm_migrations where name = any($1::text[])`,
        [this.migrations],
      );
      // A standby, or a primary demoted in a failover, answers but takes no write: the hub
      // records every read it audits, so it is not ready there.
      if (rows[0].read_only === 'on') {
        return { ready: false, reason: UnavailableReason.DATABASE_UNAVAILABLE };
      }
      return rows[0].n === this.migrations.length
        ? { ready: true }
        : { ready: false, reason: 'MIGRATIONS_PENDING' };
    } catch (error) {
      // A database never migrated has no migrations table yet.
      if ((error as { code?: string }).code === '42P01') {
        return { ready: false, reason: 'MIGRATIONS_PENDING' };
      }
      // Its pool is its own: its one connection still busy is a database that does not
      // answer (a frozen server), not a busy hub; and whatever else keeps the database from
      // answering this one statement keeps the hub from serving.
      return { ready: false, reason: UnavailableReason.DATABASE_UNAVAILABLE };
    }
  }
}

/** The names of the migrations this build ships, as the migrator records them. */
function shippedMigrations(orm: MikroORM): string[] {
  const config = orm.config.get('migrations');
  const folder = orm.config.get('preferTs') ? config.pathTs : config.path;
  if (!folder || !fs.existsSync(folder)) return [];
  return fs
    .readdirSync(folder)
    .filter((file) => /^Migration\d+\.(ts|js|cjs)$/.test(file))
    .map((file) => path.basename(file, path.extname(file)));
}

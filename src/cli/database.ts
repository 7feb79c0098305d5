import { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config/config';
import { openDatabase } from '../db/database';
import { ormOptions } from '../db/orm.config';
import { BusinessClock } from '../time/clock';
import { migrateExisting } from '../db/migrate';
import { unreachableDatabase } from '../db/unreachable';

export interface CommandDatabase {
  orm: MikroORM;
  url: string;
  clock: BusinessClock;
}

/**
 * What every command that works on the hub's data does around its work: open the
 * configured database (or start the embedded one), bring it to the latest migration, and
 * close both afterwards, whatever happens.
 */
export async function withMigratedDatabase<T>(
  config: Config,
  work: (db: CommandDatabase) => Promise<T>,
  /** A dry run: the database must be at the latest migration already, and is left as it is. */
  options: { dryRun?: boolean } = {},
): Promise<T> {
  const clock = new BusinessClock(config.businessTimeZone);
  const database = await openDatabase(config, (message) => console.error(message));
  try {
    const orm = await MikroORM.init(ormOptions(database.url, 2, clock.zone));
    try {
      await migrateExisting(orm, { apply: !options.dryRun });
      return await work({ orm, url: database.url, clock });
    } finally {
      await orm.close();
    }
  } catch (error) {
    throw unreachableDatabase(error, database.url, config.databaseUrl && 'DATABASE_URL');
  } finally {
    await database.stop();
  }
}

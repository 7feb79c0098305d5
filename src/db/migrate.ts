import type { MikroORM } from '@mikro-orm/postgresql';

/** The database DATABASE_URL names does not exist: said without a stack. */
export class MissingDatabaseError extends Error {}

/**
 * Applies pending migrations to the database `orm` is configured for, which must exist:
 * MikroORM's migrator would create a missing one, and a typo in DATABASE_URL would then
 * give an empty database that looks healthy (a dry run included).
 */
export async function migrateExisting(orm: MikroORM): Promise<void> {
  try {
    await orm.em.getConnection().execute('select 1');
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') throw error;
    const name = orm.config.get('dbName');
    throw new MissingDatabaseError(
      `The database "${name}" does not exist: create it (createdb ${name}), or correct DATABASE_URL`,
    );
  }
  await orm.getMigrator().up();
}

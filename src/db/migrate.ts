import type { MikroORM } from '@mikro-orm/postgresql';

/** The database DATABASE_URL names does not exist: said without a stack. */
export class MissingDatabaseError extends Error {}

/** A command that writes nothing met a database behind this version's migrations. */
export class PendingMigrationsError extends Error {}

/**
 * Applies pending migrations to the database `orm` is configured for, which must exist:
 * MikroORM's migrator would create a missing one, and a typo in DATABASE_URL would then
 * give an empty database that looks healthy (a dry run included).
 */
export async function migrateExisting(
  orm: MikroORM,
  /** Only check: a dry run changes nothing, the schema included (PendingMigrationsError). */
  options: { apply?: boolean } = {},
): Promise<void> {
  try {
    await orm.em.getConnection().execute('select 1');
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') throw error;
    const name = orm.config.get('dbName');
    throw new MissingDatabaseError(
      `The database "${name}" does not exist: create it (createdb ${name}), or correct DATABASE_URL`,
    );
  }
  if (options.apply === false) {
    // Asking the migrator creates its table: a database without one has none applied.
    const [{ table }] = await orm.em
      .getConnection()
      .execute<{ table: string | null }[]>(
        `select to_regclass('mikro_orm_migrations')::text as "table"`,
      );
    const pending = table ? (await orm.getMigrator().getPendingMigrations()).length : undefined;
    if (pending !== 0) {
      throw new PendingMigrationsError(
        `The database "${orm.config.get('dbName')}" lacks ${pending ?? 'all'} of this version's migrations, and a dry run changes nothing, the schema included: start the hub once (it migrates) or load without --dry-run`,
      );
    }
    return;
  }
  await orm.getMigrator().up();
}

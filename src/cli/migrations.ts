import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import { migrateExisting } from '../db/migrate';
import { ormOptions } from '../db/orm.config';
import { unreachableDatabase } from '../db/unreachable';
import { withDatabase } from './with-database';
import { runCommand } from './run';

/**
 * `up`: applies pending migrations to DATABASE_URL. `create`: writes a migration for the difference between the entities and the migrated
 * schema. `check`: fails when the entities have changes no migration carries.
 */
async function main(command: string | undefined): Promise<number> {
  if (command === 'up') {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('migrations.ts up needs DATABASE_URL');
    try {
      const orm = await MikroORM.init(ormOptions(url, 1));
      try {
        await migrateExisting(orm);
        return 0;
      } finally {
        await orm.close();
      }
    } catch (error) {
      throw unreachableDatabase(error, url, 'DATABASE_URL');
    }
  }
  return withDatabase(async (url) => {
    const orm = await MikroORM.init(ormOptions(url, 2));
    try {
      const migrator = orm.getMigrator();
      await migrator.up();
      if (command === 'create') {
        const result = await migrator.createMigration();
        console.log(result.fileName ? `Created ${result.fileName}` : 'No changes to migrate.');
        return 0;
      }
      if (command === 'check') {
        if (await migrator.checkMigrationNeeded()) {
          console.error(
            'The entities have changes that no migration carries: npm run migration:create',
          );
          return 1;
        }
        console.log('Migrations are in step with the entities.');
        return 0;
      }
      console.error('usage: migrations.ts up|create|check');
      return 2;
    } finally {
      await orm.close();
    }
  });
}

runCommand(() => main(process.argv[2]));

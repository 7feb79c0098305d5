import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import { Pool } from 'pg';
import type { GraphQLSchema } from 'graphql';
import type { Config } from './config/config';
import { ormOptions } from './db/orm.config';
import { createApollo } from './graphql/apollo';
import type { AppServices } from './graphql/context';
import { buildAppSchema } from './graphql/schema';
import { createHttpServer } from './http/server';
import type { Logger } from './logger';
import { PiiHasher } from './modules/customer/pii-hasher';
import { ReadCompiler } from './read/compiler';
import { ReadExecutor } from './read/read-session';

export interface AppOptions {
  config: Pick<Config, 'dbPoolSize' | 'maxBodyBytes' | 'env'>;
  databaseUrl: string;
  secrets: { jwtSecret: string; piiHashKey: string };
  logger: Logger;
}

export interface App {
  orm: MikroORM;
  schema: GraphQLSchema;
  services: AppServices;
  server: http.Server;
  /** Applies committed migrations that the database has not seen yet. */
  migrate(): Promise<void>;
  listen(port: number, host: string): Promise<string>;
  close(): Promise<void>;
}

/** Builds the hub without side effects beyond opening its connection pools. */
export async function createApp(options: AppOptions): Promise<App> {
  const { config, databaseUrl, secrets, logger } = options;
  const orm = await MikroORM.init(ormOptions(databaseUrl, config.dbPoolSize));
  // The read path has its own pool of plain connections: it runs named prepared
  // statements, which MikroORM's query builder cannot.
  const readPool = new Pool({ connectionString: databaseUrl, max: config.dbPoolSize });
  readPool.on('error', (error) =>
    logger.error('idle read connection failed', { error: String(error) }),
  );
  const schema = await buildAppSchema();
  const services: AppServices = {
    em: orm.em,
    reads: new ReadExecutor(readPool, new ReadCompiler(schema, orm.getMetadata())),
    hasher: new PiiHasher(secrets.piiHashKey),
    jwtSecret: secrets.jwtSecret,
    logger,
  };
  const apollo = createApollo(schema, logger, config.env !== 'production');
  await apollo.start();
  const server = createHttpServer(apollo, services, {
    maxBodyBytes: config.maxBodyBytes,
    health: async () => {
      await readPool.query('select 1');
    },
  });

  return {
    orm,
    schema,
    services,
    server,
    migrate: async () => {
      await orm.getMigrator().up();
    },
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server.address() as AddressInfo;
          resolve(`http://${host === '0.0.0.0' ? 'localhost' : host}:${address.port}/graphql`);
        });
      }),
    close: async () => {
      if (server.listening) {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
      }
      await apollo.stop();
      await readPool.end();
      await orm.close();
    },
  };
}

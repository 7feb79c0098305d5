import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { createApp, type App, type AppOptions } from '../../src/app';
import { Role } from '../../src/auth/roles';
import { signToken } from '../../src/auth/tokens';
import { createClient } from '../../src/db/pg';
import { createDatabase, databaseUrl, dropDatabase } from '../../src/db/scratch-server';
import { BusinessClock } from '../../src/time/clock';
import { createLogger } from '../../src/logger';
import { ensureActiveRuleSets } from '../../src/modules/tier/rule-set-version.service';
import { HEAD_OFFICE, insertBranches } from './factories';
import { templateName } from './global-setup';

export const TEST_SECRETS = {
  jwtSecret: 'test-jwt-secret-that-is-long-enough-0123456789',
  piiHashKey: 'test-pii-hash-key-that-is-long-enough-0123456789',
  piiEncryptionKeys: `test1:${Buffer.alloc(32, 't').toString('base64')}`,
  piiEncryptionKeyId: 'test1',
};

/** TEST_SECRETS as the environment of a hub or a command run as a process. */
export const TEST_SECRETS_ENV = {
  JWT_SECRET: TEST_SECRETS.jwtSecret,
  PII_HASH_KEY: TEST_SECRETS.piiHashKey,
  PII_ENCRYPTION_KEYS: TEST_SECRETS.piiEncryptionKeys,
  PII_ENCRYPTION_KEY_ID: TEST_SECRETS.piiEncryptionKeyId,
};

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T;
  errors?: { message: string; path?: string[]; extensions: Record<string, any> }[];
}

export interface TestHub {
  app: App;
  /** The hub's business clock: tests pin it (`clock.set`) and build data relative to it. */
  clock: BusinessClock;
  url: string;
  databaseUrl: string;
  /** What the hub logged (its JSON lines, parsed), instead of printing it among the results. */
  logs: { level: string; message: string; fields?: Record<string, unknown> }[];
  token(role: Role, branchCode?: string): string;
  gql<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    role?: Role | null,
    /** The token's branch: the head office unless given. */
    branchCode?: string,
  ): Promise<GraphQLResponse<T>>;
  /** Runs SQL on a connection of its own (for setup and assertions). */
  sql<T extends Record<string, any> = Record<string, any>>(
    text: string,
    values?: unknown[],
  ): Promise<T[]>;
  close(): Promise<void>;
}

/** A hub on its own database cloned from the migrated template, listening on a free port. */
export async function startTestHub(
  options: {
    /** Customers per chunk of a full recompute or an activation. */
    tierChunkSize?: number;
    /** A second instance on this hub's database (it leaves the database to its owner). */
    sharing?: TestHub;
    /** Another database to serve (it is left to its owner). */
    databaseUrl?: string;
    /** Settings beyond the tests' defaults: time limits, pool size... */
    config?: Partial<AppOptions['config']>;
    /**
     * false: an own database without the head office (branch 0000) that `token` names by
     * default, for tests that load or seed a whole organisation into an empty database.
     */
    headOffice?: boolean;
  } = {},
): Promise<TestHub> {
  const adminUrl = process.env.CIF_TEST_ADMIN_URL!;
  const name = `cif_hub_t_${randomBytes(6).toString('hex')}`;
  const own = !options.sharing && !options.databaseUrl;
  if (own) await createDatabase(adminUrl, name, templateName());
  const url = options.sharing?.databaseUrl ?? options.databaseUrl ?? databaseUrl(adminUrl, name);
  const logs: TestHub['logs'] = [];
  // The hub's own logger, its lines kept instead of printed: tests see what production writes.
  const logger = createLogger('debug', {
    write(line: string) {
      const { level, message, time: _time, ...fields } = JSON.parse(line);
      logs.push({ level, message, ...(Object.keys(fields).length ? { fields } : {}) });
    },
  });
  const clock = new BusinessClock(options.config?.businessTimeZone);
  const app = await createApp({
    clock,
    config: {
      dbPoolSize: 4,
      maxBodyBytes: 5 * 1024 * 1024,
      env: 'test',
      tierChunkSize: options.tierChunkSize,
      ...options.config,
    },
    databaseUrl: url,
    secrets: TEST_SECRETS,
    logger,
  });
  await ensureActiveRuleSets(app.services.pool, app.services.ruleSets, clock);
  const endpoint = await app.listen(0, '127.0.0.1');
  const client = createClient(url, clock.zone);
  // A test that takes the database away ends this connection too: its next query fails.
  client.on('error', () => undefined);
  await client.connect();
  const sql: TestHub['sql'] = async (text, values) => (await client.query(text, values)).rows;
  // Tokens must name an existing branch: every test database has the head office.
  if (own && options.headOffice !== false) await insertBranches({ sql }, [HEAD_OFFICE]);
  const token = (role: Role, branchCode: string = HEAD_OFFICE[0]) =>
    signToken(TEST_SECRETS.jwtSecret, { subject: `test-${role}`, role, branchCode }, 3600);
  return {
    app,
    clock,
    url: endpoint,
    databaseUrl: url,
    logs,
    token,
    async gql(query, variables, role = Role.ADMIN, branchCode?: string) {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(role ? { authorization: `Bearer ${token(role, branchCode)}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as Omit<GraphQLResponse, 'status'>;
      return { status: response.status, ...body } as GraphQLResponse<any>;
    },
    sql,
    async close() {
      await client.end();
      await app.close();
      if (own) await dropDatabase(adminUrl, name);
    },
  };
}

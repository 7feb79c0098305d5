import 'reflect-metadata';
import { GraphQLError } from 'graphql';
import { parseConfig } from '../config/config';
import { ApiKeyService, type ApiKeySummary } from '../modules/api-key/api-key.service';
import { AuditLog, commandLineActor } from '../modules/audit/audit-log';
import { SourceSystem } from '../modules/customer/customer.enums';
import { withMigratedDatabase } from './database';
import { runCommand, UsageError } from './run';

const SOURCE_SYSTEMS = Object.values(SourceSystem);

const USAGE = `usage: npm run api-keys -- create --source-system <${SOURCE_SYSTEMS.join('|')}> --branch <code> --name <name>
       npm run api-keys -- revoke <id>
       npm run api-keys -- list`;

type Command =
  | { name: 'create'; sourceSystem: SourceSystem; branchCode: string; keyName: string }
  | { name: 'revoke'; id: string }
  | { name: 'list' };

function parseArgs([command, ...args]: string[]): Command {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    if (!flag.startsWith('--')) positional.push(args[i]);
    else if (!['--source-system', '--branch', '--name'].includes(flag)) {
      throw new UsageError(`unknown argument '${args[i]}'`);
    } else {
      const value = inline ?? args[++i];
      if (!value) throw new UsageError(`${flag} needs a value`);
      flags.set(flag, value);
    }
  }
  if (command === 'create') {
    const sourceSystem = flags.get('--source-system');
    const branchCode = flags.get('--branch');
    const keyName = flags.get('--name');
    if (!sourceSystem || !branchCode || !keyName || positional.length) {
      throw new UsageError('create takes --source-system, --branch and --name');
    }
    if (!(SOURCE_SYSTEMS as string[]).includes(sourceSystem)) {
      throw new UsageError(`--source-system is one of ${SOURCE_SYSTEMS.join(', ')}`);
    }
    return { name: 'create', sourceSystem: sourceSystem as SourceSystem, branchCode, keyName };
  }
  if (flags.size) throw new UsageError(`${command} takes no options`);
  if (command === 'revoke' && positional.length === 1) return { name: 'revoke', id: positional[0] };
  if (command === 'list' && positional.length === 0) return { name: 'list' };
  throw new UsageError(command ? `cannot ${command} like this` : 'give a command');
}

const describe = (key: ApiKeySummary) =>
  [
    key.id,
    key.sourceSystem,
    `branch ${key.branchCode}`,
    JSON.stringify(key.name),
    `created ${key.createdAt.toISOString()} by ${key.createdBy}`,
    key.revokedAt ? `REVOKED ${key.revokedAt.toISOString()} by ${key.revokedBy}` : 'active',
  ].join('  ');

/**
 * `npm run api-keys -- create|revoke|list`: the API keys source systems send instead of a
 * token (`Authorization: ApiKey <key>`). `create` prints the key on stdout, once: only its
 * digest is kept.
 */
async function main(argv: string[]): Promise<number> {
  const command = parseArgs(argv);
  return withMigratedDatabase(parseConfig(), async ({ orm, clock }) => {
    const keys = new ApiKeyService(orm.em.fork());
    const actor = commandLineActor();
    const audit = new AuditLog(clock);
    if (command.name === 'create') {
      const { apiKey, key } = await keys.create(
        {
          name: command.keyName,
          sourceSystem: command.sourceSystem,
          branchCode: command.branchCode,
        },
        actor,
        audit,
      );
      console.error(`Created ${describe(apiKey)}`);
      console.error('The key, shown this once (send it as Authorization: ApiKey <key>):');
      console.log(key);
    } else if (command.name === 'revoke') {
      console.log(describe(await keys.revoke(command.id, actor, audit)));
    } else {
      for (const apiKey of await keys.list()) console.log(describe(apiKey));
    }
    return 0;
  });
}

runCommand(() => main(process.argv.slice(2)), {
  usage: USAGE,
  known: [
    // Refusals of the service (an unknown or closed branch, no such key) name the rule.
    [GraphQLError, 1],
  ],
});

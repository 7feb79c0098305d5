import 'reflect-metadata';
import fs from 'node:fs';
import { parseConfig } from '../config/config';
import { createPool } from '../db/pg';
import { BadUserInputError } from '../graphql/errors';
import { buildAppSchema } from '../graphql/schema';
import { ManifestError, parseManifest } from '../modules/trusted-document/manifest';
import {
  registrationAudit,
  TrustedDocumentRejected,
  TrustedDocuments,
  type RegisterOutcome,
} from '../modules/trusted-document/trusted-documents';
import { AuditLog, commandLineActor } from '../modules/audit/audit-log';
import { withMigratedDatabase } from './database';
import { runCommand, UsageError } from './run';

const USAGE = 'usage: npm run documents:register -- <manifest.json> [--dry-run]';

function parseArgs(args: string[]): { file: string; dryRun: boolean } {
  let file: string | undefined;
  let dryRun = false;
  for (const arg of args) {
    if (arg === '--dry-run') dryRun = true;
    else if (arg.startsWith('--')) throw new UsageError(`unknown argument '${arg}'`);
    else if (file) throw new UsageError('give one manifest');
    else file = arg;
  }
  if (!file) throw new UsageError('give the manifest to register');
  return { file, dryRun };
}

/**
 * `npm run documents:register -- manifest.json`: registers the operations of an Apollo
 * persisted-query manifest as trusted documents, at deploy time, before the clients that
 * send their hashes. Idempotent: registering the same manifest again changes nothing, and
 * restores a revoked document it lists. Each document must validate against this build's
 * schema and document limits; one that does not is printed and the command exits 1 (the
 * others are registered). With --dry-run, checks every operation and writes nothing.
 */
async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (!fs.existsSync(args.file)) throw new UsageError(`no file ${args.file}`);
  const operations = parseManifest(fs.readFileSync(args.file, 'utf8'));
  const config = parseConfig();
  const schema = await buildAppSchema();
  return withMigratedDatabase(
    config,
    async ({ url, clock }) => {
      const pool = createPool(url, 1, clock.zone);
      try {
        const documents = new TrustedDocuments(pool, schema, config.graphqlLimits, clock, {
          roles: [],
        });
        const counts: Record<RegisterOutcome | 'REJECTED', number> = {
          CREATED: 0,
          UNCHANGED: 0,
          REACTIVATED: 0,
          REJECTED: 0,
        };
        const actor = commandLineActor();
        const audit = new AuditLog(clock);
        for (const [i, operation] of operations.entries()) {
          try {
            if (args.dryRun) {
              const problem = documents.problem(operation.body);
              if (problem) throw new TrustedDocumentRejected(problem);
              continue;
            }
            const { record, outcome } = await documents.register(operation.body, {
              name: operation.name,
              by: actor.subject,
            });
            await audit.record(pool, actor, registrationAudit(record, outcome));
            counts[outcome]++;
          } catch (error) {
            // A document the schema refuses, or a name free text's rules do.
            if (!(error instanceof TrustedDocumentRejected || error instanceof BadUserInputError))
              throw error;
            counts.REJECTED++;
            console.error(
              `${args.file} operations[${i}] ${operation.name || '(unnamed)'}: ${error.message}`,
            );
          }
        }
        console.log(
          args.dryRun
            ? `Checked ${operations.length} operations of ${args.file} (nothing written): ${counts.REJECTED} rejected`
            : `Registered ${operations.length} operations of ${args.file}: ${counts.CREATED} created, ` +
                `${counts.UNCHANGED} unchanged, ${counts.REACTIVATED} reactivated, ${counts.REJECTED} rejected`,
        );
        return counts.REJECTED ? 1 : 0;
      } finally {
        await pool.end();
      }
    },
    { dryRun: args.dryRun },
  );
}

runCommand(() => main(process.argv.slice(2)), {
  dryRun: true,
  usage: USAGE,
  known: [[ManifestError, 2]],
});

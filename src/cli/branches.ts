import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../config/config';
import {
  BranchFileError,
  formatOfFile,
  parseBranchFile,
  type BranchFileFormat,
} from '../modules/branch/branch-file';
import { loadBranchRows } from '../modules/branch/branch-loader';
import { commandLineActor } from '../modules/audit/audit-log';
import { progressBar } from './progress';
import { withMigratedDatabase } from './database';
import { runCommand, UsageError } from './run';

const USAGE =
  'usage: npm run branches:load -- <file.csv|file.ndjson> [--format csv|ndjson] [--dry-run]';

interface Args {
  file: string;
  format: BranchFileFormat;
  dryRun: boolean;
}

function parseArgs(args: string[]): Args {
  let file: string | undefined;
  let format: BranchFileFormat | undefined;
  let dryRun = false;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    if (flag === '--dry-run') {
      // A switch: `--dry-run=false` would read as one that loads, and did not.
      if (inline !== undefined) throw new UsageError(`--dry-run takes no value, got '${args[i]}'`);
      dryRun = true;
    } else if (flag === '--format') {
      const value = inline ?? args[++i];
      if (value !== 'csv' && value !== 'ndjson') {
        throw new UsageError(`--format is csv or ndjson, got '${value ?? ''}'`);
      }
      format = value;
    } else if (flag.startsWith('--')) throw new UsageError(`unknown argument '${args[i]}'`);
    else if (file) throw new UsageError('give one file');
    else file = args[i];
  }
  if (!file) throw new UsageError('give the file to load');
  format ??= formatOfFile(file);
  if (!format) throw new UsageError(`cannot tell the format of ${file}: use --format`);
  return { file, format, dryRun };
}

/**
 * `npm run branches:load -- file`: loads the organisation tree from a CSV or NDJSON file,
 * for a first deployment or a reorganisation, with the rules of `ingestBranches`. Prints one
 * line per rejected record and exits 1 when any was rejected; loading the file again after
 * fixing them writes only what changed.
 */
async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (!fs.existsSync(args.file)) throw new UsageError(`no file ${args.file}`);
  const rows = parseBranchFile(fs.readFileSync(args.file, 'utf8'), args.format);
  const started = Date.now();
  return withMigratedDatabase(
    parseConfig(),
    async ({ orm, clock }) => {
      const outcomes = await loadBranchRows(orm.em.fork(), clock, rows, {
        change: {
          by: commandLineActor(),
          reason: `branches:load ${path.basename(args.file)}`,
        },
        dryRun: args.dryRun,
        onProgress: progressBar(process.stderr),
      });
      const count = (status: string) => outcomes.filter((o) => o.status === status).length;
      for (const outcome of outcomes.filter((o) => o.status === 'REJECTED')) {
        for (const p of outcome.problems) {
          console.error(
            `${args.file}:${outcome.line} ${outcome.code || '(no code)'}: ${p.field} ${p.rule}: ${p.message}`,
          );
        }
      }
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(
        `${args.dryRun ? 'Checked (nothing written)' : 'Loaded'} ${outcomes.length} branches from ` +
          `${args.file}: ${count('CREATED')} created, ${count('UPDATED')} updated, ` +
          `${count('UNCHANGED')} unchanged, ${count('REJECTED')} rejected, in ${seconds} s`,
      );
      return count('REJECTED') ? 1 : 0;
    },
    { dryRun: args.dryRun },
  );
}

runCommand(() => main(process.argv.slice(2)), {
  dryRun: true,
  usage: USAGE,
  known: [[BranchFileError, 2]],
});

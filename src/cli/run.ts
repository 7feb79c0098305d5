import { ConfigError } from '../config/config';
import { EmbeddedPostgresError } from '../db/embedded-postgres';
import { MissingDatabaseError, PendingMigrationsError } from '../db/migrate';
import { UnreachableDatabaseError } from '../db/unreachable';

/** A command line the command cannot act on: printed with the command's usage, exit 2. */
export class UsageError extends Error {}

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Runs a command's `main` and exits with the code it resolves to. A UsageError prints its
 * message and `usage` (exit 2); an error of a `known` class prints only its message, with
 * that class's exit code, as do a setting the command cannot use and an embedded PostgreSQL
 * that cannot be used (exit 1);
 * anything else prints whole (exit 1).
 */
export function runCommand(
  main: () => Promise<number>,
  /** `dryRun`: the command takes --dry-run. */
  options: { usage?: string; known?: [ErrorClass, number][]; dryRun?: boolean } = {},
): void {
  // `npm run x --dry-run`, without `--`, gives --dry-run to npm, which says so only in its
  // environment: the command would run for real.
  const script = `npm run ${process.env.npm_lifecycle_event ?? '<script>'}`;
  const work =
    process.env.npm_config_dry_run === 'true'
      ? Promise.reject(
          new UsageError(
            options.dryRun
              ? `npm took --dry-run for itself: write ${script} -- --dry-run`
              : `npm took --dry-run for itself, and ${script} has no dry run: nothing was done`,
          ),
        )
      : main();
  work.then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof UsageError) {
        console.error(options.usage ? `${error.message}\n${options.usage}` : error.message);
        process.exit(2);
      }
      const known = [
        ...(options.known ?? []),
        [ConfigError, 1] as const,
        [EmbeddedPostgresError, 1] as const,
        [MissingDatabaseError, 1] as const,
        [PendingMigrationsError, 1] as const,
        [UnreachableDatabaseError, 1] as const,
      ].find(([type]) => error instanceof type);
      if (known) {
        console.error((error as Error).message);
        process.exit(known[1]);
      }
      console.error(error);
      process.exit(1);
    },
  );
}

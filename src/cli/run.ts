import { EmbeddedPostgresError } from '../db/embedded-postgres';
import { MissingDatabaseError, PendingMigrationsError } from '../db/migrate';

/** A command line the command cannot act on: printed with the command's usage, exit 2. */
export class UsageError extends Error {}

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Runs a command's `main` and exits with the code it resolves to. A UsageError prints its
 * message and `usage` (exit 2); an error of a `known` class prints only its message, with
 * that class's exit code, as does an embedded PostgreSQL that cannot be used (exit 1);
 * anything else prints whole (exit 1).
 */
export function runCommand(
  main: () => Promise<number>,
  options: { usage?: string; known?: [ErrorClass, number][] } = {},
): void {
  // `npm run x --dry-run`, without `--`, gives --dry-run to npm, which says so only in its
  // environment: the command would run for real.
  const work =
    process.env.npm_config_dry_run === 'true'
      ? Promise.reject(
          new UsageError(
            `npm took --dry-run for itself: write npm run ${process.env.npm_lifecycle_event ?? '<script>'} -- --dry-run`,
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
        [EmbeddedPostgresError, 1] as const,
        [MissingDatabaseError, 1] as const,
        [PendingMigrationsError, 1] as const,
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

/**
 * Errors of a database out of reach, as the driver reports them: refused, unknown host,
 * timed out, unreachable, a password or role refused, no such database. Said in one line,
 * naming where, they are the setting's fault, not a bug to read a stack trace for.
 */
const UNREACHABLE = [
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  '28P01',
  '28000',
  '3D000',
];

/** The database named by `databaseUrl` (or by `setting`) cannot be used: its address without the password. */
export class UnreachableDatabaseError extends Error {}

/**
 * `error` as an UnreachableDatabaseError when it says the database is out of reach ("Cannot
 * use the database at host:port/name (DATABASE_URL): why"), else `error` itself.
 */
export function unreachableDatabase(
  error: unknown,
  databaseUrl: string,
  setting?: string,
): unknown {
  const { code, message } = error as { code?: string; message?: string };
  if (!code || !UNREACHABLE.includes(code)) return error;
  const { hostname, port, pathname } = new URL(databaseUrl);
  return new UnreachableDatabaseError(
    `Cannot use the database at ${hostname}:${port || 5432}${pathname}` +
      `${setting ? ` (${setting})` : ''}: ${message ?? code}`,
  );
}

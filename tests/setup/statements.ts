import { Client } from 'pg';

/**
 * Counts the SQL statements every pg connection in this process sends while `fn` runs:
 * the read pool's prepared statements and MikroORM's queries alike. `prepared` holds the
 * name of each statement sent as a named prepared statement, and `unprepared` the text of
 * each statement with parameters sent without one (parsed and planned every time).
 */
export async function countStatements<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; statements: string[]; prepared: string[]; unprepared: string[] }> {
  const statements: string[] = [];
  const prepared: string[] = [];
  const unprepared: string[] = [];
  const original = Client.prototype.query;
  Client.prototype.query = function (this: Client, ...args: unknown[]) {
    const config = args[0] as string | { text: string; name?: string; values?: unknown[] };
    const text = typeof config === 'string' ? config : config.text;
    statements.push(text);
    if (typeof config !== 'string' && config.name) prepared.push(config.name);
    else if (typeof config !== 'string' && config.values?.length) unprepared.push(text);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    return { result: await fn(), statements, prepared, unprepared };
  } finally {
    Client.prototype.query = original;
  }
}

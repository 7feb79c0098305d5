import { Client } from 'pg';

/**
 * Counts the SQL statements every pg connection in this process sends while `fn` runs:
 * the read pool's prepared statements and MikroORM's queries alike.
 */
export async function countStatements<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; statements: string[] }> {
  const statements: string[] = [];
  const original = Client.prototype.query;
  Client.prototype.query = function (this: Client, ...args: unknown[]) {
    const config = args[0] as string | { text: string };
    statements.push(typeof config === 'string' ? config : config.text);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    return { result: await fn(), statements };
  } finally {
    Client.prototype.query = original;
  }
}

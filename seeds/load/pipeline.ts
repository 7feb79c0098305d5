import type { ClientBase } from 'pg';

/**
 * Runs `work` on chunk after chunk while `write` follows one chunk behind it; a failure on
 * either side stops both.
 */
export async function pipeline(
  chunks: number,
  work: (n: number) => Promise<void>,
  write: (n: number) => Promise<void>,
): Promise<void> {
  let stopped = false;
  const worked: Promise<void>[] = [];
  let previous = Promise.resolve();
  for (let n = 0; n < chunks; n++) {
    previous = previous.then(() => (stopped ? undefined : work(n)));
    worked.push(previous);
  }
  // Each is awaited in turn below; this keeps an early failure from counting as unhandled.
  for (const promise of worked) promise.catch(() => undefined);
  try {
    for (let n = 0; n < chunks; n++) {
      await worked[n];
      await write(n);
    }
  } finally {
    stopped = true;
    await Promise.allSettled(worked);
  }
}

export async function runAll(
  db: ClientBase,
  statements: string[],
  done: () => void,
): Promise<void> {
  for (const sql of statements) {
    await db.query(sql);
    done();
  }
}

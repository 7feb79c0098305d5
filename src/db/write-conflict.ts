import { setTimeout as sleep } from 'node:timers/promises';
import { UnavailableReason } from '../graphql/errors';
import { outageOf } from './outage';

const ATTEMPTS = 5;

/**
 * Runs a transaction again while it ends in a write conflict (outageOf): a deadlock, where
 * PostgreSQL aborted it for another writer; a serialization failure, as a batch that finds a
 * name's count moved under it raises (NameCountMoved); a versioned update that found its row
 * changed since it was read (a merge handing a claim to the survivor meanwhile). Running
 * one statement or record again cannot help (the transaction still holds what the other
 * writer waits for), so the whole transaction runs again, once the other has gone on: after
 * a random wait that grows with each attempt, so that several victims do not meet again.
 * Still in conflict, it is a retryable SERVICE_UNAVAILABLE (WRITE_CONFLICT), never a 500.
 */
export async function untilNoWriteConflict<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      const again = outageOf(error) === UnavailableReason.WRITE_CONFLICT;
      if (!again || attempt === ATTEMPTS) throw error;
      await sleep(Math.random() * 50 * attempt);
    }
  }
}

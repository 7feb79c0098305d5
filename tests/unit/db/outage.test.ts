import { DeadlockException, OptimisticLockError } from '@mikro-orm/core';
import { outageOf } from '../../../src/db/outage';
import { UnavailableReason } from '../../../src/graphql/errors';

describe('a database error as the caller is told it', () => {
  it('reads a deadlock, a serialization failure or a moved version left after retries as a retryable write conflict', () => {
    // As MikroORM wraps the driver's error.
    const driver = Object.assign(new Error('deadlock detected'), { code: '40P01' });
    const wrapped = new DeadlockException(driver);
    expect(outageOf(wrapped)).toBe(UnavailableReason.WRITE_CONFLICT);
    const serialization = Object.assign(new Error('could not serialize access'), {
      code: '40001',
    });
    expect(outageOf(serialization)).toBe(UnavailableReason.WRITE_CONFLICT);
    // A versioned row another writer changed since it was read, retried as often.
    expect(outageOf(OptimisticLockError.lockFailed({}))).toBe(UnavailableReason.WRITE_CONFLICT);
    // A broken rule is the caller's, not a conflict.
    expect(outageOf(Object.assign(new Error('check'), { code: '23514' }))).toBeUndefined();
  });

  it('reads a database that takes no writes, or no connections, as unavailable', () => {
    // A standby, or a primary demoted in a failover.
    const readOnly = Object.assign(new Error('cannot execute UPDATE in a read-only transaction'), {
      code: '25006',
    });
    expect(outageOf(readOnly)).toBe(UnavailableReason.DATABASE_UNAVAILABLE);
    const closed = Object.assign(
      new Error('database "cif_hub" is not currently accepting connections'),
      { code: '55000' },
    );
    expect(outageOf(closed)).toBe(UnavailableReason.DATABASE_UNAVAILABLE);
    // The same class of error for other reasons is a bug, not an outage.
    const other = Object.assign(new Error('currval of sequence "s" is not yet defined'), {
      code: '55000',
    });
    expect(outageOf(other)).toBeUndefined();
  });
});

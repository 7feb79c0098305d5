import { CheckConstraintViolationException } from '@mikro-orm/core';
import { databaseRejection } from '../../../src/modules/ingestion/record-errors';

describe("the database's refusal of a record", () => {
  it('reports a rule the edge checks too as the edge does, in the database words', () => {
    const refused = new CheckConstraintViolationException(
      Object.assign(
        new Error(
          'update "policy" set ... - policy PCA2 renews policy PCA1, which must start before it and starts on 2027-01-01',
        ),
        { code: '23514', constraint: 'policy_renewal_order' },
      ),
    );
    expect(databaseRejection(refused)).toEqual([
      {
        field: 'renewsPolicyNo',
        rule: 'RENEWAL_ORDER',
        message:
          'policy PCA2 renews policy PCA1, which must start before it and starts on 2027-01-01',
      },
    ]);
    const other = new CheckConstraintViolationException(
      Object.assign(new Error('x'), { code: '23514', constraint: 'policy_amounts_check' }),
    );
    expect(databaseRejection(other)).toEqual([
      expect.objectContaining({ field: 'policy_amounts_check', rule: 'CHECK' }),
    ]);
  });
});

import type { EntityManager } from '@mikro-orm/postgresql';
import { Branch } from '../branch/branch.entity';
import { Customer } from '../customer/customer.entity';
import { SourceRecord } from '../customer/source-record.entity';
import type { CustomerRef } from './ingestion.input';
import type { RecordErrors } from './record-errors';

/**
 * A reference as a row keeps it: `CIF:` and the CIF number, or the source record's key
 * (`POLICY_ADMIN:K-1`, as a link names a record). A row written while the customer it
 * names is merged away holds the survivor; an unmerge gives it back to the customer the
 * reference names again (CUSTOMER_REFERENCES' `namedBy`).
 */
export const referenceKey = (ref: CustomerRef) =>
  ref.cifNo ? `CIF:${ref.cifNo.trim().toUpperCase()}` : `${ref.sourceSystem}:${ref.sourceKey}`;

/** The customer a reference names, or undefined with the reason recorded. */
export async function findCustomer(
  em: EntityManager,
  errors: RecordErrors,
  field: string,
  ref: CustomerRef,
): Promise<Customer | undefined> {
  const bySource = ref.sourceSystem !== undefined && ref.sourceKey !== undefined;
  if (!!ref.cifNo === bySource || (!bySource && (ref.sourceSystem || ref.sourceKey))) {
    errors.add(field, 'EXACTLY_ONE', 'give either cifNo or both sourceSystem and sourceKey');
    return undefined;
  }
  const customer = ref.cifNo
    ? await em.findOne(Customer, { cifNo: ref.cifNo.trim().toUpperCase() })
    : (
        await em.findOne(
          SourceRecord,
          { sourceSystem: ref.sourceSystem!, sourceKey: ref.sourceKey! },
          { populate: ['customer'] },
        )
      )?.customer;
  if (!customer) {
    errors.add(field, 'UNKNOWN_CUSTOMER', 'no customer is known under this reference');
    return undefined;
  }
  // A merged-away customer's number still names the customer, now the survivor (merges
  // point merged_into at the final survivor).
  return customer.mergedInto
    ? ((await em.findOne(Customer, { id: customer.mergedInto.id })) ?? undefined)
    : customer;
}

export async function findBranch(
  em: EntityManager,
  errors: RecordErrors,
  field: string,
  code: string,
): Promise<Branch | undefined> {
  // Whatever its letter case: one code is one branch (CODE_CASE).
  const [row] = await em.execute<Record<string, unknown>[]>(
    'select * from branch where upper(code) = upper(?)',
    [code.trim()],
  );
  const branch = row ? em.map(Branch, row) : null;
  if (!branch) errors.add(field, 'UNKNOWN_BRANCH', 'no branch has this code');
  return branch ?? undefined;
}

import type { EntityManager } from '@mikro-orm/postgresql';
import { Branch } from '../branch/branch.entity';
import { Customer } from '../customer/customer.entity';
import { SourceRecord } from '../customer/source-record.entity';
import type { CustomerRef } from './ingestion.input';
import type { RecordErrors } from './record-errors';

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
  }
  return customer ?? undefined;
}

export async function findBranch(
  em: EntityManager,
  errors: RecordErrors,
  field: string,
  code: string,
): Promise<Branch | undefined> {
  const branch = await em.findOne(Branch, { code: code.trim() });
  if (!branch) errors.add(field, 'UNKNOWN_BRANCH', `no branch has the code ${code}`);
  return branch ?? undefined;
}

/**
 * The branch a customer record puts its customer in: an open branch. A closed branch's
 * customers went to its successor when it closed, and records that still name it (source
 * systems learn of a reorganisation late) resolve there too; a closed branch without an open
 * successor is refused.
 */
export async function findOpenBranch(
  em: EntityManager,
  errors: RecordErrors,
  field: string,
  code: string,
): Promise<Branch | undefined> {
  let branch = await findBranch(em, errors, field, code);
  // Successors form a chain when branches close in turn; a loop is impossible (each was
  // open when it became one) but a bound costs nothing.
  for (let hops = 0; branch?.validTo && branch.successor && hops < 32; hops++) {
    branch = (await em.findOne(Branch, { id: branch.successor.id })) ?? undefined;
  }
  if (branch?.validTo) {
    errors.add(
      field,
      'BRANCH_CLOSED',
      `branch ${branch.code} closed on ${branch.validTo} and no open branch succeeds it`,
    );
    return undefined;
  }
  return branch;
}

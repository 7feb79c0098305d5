import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray } from '../../db/bound-sql';
import { checkVin } from '../../validation';
import type { ClaimRecordInput, CustomerRef, PolicyRecordInput } from './ingestion.input';

/** The lock key of a customer's tier queue entry. */
export const customerKey = (id: string) => `customer:${id}`;

/**
 * The rows besides their own that policy and claim batches write, as lock keys (see
 * lockKeys' `shared`): the tier queue entry of every customer a policy's parties or a
 * claim's policy name, before and after the batch (the queue triggers write one per record,
 * in the batch's order), and a new car's vehicle row. Two batches of different policies for
 * the same holders, in different orders, otherwise each held an entry the other wanted next.
 * Read before the batch locks: a customer a merge moves meanwhile is at worst one lock too
 * many or too few, and a deadlock then is retried as any other.
 */
export async function policyShares(
  em: EntityManager,
  records: PolicyRecordInput[],
): Promise<string[]> {
  const customers = await customersNamed(
    em,
    records.flatMap((r) => r.parties.map((p) => p.customer)),
    `select pp.customer_id from policy p join policy_party pp on pp.policy_id = p.id
     where p.policy_no = any(?::text[])`,
    records.map((r) => r.policyNo),
  );
  const vehicles = records.flatMap((r) => {
    const vin = r.vehicle && checkVin(r.vehicle.vin);
    return vin?.ok ? [`vehicle:${vin.value.normalized}`] : [];
  });
  return [...customers, ...vehicles];
}

export function claimShares(em: EntityManager, records: ClaimRecordInput[]): Promise<string[]> {
  return customersNamed(
    em,
    [],
    `select pp.customer_id from policy p join policy_party pp on pp.policy_id = p.id
     where p.policy_no = any(?::text[])
     union all
     select pp.customer_id from claim c join policy_party pp on pp.policy_id = c.policy_id
     where c.claim_no = any(?::text[])`,
    records.map((r) => r.policyNo),
    records.map((r) => r.claimNo),
  );
}

/** `customer:` keys of the customers `refs` name (their survivors) and `also` selects. */
async function customersNamed(
  em: EntityManager,
  refs: CustomerRef[],
  also: string,
  ...params: string[][]
): Promise<string[]> {
  const rows = await em.execute<{ id: string }[]>(
    `with refs as (select * from jsonb_to_recordset(?::jsonb) r(cif text, system text, key text)),
     named as (
       select c.id, c.merged_into_id from refs r join customer c on c.cif_no = r.cif
       union all
       select c.id, c.merged_into_id from refs r
         join source_record sr on sr.source_system = r.system and sr.source_key = r.key
         join customer c on c.id = sr.customer_id)
     select distinct id from (
       select coalesce(merged_into_id, id) as id from named
       union all ${also}) touched
     where id is not null`,
    [
      JSON.stringify(
        refs.map((ref) => ({
          cif: ref.cifNo?.trim().toUpperCase(),
          system: ref.sourceSystem,
          key: ref.sourceKey,
        })),
      ),
      ...params.map(pgArray),
    ],
  );
  return rows.map((r) => customerKey(r.id));
}

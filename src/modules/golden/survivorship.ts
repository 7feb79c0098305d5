import type { EntityManager } from '@mikro-orm/postgresql';
import { boundSql, pgArray } from '../../db/bound-sql';
import { SourceSystem } from '../customer/customer.enums';

/**
 * How far each source system is trusted for who a customer is. Policy administration
 * holds the contract, checked against the identity document at underwriting; claims
 * checks identity at payment; the app's accounts are real-name verified; agents, dealers
 * and the call centre type what they are told, and the call centre most hastily.
 */
export const SOURCE_TRUST: Record<SourceSystem, number> = {
  [SourceSystem.POLICY_ADMIN]: 7,
  [SourceSystem.CLAIMS]: 6,
  [SourceSystem.APP]: 5,
  [SourceSystem.WECHAT]: 4,
  [SourceSystem.AGENCY]: 3,
  [SourceSystem.DEALER]: 2,
  [SourceSystem.CALL_CENTRE]: 1,
};

/** The golden fields survivorship picks, each with the source record that supplied it. */
export const GOLDEN_FIELDS = ['name', 'gender', 'birthDate', 'branch', 'marketingConsent'] as const;
export type GoldenField = (typeof GOLDEN_FIELDS)[number];

const trustCase = `case sr.source_system ${Object.entries(SOURCE_TRUST)
  .map(([system, trust]) => `when '${system}' then ${trust}`)
  .join(' ')} else 0 end`;

/**
 * The order in which a customer's source records win a field: a record that proves who it
 * is (an identity document, or a verified contact point) before one that does not; then
 * the more trusted source; then the more recent; then the id, so that ties never depend on
 * the order rows come in.
 */
const RANKED = `ranked as (
    select sr.*, row_number() over (
      partition by sr.customer_id
      order by exists (select 1 from source_identifier si where si.source_record_id = sr.id
                         and (si.kind not in ('MOBILE', 'EMAIL', 'ADDRESS')
                              or si.verification_status = 'VERIFIED')) desc,
               ${trustCase} desc, sr.received_at desc, sr.id) as rank
    from source_record sr
    where sr.customer_id = any(array(select id from targets)) and sr.kind is not null)`;

/** The first record in rank order whose `column` is set, per customer. */
const pick = (column: string) =>
  `(select distinct on (customer_id) customer_id, id, ${column} from ranked
     where ${column} is not null order by customer_id, rank)`;

/**
 * Recomputes the golden record of these customers from their source records, in a fixed
 * number of statements whatever their number: the fields (SOURCE_TRUST, verification and
 * recency decide; consent is the customer's latest word, so recency alone), their lineage,
 * and the identity documents and contact points, which are the union of what the records
 * carry (multi-valued attributes are never overwritten). A document or contact point that
 * no record carries any more goes, unless it predates matching (no lineage). Customers
 * without source records keep what they have.
 */
export async function recomputeGolden(
  em: EntityManager,
  customerIds: string[],
  options: { genericHolders: number },
): Promise<void> {
  if (customerIds.length === 0) return;
  const ids = pgArray([...new Set(customerIds)]);
  // Materialized, and read back as an array: the planner then probes the indexes of these
  // few customers instead of joining whole tables.
  const targets = `targets as materialized (
      select distinct sr.customer_id as id from source_record sr
      where sr.customer_id = any(?::uuid[]) and sr.kind is not null)`;

  await boundSql(
    em,
    `with ${targets}, ${RANKED},
     name as ${pick('name')}, gender as ${pick('gender')}, birth as ${pick('birth_date')},
     branch as ${pick('branch_id')},
     consent as (select distinct on (customer_id) customer_id, id, marketing_consent,
                   consent_at, consent_channel from ranked where consent_at is not null
                 order by customer_id, consent_at desc, rank),
     golden as (
       select targets.id, name.name,
         gender.gender, birth.birth_date, branch.branch_id,
         coalesce(consent.marketing_consent, false) as marketing_consent,
         consent.consent_at, consent.consent_channel,
         jsonb_strip_nulls(jsonb_build_object(
           'name', name.id, 'gender', gender.id, 'birthDate', birth.id, 'branch', branch.id,
           'marketingConsent', consent.id)) as lineage
       from targets
         join name on name.customer_id = targets.id
         left join gender on gender.customer_id = targets.id
         left join birth on birth.customer_id = targets.id
         left join branch on branch.customer_id = targets.id
         left join consent on consent.customer_id = targets.id)
     update customer c set
       name = g.name,
       gender = case when c.kind = 'INDIVIDUAL' then g.gender end,
       birth_date = case when c.kind = 'INDIVIDUAL' then g.birth_date end,
       branch_id = coalesce(g.branch_id, c.branch_id),
       marketing_consent = g.marketing_consent,
       consent_at = g.consent_at,
       consent_channel = g.consent_channel,
       lineage = g.lineage,
       updated_at = now()
     from golden g
     -- Only what changes: a rewrite of the same values is a dead row and a queued recompute.
     where c.id = g.id
       and (c.name, c.gender, c.birth_date, c.branch_id, c.marketing_consent, c.consent_at,
            c.consent_channel, c.lineage)
         is distinct from
           (g.name, case when c.kind = 'INDIVIDUAL' then g.gender end,
            case when c.kind = 'INDIVIDUAL' then g.birth_date end,
            coalesce(g.branch_id, c.branch_id), g.marketing_consent, g.consent_at,
            g.consent_channel, g.lineage)`,
    [ids],
  );

  // Each value once per customer, from its best-ranked record; a verification is the
  // latest one any record reports. Lateral, fenced by `offset 0` so that the planner keeps
  // it: the few records' identifiers by index, never a scan of everyone's.
  const carried = `carried as (
      select distinct on (r.customer_id, si.kind, si.value_hash)
        r.customer_id, r.id as source_record_id, r.received_at, si.kind, si.value_hash,
        si.value_cipher, si.value_masked, si.checksum_exception
      from ranked r cross join lateral (
        select * from source_identifier where source_record_id = r.id offset 0) si
      order by r.customer_id, si.kind, si.value_hash, r.rank)`;

  await boundSql(
    em,
    `with ${targets}, ${RANKED}, ${carried}
     insert into identity_document (id, customer_id, source_record_id, type, number_cipher,
       number_masked, number_hash, checksum_exception)
     select gen_random_uuid(), customer_id, source_record_id, kind, value_cipher, value_masked,
       value_hash, checksum_exception
     from (
       -- A document is one holder's: where records of two customers (kept apart by a
       -- steward) both carry it, the customer of the earliest record holds it.
       select distinct on (kind, value_hash) * from carried
       where kind not in ('MOBILE', 'EMAIL', 'ADDRESS')
         -- a resident ID whose check character is wrong is a hint for matching, no document
         and not (kind = 'RESIDENT_ID' and checksum_exception)
       order by kind, value_hash, received_at, source_record_id) documents
     on conflict (type, number_hash) do update set customer_id = excluded.customer_id,
       source_record_id = excluded.source_record_id, updated_at = now()
     where (identity_document.customer_id, identity_document.source_record_id)
       is distinct from (excluded.customer_id, excluded.source_record_id)`,
    [ids],
  );
  // A document or contact point no record of its customer carries any more goes, unless it
  // predates matching (no lineage).
  const unbacked = (table: string, kind: string, hash: string) =>
    boundSql(
      em,
      `with ${targets}
       delete from ${table} t using targets
       where t.customer_id = targets.id and t.source_record_id is not null and not exists (
         select 1 from source_record sr join source_identifier si on si.source_record_id = sr.id
         where sr.customer_id = t.customer_id and si.kind = t.${kind} and si.value_hash = t.${hash})`,
      [ids],
    );
  await unbacked('identity_document', 'type', 'number_hash');
  await unbacked('contact_point', 'kind', 'value_hash');
  await boundSql(
    em,
    `with ${targets}, ${RANKED}, ${carried},
     verified as (
       select distinct on (r.customer_id, si.kind, si.value_hash) r.customer_id, si.kind,
         si.value_hash, si.verification_status, si.verification_method, si.verified_at
       from ranked r cross join lateral (
        select * from source_identifier where source_record_id = r.id offset 0) si
       where si.verification_status <> 'UNVERIFIED'
       order by r.customer_id, si.kind, si.value_hash, si.verified_at desc, r.rank),
     golden as (
       select c.*, coalesce(v.verification_status, 'UNVERIFIED') as verification_status,
         v.verification_method, v.verified_at,
         (select count(distinct sr.name_key) from source_identifier si
            join source_record sr on sr.id = si.source_record_id
          where si.kind = c.kind and si.value_hash = c.value_hash) >= ? as generic
       from carried c left join verified v using (customer_id, kind, value_hash)
       where c.kind in ('MOBILE', 'EMAIL', 'ADDRESS')),
     updated as (
       update contact_point p set source_record_id = g.source_record_id,
         verification_status = g.verification_status,
         verification_method = g.verification_method, verified_at = g.verified_at,
         generic = g.generic, updated_at = now()
       from golden g
       where p.customer_id = g.customer_id and p.kind = g.kind and p.value_hash = g.value_hash
         and (p.source_record_id, p.verification_status, p.verification_method,
              p.verified_at, p.generic)
           is distinct from
             (g.source_record_id, g.verification_status, g.verification_method,
              g.verified_at, g.generic)
       returning p.customer_id, p.kind, p.value_hash)
     insert into contact_point (id, customer_id, source_record_id, kind, value_cipher,
       value_masked, value_hash, verification_status, verification_method, verified_at, generic)
     select gen_random_uuid(), g.customer_id, g.source_record_id, g.kind, g.value_cipher,
       g.value_masked, g.value_hash, g.verification_status, g.verification_method,
       g.verified_at, g.generic
     from golden g
     where not exists (select 1 from contact_point p where p.customer_id = g.customer_id
                         and p.kind = g.kind and p.value_hash = g.value_hash)`,
    [ids, options.genericHolders],
  );
  // One primary mobile per customer: the one kept if it is still there, else the mobile
  // of the best-ranked record that is not a shared (generic) number.
  await boundSql(
    em,
    `with ${targets}, ${RANKED},
     choice as (
       select distinct on (p.customer_id) p.customer_id, p.id
       from contact_point p join targets on targets.id = p.customer_id
         left join ranked r on r.id = p.source_record_id
       where p.kind = 'MOBILE'
       order by p.customer_id, (p."primary" and not p.generic) desc, p.generic,
         p.verification_status = 'VERIFIED' desc, r.rank nulls last, p.id)
     update contact_point p set "primary" = (p.id = choice.id)
     from choice
     where p.customer_id = choice.customer_id and p.kind = 'MOBILE'
       and p."primary" is distinct from (p.id = choice.id)`,
    [ids],
  );
}

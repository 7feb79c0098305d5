import type { EntityManager } from '@mikro-orm/postgresql';
import { boundSql, pgArray } from '../../db/bound-sql';
import {
  ContactKind,
  type CustomerKind,
  PROVES_REACH,
  SourceSystem,
} from '../customer/customer.enums';
import { firstReceived } from '../customer/source-record.entity';
import { holderSql } from '../matching/names';
import { GENERIC_KINDS_SQL } from '../matching/settings';

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

/** A customer that matching makes: survivorship writes it, from its records where it can. */
export interface NewCustomer {
  id: string;
  kind: CustomerKind;
  name: string;
  branch: string;
}

/** The golden fields survivorship picks, each with the source record that supplied it. */
export const GOLDEN_FIELDS = [
  'name',
  'kind',
  'gender',
  'birthDate',
  'branch',
  'marketingConsent',
] as const;
export type GoldenField = (typeof GOLDEN_FIELDS)[number];

const CONTACT_KINDS_SQL = Object.values(ContactKind)
  .map((k) => `'${k}'`)
  .join(', ');

const trustCase = `case sr.source_system ${Object.entries(SOURCE_TRUST)
  .map(([system, trust]) => `when '${system}' then ${trust}`)
  .join(' ')} else 0 end`;

/**
 * Whether the identifier `alias` (a source_identifier row) is an identity document: a resident
 * ID whose check character is wrong is a hint for matching, no document, and proves nothing.
 */
const isDocument = (alias: string) =>
  `(${alias}.kind not in (${CONTACT_KINDS_SQL})
    and not (${alias}.kind = 'RESIDENT_ID' and ${alias}.checksum_exception))`;

/**
 * Whether the identifier `alias` is a credit code failing its check character (kept as an
 * early code: checksum_exception) beside a valid one its customer's records carry: an
 * organisation holds one code for life, so it is that code mistyped (matching links it as
 * ID_TYPO), no second document.
 */
const typoCode = (alias: string, customer: string, kind: string) =>
  `(${alias}.${kind} = 'UNIFIED_SOCIAL_CREDIT_CODE' and ${alias}.checksum_exception
    and exists (select 1 from carried v where v.customer_id = ${alias}.${customer}
                  and v.kind = 'UNIFIED_SOCIAL_CREDIT_CODE' and not v.checksum_exception))`;

/**
 * The order in which a customer's source records win a field: a record that proves who it
 * is (an identity document, or a verified contact point) before one that does not; then
 * the more trusted source; then the more recent; then the id, so that ties never depend on
 * the order rows come in.
 */
const RANKED = `ranked as (
    select sr.*, proof.proves, row_number() over (
      partition by sr.customer_id
      order by proof.proves desc, ${trustCase} desc, sr.received_at desc, sr.source_system,
        sr.source_key) as rank
    from source_record sr
      cross join lateral (select exists (
        select 1 from source_identifier si where si.source_record_id = sr.id
          and (${isDocument('si')} or si.verification_status = 'VERIFIED')) as proves) proof
    where sr.customer_id = any(array(select id from targets)) and sr.kind is not null)`;

/**
 * Whether a name is written in Chinese characters (the unified ideographs, their extensions
 * and compatibility forms, and 〇), as a PostgreSQL regular expression's escapes.
 */
const IN_HAN = String.raw`~ '[\u3007\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\U00020000-\U0003134F]'`;

/** The first record in rank order whose `column` is set, per customer. */
const pick = (column: string) =>
  `(select distinct on (customer_id) customer_id, id, ${column} from ranked
     where ${column} is not null order by customer_id, rank)`;

/**
 * Recomputes the golden record of these customers from their source records, in one
 * statement whatever their number: the fields (SOURCE_TRUST, verification and recency
 * decide; consent is the customer's latest word, so recency alone), their lineage, and the
 * identity documents and contact points, which are the union of what the records carry
 * (multi-valued attributes are never overwritten). A document or contact point that no
 * record carries any more goes, unless it predates matching (no lineage). Customers
 * without source records keep what they have; a new one without records of the matching era
 * is written as matching made it.
 *
 * One statement, so that the customers' records are found and ranked once: as six
 * statements each ranked them again, about a third of the time they took. Its parts all see
 * the data as it was before the statement, so none of them reads what another writes: the
 * primary mobile is chosen among the contact points as they will be, not as they are.
 */
export async function recomputeGolden(
  em: EntityManager,
  customerIds: string[],
  options: {
    genericHolders: number;
    /** Customers that matching made, not written yet: written here, once, as computed. */
    created?: NewCustomer[];
    /**
     * Now, by the hub's clock, not the database's: the customers made and the rows changed
     * are dated by it (a past day's counts take the customers the hub knew that day, and a
     * customer is never updated before it was made).
     */
    at: string;
  },
): Promise<void> {
  if (customerIds.length === 0) return;
  // Whether any record of the row's customer still carries the row's value: looked up from
  // the customer's few records, as a dealer's number has thousands of carriers.
  const backed = (row: string, kind: string, hash: string) =>
    `exists (select 1 from source_identifier si
             where si.source_record_id = any(array(
                     select sr.id from source_record sr where sr.customer_id = ${row}.customer_id))
               and si.kind = ${row}.${kind} and si.value_hash = ${row}.${hash})`;
  await boundSql(
    em,
    // Materialized, and read back as an array: the planner then probes the indexes of these
    // few customers instead of joining whole tables.
    `with clock as (select ?::timestamptz as at),
     targets as materialized (
       select distinct sr.customer_id as id from source_record sr
       where sr.customer_id = any(?::uuid[]) and sr.kind is not null),
     ${RANKED},
     -- Among the records as strong as the best, a person's name in Chinese characters before
     -- its romanisation (ZHANG SANFENG, as a card or a screen took it): the characters are
     -- the name on the resident ID. Only where another record holds that romanisation (the
     -- same pinyin): a foreigner's name from a passport is not put under a transliteration.
     name as (select distinct on (customer_id) customer_id, id, name
              from (select n.*, bool_or(not n.name ${IN_HAN})
                      over (partition by n.customer_id, n.name_pinyin) as romanised
                    from ranked n where n.name is not null) n
              order by customer_id, proves desc,
                (name ${IN_HAN} and name_pinyin is not null and romanised) desc, rank),
     gender as ${pick('gender')}, birth as ${pick('birth_date')},
     -- A source that corrects a record's kind corrects its customer's: matching keeps the
     -- two kinds apart, so the customer's records agree on it but for such a correction.
     kind as ${pick('kind')},
     -- A record names the branch it named then; a closed one stands for its open successor
     -- (branch_open_successor), and one with none leaves the customer where it is.
     branch as (select p.customer_id, p.id,
                  case when b.valid_to is null then p.branch_id
                       else branch_open_successor(p.branch_id) end as branch_id
                from ${pick('branch_id')} p join branch b on b.id = p.branch_id),
     consent as (select distinct on (customer_id) customer_id, id, marketing_consent,
                   consent_at, consent_channel from ranked where consent_at is not null
                 order by customer_id, consent_at desc, rank),
     golden as (
       select targets.id, name.name, kind.kind,
         case when kind.kind = 'INDIVIDUAL' then gender.gender end as gender,
         case when kind.kind = 'INDIVIDUAL' then birth.birth_date end as birth_date,
         branch.branch_id,
         coalesce(consent.marketing_consent, false) as marketing_consent,
         consent.consent_at, consent.consent_channel,
         jsonb_strip_nulls(jsonb_build_object(
           'name', name.id, 'kind', kind.id,
           'gender', case when kind.kind = 'INDIVIDUAL' then gender.id end,
           'birthDate', case when kind.kind = 'INDIVIDUAL' then birth.id end,
           'branch', case when branch.branch_id is not null then branch.id end,
           'marketingConsent', consent.id)) as lineage
       from targets
         join name on name.customer_id = targets.id
         join kind on kind.customer_id = targets.id
         left join gender on gender.customer_id = targets.id
         left join birth on birth.customer_id = targets.id
         left join branch on branch.customer_id = targets.id
         left join consent on consent.customer_id = targets.id),
     created as (select * from jsonb_to_recordset(?::jsonb)
                   c(id uuid, kind text, name text, branch uuid, n int)),
     -- Numbered in the order matching lists them.
     customers_made as (
       insert into customer (id, created_at, updated_at, cif_no, kind, name, gender, birth_date,
         branch_id, marketing_consent, consent_at, consent_channel, lineage)
       select c.id, clock.at, clock.at,
         'C' || lpad(nextval('cif_no_seq')::text, 10, '0'), coalesce(g.kind, c.kind),
         coalesce(g.name, c.name), g.gender, g.birth_date, coalesce(g.branch_id, c.branch),
         coalesce(g.marketing_consent, false), g.consent_at, g.consent_channel,
         coalesce(g.lineage, '{}')
       from created c cross join clock left join golden g using (id)
       order by c.n),
     customers as (
       update customer c set
         name = g.name,
         kind = g.kind,
         gender = g.gender,
         birth_date = g.birth_date,
         branch_id = coalesce(g.branch_id, c.branch_id),
         marketing_consent = g.marketing_consent,
         consent_at = g.consent_at,
         consent_channel = g.consent_channel,
         lineage = g.lineage,
         updated_at = (select at from clock),
         -- A client holding the customer as it read it can tell it changed since; a new
         -- lineage alone (another record supplying the same value) is no change of it.
         version = c.version + case
           when (c.name, c.kind, c.gender, c.birth_date, c.branch_id, c.marketing_consent,
                 c.consent_at, c.consent_channel)
             is distinct from
                 (g.name, g.kind, g.gender, g.birth_date, coalesce(g.branch_id, c.branch_id),
                  g.marketing_consent, g.consent_at, g.consent_channel)
           then 1 else 0 end
       from golden g
       -- Only what changes: a rewrite of the same values is a dead row and a queued recompute.
       where c.id = g.id
         and (c.name, c.kind, c.gender, c.birth_date, c.branch_id, c.marketing_consent,
              c.consent_at, c.consent_channel, c.lineage)
           is distinct from
             (g.name, g.kind, g.gender, g.birth_date, coalesce(g.branch_id, c.branch_id),
              g.marketing_consent, g.consent_at, g.consent_channel, g.lineage)),
     -- Each value once per customer, from its best-ranked record; a verification is the
     -- latest one any record reports. Lateral, fenced by offset 0 so that the planner keeps
     -- it: the few records' identifiers by index, never a scan of everyone's.
     carried as materialized (
       select distinct on (r.customer_id, si.kind, si.value_hash)
         r.customer_id, r.id as source_record_id, r.received_at, si.kind, si.value_hash,
         si.value_cipher, si.value_masked, si.checksum_exception
       from ranked r cross join lateral (
         select * from source_identifier where source_record_id = r.id offset 0) si
       order by r.customer_id, si.kind, si.value_hash, r.rank),
     -- A document is one holder's: where records of two customers (kept apart by a steward)
     -- both carry it, the customer whose record carrying it was received first holds it,
     -- whether or not that customer is recomputed here: a later record of the other took it
     -- from them, and they were no longer found by their own number. First received, not
     -- last (a re-send must not hand the number over), of any of the customer's records
     -- carrying it, not only its best-ranked one.
     -- Looked up per document, with an early exit (a lateral probe of the value index that
     -- stops at the first earlier carrier): as an anti-join the planner read every
     -- identifier, and sorting every carrier cost seconds for a number on thousands.
     documents as materialized (
       select c.* from carried c
         cross join lateral (
           select ${firstReceived('r')} from source_record r
           where r.customer_id = c.customer_id
             and exists (select 1 from source_identifier si where si.source_record_id = r.id
                           and si.kind = c.kind and si.value_hash = c.value_hash)
           order by ${firstReceived('r')} limit 1) f(created_at, source_system, source_key)
       where ${isDocument('c')} and not ${typoCode('c', 'customer_id', 'kind')}
         and not exists (
           select 1 from source_identifier si
             join source_record r on r.id = si.source_record_id
           where si.kind = c.kind and si.value_hash = c.value_hash
             and r.customer_id <> c.customer_id
             and (${firstReceived('r')}) < (${firstReceived('f')})
           limit 1)),
     documents_held as (
       insert into identity_document (id, created_at, updated_at, customer_id, source_record_id,
         type, number_cipher, number_masked, number_hash, checksum_exception)
       select gen_random_uuid(), clock.at, clock.at, customer_id, source_record_id, kind,
         value_cipher, value_masked, value_hash, checksum_exception
       from documents, clock
       on conflict (type, number_hash) do update set customer_id = excluded.customer_id,
         source_record_id = excluded.source_record_id, updated_at = (select at from clock)
       where (identity_document.customer_id, identity_document.source_record_id)
         is distinct from (excluded.customer_id, excluded.source_record_id)),
     documents_gone as (
       delete from identity_document t using targets
       where t.customer_id = targets.id and t.source_record_id is not null
         and (not ${backed('t', 'type', 'number_hash')} or ${typoCode('t', 'customer_id', 'type')})
         -- held above by another of these customers: one statement changes a row once
         and not exists (select 1 from documents d
                         where d.kind = t.type and d.value_hash = t.number_hash)),
     -- A merge drops an absorbed customer's value the survivor holds, but two customers
     -- merged into one at once may bring the same value: kept once (the primary, else the
     -- oldest row).
     existing as materialized (
       select p.*, (p.source_record_id is not null
                    and not ${backed('p', 'kind', 'value_hash')})
                   or row_number() over (partition by p.customer_id, p.kind, p.value_hash
                                         order by p."primary" desc, p.created_at, p.id) > 1 as gone
       from contact_point p join targets on targets.id = p.customer_id),
     contacts_gone as (delete from contact_point p using existing e where p.id = e.id and e.gone),
     -- The latest verification, except that a proof of reach (SMS, call-back) stands until
     -- a later failure: a later check by a method that proves less (in person) does not
     -- hide it from the gates that ask for one.
     verifications as (
       select r.customer_id, r.rank, r.id as verified_by, si.kind, si.value_hash,
         si.verification_status,
         si.verification_method, si.verified_at,
         max(si.verified_at) filter (where si.verification_status = 'FAILED')
           over (partition by r.customer_id, si.kind, si.value_hash) as last_failed
       from ranked r cross join lateral (
        select * from source_identifier where source_record_id = r.id offset 0) si
       where si.verification_status <> 'UNVERIFIED'),
     verified as (
       select distinct on (customer_id, kind, value_hash) customer_id, kind, value_hash,
         verification_status, verification_method, verified_at, verified_by
       from verifications
       order by customer_id, kind, value_hash,
         (verification_status = 'VERIFIED'
           and verification_method in (${PROVES_REACH.map((m) => `'${m}'`).join(', ')})
           and verified_at > coalesce(last_failed, '-infinity')) desc,
         verified_at desc, rank),
     -- Counted once a value, not once a customer carrying it: a dealer's number is on
     -- thousands of records, and on many customers of one batch.
     holders as (
       select kind, value_hash,
         (select count(distinct ${holderSql('sr')}) from source_identifier si
            join source_record sr on sr.id = si.source_record_id
          where si.kind = v.kind and si.value_hash = v.value_hash) >= ? as generic
       from (select distinct kind, value_hash from carried
             where kind in (${GENERIC_KINDS_SQL})) v),
     -- A contact point names the record whose verification it carries (a steward asks who
     -- reported the failure), else the best-ranked record that carries it.
     said as (
       select c.customer_id, coalesce(v.verified_by, c.source_record_id) as source_record_id,
         c.received_at, c.kind, c.value_hash, c.value_cipher, c.value_masked,
         c.checksum_exception,
         coalesce(v.verification_status, 'UNVERIFIED') as verification_status,
         v.verification_method, v.verified_at, coalesce(h.generic, false) as generic
       from carried c left join verified v using (customer_id, kind, value_hash)
         left join holders h using (kind, value_hash)
       where c.kind in (${CONTACT_KINDS_SQL})),
     -- The contact points as the statement leaves them: those kept, with what the records
     -- say of them now, and the new ones.
     contacts as materialized (
       select coalesce(e.id, gen_random_uuid()) as id, e.id is null as new, customer_id, kind,
         value_hash, s.value_cipher, s.value_masked, coalesce(e."primary", false) as was_primary,
         case when s.customer_id is null then e.source_record_id else s.source_record_id end
           as source_record_id,
         case when s.customer_id is null then e.verification_status else s.verification_status end
           as verification_status,
         case when s.customer_id is null then e.verification_method else s.verification_method end
           as verification_method,
         case when s.customer_id is null then e.verified_at else s.verified_at end as verified_at,
         case when s.customer_id is null then e.generic else s.generic end as generic
       from (select * from existing where not gone) e
         full join said s using (customer_id, kind, value_hash)),
     -- One primary mobile per customer: the one kept if it is still there, else the mobile
     -- of the best-ranked record that is not a shared (generic) number.
     choice as (
       select distinct on (c.customer_id) c.customer_id, c.id
       from contacts c left join ranked r on r.id = c.source_record_id
       where c.kind = 'MOBILE'
       order by c.customer_id, (c.was_primary and not c.generic) desc, c.generic,
         c.verification_status = 'VERIFIED' desc, r.rank nulls last, c.id),
     final as (
       select c.*, case when c.kind = 'MOBILE' then c.id = choice.id else c.was_primary end
         as "primary"
       from contacts c left join choice using (customer_id)),
     contacts_kept as (
       update contact_point p set source_record_id = f.source_record_id,
         verification_status = f.verification_status,
         verification_method = f.verification_method, verified_at = f.verified_at,
         generic = f.generic, "primary" = f."primary", updated_at = (select at from clock)
       from final f
       where p.id = f.id and not f.new
         and (p.source_record_id, p.verification_status, p.verification_method,
              p.verified_at, p.generic, p."primary")
           is distinct from
             (f.source_record_id, f.verification_status, f.verification_method,
              f.verified_at, f.generic, f."primary"))
     insert into contact_point (id, customer_id, source_record_id, kind, value_cipher,
       value_masked, value_hash, verification_status, verification_method, verified_at, generic,
       "primary", created_at, updated_at)
     select id, customer_id, source_record_id, kind, value_cipher, value_masked, value_hash,
       verification_status, verification_method, verified_at, generic, "primary", clock.at,
       clock.at
     from final, clock where new`,
    [
      options.at,
      pgArray([...new Set(customerIds)]),
      JSON.stringify((options.created ?? []).map((c, n) => ({ ...c, n }))),
      options.genericHolders,
    ],
  );
}

import type { ClientBase } from 'pg';
import {
  ConsentChannel,
  ContactKind,
  CustomerKind,
  CustomerStatus,
  Gender,
  IdentityDocumentType,
  SourceSystem,
} from '../../src/modules/customer/customer.enums';
import type { PiiSealer } from '../../src/modules/customer/pii-sealer';
import type { GoldenField } from '../../src/modules/golden/survivorship';
import { RESIDENT_ID_DIGESTS } from '../../src/modules/matching/identifiers';
import { nameForms, type NameForms } from '../../src/modules/matching/names';
import { MARKETS } from '../reference/branches';
import {
  COMMUNITIES,
  EMAIL_DOMAINS,
  COMPANY_FORMS,
  FEMALE_GIVEN_CHARACTERS,
  FEMALE_GIVEN_NAMES,
  INDUSTRIES,
  MALE_GIVEN_CHARACTERS,
  MALE_GIVEN_NAMES,
  OFFICE_BUILDINGS,
  ROADS,
  SURNAMES,
  TRADE_CHARACTERS,
} from '../reference/names';
import { MOBILE_PREFIXES } from '../reference/numbering';
import {
  CREDIT_CODE_CHECK,
  ORGANISATION_CODE_CHECK,
  RESIDENT_ID_CHECK,
  withCheckCharacterSql,
} from '../sql/check-characters';
import {
  chance,
  oneOf,
  P1,
  P2,
  P3,
  P4,
  P5,
  permute,
  pick,
  weighted,
  weightedIndex,
} from '../sql/draws';
import { hmacSql } from '../sql/hmac';
import { TAG, uuidSql } from '../sql/ids';
import { DAY, type SeedTime } from '../sql/seed-time';
import { lit, sqlArray } from '../sql/values';
import type { RowSet } from './row-set';

const SOURCES: [system: SourceSystem, keyPrefix: string, weight: number][] = [
  [SourceSystem.POLICY_ADMIN, 'PA', 62],
  [SourceSystem.DEALER, 'DL', 12],
  [SourceSystem.AGENCY, 'AG', 10],
  [SourceSystem.APP, 'APP', 7],
  [SourceSystem.WECHAT, 'WX', 5],
  [SourceSystem.CALL_CENTRE, 'CC', 3],
  [SourceSystem.CLAIMS, 'CL', 1],
];

/** How many vehicles a customer insures, weights per thousand: 80% of individuals drive. */
const VEHICLES_PER_INDIVIDUAL: [number, number][] = [
  [0, 200],
  [1, 750],
  [2, 50],
];
const VEHICLES_PER_ORGANISATION: [number, number][] = [
  [0, 500],
  [1, 300],
  [2, 200],
];

// Individuals are 21 years 10 months to 76 years 10 months old on the seed day: seeded on
// 2026-11-01, born from 1950-01-01 to 2004-12-31. Each birth date has 500 sequence numbers
// per sex, so a permutation of the index over days x 500 gives every individual a distinct
// (birth date, sequence) pair and hence a distinct resident ID.
const OLDEST_BIRTH_DAYS_AGO = 28_063;
const BIRTH_DAYS = 20_089;
const BIRTH_SLOTS = BIRTH_DAYS * 500;

/** The permutations stay one-to-one up to here (the birth slots, 10,044,500, run out first). */
export const MAX_SEED_CUSTOMERS = 10_000_000;

/** SQL: whether customer `i` is an individual (a pure function of i, used across chunks). */
export const isIndividual = (i: string) => chance(i, 'individual', 93);

/**
 * Works out one chunk of customers into the working table s_cust, with everything the other
 * tables derive from them: documents, contacts, source records and how many vehicles.
 */
export function customerWorkSql(time: SeedTime, create: string, lo: number, hi: number): string {
  const i = 'g.i';
  // GB 32100-2015: 9 (registered by market regulation), 1 (enterprise), the division code, and
  // the GB 11714 organisation code with its own check character.
  const creditBody = `'91' || p.district_code
    || ${withCheckCharacterSql('p.org_bytes', ORGANISATION_CODE_CHECK)}`;
  const address = `p.address || p.district_name || ${oneOf('p.i', 'road', ROADS)}
      || (1 + ${pick('p.i', 'houseNo', 600)}) || '号'`;
  return `${create} s_cust as
with base as materialized (
  select ${i} as i, ${isIndividual(i)} as individual, ${chance(i, 'male', 51)} as male,
    ${chance(i, 'consent', 60)} as consent,
    1 + ${pick(i, 'surname', SURNAMES.length)} as surname_no,
    ${weightedIndex(
      i,
      'source',
      SOURCES.map(([, , weight]) => weight),
    )} as source_no,
    ${permute(i, P1, 7, BIRTH_SLOTS)} as birth_slot,
    m.idx as market, m.id as branch_id, m.code as branch_code, m.city, m.address, m.plate_ids,
    m.district_codes[1 + ${pick(i, 'district', 'cardinality(m.district_codes)')}]
      as district_code,
    m.district_names[1 + ${pick(i, 'district', 'cardinality(m.district_codes)')}]
      as district_name
  from generate_series(${lo}::bigint, ${hi}::bigint) as g(i)
  join s_market m on m.idx = ${weightedIndex(
    i,
    'branch',
    MARKETS.map((m) => m.weight),
  )}
),
people as materialized (
  select b.*,
    case when b.individual
      then ${time.today} - ${OLDEST_BIRTH_DAYS_AGO} + (b.birth_slot / 500)::int end as birth_date,
    case when b.individual then b.birth_slot % 500 * 2 + b.male::int end as id_sequence,
    case when not b.individual
      then convert_to(lpad(${permute('b.i', P2, 11, 100_000_000)}::text, 8, '0'), 'UTF8')
      end as org_bytes,
    ${permute('b.i', P3, 13, MOBILE_PREFIXES.length * 100_000_000)} as mobile_no
  from base b
),
bodies as materialized (
  select p.*,
    convert_to(p.district_code || to_char(p.birth_date::timestamp, 'YYYYMMDD')
      || lpad(p.id_sequence::text, 3, '0'), 'UTF8') as id_bytes,
    convert_to(${creditBody}, 'UTF8') as credit_bytes,
    (${sqlArray(MOBILE_PREFIXES)})[1 + (p.mobile_no / 100000000)::int]
      || lpad((p.mobile_no % 100000000)::text, 8, '0') as mobile,
    case when ${chance('p.i', 'hasEmail', 50)} then
      case when p.individual and ${chance('p.i', 'qqMail', 45)}
        then (10000000 + ${permute('p.i', P4, 17, 1_990_000_000)}) || '@qq.com'
        else coalesce((${sqlArray(SURNAMES.map(([, pinyin]) => pinyin))})[
            case when p.individual then p.surname_no end], 'office')
          || ${permute('p.i', P5, 19, 100_000_000)} || '@' || ${oneOf('p.i', 'mail', EMAIL_DOMAINS)}
      end end as email,
    case when not ${chance('p.i', 'hasAddress', 70)} then null
      when p.individual then ${address} || ${oneOf('p.i', 'community', COMMUNITIES)}
        || (1 + ${pick('p.i', 'building', 30)}) || '栋' || (1 + ${pick('p.i', 'unit', 6)})
        || '单元' || (1 + ${pick('p.i', 'floor', 28)})
        || lpad((1 + ${pick('p.i', 'room', 4)})::text, 2, '0') || '室'
      else ${address} || ${oneOf('p.i', 'tower', OFFICE_BUILDINGS)}
        || (1 + ${pick('p.i', 'officeFloor', 30)}) || '层' end as street_address
  from people p
)
select b.i, ${uuidSql(TAG.customer, 'b.i')} as id,
  ${uuidSql(TAG.sourceRecord, 'b.i')} as source_record_id, b.individual,
  case when b.individual then ${lit(CustomerKind.INDIVIDUAL)}
    else ${lit(CustomerKind.ORGANISATION)} end as kind,
  case when b.individual then
    case when b.male then ${lit(Gender.MALE)} else ${lit(Gender.FEMALE)} end end as gender,
  b.birth_date,
  case when b.individual then (${sqlArray(SURNAMES.map(([hanzi]) => hanzi))})[b.surname_no]
      -- A third of people bear one of the common given names: 王伟 stays common (about one
      -- person in 5,000, as nationally), and the rest spread over tens of thousands of names.
      || case when ${chance('b.i', 'commonGivenName', 33)} then
          case when b.male then ${oneOf('b.i', 'givenName', MALE_GIVEN_NAMES)}
            else ${oneOf('b.i', 'givenName', FEMALE_GIVEN_NAMES)} end
        when b.male then ${oneOf('b.i', 'givenFirst', MALE_GIVEN_CHARACTERS)}
          || ${oneOf('b.i', 'givenSecond', MALE_GIVEN_CHARACTERS)}
        else ${oneOf('b.i', 'givenFirst', FEMALE_GIVEN_CHARACTERS)}
          || ${oneOf('b.i', 'givenSecond', FEMALE_GIVEN_CHARACTERS)} end
    else b.city || ${oneOf('b.i', 'tradeFirst', TRADE_CHARACTERS)}
      || ${oneOf('b.i', 'tradeSecond', TRADE_CHARACTERS)}
      || ${oneOf('b.i', 'industry', INDUSTRIES)} || ${oneOf('b.i', 'companyForm', COMPANY_FORMS)}
    end as name,
  b.market, b.branch_id, b.branch_code, b.plate_ids,
  case when ${chance('b.i', 'deceased', 0.4)} then ${lit(CustomerStatus.DECEASED)}
    else ${lit(CustomerStatus.ACTIVE)} end as status,
  b.consent,
  case when b.consent then ${weighted('b.i', 'consentChannel', [
    [ConsentChannel.APP, 30],
    [ConsentChannel.WECHAT, 30],
    [ConsentChannel.AGENT, 20],
    [ConsentChannel.CALL_CENTRE, 12],
    [ConsentChannel.PAPER, 8],
  ])} end as consent_channel,
  case when b.consent
    then ${time.now} - (3600 + ${pick('b.i', 'consentAt', 3 * 365 * DAY)}) * interval '1 second'
    end as consent_at,
  case when b.individual then ${lit(IdentityDocumentType.RESIDENT_ID)}
    else ${lit(IdentityDocumentType.UNIFIED_SOCIAL_CREDIT_CODE)} end as doc_type,
  case when b.individual then ${withCheckCharacterSql('b.id_bytes', RESIDENT_ID_CHECK)}
    else ${withCheckCharacterSql('b.credit_bytes', CREDIT_CODE_CHECK)}
    end as doc_number,
  case when b.individual
    then ${hmacSql(lit(RESIDENT_ID_DIGESTS.body), `convert_from(b.id_bytes, 'UTF8')`)} end
    as doc_body_hash,
  b.mobile, b.email, b.street_address,
  case when b.individual
    then ${weighted('b.i', 'vehicles', VEHICLES_PER_INDIVIDUAL)}
    else ${weighted('b.i', 'fleet', VEHICLES_PER_ORGANISATION)} end as vehicles,
  (${sqlArray(SOURCES.map(([system]) => system))})[b.source_no] as source_system,
  (${sqlArray(SOURCES.map(([, prefix]) => prefix))})[b.source_no] || lpad(b.i::text, 10, '0')
    as source_key
from bodies b`;
}

/**
 * Which source record each golden field came from (survivorship's lineage): a seeded
 * customer's one record gave every field the customer has.
 */
const LINEAGE: Record<GoldenField, string> = {
  name: 'true',
  kind: 'true',
  gender: 'gender is not null',
  birthDate: 'birth_date is not null',
  branch: 'true',
  marketingConsent: 'consent',
};

export const customerRows = (time: SeedTime): RowSet => ({
  table: 'customer',
  columns: `id, created_at, updated_at, cif_no, kind, name, gender, birth_date, branch_id,
    status, marketing_consent, consent_at, consent_channel, lineage`,
  // CIF numbers follow the index rather than nextval, which an earlier, rolled-back attempt
  // may have advanced; the sequence is set past them at the end.
  select: `select id, ${time.now}, ${time.now}, 'C' || lpad(i::text, 10, '0'), kind, name,
    gender, birth_date, branch_id, status, consent, consent_at, consent_channel,
    jsonb_strip_nulls(jsonb_build_object(${Object.entries(LINEAGE)
      .map(([field, has]) => `${lit(field)}, case when ${has} then source_record_id end`)
      .join(', ')}))
  from s_cust order by i`,
});

/** The columns of s_cust holding personal values, and the kind each is sealed as. */
const PERSONAL_VALUES: {
  column: string;
  kind: (row: Record<string, string>) => IdentityDocumentType | ContactKind;
}[] = [
  { column: 'doc_number', kind: (row) => row.doc_type as IdentityDocumentType },
  { column: 'mobile', kind: () => ContactKind.MOBILE },
  { column: 'email', kind: () => ContactKind.EMAIL },
  { column: 'street_address', kind: () => ContactKind.ADDRESS },
];

/**
 * Seals the chunk's personal values into the working table s_sealed, by customer index:
 * `<column>_cipher`, `_masked` and `_hash` for each column of PERSONAL_VALUES. Encryption
 * needs the key, which stays in Node: the values go out, and come back sealed as arrays
 * joined through unnest, one round trip each way per chunk.
 */
export async function sealCustomerWork(
  db: ClientBase,
  create: string,
  sealer: PiiSealer,
): Promise<void> {
  const { rows } = await db.query<Record<string, string>>(
    `select i, doc_type, ${PERSONAL_VALUES.map((v) => v.column).join(', ')} from s_cust order by i`,
  );
  const arrays: unknown[][] = [rows.map((row) => row.i)];
  const columns = ['i bigint'];
  const unnested = ['$1::bigint[]'];
  for (const { column, kind } of PERSONAL_VALUES) {
    const sealed = rows.map((row) =>
      row[column] === null ? null : sealer.seal(kind(row), row[column]),
    );
    arrays.push(
      sealed.map((s) => s?.cipher ?? null),
      sealed.map((s) => s?.masked ?? null),
      sealed.map((s) => s?.hash ?? null),
    );
    columns.push(`${column}_cipher text`, `${column}_masked text`, `${column}_hash bytea`);
    const n = unnested.length;
    unnested.push(`$${n + 1}::text[]`, `$${n + 2}::text[]`, `$${n + 3}::bytea[]`);
  }
  await db.query(`${create} s_sealed (${columns.join(', ')})`);
  await db.query(`insert into s_sealed select * from unnest(${unnested.join(', ')})`, arrays);
}

export const identityDocumentRows = (time: SeedTime): RowSet => ({
  table: 'identity_document',
  columns: `id, created_at, updated_at, customer_id, type, number_cipher, number_masked,
    number_hash, checksum_exception, source_record_id`,
  select: `select ${uuidSql(TAG.identityDocument, 'c.i')}, ${time.now}, ${time.now}, c.id,
    c.doc_type, s.doc_number_cipher, s.doc_number_masked, s.doc_number_hash, false,
    c.source_record_id
  from s_cust c join s_sealed s on s.i = c.i order by c.i`,
});

/**
 * Fills the working table s_name with the chunk's names in the forms matching compares
 * (`nameForms`, as ingestion stores them on source records). Pinyin needs Node's dictionary:
 * the distinct names go out, their forms come back in one statement. `known` keeps the forms
 * from chunk to chunk: a name recurs across chunks (at a million customers, about 150,000
 * distinct names).
 */
export async function nameCustomerWork(
  db: ClientBase,
  create: string,
  known: Map<string, NameForms>,
): Promise<void> {
  const { rows } = await db.query<{ kind: CustomerKind; name: string }>(
    'select distinct kind, name from s_cust',
  );
  const forms = rows.map(({ kind, name }) => {
    const id = `${kind}:${name}`;
    if (!known.has(id)) known.set(id, nameForms(kind, name));
    return known.get(id)!;
  });
  await db.query(`${create} s_name (kind text, name text, name_key text, name_pinyin text)`);
  await db.query(
    'insert into s_name select * from unnest($1::text[], $2::text[], $3::text[], $4::text[])',
    [
      rows.map((row) => row.kind),
      rows.map((row) => row.name),
      forms.map((form) => form.key),
      forms.map((form) => form.pinyin || null),
    ],
  );
}

/**
 * Each customer as the source system that first sent it would have: one record apiece,
 * saying what the customer holds (the golden record is its survivorship), with its identity
 * number and mobile masked in the attributes, as ingestion keeps them.
 */
export const sourceRecordRows = (time: SeedTime): RowSet => ({
  table: 'source_record',
  columns: `id, created_at, updated_at, source_system, source_key, customer_id, attributes,
    content_hash, received_at, kind, name, name_key, name_pinyin, gender, birth_date, branch_id,
    marketing_consent, consent_at, consent_channel`,
  // The content hash digests the attributes' values, keyed as ingestion's is: as
  // deterministic as their JSON, cheaper.
  select: `select r.source_record_id, ${time.now}, ${time.now},
    r.source_system, r.source_key, r.id, r.attributes, r.content_hash, ${time.now}, r.kind,
    r.name, n.name_key, n.name_pinyin, r.gender, r.birth_date, r.branch_id,
    case when r.consent then true end, r.consent_at, r.consent_channel
  from (
    select c.i, c.id, c.source_record_id, c.source_system, c.source_key, c.kind, c.name,
      c.gender, c.birth_date, c.branch_id, c.consent, c.consent_at, c.consent_channel,
      encode(${hmacSql(
        lit('SOURCE_RECORD'),
        `concat_ws('|', c.source_system, c.source_key, c.kind, c.name, c.gender,
          c.birth_date, c.branch_code, c.doc_type, c.doc_number, c.mobile)`,
      )}, 'hex') as content_hash,
      jsonb_strip_nulls(jsonb_build_object('sourceSystem', c.source_system,
        'sourceKey', c.source_key, 'kind', c.kind, 'name', c.name, 'gender', c.gender,
        'birthDate', c.birth_date, 'branchCode', c.branch_code,
        'identityDocuments', jsonb_build_array(
          jsonb_build_object('type', c.doc_type, 'number', s.doc_number_masked)),
        'contactPoints', jsonb_build_array(
          jsonb_build_object('kind', ${lit(ContactKind.MOBILE)}, 'value', s.mobile_masked))))
        as attributes
    from s_cust c join s_sealed s on s.i = c.i offset 0) r
  join s_name n on n.kind = r.kind and n.name = r.name
  order by r.i`,
});

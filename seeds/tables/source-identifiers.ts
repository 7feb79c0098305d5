import {
  IdentityDocumentType,
  VerificationStatus,
} from '../../src/modules/customer/customer.enums';
import { RESIDENT_ID_DIGESTS } from '../../src/modules/matching/identifiers';
import { hmacSql } from '../sql/hmac';
import { DOCUMENT_SLOT, valueKey } from '../sql/ids';
import { lit } from '../sql/values';
import type { RowSet } from './row-set';

/** SQL: `text` with its characters from `from` (1-based) for `count` sorted, as swapForms. */
const sortedSql = (text: string, from: number, count?: number) =>
  `(select string_agg(ch, '' order by ch collate "C")
    from regexp_split_to_table(substr(${text}, ${from}${count ? `, ${count}` : ''}), '') ch)`;

/** SQL: a resident ID's swap form digested as ingestion digests it (residentIdKeys). */
const swapHashSql = (number: string, part: 'head' | 'tail') =>
  `case when c.doc_type = ${lit(IdentityDocumentType.RESIDENT_ID)} then ${
    part === 'head'
      ? hmacSql(
          lit(RESIDENT_ID_DIGESTS.swapHead),
          `${sortedSql(number, 1, 9)} || substr(${number}, 10)`,
        )
      : hmacSql(
          lit(RESIDENT_ID_DIGESTS.swapTail),
          `substr(${number}, 1, 8) || ${sortedSql(number, 9)}`,
        )
  } end`;

/**
 * The identifiers of the seeded source records, which matching blocks and compares on: the
 * customer's identity document and contact points, each sealed as the golden row that it
 * stands behind (same digest, ciphertext and mask), and a resident ID's first 17
 * characters and swap forms digested as ingestion digests them.
 */
export const SOURCE_IDENTIFIER_ROWS: RowSet = {
  table: 'source_identifier',
  columns: `id, source_record_id, kind, value_hash, value_cipher, value_masked, body_hash,
    swap_head_hash, swap_tail_hash, checksum_exception, verification_status,
    verification_method, verified_at`,
  select: `select ${valueKey('c.i', DOCUMENT_SLOT)}, c.source_record_id, c.doc_type,
    s.doc_number_hash, s.doc_number_cipher, s.doc_number_masked, c.doc_body_hash,
    ${swapHashSql('c.doc_number', 'head')}, ${swapHashSql('c.doc_number', 'tail')}, false,
    ${lit(VerificationStatus.UNVERIFIED)}, null, null
  from s_cust c join s_sealed s on s.i = c.i
  union all
  select key, source_record_id, kind, hash, cipher, masked, null, null, null, false, status,
    method, verified_at
  from s_contact
  order by 1`,
};

/** SQL: the identifiers' sequence set past the ids the seed of `customers` gave them. */
export const sourceIdentifierSequenceSql = (customers: number) =>
  `select setval(pg_get_serial_sequence('source_identifier', 'id'), ${valueKey(customers, DOCUMENT_SLOT)})`;

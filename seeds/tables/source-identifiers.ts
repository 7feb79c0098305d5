import { VerificationStatus } from '../../src/modules/customer/customer.enums';
import { DOCUMENT_SLOT, valueKey } from '../sql/ids';
import { lit } from '../sql/values';
import type { RowSet } from './row-set';

/**
 * The identifiers of the seeded source records, which matching blocks and compares on: the
 * customer's identity document and contact points, each sealed as the golden row that it
 * stands behind (same digest, ciphertext and mask), and a resident ID's first 17
 * characters digested as ingestion digests them.
 */
export const SOURCE_IDENTIFIER_ROWS: RowSet = {
  table: 'source_identifier',
  columns: `id, source_record_id, kind, value_hash, value_cipher, value_masked, body_hash,
    checksum_exception, verification_status, verification_method, verified_at`,
  select: `select ${valueKey('c.i', DOCUMENT_SLOT)}, c.source_record_id, c.doc_type,
    s.doc_number_hash, s.doc_number_cipher, s.doc_number_masked, c.doc_body_hash, false,
    ${lit(VerificationStatus.UNVERIFIED)}, null, null
  from s_cust c join s_sealed s on s.i = c.i
  union all
  select key, source_record_id, kind, hash, cipher, masked, null, false, status, method,
    verified_at
  from s_contact
  order by 1`,
};

/** SQL: the identifiers' sequence set past the ids the seed of `customers` gave them. */
export const sourceIdentifierSequenceSql = (customers: number) =>
  `select setval(pg_get_serial_sequence('source_identifier', 'id'), ${valueKey(customers, DOCUMENT_SLOT)})`;

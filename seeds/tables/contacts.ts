import {
  ContactKind,
  VerificationMethod,
  VerificationStatus,
} from '../../src/modules/customer/customer.enums';
import { pick, weighted } from '../sql/draws';
import { TAG, uuidSql, valueKey } from '../sql/ids';
import { DAY, type SeedTime } from '../sql/seed-time';
import { lit } from '../sql/values';
import type { RowSet } from './row-set';

interface ContactSpec {
  kind: ContactKind;
  slot: number;
  /** The value's columns in s_sealed (`<column>_cipher`...); customers without one get none. */
  column: string;
  statuses: [VerificationStatus, number][];
  methods: [VerificationMethod, number][];
}

const CONTACTS: ContactSpec[] = [
  {
    kind: ContactKind.MOBILE,
    slot: 0,
    column: 'mobile',
    // Contact authenticity: branches report 93% and aim at 99.5% of mobiles verified.
    statuses: [
      [VerificationStatus.VERIFIED, 85],
      [VerificationStatus.UNVERIFIED, 12],
      [VerificationStatus.FAILED, 3],
    ],
    methods: [
      [VerificationMethod.SMS, 70],
      [VerificationMethod.CALL_BACK, 30],
    ],
  },
  {
    kind: ContactKind.EMAIL,
    slot: 1,
    column: 'email',
    statuses: [
      [VerificationStatus.VERIFIED, 40],
      [VerificationStatus.UNVERIFIED, 58],
      [VerificationStatus.FAILED, 2],
    ],
    methods: [[VerificationMethod.EMAIL_LINK, 1]],
  },
  {
    kind: ContactKind.ADDRESS,
    slot: 2,
    column: 'street_address',
    statuses: [
      [VerificationStatus.VERIFIED, 15],
      [VerificationStatus.UNVERIFIED, 85],
    ],
    methods: [[VerificationMethod.IN_PERSON, 1]],
  },
];

/**
 * Works out the chunk's contact points into the working table s_contact, sealed and with
 * their verification: the customers' contact points and their source records' identifiers
 * are written from it alike.
 */
export function contactWorkSql(time: SeedTime, create: string): string {
  const key = valueKey('c.i', 'k.slot');
  const bySlot = (choose: (spec: ContactSpec) => string) =>
    `case k.slot ${CONTACTS.map((spec) => `when ${spec.slot} then ${choose(spec)}`).join(' ')} end`;
  const kinds = CONTACTS.map(
    ({ slot, kind, column: v }) =>
      `(${slot}, ${lit(kind)}, s.${v}_cipher, s.${v}_masked, s.${v}_hash)`,
  );
  const verified = `v.status <> ${lit(VerificationStatus.UNVERIFIED)}`;
  return `${create} s_contact as
  select ${key} as key, c.id as customer_id, c.source_record_id, k.kind, k.cipher, k.masked,
    k.hash, v.status,
    case when ${verified}
      then ${bySlot((spec) => weighted(key, 'verificationMethod', spec.methods))} end as method,
    case when ${verified}
      then ${time.now} - (3600 + ${pick(key, 'verifiedAt', 2 * 365 * DAY)})
        * interval '1 second' end as verified_at
  from s_cust c join s_sealed s on s.i = c.i
  cross join lateral (values ${kinds.join(', ')}) as k(slot, kind, cipher, masked, hash)
  cross join lateral (
    select ${bySlot((spec) => weighted(key, 'verification', spec.statuses))} as status) v
  where k.cipher is not null`;
}

/** All of a chunk's contact points, in one statement (and one run of the insert trigger). */
export const contactPointRows = (time: SeedTime): RowSet => ({
  table: 'contact_point',
  columns: `id, created_at, updated_at, customer_id, kind, value_cipher, value_masked,
    value_hash, "primary", verification_status, verification_method, verified_at,
    source_record_id`,
  select: `select ${uuidSql(TAG.contactPoint, 'key')}, ${time.now}, ${time.now}, customer_id,
    kind, cipher, masked, hash, kind = ${lit(ContactKind.MOBILE)}, status, method, verified_at,
    source_record_id
  from s_contact order by key`,
});

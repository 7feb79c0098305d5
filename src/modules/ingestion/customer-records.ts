import {
  checkEmail,
  checkMobile,
  checkResidentId,
  mistypedResidentId,
  mistypedTwins,
  swapRepairs,
} from '../../validation';
import {
  ContactKind,
  CustomerKind,
  IdentityDocumentType,
  PROVES_REACH,
  VerificationStatus,
  VERIFIES,
  type ConsentChannel,
  type Gender,
  type SourceSystem,
  type VerificationMethod,
} from '../customer/customer.enums';
import { checkDocument } from '../customer/identity-rules';
import { maskPii } from '../customer/pii-masks';
import type { PiiHasher } from '../customer/pii-hasher';
import type { PiiSealer } from '../customer/pii-sealer';
import type { IdentifierKind } from '../golden/source-identifier.entity';
import type { MatchRecord } from '../matching/compare';
import { keyingRelation, RESIDENT_ID_DIGESTS, swapForms } from '../matching/identifiers';
import { nameForms, type NameForms } from '../matching/names';
import type { CustomerRecordInput } from './ingestion.input';
import type { RecordError } from './ingestion.type';
import { asSet, contentHash, notBlank, RecordErrors } from './record-errors';

/** One identity document or contact point of a record, checked, normalised and sealed. */
export interface PreparedIdentifier {
  kind: IdentifierKind;
  /** Normalised plain value: kept in memory for comparison, never stored or logged. */
  value: string;
  hash: Buffer;
  cipher: string;
  masked: string;
  /** A resident ID's first 17 characters, hashed: finds a typo in the check character. */
  bodyHash?: Buffer;
  /** A resident ID's swapForms, hashed: finds a number with two adjacent characters swapped. */
  swapHashes?: { head: Buffer; tail: Buffer };
  /**
   * A resident ID failing its check: the bodies of its swapRepairs, hashed, which find the
   * number its agent meant (by its bodyHash).
   */
  repairBodyHashes?: Buffer[];
  /** A resident ID failing its check: its mistypedTwins, hashed as values are. */
  twinHashes?: Buffer[];
  checksumException: boolean;
  verificationStatus: VerificationStatus;
  verificationMethod?: VerificationMethod;
  verifiedAt?: Date;
}

/** A customer record that passed every check: what the batch stages, matches and writes. */
export interface PreparedCustomer {
  index: number;
  sourceSystem: SourceSystem;
  sourceKey: string;
  kind: CustomerKind;
  name: string;
  names: NameForms;
  gender?: Gender;
  birthDate?: string;
  branchCode: string;
  /** The open branch the code resolves to (openBranches). */
  branchId?: string;
  consent?: { given: boolean; at: Date; channel: ConsentChannel };
  identifiers: PreparedIdentifier[];
  /** As kept in source_record.attributes: masked, never a plain copy of a sealed value. */
  attributes: Record<string, unknown>;
  /** Keyed digest of the normalised record: a resent, unchanged record is a no-op. */
  contentHash: string;
  /** Accepted, but worth the sender's attention (a credit code's legal checksum exception). */
  warnings: RecordError[];
}

/**
 * The identity documents a matcher compares are the valid ones; a suspect one is a hint.
 * Mobiles and e-mails are compared for equality only, so by their digests (hex), which the
 * neighbourhood's stored records give without decrypting their values.
 */
export function matchRecordOf(id: string, record: PreparedCustomer): MatchRecord {
  const values = (kind: IdentifierKind) =>
    record.identifiers.filter((i) => i.kind === kind).map((i) => i.value);
  const digests = (kind: IdentifierKind) =>
    record.identifiers.filter((i) => i.kind === kind).map((i) => i.hash.toString('hex'));
  return {
    id,
    kind: record.kind,
    name: record.names,
    birthDate: record.birthDate,
    gender: record.gender,
    documents: record.identifiers
      .filter((i) => !CONTACT_KINDS.has(i.kind))
      .map((i) => ({ type: i.kind, number: i.value })),
    mobiles: digests(ContactKind.MOBILE),
    emails: digests(ContactKind.EMAIL),
    addresses: values(ContactKind.ADDRESS),
  };
}

export const CONTACT_KINDS = new Set<IdentifierKind>(Object.values(ContactKind));

/**
 * Checks and normalises one customer record on its own: no database, no state shared with
 * the batch's other records. Every problem is reported, with its field path and rule.
 */
export function prepareCustomerRecord(
  sealer: PiiSealer,
  record: CustomerRecordInput,
  index: number,
  branch: { id?: string; error?: RecordError },
  /** The business day: a birth date read from a resident ID is no later. */
  today: string,
): PreparedCustomer | RecordError[] {
  const errors = new RecordErrors();
  if (branch.error) errors.add(branch.error.field, branch.error.rule, branch.error.message);
  const warnings: RecordError[] = [];
  notBlank(errors, 'sourceKey', record.sourceKey);
  notBlank(errors, 'name', record.name);
  const individual = record.kind === CustomerKind.INDIVIDUAL;
  if (!individual && (record.gender || record.birthDate)) {
    errors.add('kind', 'ORGANISATION_ATTRIBUTES', 'an organisation has no gender or birth date');
  }
  let { gender, birthDate } = record;
  const identifiers: PreparedIdentifier[] = [];
  // The one number a person (GB 11643) or an organisation (GB 32100) holds for life: another
  // in the same record is someone else's, unless it is the first one mistyped.
  const identifying = individual
    ? IdentityDocumentType.RESIDENT_ID
    : IdentityDocumentType.UNIFIED_SOCIAL_CREDIT_CODE;
  let identifyingAt: { field: string; number: string } | undefined;
  const oneIdentifying = (field: string, number: string): boolean => {
    if (identifyingAt && keyingRelation(identifyingAt.number, number) === 'DIFFERENT') {
      const holder = individual ? 'person' : 'organisation';
      errors.add(
        field,
        'CONFLICTING_DOCUMENT',
        `differs from ${identifyingAt.field}: one ${holder} holds one such number`,
      );
      return false;
    }
    identifyingAt ??= { field, number };
    return true;
  };
  (record.identityDocuments ?? []).forEach((doc, i) => {
    const field = `identityDocuments[${i}]`;
    if (doc.type === IdentityDocumentType.RESIDENT_ID && !individual) {
      errors.add(`${field}.type`, 'DOCUMENT_KIND', 'a resident ID belongs to an individual');
    }
    if (doc.type === IdentityDocumentType.UNIFIED_SOCIAL_CREDIT_CODE && individual) {
      errors.add(`${field}.type`, 'DOCUMENT_KIND', 'a credit code belongs to an organisation');
    }
    const resident = doc.type === IdentityDocumentType.RESIDENT_ID;
    const suspect = resident ? mistypedResidentId(doc.number, today) : undefined;
    if (suspect) {
      // Agents mistype the last character, or swap two: the number still tells matching who
      // this is, but it is no identity document of the golden record until a source sends it
      // right.
      warnings.push({
        field: `${field}.number`,
        rule: 'ID_CHECKSUM',
        message: suspect.swapped.length
          ? `the check character does not match the first 17 characters, and ${suspect.swapped.join('; ')}: two adjacent characters seem swapped; kept for matching only`
          : 'the check character does not match the first 17 characters: kept for matching only',
      });
      // Which character is wrong is unknown (a swap fails the same check), so the birth date
      // and the sex it seems to carry are not held against the record's.
      if (!oneIdentifying(`${field}.number`, suspect.number)) return;
      identifiers.push(sealed(sealer, doc.type, suspect.number, true));
      return;
    }
    const checked = errors.check(`${field}.number`, checkDocument(doc.type, doc.number, today));
    if (!checked) return;
    if (doc.type === identifying && !oneIdentifying(`${field}.number`, checked.number)) return;
    if (checked.checksumException) {
      warnings.push({
        field: `${field}.number`,
        rule: 'USCC_CHECKSUM',
        message:
          "the check character does not match: kept as an early credit code issued before the check was enforced, or, where the organisation's records carry a valid code, for matching only, as that code mistyped",
      });
    }
    if (resident) {
      const id = checkResidentId(checked.number, today);
      if (id.ok) {
        // The GB 11643 number carries the birth date and the sex: they must agree.
        if (birthDate && birthDate !== id.value.birthDate) {
          errors.add(
            'birthDate',
            'ID_BIRTH_DATE_MISMATCH',
            'differs from the birth date in the resident ID',
          );
        }
        if (gender && gender !== id.value.gender) {
          errors.add('gender', 'ID_GENDER_MISMATCH', 'differs from the sex in the resident ID');
        }
        birthDate ??= id.value.birthDate;
        gender ??= id.value.gender as Gender;
      }
    }
    identifiers.push(sealed(sealer, doc.type, checked.number, checked.checksumException));
  });

  (record.contactPoints ?? []).forEach((contact, i) => {
    const field = `contactPoints[${i}]`;
    let value = contact.value.trim();
    if (contact.kind === ContactKind.MOBILE) {
      const mobile = errors.check(`${field}.value`, checkMobile(value));
      if (!mobile) return;
      value = mobile.normalized;
    } else if (contact.kind === ContactKind.EMAIL) {
      const email = errors.check(`${field}.value`, checkEmail(value));
      if (!email) return;
      value = email.normalized;
    } else if (value === '') {
      errors.add(`${field}.value`, 'REQUIRED', 'must not be blank');
      return;
    }
    const status = contact.verificationStatus ?? VerificationStatus.UNVERIFIED;
    if (
      status === VerificationStatus.UNVERIFIED &&
      (contact.verificationMethod || contact.verifiedAt)
    ) {
      // Two statements at once: verified by a text message, and not verified.
      errors.add(
        `${field}.verificationStatus`,
        'VERIFICATION_EVIDENCE',
        'an unverified contact has no method or time of verification: say VERIFIED or FAILED',
      );
    } else if (
      status !== VerificationStatus.UNVERIFIED &&
      (!contact.verificationMethod || !contact.verifiedAt)
    ) {
      errors.add(
        `${field}.verificationMethod`,
        'VERIFICATION_EVIDENCE',
        'a verified or failed contact needs the method and the time of verification',
      );
    } else if (
      status !== VerificationStatus.UNVERIFIED &&
      !VERIFIES[contact.kind].includes(contact.verificationMethod!)
    ) {
      errors.add(
        `${field}.verificationMethod`,
        'VERIFICATION_METHOD',
        `${contact.verificationMethod} cannot verify a contact of kind ${contact.kind}: ${VERIFIES[contact.kind].join(', ')} can`,
      );
    }
    const identifier = sealed(sealer, contact.kind, value, false);
    identifier.verificationStatus = status;
    if (status !== VerificationStatus.UNVERIFIED) {
      identifier.verificationMethod = contact.verificationMethod;
      identifier.verifiedAt = contact.verifiedAt;
    }
    identifiers.push(identifier);
  });

  const problems = errors.list();
  if (problems.length) return problems;

  // The same value twice in one record is one identifier, whose verification is the one
  // that stands of its listings, wherever each stands in the list.
  const unique = identifiers
    .filter(
      (x, i) => identifiers.findIndex((y) => y.kind === x.kind && y.hash.equals(x.hash)) === i,
    )
    .map((x) => standing(identifiers.filter((y) => y.kind === x.kind && y.hash.equals(x.hash))));
  const name = record.name.trim();
  const normalized = {
    ...record,
    sourceKey: record.sourceKey.trim(),
    name,
    gender,
    birthDate,
    identityDocuments: unique
      .filter((i) => !CONTACT_KINDS.has(i.kind))
      .map((i) => ({ type: i.kind, number: i.value })),
    contactPoints: unique
      .filter((i) => CONTACT_KINDS.has(i.kind))
      .map((i) => ({
        kind: i.kind,
        value: i.value,
        verificationStatus: i.verificationStatus,
        verificationMethod: i.verificationMethod,
        verifiedAt: i.verifiedAt,
      })),
  };
  return {
    index,
    sourceSystem: record.sourceSystem,
    sourceKey: normalized.sourceKey,
    kind: record.kind,
    name,
    names: nameForms(record.kind, name),
    gender: individual ? gender : undefined,
    birthDate: individual ? birthDate : undefined,
    branchCode: record.branchCode.trim(),
    branchId: branch.id,
    consent: record.marketingConsent,
    identifiers: unique,
    attributes: JSON.parse(JSON.stringify(maskSourceAttributes(normalized))) as Record<
      string,
      unknown
    >,
    // Keyed: a plain digest of a record whose other fields are stored could be brute-forced
    // back to the identity number and the mobile, whose masks leave few digits to guess.
    contentHash: sealer.hasher
      .digest('SOURCE_RECORD', contentHash(inAnyOrder(normalized)))
      .toString('hex'),
    warnings,
  };
}

/**
 * Of one value listed more than once in a record, the listing whose verification stands, as
 * survivorship reads a customer's records: the latest, except that a proof of reach (SMS or
 * call-back) stands until a later failure. Ties go by status and method, never by position.
 */
function standing(listings: PreparedIdentifier[]): PreparedIdentifier {
  const dated = listings
    .filter((l) => l.verifiedAt)
    .sort(
      (a, b) =>
        a.verifiedAt!.getTime() - b.verifiedAt!.getTime() ||
        `${a.verificationStatus}:${a.verificationMethod}`.localeCompare(
          `${b.verificationStatus}:${b.verificationMethod}`,
        ),
    );
  const latest = dated.at(-1);
  if (!latest) return listings[0]!;
  const reaches = (l: PreparedIdentifier) =>
    l.verificationStatus === VerificationStatus.VERIFIED &&
    PROVES_REACH.includes(l.verificationMethod!);
  if (latest.verificationStatus !== VerificationStatus.VERIFIED || reaches(latest)) return latest;
  const proof = dated.findLastIndex(reaches);
  const failedSince = dated
    .slice(proof + 1)
    .some((l) => l.verificationStatus === VerificationStatus.FAILED);
  return proof >= 0 && !failedSince ? dated[proof]! : latest;
}

/**
 * The record with its documents and contact points in one order: a source system that lists
 * them otherwise sends the same record (they are a set; survivorship never reads their order).
 */
function inAnyOrder<R extends { identityDocuments?: object[]; contactPoints?: object[] }>(
  record: R,
): R {
  return {
    ...record,
    identityDocuments: record.identityDocuments && asSet(record.identityDocuments),
    contactPoints: record.contactPoints && asSet(record.contactPoints),
  };
}

function sealed(
  sealer: PiiSealer,
  kind: IdentifierKind,
  value: string,
  checksumException: boolean,
): PreparedIdentifier {
  const seal = sealer.seal(kind, value);
  return {
    kind,
    value,
    hash: seal.hash,
    cipher: seal.cipher,
    masked: seal.masked,
    ...(kind === IdentityDocumentType.RESIDENT_ID ? residentIdKeys(sealer.hasher, value) : {}),
    checksumException,
    verificationStatus: VerificationStatus.UNVERIFIED,
  };
}

const bodyHash = (hasher: PiiHasher, number: string) =>
  hasher.digest(RESIDENT_ID_DIGESTS.body, number.slice(0, 17));

/** A resident ID's repairBodyHashes (see PreparedIdentifier): none for a valid number. */
export const repairBodyHashes = (hasher: PiiHasher, number: string) =>
  swapRepairs(number).map((repair) => bodyHash(hasher, repair));

/** A resident ID's twinHashes (see PreparedIdentifier): none for a valid number. */
export const twinHashes = (hasher: PiiHasher, number: string) =>
  mistypedTwins(number).map((twin) => hasher.digest(IdentityDocumentType.RESIDENT_ID, twin));

/** The digests a resident ID is found by besides its own: see PreparedIdentifier. */
export function residentIdKeys(
  hasher: PiiHasher,
  number: string,
): {
  bodyHash: Buffer;
  swapHashes: { head: Buffer; tail: Buffer };
  repairBodyHashes: Buffer[];
  twinHashes: Buffer[];
} {
  const forms = swapForms(number);
  return {
    bodyHash: bodyHash(hasher, number),
    swapHashes: {
      head: hasher.digest(RESIDENT_ID_DIGESTS.swapHead, forms.head),
      tail: hasher.digest(RESIDENT_ID_DIGESTS.swapTail, forms.tail),
    },
    repairBodyHashes: repairBodyHashes(hasher, number),
    twinHashes: twinHashes(hasher, number),
  };
}

/**
 * A customer record as it is kept in source_record.attributes: as sent, but for identity
 * numbers and contact values, masked as every role reads them. The ciphertext lives in the
 * source identifiers; a raw payload keeps no second, plain copy.
 */
export function maskSourceAttributes<
  R extends {
    identityDocuments?: { type: string; number: string }[];
    contactPoints?: { kind: string; value: string }[];
  },
>(record: R): R {
  return {
    ...record,
    identityDocuments: record.identityDocuments?.map((d) => ({
      ...d,
      number: maskPii(d.type, d.number),
    })),
    contactPoints: record.contactPoints?.map((c) => ({ ...c, value: maskPii(c.kind, c.value) })),
  };
}

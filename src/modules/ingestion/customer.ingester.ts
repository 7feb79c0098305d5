import type { EntityManager } from '@mikro-orm/postgresql';
import { checkMobile, checkResidentId } from '../../validation';
import { ContactPoint } from '../customer/contact-point.entity';
import { Customer } from '../customer/customer.entity';
import {
  ContactKind,
  CustomerKind,
  Gender,
  IdentityDocumentType,
  VerificationStatus,
} from '../customer/customer.enums';
import { IdentityDocument } from '../customer/identity-document.entity';
import { checkDocument } from '../customer/identity-rules';
import { maskPii } from '../customer/pii-masks';
import type { PiiSealer, SealedValue } from '../customer/pii-sealer';
import { SourceRecord } from '../customer/source-record.entity';
import type { ContactPointInput, CustomerRecordInput } from './ingestion.input';
import { RecordStatus } from './ingestion.type';
import { contentHash, notBlank, RecordErrors, reject } from './record-errors';
import { findOpenBranch } from './references';

// RFC 5322 is far wider; this is the shape mail systems here accept.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface NormalizedContact extends ContactPointInput {
  sealed: SealedValue;
}

function normalizeContacts(
  errors: RecordErrors,
  sealer: PiiSealer,
  contacts: ContactPointInput[],
): NormalizedContact[] {
  return contacts.flatMap((contact, i) => {
    const field = `contactPoints[${i}]`;
    let value = contact.value.trim();
    if (contact.kind === ContactKind.MOBILE) {
      const mobile = errors.check(`${field}.value`, checkMobile(value));
      if (!mobile) return [];
      value = mobile.normalized;
    } else if (contact.kind === ContactKind.EMAIL) {
      value = value.toLowerCase();
      if (!EMAIL.test(value))
        errors.add(`${field}.value`, 'EMAIL_FORMAT', 'is not an e-mail address');
    } else {
      notBlank(errors, `${field}.value`, value);
    }
    const status = contact.verificationStatus ?? VerificationStatus.UNVERIFIED;
    if (
      status !== VerificationStatus.UNVERIFIED &&
      (!contact.verificationMethod || !contact.verifiedAt)
    ) {
      errors.add(
        `${field}.verificationMethod`,
        'VERIFICATION_EVIDENCE',
        'a verified or failed contact needs the method and the time of verification',
      );
    }
    return [
      { ...contact, value, verificationStatus: status, sealed: sealer.seal(contact.kind, value) },
    ];
  });
}

/**
 * Writes one source record and the golden record it resolves to. For now a record
 * resolves to the customer holding one of its identity documents, else to the customer
 * its source key already points at, else to a new customer; matching proper comes later.
 */
export async function ingestCustomer(
  em: EntityManager,
  sealer: PiiSealer,
  record: CustomerRecordInput,
): Promise<{ status: RecordStatus; id: string }> {
  const errors = new RecordErrors();
  notBlank(errors, 'sourceKey', record.sourceKey);
  notBlank(errors, 'name', record.name);
  const individual = record.kind === CustomerKind.INDIVIDUAL;
  if (!individual && (record.gender || record.birthDate)) {
    errors.add('kind', 'ORGANISATION_ATTRIBUTES', 'an organisation has no gender or birth date');
  }
  let { gender, birthDate } = record;
  const documents = (record.identityDocuments ?? []).flatMap((doc, i) => {
    const field = `identityDocuments[${i}].number`;
    const checked = errors.check(field, checkDocument(doc.type, doc.number));
    if (!checked) return [];
    if (doc.type === IdentityDocumentType.RESIDENT_ID) {
      if (!individual)
        errors.add(
          `identityDocuments[${i}].type`,
          'DOCUMENT_KIND',
          'a resident ID belongs to an individual',
        );
      // The GB 11643 number carries the birth date and the sex: they must agree.
      const id = checkResidentId(checked.number);
      if (id.ok) {
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
    if (doc.type === IdentityDocumentType.UNIFIED_SOCIAL_CREDIT_CODE && individual) {
      errors.add(
        `identityDocuments[${i}].type`,
        'DOCUMENT_KIND',
        'a credit code belongs to an organisation',
      );
    }
    return [{ ...doc, ...checked, sealed: sealer.seal(doc.type, checked.number) }];
  });
  const contacts = normalizeContacts(errors, sealer, record.contactPoints ?? []);
  const branch = await findOpenBranch(em, errors, 'branchCode', record.branchCode);
  errors.throwIfAny();

  const normalized = {
    ...record,
    gender,
    birthDate,
    identityDocuments: documents.map(({ type, number }) => ({ type, number })),
    contactPoints: contacts.map(({ sealed: _sealed, ...c }) => c),
  };
  // Keyed: a plain digest of a record whose other fields are stored could be brute-forced
  // back to the identity number and the mobile, whose masks leave few digits to guess.
  const hash = sealer.hasher.digest('SOURCE_RECORD', contentHash(normalized)).toString('hex');
  const existing = await em.findOne(
    SourceRecord,
    { sourceSystem: record.sourceSystem, sourceKey: record.sourceKey },
    { populate: ['customer'] },
  );
  if (existing?.contentHash === hash)
    return { status: RecordStatus.UNCHANGED, id: existing.customer.id };

  const holders = new Set<Customer>();
  for (const doc of documents) {
    const found = await em.findOne(
      IdentityDocument,
      { type: doc.type, numberHash: doc.sealed.hash },
      { populate: ['customer'] },
    );
    if (found) holders.add(found.customer);
  }
  if (holders.size > 1) {
    reject(
      'identityDocuments',
      'AMBIGUOUS_MATCH',
      'the documents belong to different customers: a data steward must review them',
    );
  }
  let customer = [...holders][0] ?? existing?.customer;
  const created = !customer;
  if (!customer) {
    const [{ next }] = await em.execute<{ next: string }[]>(`select nextval('cif_no_seq') as next`);
    customer = em.create(Customer, {
      cifNo: `C${String(next).padStart(10, '0')}`,
      kind: record.kind,
      name: record.name.trim(),
      branch: branch!,
    });
  } else if (customer.kind !== record.kind) {
    reject('kind', 'KIND_MISMATCH', `the matched customer ${customer.cifNo} is ${customer.kind}`);
  }
  customer.name = record.name.trim();
  customer.branch = branch!;
  if (individual) {
    customer.gender = gender ?? customer.gender;
    customer.birthDate = birthDate ?? customer.birthDate;
  }
  if (
    record.marketingConsent &&
    (!customer.consentAt || record.marketingConsent.at >= customer.consentAt)
  ) {
    customer.marketingConsent = record.marketingConsent.given;
    customer.consentAt = record.marketingConsent.at;
    customer.consentChannel = record.marketingConsent.channel;
  }

  const held = created ? [] : await em.find(IdentityDocument, { customer });
  for (const doc of documents) {
    if (held.some((h) => h.type === doc.type && h.numberHash.equals(doc.sealed.hash))) continue;
    em.create(IdentityDocument, {
      customer,
      type: doc.type,
      numberCipher: doc.sealed.cipher,
      numberMasked: doc.sealed.masked,
      numberHash: doc.sealed.hash,
      checksumException: doc.checksumException,
    });
  }

  const reachable = created ? [] : await em.find(ContactPoint, { customer });
  const hasPrimaryMobile = reachable.some((c) => c.kind === ContactKind.MOBILE && c.primary);
  contacts.forEach((contact, i) => {
    const known = reachable.find(
      (c) => c.kind === contact.kind && c.valueHash.equals(contact.sealed.hash),
    );
    const point =
      known ??
      em.create(ContactPoint, {
        customer,
        kind: contact.kind,
        valueCipher: contact.sealed.cipher,
        valueMasked: contact.sealed.masked,
        valueHash: contact.sealed.hash,
        primary:
          contact.kind === ContactKind.MOBILE &&
          !hasPrimaryMobile &&
          i === contacts.findIndex((c) => c.kind === ContactKind.MOBILE),
      });
    // A verification only replaces an older one: sources resend stale states.
    const newer =
      !point.verifiedAt || (contact.verifiedAt && contact.verifiedAt > point.verifiedAt);
    if (contact.verificationStatus !== VerificationStatus.UNVERIFIED && newer) {
      point.verificationStatus = contact.verificationStatus!;
      point.verificationMethod = contact.verificationMethod;
      point.verifiedAt = contact.verifiedAt;
    }
  });

  const attributes = JSON.parse(JSON.stringify(maskSourceAttributes(normalized))) as Record<
    string,
    unknown
  >;
  if (existing) {
    existing.customer = customer;
    existing.attributes = attributes;
    existing.contentHash = hash;
    existing.receivedAt = new Date();
  } else {
    em.create(SourceRecord, {
      sourceSystem: record.sourceSystem,
      sourceKey: record.sourceKey,
      customer,
      attributes,
      contentHash: hash,
      receivedAt: new Date(),
    });
  }
  await em.flush();
  return { status: created ? RecordStatus.CREATED : RecordStatus.UPDATED, id: customer.id };
}

/**
 * A customer record as it is kept in source_record.attributes: as sent, but for identity
 * numbers and contact values, masked as every role reads them. The ciphertext lives in the
 * documents and contact points; a raw payload keeps no second, plain copy.
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

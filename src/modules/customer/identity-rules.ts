import { checkCreditCode, checkResidentId, ungrouped, type Checked } from '../../validation';
import { IdentityDocumentType } from './customer.enums';

export interface NormalizedDocument {
  number: string;
  /** A legal exception to the check character (early credit codes): kept, flagged. */
  checksumException: boolean;
}

// Passports (ICAO 9303) and mainland travel permits: letters and digits only.
const OTHER_DOCUMENT = /^[A-Z0-9]{5,20}$/;

/** Validates and normalises a document number by the standard of its type. */
export function checkDocument(
  type: IdentityDocumentType,
  input: string,
  /** The business day a resident ID's birth date may not be after (checkResidentId). */
  today?: string,
): Checked<NormalizedDocument> {
  if (type === IdentityDocumentType.RESIDENT_ID) {
    const id = checkResidentId(input, today);
    return id.ok
      ? { ok: true, value: { number: id.value.normalized, checksumException: false }, warnings: [] }
      : id;
  }
  if (type === IdentityDocumentType.UNIFIED_SOCIAL_CREDIT_CODE) {
    const code = checkCreditCode(input);
    return code.ok
      ? {
          ok: true,
          value: { number: code.value.normalized, checksumException: code.warnings.length > 0 },
          warnings: code.warnings,
        }
      : code;
  }
  const number = ungrouped(input).toUpperCase();
  return OTHER_DOCUMENT.test(number)
    ? { ok: true, value: { number, checksumException: false }, warnings: [] }
    : {
        ok: false,
        violations: [{ rule: 'DOCUMENT_FORMAT', message: 'must be 5 to 20 letters and digits' }],
      };
}

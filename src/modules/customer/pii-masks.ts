import { ContactKind, IdentityDocumentType } from './customer.enums';

/** Keeps the last `visible` characters, starring the rest. */
const lastOnly = (value: string, visible: number) =>
  '*'.repeat(Math.max(value.length - visible, 0)) + value.slice(value.length - visible);

/**
 * What every role reads of an identity number: at most its last 4 characters, and no more
 * than a third of it. A GB 11643 resident ID hides its region (6) and its birth date (8):
 * front line and underwriting read the birth date in full, so showing the region as well
 * would give the number back whole. A 9-character passport number shows 3.
 */
export function maskDocumentNumber(_type: IdentityDocumentType, number: string): string {
  return lastOnly(number, Math.min(4, Math.floor(number.length / 3)));
}

/**
 * What every role reads of a contact value: a mobile its carrier prefix and last 4 (the
 * middle 4 name the number's home area), an e-mail address its first character and the
 * domain, an address its first 3 characters (the province, 江苏省) and no more than a third:
 * a district named in full (北京市朝阳区) is an identity number's region code.
 */
export function maskContactValue(kind: ContactKind, value: string): string {
  const chars = [...value];
  switch (kind) {
    case ContactKind.MOBILE:
      return `${value.slice(0, 3)}****${value.slice(-4)}`;
    case ContactKind.EMAIL: {
      const at = value.lastIndexOf('@');
      return `${chars[0] ?? ''}***${at > 0 ? value.slice(at) : ''}`;
    }
    case ContactKind.ADDRESS:
      return `${chars.slice(0, Math.min(3, Math.floor(chars.length / 3))).join('')}***`;
  }
}

/** The masked form of a personal value: of a contact kind, or else of a document type. */
export function maskPii(kind: string, value: string): string {
  return (Object.values(ContactKind) as string[]).includes(kind)
    ? maskContactValue(kind as ContactKind, value)
    : maskDocumentNumber(kind as IdentityDocumentType, value);
}

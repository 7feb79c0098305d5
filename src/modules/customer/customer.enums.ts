export enum CustomerKind {
  INDIVIDUAL = 'INDIVIDUAL',
  ORGANISATION = 'ORGANISATION',
}

export enum Gender {
  MALE = 'MALE',
  FEMALE = 'FEMALE',
}

/** MERGED customers point at the survivor; DECEASED covers dissolved organisations too. */
export enum CustomerStatus {
  ACTIVE = 'ACTIVE',
  MERGED = 'MERGED',
  DECEASED = 'DECEASED',
}

export enum IdentityDocumentType {
  RESIDENT_ID = 'RESIDENT_ID',
  PASSPORT = 'PASSPORT',
  HK_MACAO_PERMIT = 'HK_MACAO_PERMIT',
  TAIWAN_PERMIT = 'TAIWAN_PERMIT',
  UNIFIED_SOCIAL_CREDIT_CODE = 'UNIFIED_SOCIAL_CREDIT_CODE',
}

export enum ContactKind {
  MOBILE = 'MOBILE',
  EMAIL = 'EMAIL',
  ADDRESS = 'ADDRESS',
}

export enum VerificationStatus {
  UNVERIFIED = 'UNVERIFIED',
  VERIFIED = 'VERIFIED',
  FAILED = 'FAILED',
}

/** How a contact point was proven to reach the customer (回访 is the call-back). */
export enum VerificationMethod {
  SMS = 'SMS',
  CALL_BACK = 'CALL_BACK',
  EMAIL_LINK = 'EMAIL_LINK',
  IN_PERSON = 'IN_PERSON',
}

/**
 * The methods that prove a mobile reaches its customer (a code sent to it, a call to it
 * answered): what the tier metric verifiedContact and the fast-claim gates ask for.
 */
export const PROVES_REACH: readonly VerificationMethod[] = [
  VerificationMethod.SMS,
  VerificationMethod.CALL_BACK,
];

/**
 * The methods that can verify a kind of contact: a text message reaches a mobile and a link
 * an e-mail, never the other; a call-back or a visit can confirm any.
 */
export const VERIFIES: Record<ContactKind, readonly VerificationMethod[]> = {
  [ContactKind.MOBILE]: [
    VerificationMethod.SMS,
    VerificationMethod.CALL_BACK,
    VerificationMethod.IN_PERSON,
  ],
  [ContactKind.EMAIL]: [
    VerificationMethod.EMAIL_LINK,
    VerificationMethod.CALL_BACK,
    VerificationMethod.IN_PERSON,
  ],
  [ContactKind.ADDRESS]: [VerificationMethod.CALL_BACK, VerificationMethod.IN_PERSON],
};

export enum SourceSystem {
  POLICY_ADMIN = 'POLICY_ADMIN',
  CLAIMS = 'CLAIMS',
  CALL_CENTRE = 'CALL_CENTRE',
  APP = 'APP',
  WECHAT = 'WECHAT',
  AGENCY = 'AGENCY',
  DEALER = 'DEALER',
}

export enum ConsentChannel {
  APP = 'APP',
  WECHAT = 'WECHAT',
  CALL_CENTRE = 'CALL_CENTRE',
  PAPER = 'PAPER',
  AGENT = 'AGENT',
}

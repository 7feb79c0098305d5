/** 报案, 立案, 查勘, 定损, 核赔, 支付, 结案; or rejected/withdrawn. */
export enum ClaimStatus {
  REPORTED = 'REPORTED',
  REGISTERED = 'REGISTERED',
  SURVEYED = 'SURVEYED',
  ASSESSED = 'ASSESSED',
  APPROVED = 'APPROVED',
  PAID = 'PAID',
  CLOSED = 'CLOSED',
  REJECTED = 'REJECTED',
  WITHDRAWN = 'WITHDRAWN',
}

/** Claims that no longer move: they count as history, not as open work. */
export const FINISHED_CLAIM_STATUSES: readonly ClaimStatus[] = [
  ClaimStatus.CLOSED,
  ClaimStatus.REJECTED,
  ClaimStatus.WITHDRAWN,
];

export enum ReportChannel {
  PHONE = 'PHONE',
  WECHAT = 'WECHAT',
  APP = 'APP',
  AGENT = 'AGENT',
}

/** 免单证, 免查勘, 闪赔. */
export enum FastTrack {
  DOCUMENT_FREE = 'DOCUMENT_FREE',
  SURVEY_FREE = 'SURVEY_FREE',
  FLASH = 'FLASH',
}

export enum RiskSubjectType {
  CUSTOMER = 'CUSTOMER',
  CLAIM = 'CLAIM',
  VEHICLE = 'VEHICLE',
}

export enum RiskStage {
  REPORT = 'REPORT',
  SURVEY = 'SURVEY',
  ASSESSMENT = 'ASSESSMENT',
  APPROVAL = 'APPROVAL',
  UNDERWRITING = 'UNDERWRITING',
}

export enum RiskLevel {
  LOW = 'LOW',
  MEDIUM = 'MEDIUM',
  HIGH = 'HIGH',
}

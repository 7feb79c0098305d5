import { Field, InputType, Int } from 'type-graphql';
import { LocalDateScalar } from '../../graphql/scalars';
import { BranchLevel } from '../branch/branch.entity';
import { ClaimStatus, FastTrack, ReportChannel } from '../claim/claim.enums';
import {
  ConsentChannel,
  ContactKind,
  CustomerKind,
  Gender,
  IdentityDocumentType,
  SourceSystem,
  VerificationMethod,
  VerificationStatus,
} from '../customer/customer.enums';
import { LineOfBusiness, PartyRole, PolicyStatus, SalesChannel } from '../policy/policy.enums';
import { RiskLevel, RiskStage } from '../risk/risk.enums';
import { VehicleUse } from '../vehicle/vehicle.entity';
import { RuledField } from './field-rules';

@InputType('CustomerRef', { description: 'A customer by CIF number or by a source key.' })
export class CustomerRef {
  @RuledField('CustomerRef.cifNo', { nullable: true })
  cifNo?: string;

  @Field(() => SourceSystem, { nullable: true })
  sourceSystem?: SourceSystem;

  @RuledField('CustomerRef.sourceKey', { nullable: true })
  sourceKey?: string;
}

@InputType('IdentityDocumentInput')
export class IdentityDocumentInput {
  @Field(() => IdentityDocumentType)
  type!: IdentityDocumentType;

  @RuledField('IdentityDocumentInput.number')
  number!: string;
}

@InputType('ContactPointInput')
export class ContactPointInput {
  @Field(() => ContactKind)
  kind!: ContactKind;

  @RuledField('ContactPointInput.value')
  value!: string;

  @Field(() => VerificationStatus, { nullable: true })
  verificationStatus?: VerificationStatus;

  @Field(() => VerificationMethod, { nullable: true })
  verificationMethod?: VerificationMethod;

  @RuledField('ContactPointInput.verifiedAt', { nullable: true })
  verifiedAt?: Date;
}

@InputType('MarketingConsentInput')
export class MarketingConsentInput {
  @Field(() => Boolean)
  given!: boolean;

  @RuledField('MarketingConsentInput.at')
  at!: Date;

  @Field(() => ConsentChannel)
  channel!: ConsentChannel;
}

@InputType('CustomerRecordInput', { description: 'What one source system holds on a customer.' })
export class CustomerRecordInput {
  @Field(() => SourceSystem)
  sourceSystem!: SourceSystem;

  @RuledField('CustomerRecordInput.sourceKey')
  sourceKey!: string;

  @Field(() => CustomerKind)
  kind!: CustomerKind;

  @RuledField('CustomerRecordInput.name')
  name!: string;

  @Field(() => Gender, { nullable: true })
  gender?: Gender;

  @RuledField('CustomerRecordInput.birthDate', { nullable: true })
  birthDate?: string;

  @RuledField('CustomerRecordInput.branchCode')
  branchCode!: string;

  @Field(() => [IdentityDocumentInput], { nullable: true })
  identityDocuments?: IdentityDocumentInput[];

  @Field(() => [ContactPointInput], { nullable: true })
  contactPoints?: ContactPointInput[];

  @Field(() => MarketingConsentInput, { nullable: true })
  marketingConsent?: MarketingConsentInput;
}

@InputType('VehicleInput')
export class VehicleInput {
  @RuledField('VehicleInput.vin')
  vin!: string;

  @RuledField('VehicleInput.plate', { nullable: true })
  plate?: string;

  @Field(() => VehicleUse)
  use!: VehicleUse;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Derived from a new-energy plate if absent.',
  })
  newEnergy?: boolean;
}

@InputType('PolicyPartyInput')
export class PolicyPartyInput {
  @Field(() => PartyRole)
  role!: PartyRole;

  @Field(() => CustomerRef)
  customer!: CustomerRef;
}

@InputType('PolicyRecordInput')
export class PolicyRecordInput {
  @Field(() => SourceSystem)
  sourceSystem!: SourceSystem;

  @RuledField('PolicyRecordInput.policyNo')
  policyNo!: string;

  @Field(() => LineOfBusiness)
  line!: LineOfBusiness;

  @RuledField('PolicyRecordInput.productCode')
  productCode!: string;

  @Field(() => SalesChannel)
  channel!: SalesChannel;

  @RuledField('PolicyRecordInput.branchCode')
  branchCode!: string;

  @RuledField('PolicyRecordInput.effectiveDate')
  effectiveDate!: string;

  @RuledField('PolicyRecordInput.expiryDate', { description: 'The last day covered.' })
  expiryDate!: string;

  @RuledField('PolicyRecordInput.premium')
  premium!: string;

  @RuledField('PolicyRecordInput.sumInsured')
  sumInsured!: string;

  @Field(() => PolicyStatus)
  status!: PolicyStatus;

  @RuledField('PolicyRecordInput.renewsPolicyNo', { nullable: true })
  renewsPolicyNo?: string;

  @Field(() => [PolicyPartyInput])
  parties!: PolicyPartyInput[];

  @Field(() => VehicleInput, { nullable: true, description: 'Required for auto lines.' })
  vehicle?: VehicleInput;
}

@InputType('ClaimRecordInput')
export class ClaimRecordInput {
  @Field(() => SourceSystem)
  sourceSystem!: SourceSystem;

  @RuledField('ClaimRecordInput.claimNo')
  claimNo!: string;

  @RuledField('ClaimRecordInput.policyNo')
  policyNo!: string;

  @Field(() => CustomerRef, { nullable: true, description: 'The policyholder if absent.' })
  claimant?: CustomerRef;

  @RuledField('ClaimRecordInput.accidentAt')
  accidentAt!: Date;

  @RuledField('ClaimRecordInput.accidentPlace')
  accidentPlace!: string;

  @Field(() => ReportChannel)
  reportChannel!: ReportChannel;

  @RuledField('ClaimRecordInput.reportedAt')
  reportedAt!: Date;

  @RuledField('ClaimRecordInput.registeredAt', { nullable: true })
  registeredAt?: Date;

  @RuledField('ClaimRecordInput.surveyedAt', { nullable: true })
  surveyedAt?: Date;

  @RuledField('ClaimRecordInput.assessedAt', { nullable: true })
  assessedAt?: Date;

  @RuledField('ClaimRecordInput.approvedAt', { nullable: true })
  approvedAt?: Date;

  @RuledField('ClaimRecordInput.paidAt', { nullable: true })
  paidAt?: Date;

  @RuledField('ClaimRecordInput.closedAt', { nullable: true })
  closedAt?: Date;

  @Field(() => ClaimStatus)
  status!: ClaimStatus;

  @RuledField('ClaimRecordInput.reserve')
  reserve!: string;

  @RuledField('ClaimRecordInput.paidAmount', { nullable: true })
  paidAmount?: string;

  @Field(() => Boolean, { nullable: true })
  singleParty?: boolean;

  @Field(() => Boolean, { nullable: true })
  injury?: boolean;

  @Field(() => FastTrack, { nullable: true })
  fastTrack?: FastTrack;

  @Field(() => Boolean, { nullable: true })
  advancePayment?: boolean;

  @Field(() => Boolean, { nullable: true })
  directSettlement?: boolean;

  @Field(() => Int, { nullable: true })
  complaints?: number;
}

@InputType('RiskSubjectInput', { description: 'Exactly one of customer, claimNo and vin.' })
export class RiskSubjectInput {
  @Field(() => CustomerRef, { nullable: true })
  customer?: CustomerRef;

  @RuledField('RiskSubjectInput.claimNo', { nullable: true })
  claimNo?: string;

  @RuledField('RiskSubjectInput.vin', { nullable: true })
  vin?: string;
}

@InputType('FiredRuleInput')
export class FiredRuleInput {
  @RuledField('FiredRuleInput.code')
  code!: string;

  @RuledField('FiredRuleInput.description')
  description!: string;

  @RuledField('FiredRuleInput.weight')
  weight!: string;
}

@InputType('RiskScoreRecordInput')
export class RiskScoreRecordInput {
  @Field(() => SourceSystem)
  sourceSystem!: SourceSystem;

  @RuledField('RiskScoreRecordInput.sourceKey')
  sourceKey!: string;

  @Field(() => RiskSubjectInput)
  subject!: RiskSubjectInput;

  @Field(() => RiskStage)
  stage!: RiskStage;

  @RuledField('RiskScoreRecordInput.model')
  model!: string;

  @RuledField('RiskScoreRecordInput.modelVersion')
  modelVersion!: string;

  @RuledField('RiskScoreRecordInput.score')
  score!: string;

  @Field(() => RiskLevel)
  level!: RiskLevel;

  @Field(() => [FiredRuleInput])
  firedRules!: FiredRuleInput[];

  @RuledField('RiskScoreRecordInput.scoredAt')
  scoredAt!: Date;
}

@InputType('BranchRecordInput', {
  description:
    'A branch of the organisation tree as the organisation system states it, keyed by code. ' +
    'Without validTo the branch is open (a closed one is reopened); without validFrom it ' +
    'keeps its stored first day (today for a new branch).',
})
export class BranchRecordInput {
  @RuledField('BranchRecordInput.code', { description: 'Never reused.' })
  code!: string;

  @RuledField('BranchRecordInput.name')
  name!: string;

  @Field(() => BranchLevel, { description: "One level below the parent's." })
  level!: BranchLevel;

  @RuledField('BranchRecordInput.parentCode', {
    nullable: true,
    description: 'None for the head office only.',
  })
  parentCode?: string | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'The first day open.' })
  validFrom?: string | null;

  @Field(() => LocalDateScalar, {
    nullable: true,
    description: 'The day the branch closed (open up to the day before); today or earlier.',
  })
  validTo?: string | null;
}

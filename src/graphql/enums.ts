import { registerEnumType } from 'type-graphql';
import { Role } from '../auth/roles';
import { BranchLevel } from '../modules/branch/branch.entity';
import { ClaimStatus, FastTrack, ReportChannel } from '../modules/claim/claim.enums';
import {
  ConsentChannel,
  ContactKind,
  CustomerKind,
  CustomerStatus,
  Gender,
  IdentityDocumentType,
  SourceSystem,
  VerificationMethod,
  VerificationStatus,
} from '../modules/customer/customer.enums';
import {
  LineOfBusiness,
  PartyRole,
  PolicyStatus,
  SalesChannel,
} from '../modules/policy/policy.enums';
import { RiskLevel, RiskStage, RiskSubjectType } from '../modules/risk/risk.enums';
import { VehicleUse } from '../modules/vehicle/vehicle.entity';
import { RuleSetKind, RuleSetVersionStatus } from '../modules/tier/rule-set-version.entity';
import { ActivationState } from '../modules/tier/rule-set-activation.entity';
import { ServiceLevel } from '../modules/entitlement/rule-set/document';

/** The persistence enums are the API's enums too: one list of values, checked in the DB. */
const enums = {
  BranchLevel,
  ClaimStatus,
  FastTrack,
  ReportChannel,
  ConsentChannel,
  ContactKind,
  CustomerKind,
  CustomerStatus,
  Gender,
  IdentityDocumentType,
  SourceSystem,
  VerificationMethod,
  VerificationStatus,
  LineOfBusiness,
  PartyRole,
  PolicyStatus,
  SalesChannel,
  RiskLevel,
  RiskStage,
  RiskSubjectType,
  VehicleUse,
  Role,
  RuleSetKind,
  RuleSetVersionStatus,
  RuleSetActivationState: ActivationState,
  ServiceLevel,
};

for (const [name, values] of Object.entries(enums)) registerEnumType(values, { name });

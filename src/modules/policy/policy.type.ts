import { Field, ID, ObjectType } from 'type-graphql';
import { FIELDS } from '../../auth/access';
import { ROWS } from '../../auth/rows';
import { Connection, ConnectionArgs } from '../../graphql/connection';
import { MaxItems } from '../../graphql/limits/items';
import { DecimalScalar, LocalDateScalar } from '../../graphql/scalars';
import { Column, ReadsFrom, Related, type OrderKey, type Nested } from '../../read/read-model';
import type { SqlScope } from '../../read/sql-scope';
import { BranchView } from '../branch/branch.type';
import { ClaimConnection, ClaimView, claimOrder } from '../claim/claim.type';
import { CustomerView } from '../customer/customer.type';
import { LIST_LIMITS } from '../ingestion/field-rules';
import { VehicleView } from '../vehicle/vehicle.type';
import { PolicyParty } from './policy-party.entity';
import { Policy } from './policy.entity';
import { LineOfBusiness, PartyRole, PolicyStatus, SalesChannel } from './policy.enums';

@ObjectType('PolicyParty')
@ReadsFrom(() => PolicyParty)
export class PolicyPartyView {
  @Field(() => PartyRole)
  @Column()
  role!: PartyRole;

  @Field(() => CustomerView, {
    nullable: true,
    description: "Null when the party is outside the caller's branch or segment.",
  })
  @Related({
    kind: 'one',
    type: () => CustomerView,
    source: (party, customer) => ({ where: [`${customer.col('id')} = ${party.col('customer')}`] }),
  })
  customer!: Nested<CustomerView>;
}

@ObjectType('Policy')
@ReadsFrom(() => Policy, { rows: ROWS.policy })
export class PolicyView {
  @Field(() => ID)
  @Column()
  id!: string;

  @Field(() => String)
  @Column()
  policyNo!: string;

  @Field(() => LineOfBusiness)
  @Column()
  line!: LineOfBusiness;

  @Field(() => String)
  @Column()
  productCode!: string;

  @Field(() => SalesChannel)
  @Column()
  channel!: SalesChannel;

  @Field(() => BranchView)
  @Related({
    kind: 'one',
    type: () => BranchView,
    source: (policy, branch) => ({ where: [`${branch.col('id')} = ${policy.col('branch')}`] }),
  })
  branch!: Nested<BranchView>;

  @Field(() => LocalDateScalar)
  @Column()
  effectiveDate!: string;

  @Field(() => LocalDateScalar, { description: 'The last day covered.' })
  @Column()
  expiryDate!: string;

  @Field(() => DecimalScalar)
  @Column()
  premium!: string;

  @Field(() => DecimalScalar)
  @Column()
  sumInsured!: string;

  @Field(() => PolicyStatus)
  @Column()
  status!: PolicyStatus;

  @Field(() => PolicyView, { nullable: true, description: 'The policy this one renews (续保).' })
  @Related({
    kind: 'one',
    type: () => PolicyView,
    source: (policy, renewed) => ({ where: [`${renewed.col('id')} = ${policy.col('renews')}`] }),
  })
  renews?: Nested<PolicyView>;

  @Field(() => [PolicyPartyView])
  @MaxItems(LIST_LIMITS['PolicyRecordInput.parties'])
  @Related({
    access: FIELDS.policyParties,
    kind: 'many',
    type: () => PolicyPartyView,
    source: (policy, party) => ({ where: [`${party.col('policy')} = ${policy.col('id')}`] }),
    orderBy: (party) => [
      { sql: party.col('role'), type: 'text', direction: 'desc' },
      { sql: party.col('customer'), type: 'uuid', direction: 'asc' },
    ],
  })
  parties!: PolicyPartyView[];

  @Field(() => VehicleView, { nullable: true, description: 'For auto policies.' })
  @Related({
    seenWithParent: true,
    kind: 'one',
    type: () => VehicleView,
    source: (policy, vehicle) => ({ where: [`${vehicle.col('id')} = ${policy.col('vehicle')}`] }),
  })
  vehicle?: Nested<VehicleView>;

  @Field(() => ClaimConnection)
  @Related({
    seenWithParent: true,
    access: FIELDS.claims,
    kind: 'connection',
    type: () => ClaimView,
    args: () => ConnectionArgs,
    source: (policy, claim) => ({ where: [`${claim.col('policy')} = ${policy.col('id')}`] }),
    orderBy: (claim) => claimOrder(claim),
  })
  claims!: InstanceType<typeof ClaimConnection>;
}

export const PolicyConnection = Connection(PolicyView, 'Policy');

/** Latest expiry first: what a customer holds now comes before what lapsed. */
export const policyOrder = (policy: SqlScope): OrderKey[] => [
  { sql: policy.col('expiryDate'), type: 'date', direction: 'desc' },
  { sql: policy.col('id'), type: 'uuid', direction: 'asc' },
];

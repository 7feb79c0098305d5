import { DateTimeScalar, LocalDateScalar } from '../../graphql/scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { ROWS } from '../../auth/rows';
import { FIELDS } from '../../auth/access';
import { AsOfArgs } from '../../graphql/common.args';
import { Connection, ConnectionArgs } from '../../graphql/connection';
import {
  Column,
  DerivedColumn,
  DerivedRow,
  Expression,
  ReadsFrom,
  Related,
  type Nested,
} from '../../read/read-model';
import { anyOf, type SqlScope } from '../../read/sql-scope';
import { BranchView } from '../branch/branch.type';
import { ClaimConnection, ClaimView, claimOrder, OPEN_CLAIM } from '../claim/claim.type';
import { PolicyConnection, PolicyView, policyOrder } from '../policy/policy.type';
import { RiskHistoryView } from '../risk/risk-history.type';
import { asOfSql, riskHistoryRow } from '../risk/risk-history.sql';
import {
  latestScoresSource,
  OneScorePerStage,
  RiskScoreConnection,
  RiskScoreView,
  scoreHistory,
} from '../risk/risk-score.type';
import { VehicleView } from '../vehicle/vehicle.type';
import { grantRowsSql, withheldSql } from '../entitlement/entitlement.sql';
import {
  EligibilityDecisionConnection,
  EligibilityDecisionView,
  EntitlementView,
} from '../entitlement/entitlement.type';
import {
  assignmentAt,
  endOfKnownDay,
  TierAssignmentConnection,
  TierAssignmentView,
} from '../tier/tier.type';
import { ContactPointView } from './contact-point.type';
import { CustomerClaimsArgs, CustomerPoliciesArgs } from './customer.args';
import { Customer } from './customer.entity';
import { ConsentChannel, CustomerKind, CustomerStatus, Gender } from './customer.enums';
import { IdentityDocumentView } from './identity-document.type';
import { SourceRecordView } from './source-record.type';
import { CustomerMergeView } from '../stewardship/stewardship.type';

/**
 * The column a lookup by a merged-away customer's id or CIF number adds to the survivor's
 * row it returns (src/modules/customer/customer-lookup.service.ts): that customer's id.
 */
export const RESOLVED_FROM = 'resolved_from';

/** The ids of the policies on which the customer is a party, as SQL. */
export const customerPolicyIds = (customer: SqlScope) =>
  `select pp.policy_id from policy_party pp where pp.customer_id = ${customer.col('id')}`;

@ObjectType('FieldLineage', { description: 'Where one golden field came from.' })
@DerivedRow()
export class FieldLineageView {
  @Field(() => String, {
    description: 'name, kind, gender, birthDate, branch or marketingConsent.',
  })
  @DerivedColumn('field')
  field!: string;

  @Field(() => SourceRecordView, {
    nullable: true,
    description:
      "Null where the record is now with a customer the caller does not see: a merged-away customer's went to its survivor.",
  })
  @Related({
    kind: 'one',
    type: () => SourceRecordView,
    source: (item, record) => ({ where: [`${record.col('id')} = ${item.alias}.record_id::uuid`] }),
  })
  sourceRecord?: Nested<SourceRecordView>;
}

@ObjectType('Customer', { description: 'The golden record of one real person or organisation.' })
@ReadsFrom(() => Customer, { rows: ROWS.customer })
export class CustomerView {
  @Field(() => ID)
  @Column()
  id!: string;

  @Field(() => String, { description: 'The customer information file number.' })
  @Column()
  cifNo!: string;

  @Field(() => CustomerKind)
  @Column()
  kind!: CustomerKind;

  @Field(() => String)
  @Column()
  name!: string;

  @Field(() => Gender, { nullable: true })
  @Column()
  gender?: Gender;

  @Field(() => LocalDateScalar, { nullable: true, description: 'Refused to marketing.' })
  @Column({ access: FIELDS.birthDate })
  birthDate?: string;

  @Field(() => Int, { nullable: true })
  @Expression((customer) => `extract(year from ${customer.col('birthDate')})::int`)
  birthYear?: number;

  @Field(() => CustomerStatus)
  @Column()
  status!: CustomerStatus;

  @Field(() => BranchView, { description: 'The owning branch.' })
  @Related({
    kind: 'one',
    type: () => BranchView,
    source: (customer, branch) => ({ where: [`${branch.col('id')} = ${customer.col('branch')}`] }),
  })
  branch!: Nested<BranchView>;

  @Field(() => Boolean)
  @Column()
  marketingConsent!: boolean;

  @Field(() => DateTimeScalar, { nullable: true })
  @Column()
  consentAt?: Date;

  @Field(() => ConsentChannel, { nullable: true })
  @Column()
  consentChannel?: ConsentChannel;

  @Field(() => DateTimeScalar)
  @Column()
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  @Column()
  updatedAt!: Date;

  @Field(() => Int, {
    description:
      "Raised by every change to the customer's own fields (name, kind, sex, birth date, branch, consent, status): not by its contact points or identity documents, which a change of a shared value (a number turning generic) would otherwise rewrite for thousands of customers at once.",
  })
  @Column()
  version!: number;

  @Field(() => ID, {
    nullable: true,
    description:
      'Set when the lookup named a customer since merged into this one: that customer. Its id and CIF number keep finding this customer.',
  })
  // Only a lookup's row carries the column; any other row reads null.
  @Expression((customer) => `(to_jsonb(${customer.alias}) ->> '${RESOLVED_FROM}')::uuid`)
  resolvedFrom?: string;

  @Field(() => [CustomerMergeView], {
    description:
      'Merges this customer took part in, and those into customers since merged into it (undone after the merge that took them in), newest first: data stewards only.',
  })
  @Related({
    access: FIELDS.customerMerges,
    kind: 'many',
    type: () => CustomerMergeView,
    source: (customer, merge) => ({
      where: [
        `(${merge.col('survivor')} = ${customer.col('id')} or ${merge.col('absorbed')} = ${customer.col('id')}
          or ${merge.col('survivor')} in (select mi.id from customer mi where mi.merged_into_id = ${customer.col('id')}))`,
      ],
    }),
    orderBy: (merge) => [
      { sql: merge.col('mergedAt'), type: 'timestamptz', direction: 'desc' },
      { sql: merge.col('id'), type: 'uuid', direction: 'asc' },
    ],
  })
  merges!: CustomerMergeView[];

  @Field(() => [IdentityDocumentView])
  @Related({
    access: FIELDS.identityDocuments,
    kind: 'many',
    type: () => IdentityDocumentView,
    source: (customer, doc) => ({ where: [`${doc.col('customer')} = ${customer.col('id')}`] }),
    orderBy: (doc) => [
      { sql: doc.col('type'), type: 'text', direction: 'asc' },
      { sql: doc.col('id'), type: 'uuid', direction: 'asc' },
    ],
  })
  identityDocuments!: IdentityDocumentView[];

  @Field(() => [ContactPointView])
  @Related({
    kind: 'many',
    type: () => ContactPointView,
    source: (customer, contact) => ({
      where: [`${contact.col('customer')} = ${customer.col('id')}`],
    }),
    orderBy: (contact) => [
      { sql: contact.col('kind'), type: 'text', direction: 'asc' },
      { sql: contact.col('primary'), type: 'text', direction: 'desc' },
      { sql: contact.col('id'), type: 'uuid', direction: 'asc' },
    ],
  })
  contactPoints!: ContactPointView[];

  @Field(() => [SourceRecordView], {
    description:
      'What each source system said, and why matching put it here: stewards and underwriting.',
  })
  @Related({
    seenWithParent: true,
    kind: 'many',
    type: () => SourceRecordView,
    access: FIELDS.matchEvidence,
    source: (customer, record) => ({
      where: [`${record.col('customer')} = ${customer.col('id')}`],
    }),
    orderBy: (record) => [
      { sql: record.col('receivedAt'), type: 'timestamptz', direction: 'desc' },
      { sql: record.col('id'), type: 'uuid', direction: 'asc' },
    ],
  })
  sourceRecords!: SourceRecordView[];

  @Field(() => [FieldLineageView], {
    description:
      'Which source record supplied each golden field (survivorship): stewards and underwriting.',
  })
  @Related({
    kind: 'many',
    type: () => FieldLineageView,
    access: FIELDS.matchEvidence,
    source: (customer, item) => ({
      from: `jsonb_each_text(${customer.col('lineage')}) as ${item.alias}(field, record_id)`,
      where: [],
    }),
    orderBy: (item) => [{ sql: `${item.alias}.field`, type: 'text', direction: 'asc' }],
  })
  lineage!: FieldLineageView[];

  @Field(() => PolicyConnection, { description: 'Policies on which the customer is a party.' })
  @Related({
    seenWithParent: true,
    kind: 'connection',
    type: () => PolicyView,
    args: () => CustomerPoliciesArgs,
    source: (customer, policy, args) => ({
      where: [
        `${policy.col('id')} in (${customerPolicyIds(customer)})`,
        ...anyOf(policy, policy.col('status'), args.status, 'status'),
        ...anyOf(policy, policy.col('line'), args.line, 'line'),
      ],
    }),
    orderBy: (policy) => policyOrder(policy),
  })
  policies!: InstanceType<typeof PolicyConnection>;

  @Field(() => ClaimConnection, { description: "Claims on the customer's policies." })
  @Related({
    seenWithParent: true,
    access: FIELDS.claims,
    kind: 'connection',
    type: () => ClaimView,
    args: () => CustomerClaimsArgs,
    source: (customer, claim, args) => ({
      where: [
        `${claim.col('policy')} in (${customerPolicyIds(customer)})`,
        ...(args.open === true ? [OPEN_CLAIM(claim)] : []),
        ...(args.open === false ? [`not (${OPEN_CLAIM(claim)})`] : []),
      ],
    }),
    orderBy: (claim) => claimOrder(claim),
  })
  claims!: InstanceType<typeof ClaimConnection>;

  @Field(() => [VehicleView], { description: "Vehicles on the customer's policies." })
  @Related({
    seenWithParent: true,
    kind: 'many',
    type: () => VehicleView,
    source: (customer, vehicle) => ({
      where: [
        `${vehicle.col('id')} in (select p.vehicle_id from policy p where p.id in (${customerPolicyIds(customer)}))`,
      ],
    }),
    orderBy: (vehicle) => [{ sql: vehicle.col('vin'), type: 'text', direction: 'asc' }],
  })
  vehicles!: VehicleView[];

  @Field(() => [RiskScoreView], { description: 'The latest customer score of each stage.' })
  @OneScorePerStage()
  @Related({
    access: FIELDS.riskScores,
    kind: 'many',
    type: () => RiskScoreView,
    source: (customer, score) => ({
      from: latestScoresSource('customer_id', customer.col('id'), score.alias),
      where: [],
    }),
    orderBy: (score) => [{ sql: score.col('stage'), type: 'text', direction: 'asc' }],
  })
  latestRiskScores!: RiskScoreView[];

  @Field(() => RiskScoreConnection, { description: 'Every customer score, newest first.' })
  @Related(scoreHistory('customer'))
  riskScores!: InstanceType<typeof RiskScoreConnection>;

  @Field(() => RiskHistoryView, { description: 'Claims and loss ratio over all its policies.' })
  @Related({
    access: FIELDS.riskScores,
    kind: 'one',
    type: () => RiskHistoryView,
    args: () => AsOfArgs,
    source: (customer, history, args, context) => ({
      from: riskHistoryRow(
        customerPolicyIds(customer),
        asOfSql(customer, args.asOf, context),
        history.alias,
      ),
      where: [],
    }),
  })
  riskHistory!: Nested<RiskHistoryView>;

  @Field(() => TierAssignmentView, {
    nullable: true,
    description: 'The tier now, or at the end of asOf (Beijing time) for a past date.',
  })
  @Related({
    kind: 'one',
    type: () => TierAssignmentView,
    args: () => AsOfArgs,
    source: (customer, assignment, args, context) => ({
      where: [
        `${assignment.col('customer')} = ${customer.col('id')}`,
        assignmentAt(assignment.alias, endOfKnownDay(customer, context.clock, 'asOf', args.asOf)),
      ],
    }),
    // The open assignment's tier is on the customer row (kept by trigger), and campaign
    // segments list it: their pages then skip a lookup per customer.
    onParent: (customer, args) =>
      args.asOf
        ? undefined
        : {
            exists: `${customer.col('currentTier')} is not null`,
            fields: { tier: customer.col('currentTier') },
          },
  })
  tier?: Nested<TierAssignmentView>;

  @Field(() => TierAssignmentConnection, {
    description:
      'Every tier change, newest first: its own, and those of the customers merged into it, each naming its customer.',
  })
  @Related({
    access: FIELDS.tierHistory,
    kind: 'connection',
    type: () => TierAssignmentView,
    args: () => ConnectionArgs,
    // A merge leaves the absorbed customer's periods its own (moved, they would give the
    // survivor two tiers on past days) and brings them along here; an unmerge takes them back.
    source: (customer, assignment) => ({
      where: [
        `${assignment.col('customer')} = any(array(select ${customer.col('id')} union all
          select m.id from customer m where m.merged_into_id = ${customer.col('id')}))`,
      ],
    }),
    orderBy: (assignment) => [
      { sql: assignment.col('validFrom'), type: 'timestamptz', direction: 'desc' },
      { sql: assignment.col('id'), type: 'int', direction: 'desc' },
    ],
  })
  tierHistory!: InstanceType<typeof TierAssignmentConnection>;

  @Field(() => [EntitlementView], {
    description: 'The services of the current tier, each granted or withheld by a risk gate.',
  })
  @Related({
    access: FIELDS.decisionBasis,
    kind: 'many',
    type: () => EntitlementView,
    source: (customer, entitlement, _args, { ruleSets }) => {
      const rules = ruleSets.entitlement;
      if (!rules?.document.grants.length) {
        return { from: `(select null::text as service) ${entitlement.alias}`, where: ['false'] };
      }
      return {
        from: `(select g.*, a.tier, ${rules.version} as rules_version,
            ${withheldSql(rules.document, 'g.service', 'a')} as withheld
          from ${grantRowsSql(rules.document, 'g')}
          join tier_assignment a on a.customer_id = ${customer.col('id')} and a.valid_to is null
          where a.tier = any(g.tiers)) ${entitlement.alias}`,
        where: [],
      };
    },
    orderBy: (entitlement) => [{ sql: `${entitlement.alias}.n`, type: 'int', direction: 'asc' }],
  })
  entitlements!: EntitlementView[];

  @Field(() => EligibilityDecisionConnection, { description: 'Recorded decisions, newest first.' })
  @Related({
    access: FIELDS.eligibilityDecisions,
    kind: 'connection',
    type: () => EligibilityDecisionView,
    args: () => ConnectionArgs,
    source: (customer, decision) => ({
      where: [`${decision.col('customer')} = ${customer.col('id')}`],
    }),
    orderBy: (decision) => [
      { sql: decision.col('createdAt'), type: 'timestamptz', direction: 'desc' },
      { sql: decision.col('id'), type: 'uuid', direction: 'asc' },
    ],
  })
  eligibilityDecisions!: InstanceType<typeof EligibilityDecisionConnection>;
}

export const CustomerConnection = Connection(CustomerView, 'Customer');

import { Check, Entity, Enum, Index, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { MONEY, SUM_INSURED } from '../../db/decimal-columns';
import { BaseEntity } from '../../db/base.entity';
import { Branch } from '../branch/branch.entity';
import { SourceSystem } from '../customer/customer.enums';
import { Vehicle, VehicleUse } from '../vehicle/vehicle.entity';
import { LineOfBusiness, PolicyStatus, SalesChannel } from './policy.enums';

/** `expiryDate` is the last day covered (policies run to 24:00 of that day). */
@Entity({ tableName: 'policy' })
@Check({ name: 'policy_period_check', expression: 'expiry_date >= effective_date' })
@Check({ name: 'policy_amounts_check', expression: 'premium >= 0 and sum_insured >= 0' })
@Check({
  name: 'policy_auto_vehicle_check',
  // Spelled without NOT IN: PostgreSQL stores that as <> ALL (ARRAY[...]), and the
  // migration check would then see a difference on every run.
  expression: `vehicle_id is not null or (line <> 'COMPULSORY_AUTO' and line <> 'COMMERCIAL_AUTO')`,
})
@Index({ name: 'policy_expiry_idx', properties: ['expiryDate'] })
// A customer's policies are listed by id from policy_party (segment pages list fifty
// customers' in force): this answers the list without reading the table.
@Index({
  name: 'policy_listing_idx',
  expression: `create index "policy_listing_idx" on "policy" ("id") include ("status", "expiry_date", "line", "policy_no")`,
})
// A policy is renewed once: a second renewal would count as one its holder never made.
@Index({
  name: 'policy_renews_once',
  expression: `create unique index "policy_renews_once" on "policy" ("renews_id") where "status" <> 'CANCELLED'`,
})
export class Policy extends BaseEntity<'version'> {
  @Property({ type: 'text', unique: true })
  policyNo!: string;

  @Enum({ items: () => LineOfBusiness, type: 'text' })
  line!: LineOfBusiness;

  @Property({ type: 'text' })
  productCode!: string;

  @Enum({ items: () => SalesChannel, type: 'text' })
  channel!: SalesChannel;

  @ManyToOne(() => Branch, { deleteRule: 'restrict' })
  @Index()
  branch!: Rel<Branch>;

  @Property({ type: 'date' })
  effectiveDate!: string;

  @Property({ type: 'date' })
  expiryDate!: string;

  @Property({ type: 'decimal', ...MONEY })
  premium!: string;

  @Property({ type: 'decimal', ...SUM_INSURED })
  sumInsured!: string;

  @Enum({ items: () => PolicyStatus, type: 'text' })
  status!: PolicyStatus;

  /** The policy this one renews: it starts before this one (RENEWAL_ORDER, also a trigger). */
  @ManyToOne(() => Policy, { nullable: true, deleteRule: 'set null' })
  @Index()
  renews?: Rel<Policy>;

  @ManyToOne(() => Vehicle, { nullable: true, deleteRule: 'restrict' })
  @Index()
  vehicle?: Rel<Vehicle>;

  /**
   * The vehicle as this policy describes it. A car changes plate, use and owner over the
   * years: a caller who sees some of its policies sees it as the latest of those describes
   * it, never as another branch's customer's policy does.
   */
  @Property({ type: 'text', nullable: true })
  @Index()
  vehiclePlate?: string | null;

  @Enum({ items: () => VehicleUse, type: 'text', nullable: true })
  vehicleUse?: VehicleUse | null;

  @Property({ type: 'boolean', nullable: true })
  vehicleNewEnergy?: boolean | null;

  @Enum({ items: () => SourceSystem, type: 'text' })
  sourceSystem!: SourceSystem;

  /** Digest of the record as last ingested: a resent, unchanged policy is a no-op. */
  @Property({ type: 'text' })
  contentHash!: string;

  @Property({ type: 'integer', version: true })
  version!: number;
}

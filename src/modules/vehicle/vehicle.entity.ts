import { Entity, Enum, Index, Property } from '@mikro-orm/core';
import { BaseEntity } from '../../db/base.entity';

/** 家庭自用车 (FAMILY_PRIVATE) is the core private-car segment. */
export enum VehicleUse {
  FAMILY_PRIVATE = 'FAMILY_PRIVATE',
  NON_OPERATING = 'NON_OPERATING',
  OPERATING = 'OPERATING',
  SPECIAL = 'SPECIAL',
}

/**
 * A vehicle is its own record, keyed by VIN, so its history (policies, claims, scores)
 * survives a change of owner or of plate.
 */
@Entity({ tableName: 'vehicle' })
export class Vehicle extends BaseEntity<'newEnergy'> {
  @Property({ type: 'text', unique: true })
  vin!: string;

  @Property({ type: 'text', nullable: true })
  @Index()
  plate?: string;

  @Enum({ items: () => VehicleUse, type: 'text' })
  use!: VehicleUse;

  @Property({ type: 'boolean', default: false })
  newEnergy: boolean = false;
}

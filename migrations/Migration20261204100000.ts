import { Migration } from '@mikro-orm/migrations';

/**
 * A policy keeps the vehicle as it describes it (plate, use, new energy): a caller who sees
 * some of a car's policies sees the car as the latest of those describes it. Policies
 * written before are taken to describe their car as it stands now, the only description
 * kept until then.
 */
export class Migration20261204100000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "policy" add column "vehicle_plate" text null, add column "vehicle_use" text check ("vehicle_use" in ('FAMILY_PRIVATE', 'NON_OPERATING', 'OPERATING', 'SPECIAL')) null, add column "vehicle_new_energy" boolean null;`);
    this.addSql(`create index "policy_vehicle_plate_index" on "policy" ("vehicle_plate");`);
    this.addSql(`update policy p set vehicle_plate = v.plate, vehicle_use = v.use, vehicle_new_energy = v.new_energy
      from vehicle v where v.id = p.vehicle_id;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "policy_vehicle_plate_index";`);
    this.addSql(`alter table "policy" drop column "vehicle_plate", drop column "vehicle_use", drop column "vehicle_new_energy";`);
  }

}

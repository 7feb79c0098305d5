import { Migration } from '@mikro-orm/migrations';

/**
 * A payment in advance (垫付) is made before assessment: the stage order held by the
 * database refused an advance-paid claim once it was surveyed, assessed or approved after
 * the payment, so its source could no longer send it on. The payment still comes after the
 * report, the registration and before the closing.
 */
export class Migration20261203600000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "claim" drop constraint claim_stage_order_check;`);

    this.addSql(`alter table "claim" add constraint claim_stage_order_check check((registered_at is null or reported_at is null or registered_at >= reported_at) and (surveyed_at is null or reported_at is null or surveyed_at >= reported_at) and (surveyed_at is null or registered_at is null or surveyed_at >= registered_at) and (assessed_at is null or reported_at is null or assessed_at >= reported_at) and (assessed_at is null or registered_at is null or assessed_at >= registered_at) and (assessed_at is null or surveyed_at is null or assessed_at >= surveyed_at) and (approved_at is null or reported_at is null or approved_at >= reported_at) and (approved_at is null or registered_at is null or approved_at >= registered_at) and (approved_at is null or surveyed_at is null or approved_at >= surveyed_at) and (approved_at is null or assessed_at is null or approved_at >= assessed_at) and (paid_at is null or reported_at is null or paid_at >= reported_at) and (paid_at is null or registered_at is null or paid_at >= registered_at) and (advance_payment or (paid_at is null or surveyed_at is null or paid_at >= surveyed_at)) and (advance_payment or (paid_at is null or assessed_at is null or paid_at >= assessed_at)) and (advance_payment or (paid_at is null or approved_at is null or paid_at >= approved_at)) and (closed_at is null or reported_at is null or closed_at >= reported_at) and (closed_at is null or registered_at is null or closed_at >= registered_at) and (closed_at is null or surveyed_at is null or closed_at >= surveyed_at) and (closed_at is null or assessed_at is null or closed_at >= assessed_at) and (closed_at is null or approved_at is null or closed_at >= approved_at) and (closed_at is null or paid_at is null or closed_at >= paid_at));`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "claim" drop constraint claim_stage_order_check;`);

    this.addSql(`alter table "claim" add constraint claim_stage_order_check check(((registered_at IS NULL) OR (reported_at IS NULL) OR (registered_at >= reported_at)) AND ((surveyed_at IS NULL) OR (reported_at IS NULL) OR (surveyed_at >= reported_at)) AND ((surveyed_at IS NULL) OR (registered_at IS NULL) OR (surveyed_at >= registered_at)) AND ((assessed_at IS NULL) OR (reported_at IS NULL) OR (assessed_at >= reported_at)) AND ((assessed_at IS NULL) OR (registered_at IS NULL) OR (assessed_at >= registered_at)) AND ((assessed_at IS NULL) OR (surveyed_at IS NULL) OR (assessed_at >= surveyed_at)) AND ((approved_at IS NULL) OR (reported_at IS NULL) OR (approved_at >= reported_at)) AND ((approved_at IS NULL) OR (registered_at IS NULL) OR (approved_at >= registered_at)) AND ((approved_at IS NULL) OR (surveyed_at IS NULL) OR (approved_at >= surveyed_at)) AND ((approved_at IS NULL) OR (assessed_at IS NULL) OR (approved_at >= assessed_at)) AND ((paid_at IS NULL) OR (reported_at IS NULL) OR (paid_at >= reported_at)) AND ((paid_at IS NULL) OR (registered_at IS NULL) OR (paid_at >= registered_at)) AND ((paid_at IS NULL) OR (surveyed_at IS NULL) OR (paid_at >= surveyed_at)) AND ((paid_at IS NULL) OR (assessed_at IS NULL) OR (paid_at >= assessed_at)) AND ((paid_at IS NULL) OR (approved_at IS NULL) OR (paid_at >= approved_at)) AND ((closed_at IS NULL) OR (reported_at IS NULL) OR (closed_at >= reported_at)) AND ((closed_at IS NULL) OR (registered_at IS NULL) OR (closed_at >= registered_at)) AND ((closed_at IS NULL) OR (surveyed_at IS NULL) OR (closed_at >= surveyed_at)) AND ((closed_at IS NULL) OR (assessed_at IS NULL) OR (closed_at >= assessed_at)) AND ((closed_at IS NULL) OR (approved_at IS NULL) OR (closed_at >= approved_at)) AND ((closed_at IS NULL) OR (paid_at IS NULL) OR (closed_at >= paid_at)));`);
  }

}

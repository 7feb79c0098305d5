import { Arg, Authorized, Ctx, Info, Query, Resolver } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { CompiledRead } from '../../graphql/raw-json';
import { OPERATIONS } from '../../auth/access';
import { ROWS } from '../../auth/rows';
import type { RequestContext } from '../../graphql/context';
import { BadUserInputError, validOrThrow } from '../../graphql/errors';
import type { LookupSource } from '../../read/read-session';
import { checkPlate, checkVin, typedIdentifier } from '../../validation';
import { VehicleView } from './vehicle.type';

const byColumn = (property: 'vin' | 'plate'): LookupSource => ({
  type: () => VehicleView,
  keyType: 'text',
  // A plate is reissued over the years, and kept from one car to the next: the vehicle whose
  // latest policy (by start, then number, as its plate is) is the latest, of those the
  // caller sees (another branch's would read as missing, and hide the caller's). Not the
  // row written last: a correction to the old car's policy would hand it the plate back.
  source: (v, k, viewer) => {
    const candidate = v.sibling('lv', 'Vehicle');
    const seen = ROWS.vehicle(candidate, viewer);
    return {
      from: `(select lv.* from vehicle lv
        left join lateral (select p.effective_date, p.policy_no from policy p
          where p.vehicle_id = lv.id order by p.effective_date desc, p.policy_no desc limit 1) lp
          on true
        where lv.${property} = ${k}
        ${seen.map((condition) => `and ${condition}`).join(' ')}
        order by lp.effective_date desc nulls last, lp.policy_no desc nulls last,
          lv.updated_at desc limit 1) ${v.alias}`,
      where: [],
    };
  },
});
const VEHICLE_BY = { vin: byColumn('vin'), plate: byColumn('plate') };

@Resolver(() => VehicleView)
export class VehicleResolver {
  @Authorized(OPERATIONS.vehicleLookup)
  @CompiledRead()
  @Query(() => VehicleView, { nullable: true, description: 'A vehicle by VIN or by plate.' })
  vehicle(
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
    @Arg('vin', () => String, { nullable: true }) vin?: string,
    @Arg('plate', () => String, { nullable: true }) plate?: string,
  ): Promise<unknown> {
    if (!vin === !plate) {
      throw new BadUserInputError('give exactly one of vin and plate', {
        field: 'vin',
        rule: 'EXACTLY_ONE',
      });
    }
    const { normalized } = vin
      ? validOrThrow('vin', checkVin(typedIdentifier(vin)))
      : validOrThrow('plate', checkPlate(typedIdentifier(plate!)));
    return context.read.lookup(info, VEHICLE_BY[vin ? 'vin' : 'plate'], normalized);
  }
}

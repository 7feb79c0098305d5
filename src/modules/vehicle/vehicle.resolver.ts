import { Arg, Authorized, Ctx, Info, Query, Resolver } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { CompiledRead } from '../../graphql/raw-json';
import { OPERATIONS } from '../../auth/access';
import type { RequestContext } from '../../graphql/context';
import { BadUserInputError, validOrThrow } from '../../graphql/errors';
import type { LookupSource } from '../../read/read-session';
import { checkPlate, checkVin, typedIdentifier } from '../../validation';
import { vehicleFound } from './vehicle.sql';
import { VehicleView } from './vehicle.type';

const byColumn = (column: 'vin' | 'plate'): LookupSource => ({
  type: () => VehicleView,
  keyType: 'text',
  source: (v, k, viewer, context) => ({
    from: `(${vehicleFound(v, column, k, viewer, context)}) ${v.alias}`,
    where: [],
  }),
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

import { Field, ID, ObjectType } from 'type-graphql';
import { FIELDS } from '../../auth/access';
import { AsOfArgs } from '../../graphql/common.args';
import { ROWS } from '../../auth/rows';
import { Column, Expression, ReadsFrom, Related, type Nested } from '../../read/read-model';
import { RiskHistoryView } from '../risk/risk-history.type';
import { asOfSql, riskHistoryRow } from '../risk/risk-history.sql';
import {
  latestScoresSource,
  OneScorePerStage,
  RiskScoreConnection,
  RiskScoreView,
  scoreHistory,
} from '../risk/risk-score.type';
import { Vehicle, VehicleUse } from './vehicle.entity';
import { describedBy } from './vehicle.sql';

@ObjectType('Vehicle', { description: 'A vehicle by VIN; its history survives changes of owner.' })
@ReadsFrom(() => Vehicle, { rows: ROWS.vehicle })
export class VehicleView {
  @Field(() => ID)
  @Column()
  id!: string;

  @Field(() => String)
  @Column({ access: FIELDS.vehicleIdentity })
  vin!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'As its current policy the caller sees describes it: the latest started by today, else the first bought ahead.',
  })
  @Expression(describedBy('plate'), { access: FIELDS.vehicleIdentity })
  plate?: string;

  @Field(() => VehicleUse, {
    description: 'As its current policy the caller sees says (as for plate).',
  })
  @Expression(describedBy('use'))
  use!: VehicleUse;

  @Field(() => Boolean, {
    description: 'As its current policy the caller sees says (as for plate).',
  })
  @Expression(describedBy('newEnergy'))
  newEnergy!: boolean;

  @Field(() => [RiskScoreView], { description: 'The latest score of each stage.' })
  @OneScorePerStage()
  @Related({
    access: FIELDS.riskScores,
    kind: 'many',
    type: () => RiskScoreView,
    source: (vehicle, score) => ({
      from: latestScoresSource('vehicle_id', vehicle.col('id'), score.alias),
      where: [],
    }),
    orderBy: (score) => [{ sql: score.col('stage'), type: 'text', direction: 'asc' }],
  })
  latestRiskScores!: RiskScoreView[];

  @Field(() => RiskScoreConnection, { description: 'Every score of the vehicle, newest first.' })
  @Related(scoreHistory('vehicle'))
  riskScores!: InstanceType<typeof RiskScoreConnection>;

  @Field(() => RiskHistoryView, { description: 'Claims and loss ratio over all its policies.' })
  @Related({
    access: FIELDS.riskScores,
    kind: 'one',
    type: () => RiskHistoryView,
    args: () => AsOfArgs,
    source: (vehicle, history, args, context) => ({
      from: riskHistoryRow(
        `select p.id from policy p where p.vehicle_id = ${vehicle.col('id')}`,
        asOfSql(vehicle, args.asOf, context),
        history.alias,
      ),
      where: [],
    }),
  })
  riskHistory!: Nested<RiskHistoryView>;
}

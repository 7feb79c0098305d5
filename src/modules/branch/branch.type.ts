import { Field, ID, ObjectType } from 'type-graphql';
import { Column, ReadsFrom, Related, type Nested } from '../../read/read-model';
import { Branch } from './branch.entity';
import { BranchLevel } from './branch.entity';

@ObjectType('Branch', { description: 'A node of the organisation tree (机构).' })
@ReadsFrom(() => Branch)
export class BranchView {
  @Field(() => ID)
  @Column()
  id!: string;

  @Field(() => String)
  @Column()
  code!: string;

  @Field(() => String)
  @Column()
  name!: string;

  @Field(() => BranchLevel)
  @Column()
  level!: BranchLevel;

  @Field(() => String, { description: 'Codes from the head office down, dot-separated.' })
  @Column()
  path!: string;

  @Field(() => BranchView, { nullable: true })
  @Related({
    kind: 'one',
    type: () => BranchView,
    source: (branch, parent) => ({ where: [`${parent.col('id')} = ${branch.col('parent')}`] }),
  })
  parent?: Nested<BranchView>;
}

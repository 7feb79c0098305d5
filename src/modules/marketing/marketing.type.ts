import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType('TierSegmentCount')
export class TierSegmentCountView {
  @Field(() => String, { nullable: true, description: 'Null for customers not tiered yet.' })
  tier?: string | null;

  @Field(() => String, { nullable: true, description: 'When asked per branch.' })
  branchCode?: string | null;

  @Field(() => Int)
  customers!: number;
}

import { LocalDateScalar } from '../../graphql/scalars';
import { ArgsType, Field, InputType } from 'type-graphql';
import { ConnectionArgs } from '../../graphql/connection';
import { RuledField } from '../ingestion/field-rules';
import { BranchStatus } from './branch.type';

@ArgsType()
export class BranchesArgs extends ConnectionArgs {
  @Field(() => String, {
    nullable: true,
    description: 'Only this branch and the branches under it.',
  })
  under?: string;

  @Field(() => [BranchStatus], { nullable: true, description: 'Open, closed, or both (default).' })
  status?: BranchStatus[];
}

@InputType('RenameBranchInput')
export class RenameBranchInput {
  @Field(() => String)
  code!: string;

  @RuledField('RenameBranchInput.name')
  name!: string;

  @Field(() => String, { nullable: true, description: 'Why, e.g. the approval reference.' })
  note?: string;
}

@InputType('MoveBranchInput')
export class MoveBranchInput {
  @Field(() => String)
  code!: string;

  @Field(() => String, {
    description: 'The new parent. The branch becomes one level below it, and so does its subtree.',
  })
  parentCode!: string;

  @Field(() => String, { nullable: true, description: 'Why, e.g. the approval reference.' })
  note?: string;
}

@InputType('CloseBranchInput')
export class CloseBranchInput {
  @Field(() => String)
  code!: string;

  @Field(() => LocalDateScalar, {
    nullable: true,
    description: 'The day it closes (open up to the day before): today by default, not later.',
  })
  on?: string;

  @Field(() => String, {
    nullable: true,
    description:
      "An open branch to move the branch's active customers to; it becomes the successor that " +
      'later records naming the closed branch resolve to. Required while it has active customers.',
  })
  moveCustomersTo?: string;

  @Field(() => String, { nullable: true, description: 'Why, e.g. the approval reference.' })
  note?: string;
}

import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { JSONObjectResolver } from 'graphql-scalars';
import { RuleSetKind } from './rule-set-version.entity';

@ObjectType('RuleSetProblem', { description: 'What is wrong with a rule document, and where.' })
export class RuleSetProblemView {
  @Field(() => String, { description: 'A path in the document, e.g. riskClasses[2].when[0].' })
  path!: string;

  @Field(() => String, { description: 'A stable code, e.g. OVERLAP or UNREACHABLE.' })
  rule!: string;

  @Field(() => String)
  message!: string;
}

@ObjectType('RuleSetValidation')
export class RuleSetValidationView {
  @Field(() => Boolean)
  valid!: boolean;

  @Field(() => [RuleSetProblemView])
  problems!: RuleSetProblemView[];
}

@ObjectType('RuleSetDraft')
export class RuleSetDraftView extends RuleSetValidationView {
  @Field(() => ID)
  id!: string;

  @Field(() => Int)
  version!: number;
}

@ObjectType('TierTransition', { description: 'How many customers move from one tier to another.' })
export class TierTransitionView {
  @Field(() => String, { nullable: true, description: 'Null for customers without a tier yet.' })
  fromTier?: string | null;

  @Field(() => String)
  toTier!: string;

  @Field(() => String, { nullable: true, description: 'When asked per branch.' })
  branchCode?: string | null;

  @Field(() => Int)
  customers!: number;
}

@InputType('RuleSetDraftInput')
export class RuleSetDraftInput {
  @Field(() => RuleSetKind)
  kind!: RuleSetKind;

  @Field(() => JSONObjectResolver, { description: 'The rules, in the rule set document format.' })
  document!: Record<string, unknown>;

  @Field(() => String, { description: 'What this version changes, and why.' })
  note!: string;
}

import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { JSONObjectResolver } from 'graphql-scalars';
import { PolicyKind } from './policy-version.entity';

@ObjectType('PolicyProblem', { description: 'What is wrong with a rule document, and where.' })
export class PolicyProblemView {
  @Field(() => String, { description: 'A path in the document, e.g. riskClasses[2].when[0].' })
  path!: string;

  @Field(() => String, { description: 'A stable code, e.g. OVERLAP or UNREACHABLE.' })
  rule!: string;

  @Field(() => String)
  message!: string;
}

@ObjectType('PolicyValidation')
export class PolicyValidationView {
  @Field(() => Boolean)
  valid!: boolean;

  @Field(() => [PolicyProblemView])
  problems!: PolicyProblemView[];
}

@ObjectType('PolicyDraft')
export class PolicyDraftView extends PolicyValidationView {
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

@ObjectType('PolicyActivation')
export class PolicyActivationView {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, { description: 'Customers whose tier was recomputed.' })
  evaluated!: number;

  @Field(() => Int, { description: 'Customers whose assignment changed.' })
  changed!: number;
}

@InputType('PolicyDraftInput')
export class PolicyDraftInput {
  @Field(() => PolicyKind)
  kind!: PolicyKind;

  @Field(() => JSONObjectResolver, { description: 'The rules, as the policy document format.' })
  document!: Record<string, unknown>;

  @Field(() => String, { description: 'What this version changes, and why.' })
  note!: string;
}

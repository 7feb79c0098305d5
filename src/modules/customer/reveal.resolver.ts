import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { OPERATIONS, RevealPurpose } from '../../auth/access';
import type { RequestContext } from '../../graphql/context';
import { actorOf } from '../audit/audit-log';
import { RevealedValue, RevealTarget } from './reveal.type';

@Resolver()
export class RevealResolver {
  @Authorized(OPERATIONS.reveal)
  @Mutation(() => RevealedValue, {
    description:
      'One personal value unmasked, for a purpose your role may state; every reveal is audited.',
  })
  reveal(
    @Arg('purpose', () => RevealPurpose) purpose: RevealPurpose,
    @Arg('target', () => RevealTarget) target: RevealTarget,
    @Ctx() context: RequestContext,
  ): Promise<RevealedValue> {
    return context.services.reveal.reveal(
      actorOf(context.caller, context.requestId),
      context.read,
      purpose,
      target,
    );
  }
}

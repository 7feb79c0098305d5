import type { AuthCheckerInterface, ResolverData } from 'type-graphql';
import { ForbiddenError } from '../graphql/errors';
import type { RequestContext } from '../graphql/context';
import type { Role } from './roles';

/** Enforces `@Authorized(OPERATIONS.x)`: the caller's role must be one of those listed. */
export class RoleAuthChecker implements AuthCheckerInterface<RequestContext, Role> {
  check({ context, info }: ResolverData<RequestContext>, roles: Role[]): boolean {
    if (roles.includes(context.caller.role)) return true;
    throw new ForbiddenError(`Role ${context.caller.role} may not call ${info.fieldName}`, {
      role: context.caller.role,
    });
  }
}

import { ForbiddenError } from '../graphql/errors';
import { maskPersonal } from '../logger';
import type { Caller } from './roles';

/**
 * What applies to the whole company (its rule sets, the documents every client runs) is
 * changed from the head office only: a branch's caller changing it would change what every
 * other branch gets. FORBIDDEN, rule HEAD_OFFICE, saying `why`.
 */
export function requireHeadOffice(caller: Caller, why: string): void {
  if (!caller.branchPath.includes('.')) return;
  throw new ForbiddenError(
    `${why}: changed from the head office, not branch ${maskPersonal(caller.branchCode)}`,
    {
      role: caller.role,
      rule: 'HEAD_OFFICE',
    },
  );
}

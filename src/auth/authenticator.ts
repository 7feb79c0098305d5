import type { EntityManager } from '@mikro-orm/postgresql';
import { outageOf } from '../db/outage';
import { maskPersonal } from '../logger';
import { ServiceUnavailableError, UnauthenticatedError } from '../graphql/errors';
import { ApiKeyService } from '../modules/api-key/api-key.service';
import { BRANCH_CODE } from '../modules/branch/branch.entity';
import type { BranchDirectory } from '../modules/branch/branch-directory';
import { Role, type Caller } from './roles';
import type { TokenVerifier } from './tokens';

/** `Authorization: Bearer <token>`, or `ApiKey <key>` for a source system. */
const AUTHORIZATION = /^(Bearer|ApiKey)\s+(\S+)$/i;

/**
 * Who is calling, from the Authorization header: a verified token or a known, unrevoked API
 * key, naming a branch that exists and is open. Any other request is UNAUTHENTICATED, with
 * a message that says what is wrong and never repeats the credential.
 */
export class Authenticator {
  constructor(
    private readonly tokens: TokenVerifier,
    private readonly em: EntityManager,
    private readonly branches: BranchDirectory,
  ) {}

  async caller(authorization: string | undefined): Promise<Caller> {
    const [, scheme, credential] = AUTHORIZATION.exec(authorization ?? '') ?? [];
    if (!scheme) {
      throw new UnauthenticatedError(
        'Send Authorization: Bearer <token>, or ApiKey <key> from a source system',
      );
    }
    if (scheme.toLowerCase() === 'apikey') return this.apiKeyCaller(credential);
    const claims = await this.tokens.verify(credential);
    const branchPath = await this.openBranch(claims.branchCode, 'The bearer token');
    return { ...claims, branchPath };
  }

  private async apiKeyCaller(key: string): Promise<Caller> {
    const holder = await unavailableOnOutage(new ApiKeyService(this.em.fork()).holderOf(key));
    if (!holder) throw new UnauthenticatedError('The API key is not known');
    if (holder.revoked) throw new UnauthenticatedError('The API key has been revoked');
    return {
      subject: `api-key:${holder.id}`,
      role: Role.INGEST,
      branchCode: holder.branchCode,
      branchPath: await this.openBranch(holder.branchCode, 'The API key'),
      sourceSystem: holder.sourceSystem,
    };
  }

  /** The path of the caller's branch, which must exist and be open. */
  private async openBranch(code: string, credential: string): Promise<string> {
    // Checked before it is repeated in a message or looked up.
    if (!BRANCH_CODE.test(code)) {
      throw new UnauthenticatedError(`${credential} names no valid branch code`);
    }
    const branch = await unavailableOnOutage(this.branches.find(code));
    // A code is the issuer's word, and may be anything that fits its format.
    const named = maskPersonal(code);
    if (!branch)
      throw new UnauthenticatedError(`${credential} names branch ${named}, which does not exist`);
    if (!branch.open)
      throw new UnauthenticatedError(`${credential} names branch ${named}, which is closed`);
    return branch.path;
  }
}

/** A database outage while authenticating is the hub's, not the caller's: 503, not 401. */
async function unavailableOnOutage<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    const outage = outageOf(error);
    throw outage ? new ServiceUnavailableError(outage) : error;
  }
}

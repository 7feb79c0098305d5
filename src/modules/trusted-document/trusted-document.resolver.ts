import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { OPERATIONS } from '../../auth/access';
import { requireHeadOffice } from '../../auth/head-office';
import type { Caller } from '../../auth/roles';
import type { RequestContext } from '../../graphql/context';
import { BadUserInputError, NotFoundError } from '../../graphql/errors';
import {
  TrustedDocumentInput,
  TrustedDocumentRegistrationView,
  TrustedDocumentView,
} from './trusted-document.type';
import { AuditAction } from '../audit/audit-event.entity';
import { parseDocumentId, registrationAudit, TrustedDocumentRejected } from './trusted-documents';

const by = (caller: Caller) => `${caller.subject} (${caller.role})`;

/** Every client of the deployment runs these documents, whatever its branch. */
const DEPLOYMENT_WIDE = 'trusted documents serve every branch';

@Resolver()
export class TrustedDocumentResolver {
  @Authorized(OPERATIONS.trustedDocumentAdmin)
  @Query(() => [TrustedDocumentView], {
    description: 'The registered documents, newest first; revoked ones too when asked.',
  })
  trustedDocuments(
    @Arg('includeRevoked', () => Boolean, { defaultValue: false }) includeRevoked: boolean,
    @Ctx() context: RequestContext,
  ): Promise<TrustedDocumentView[]> {
    return context.services.trustedDocuments.list({ includeRevoked });
  }

  @Authorized(OPERATIONS.trustedDocumentAdmin)
  @Mutation(() => TrustedDocumentRegistrationView, {
    description:
      'Registers a document (idempotent; a revoked one is restored). It must validate against the schema and the document limits.',
  })
  async registerTrustedDocument(
    @Arg('input', () => TrustedDocumentInput) input: TrustedDocumentInput,
    @Ctx() context: RequestContext,
  ): Promise<TrustedDocumentRegistrationView> {
    requireHeadOffice(context.caller, DEPLOYMENT_WIDE);
    try {
      const { record, outcome } = await context.services.trustedDocuments.register(input.document, {
        name: input.name,
        by: by(context.caller),
      });
      await context.audit(registrationAudit(record, outcome));
      return { outcome, trustedDocument: record };
    } catch (error) {
      if (!(error instanceof TrustedDocumentRejected)) throw error;
      throw new BadUserInputError(`input.document: ${error.message}`, {
        field: 'input.document',
        rule: 'INVALID_DOCUMENT',
      });
    }
  }

  @Authorized(OPERATIONS.trustedDocumentAdmin)
  @Mutation(() => TrustedDocumentView, {
    description: 'Revokes a document: requests naming its hash are refused from then on.',
  })
  async revokeTrustedDocument(
    @Arg('hash', () => String) hash: string,
    @Ctx() context: RequestContext,
  ): Promise<TrustedDocumentView> {
    requireHeadOffice(context.caller, DEPLOYMENT_WIDE);
    const key = parseDocumentId(hash);
    if (!key) {
      throw new BadUserInputError('hash: must be 64 hexadecimal digits (a SHA-256)', {
        field: 'hash',
        rule: 'HASH_FORMAT',
      });
    }
    const record = await context.services.trustedDocuments.revoke(key, by(context.caller));
    if (!record) throw new NotFoundError(`No document is registered under ${key}`, 'hash');
    await context.audit({
      action: AuditAction.TRUSTED_DOCUMENT_CHANGE,
      target: { type: 'TrustedDocument', id: key },
      details: { outcome: 'REVOKED' },
    });
    return record;
  }
}

import type { EntityManager } from '@mikro-orm/postgresql';
import {
  REVEAL_NEEDS,
  REVEALS,
  type RevealField,
  type RevealNeed,
  type RevealPurpose,
} from '../../auth/access';
import {
  BadUserInputError,
  ForbiddenError,
  NotFoundError,
  validOrThrow,
} from '../../graphql/errors';
import type { ReadSession } from '../../read/read-session';
import type { BusinessClock } from '../../time/clock';
import { checkUuid } from '../../validation';
import { AuditAction, AuditEvent } from '../audit/audit-event.entity';
import { ClaimView } from '../claim/claim.type';
import { AuditLog, type AuditActor } from '../audit/audit-log';
import { ContactPoint } from './contact-point.entity';
import { CustomerView } from './customer.type';
import { IdentityDocument } from './identity-document.entity';
import type { PiiCipher } from './pii-cipher';
import type { RevealedValue, RevealTarget } from './reveal.type';

/** Where each revealable field is kept, encrypted. */
const SOURCES = {
  identityNumber: {
    argument: 'identityDocumentId' as const,
    target: 'IdentityDocument',
    load: (em: EntityManager, id: string) =>
      em
        .findOne(IdentityDocument, id, { fields: ['customer', 'numberCipher'] })
        .then((row) => row && { customerId: row.customer.id, cipher: row.numberCipher }),
  },
  contactValue: {
    argument: 'contactPointId' as const,
    target: 'ContactPoint',
    load: (em: EntityManager, id: string) =>
      em
        .findOne(ContactPoint, id, { fields: ['customer', 'valueCipher'] })
        .then((row) => row && { customerId: row.customer.id, cipher: row.valueCipher }),
  },
} satisfies Record<RevealField, { argument: keyof RevealTarget; target: string; load: unknown }>;

/**
 * Whether what a purpose needs is true of the customer, among the rows the caller may see:
 * a claim of another branch's policy is not one a caller can be calling about.
 */
const MEETS: Record<RevealNeed, (read: ReadSession, customerId: string) => Promise<boolean>> = {
  CLAIM: async (read, customerId) => {
    const rows = await read.aggregate<{ id: string }>(
      {
        type: () => ClaimView,
        source: (claim) => {
          const customer = claim.param(customerId, 'uuid');
          const party = claim.sibling('mpp', 'PolicyParty');
          return {
            where: [
              `(${claim.col('claimant')} = ${customer} or exists (select 1 from ${party.table} mpp
                where ${party.col('policy')} = ${claim.col('policy')} and ${party.col('customer')} = ${customer}))`,
            ],
          };
        },
      },
      ({ from, where, row }) => `select ${row.col('id')}::text as id from ${from}${where} limit 1`,
    );
    return rows.length > 0;
  },
};

/**
 * Purposeful reveal (PIPL minimum necessary access): every role reads personal values
 * masked; the full value is given only for a purpose the caller's role may state, on a
 * record the caller may see, and only once its audit entry is written.
 */
export class RevealService {
  private readonly audit: AuditLog;

  constructor(
    private readonly em: EntityManager,
    private readonly cipher: PiiCipher,
    clock: BusinessClock,
  ) {
    this.audit = new AuditLog(clock);
  }

  async reveal(
    actor: AuditActor,
    read: ReadSession,
    purpose: RevealPurpose,
    target: RevealTarget,
  ): Promise<RevealedValue> {
    const given = (Object.keys(SOURCES) as RevealField[]).filter(
      (field) => target[SOURCES[field].argument] != null,
    );
    if (given.length !== 1) {
      throw new BadUserInputError('name exactly one of identityDocumentId and contactPointId', {
        field: 'target',
        rule: 'EXACTLY_ONE',
      });
    }
    const [field] = given;
    const source = SOURCES[field];
    const id = validOrThrow(
      `target.${source.argument}`,
      checkUuid(String(target[source.argument])),
    );
    const allowed = REVEALS[purpose];
    if (!allowed.roles.includes(actor.role as never)) {
      throw new ForbiddenError(`Role ${actor.role} may not reveal for ${purpose}`, {
        role: actor.role,
        field: 'purpose',
      });
    }
    if (!allowed.fields.includes(field)) {
      throw new ForbiddenError(`${purpose} does not cover ${source.target} values`, {
        role: actor.role,
        field: `target.${source.argument}`,
      });
    }
    const row = await source.load(this.em, id);
    // A record outside the caller's branch or segment is answered as a missing one.
    const seen = row ? await read.seenIds(() => CustomerView, [row.customerId]) : new Set();
    if (!row || !seen.has(row.customerId)) {
      throw new NotFoundError(`no ${source.target} has this id`, `target.${source.argument}`);
    }
    if (allowed.needs && !(await MEETS[allowed.needs](read, row.customerId))) {
      throw new ForbiddenError(
        `${purpose} is for a customer with ${REVEAL_NEEDS[allowed.needs]}; this one has none`,
        { role: actor.role, field: 'purpose', rule: 'PURPOSE_NOT_MET' },
      );
    }
    const entry = this.em.create(
      AuditEvent,
      this.audit.entity(actor, {
        action: AuditAction.PII_REVEAL,
        target: { type: source.target, id },
        purpose,
        details: { customer: row.customerId, field },
      }),
    );
    await this.em.flush();
    return { id, value: this.cipher.decrypt(row.cipher), purpose, auditEventId: entry.id };
  }
}

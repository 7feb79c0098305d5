import { CURRENT_FIRST, vehicleFound } from '../vehicle/vehicle.sql';
import { BadUserInputError, validOrThrow } from '../../graphql/errors';
import type { GraphQLResolveInfo } from 'graphql';
import type { LookupSource, ReadSession } from '../../read/read-session';
import type { Caller } from '../../auth/roles';
import type { CallerRateLimit } from '../../http/rate-limit';
import { AuditAction } from '../audit/audit-event.entity';
import type { AuditEntry } from '../audit/audit-log';
import { checkMobile, checkPlate, checkUuid, checkVin, typedIdentifier } from '../../validation';
import { ContactKind, IdentityDocumentType, PROVES_REACH } from './customer.enums';
import type { SqlScope } from '../../read/sql-scope';
import { seenCustomer, type Viewer } from '../../auth/rows';
import { CustomerView, RESOLVED_FROM } from './customer.type';
import { checkDocument } from './identity-rules';
import type { PiiHasher } from './pii-hasher';
import type { CustomerLookup } from './customer.input';

const customer = () => CustomerView;

/**
 * The customer `customerId` is one the viewer sees: a lookup that picks one of several
 * customers picks among those, since the others read as missing and would hide it.
 */
function seen(c: SqlScope, viewer: Viewer, customerId: string): string {
  return seenCustomer(c, customerId, viewer).join(' and ') || 'true';
}

/** The policyholder of the current policy (CURRENT_FIRST) on the vehicle found by `column`. */
function vehicleLookup(column: 'vin' | 'plate'): LookupSource {
  return {
    type: customer,
    keyType: 'text',
    source: (c, k, viewer, context) => ({
      where: [
        `${c.col('id')} = (select pp.customer_id from policy p
          join policy_party pp on pp.policy_id = p.id and pp.role = 'POLICYHOLDER'
          where p.vehicle_id = (select found.id from (${vehicleFound(c, column, k, viewer, context)}) found)
            and ${seen(c, viewer, 'pp.customer_id')}
          order by ${CURRENT_FIRST('p.effective_date', 'p.policy_no', c.param(context.clock.today(), 'date'))}
          limit 1)`,
      ],
    }),
  };
}

/**
 * The customer `named` (a condition on `m`) selects, or the survivor it was merged into
 * (merged_into always names an unmerged customer), with the merged-away id as RESOLVED_FROM.
 */
function followingMerges(c: SqlScope, named: (m: SqlScope) => string) {
  const m = c.sibling('m', 'Customer');
  const s = c.sibling('s', 'Customer');
  return {
    from: `(select s.*, nullif(${m.col('id')}, ${s.col('id')}) as ${RESOLVED_FROM}
      from ${c.table} m join ${c.table} s on ${s.col('id')} = coalesce(${m.col('mergedInto')}, ${m.col('id')})
      where ${named(m)}) ${c.alias}`,
    where: [],
  };
}

/** Each lookup key as SQL over the customer row `c` and the bound key `k`. */
const LOOKUPS = {
  id: {
    type: customer,
    keyType: 'uuid',
    source: (c, k) => followingMerges(c, (m) => `${m.col('id')} = ${k}::uuid`),
  },
  cifNo: {
    type: customer,
    keyType: 'text',
    source: (c, k) => followingMerges(c, (m) => `${m.col('cifNo')} = ${k}`),
  },
  identityDocument: {
    type: customer,
    keyType: 'text',
    source: (c, k) => ({
      where: [
        `${c.col('id')} = (select d.customer_id from identity_document d
          where d.type = split_part(${k}, ':', 1) and d.number_hash = decode(split_part(${k}, ':', 2), 'hex'))`,
      ],
    }),
  },
  mobile: {
    type: customer,
    keyType: 'text',
    source: (c, k, viewer) => ({
      where: [
        `${c.col('id')} = (select cp.customer_id from contact_point cp
          where cp.kind = 'MOBILE' and cp.value_hash = decode(${k}, 'hex')
            and ${seen(c, viewer, 'cp.customer_id')}
            -- A number on many customers (a dealer's) says nothing of who is calling: only
            -- a holder who proved it is theirs is found by it.
            and (not cp.generic or (cp.verification_status = 'VERIFIED'
              and cp.verification_method in (${PROVES_REACH.map((m) => `'${m}'`).join(', ')})))
          order by cp.verification_status = 'VERIFIED' desc, cp.verified_at desc nulls last,
            cp.created_at desc, cp.id
          limit 1)`,
      ],
    }),
  },
  policyNo: {
    type: customer,
    keyType: 'text',
    // The policyholder only, whoever else the caller sees on the policy: a lookup by policy
    // number answers who holds it (README), and an insured in its place would read as that.
    source: (c, k) => ({
      where: [
        `${c.col('id')} = (select pp.customer_id from policy_party pp join policy p on p.id = pp.policy_id
          where p.policy_no = ${k} order by pp.role = 'POLICYHOLDER' desc limit 1)`,
      ],
    }),
  },
  vin: vehicleLookup('vin'),
  plate: vehicleLookup('plate'),
} satisfies Record<string, LookupSource>;

/**
 * A key that is a person's own number: an identity document or a mobile. The masks leave a
 * few candidates of such a number, and a lookup tells which is a customer's, so these
 * lookups are counted against their own budget and audited, with the digest the number is
 * filed under (which names its customer without the number).
 */
interface PersonalKey {
  by: 'identityDocument' | 'mobile';
  type: string;
  digest: string;
}

interface Resolved {
  lookup: LookupSource;
  key: string;
  personal?: PersonalKey;
}

/** Finds the customer of the one key of a CustomerLookup, validating it first. */
export class CustomerLookupService {
  constructor(
    private readonly hasher: PiiHasher,
    private readonly request: {
      caller: Caller;
      read: ReadSession;
      audit: (entry: AuditEntry) => Promise<void>;
      budget: CallerRateLimit;
    },
  ) {}

  async find(asked: CustomerLookup, info: GraphQLResolveInfo): Promise<unknown> {
    const { lookup, key, personal } = this.resolve(asked);
    if (!personal) return this.request.read.lookup(info, lookup, key);
    await this.request.budget.consume(`subject:${this.request.caller.subject}`);
    const found = await this.request.read.lookup(info, lookup, key);
    await this.request.audit({
      action: AuditAction.CUSTOMER_LOOKUP,
      target: { type: 'Customer' },
      details: { ...personal, found: found !== null },
    });
    return found;
  }

  private resolve(asked: CustomerLookup): Resolved {
    // Keys as ingestion stores them: typed in full width, they are the same keys.
    const by = normalizeKeys(asked);
    const given = Object.entries(by).filter(([, value]) => value !== undefined && value !== null);
    if (given.length !== 1) {
      throw new BadUserInputError('by: give exactly one of its keys', {
        field: 'by',
        rule: 'EXACTLY_ONE',
      });
    }
    const [[key, value]] = given;
    if (typeof value === 'string' && !value.trim()) {
      throw new BadUserInputError(`by.${key}: must not be blank`, {
        field: `by.${key}`,
        rule: 'REQUIRED',
      });
    }
    if (by.id) return { lookup: LOOKUPS.id, key: validOrThrow('by.id', checkUuid(by.id)) };
    if (by.cifNo) return { lookup: LOOKUPS.cifNo, key: by.cifNo.trim().toUpperCase() };
    if (by.identityDocument) {
      const { type, number } = by.identityDocument;
      const document = validOrThrow('by.identityDocument.number', checkDocument(type, number));
      const digest = this.hasher.digest(type, document.number).toString('hex');
      return {
        lookup: LOOKUPS.identityDocument,
        key: `${type}:${digest}`,
        // An organisation's credit code is public (the register publishes it): no one's.
        ...(type !== IdentityDocumentType.UNIFIED_SOCIAL_CREDIT_CODE && {
          personal: { by: 'identityDocument' as const, type, digest },
        }),
      };
    }
    if (by.mobile) {
      const mobile = validOrThrow('by.mobile', checkMobile(by.mobile));
      const digest = this.hasher.digest(ContactKind.MOBILE, mobile.normalized).toString('hex');
      return {
        lookup: LOOKUPS.mobile,
        key: digest,
        personal: { by: 'mobile', type: ContactKind.MOBILE, digest },
      };
    }
    if (by.policyNo) return { lookup: LOOKUPS.policyNo, key: by.policyNo.trim() };
    if (by.vin)
      return { lookup: LOOKUPS.vin, key: validOrThrow('by.vin', checkVin(by.vin)).normalized };
    return {
      lookup: LOOKUPS.plate,
      key: validOrThrow('by.plate', checkPlate(by.plate!)).normalized,
    };
  }
}

function normalizeKeys(by: CustomerLookup): CustomerLookup {
  const code = (value?: string | null) =>
    value === undefined || value === null ? undefined : typedIdentifier(value);
  return {
    id: by.id,
    cifNo: code(by.cifNo),
    mobile: code(by.mobile),
    policyNo: code(by.policyNo),
    vin: code(by.vin),
    plate: code(by.plate),
    identityDocument: by.identityDocument && {
      type: by.identityDocument.type,
      number: code(by.identityDocument.number)!,
    },
  };
}

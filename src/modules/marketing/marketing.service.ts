import { Role, type Caller } from '../../auth/roles';
import { BadUserInputError, ForbiddenError } from '../../graphql/errors';
import type { RootSource } from '../../read/compiler';
import type { SqlScope } from '../../read/sql-scope';
import { CustomerStatus } from '../customer/customer.enums';
import { CustomerView } from '../customer/customer.type';
import type { MarketingCustomerFilter } from './marketing.input';

const MAX_DAYS = 3660;

function days(field: string, value: number | undefined): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value) || value < 0 || value > MAX_DAYS) {
    throw new BadUserInputError(`${field} must be from 0 to ${MAX_DAYS} days`, {
      field,
      rule: 'DAYS_RANGE',
    });
  }
  return value;
}

/** Turns a marketing filter into the row source of a customer list, for one caller. */
export class MarketingService {
  segment(caller: Caller, filter: MarketingCustomerFilter = {}): RootSource {
    if (caller.role === Role.MARKETING && filter.consentGiven === false) {
      throw new ForbiddenError('Marketing may only see customers who consented to marketing', {
        role: caller.role,
        field: 'filter.consentGiven',
      });
    }
    // Marketing must never see a customer without consent, whatever the filter says.
    const consent = caller.role === Role.MARKETING ? true : filter.consentGiven;
    const expiring = days('filter.expiringWithinDays', filter.expiringWithinDays);
    const claimsWindow = days('filter.claimsWithinDays', filter.claimsWithinDays) ?? 365;

    return {
      type: () => CustomerView,
      orderBy: (c) => [{ sql: c.col('cifNo'), type: 'text', direction: 'asc' }],
      source: (c: SqlScope) => {
        const where = [`${c.col('status')} = '${CustomerStatus.ACTIVE}'`];
        if (consent !== undefined)
          where.push(`${c.col('marketingConsent')} = ${c.param(consent, 'boolean')}`);
        if (filter.branchCode) {
          const code = c.param(filter.branchCode, 'text');
          where.push(`${c.col('branch')} in (select b.id from branch b, branch root
            where root.code = ${code} and (b.path = root.path or b.path like root.path || '.%'))`);
        }
        const policy: string[] = [];
        if (filter.lines?.length) policy.push(`p.line = any(${c.param(filter.lines, 'text[]')})`);
        if (filter.channels?.length) {
          policy.push(`p.channel = any(${c.param(filter.channels, 'text[]')})`);
        }
        if (expiring !== undefined) {
          policy.push(
            `p.expiry_date between current_date and current_date + ${c.param(expiring, 'int')}`,
          );
        }
        if (policy.length) {
          where.push(`exists (select 1 from policy_party pp join policy p on p.id = pp.policy_id
            where pp.customer_id = ${c.col('id')} and p.status = 'IN_FORCE' and ${policy.join(' and ')})`);
        }
        if (filter.hasClaims !== undefined && filter.hasClaims !== null) {
          where.push(`${filter.hasClaims ? '' : 'not '}exists (select 1 from policy_party pp
            join claim cl on cl.policy_id = pp.policy_id
            where pp.customer_id = ${c.col('id')} and cl.status not in ('REJECTED', 'WITHDRAWN')
              and cl.accident_at >= current_date - ${c.param(claimsWindow, 'int')})`);
        }
        return { where };
      },
    };
  }
}

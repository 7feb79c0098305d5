import { anyOf } from '../../read/sql-scope';
import type { RootSource } from '../../read/compiler';
import { AuditEventView, type AuditEventFilter } from './audit.type';

/** The audit entries a filter selects, newest first; a null filter is none, as one left out. */
export function auditEvents(given?: AuditEventFilter | null): RootSource {
  const filter = given ?? {};
  return {
    type: () => AuditEventView,
    source: (e) => {
      const where: string[] = [];
      const equal = (property: string, value: string | undefined) => {
        if (value !== undefined && value !== null)
          where.push(`${e.col(property)} = ${e.param(value, 'text')}`);
      };
      where.push(...anyOf(e, e.col('action'), filter.actions, 'filter.actions'));
      equal('actorSubject', filter.actorSubject);
      equal('targetType', filter.targetType);
      equal('targetId', filter.targetId);
      equal('requestId', filter.requestId);
      if (filter.from)
        where.push(`${e.col('occurredAt')} >= ${e.param(filter.from, 'timestamptz')}`);
      if (filter.to) where.push(`${e.col('occurredAt')} < ${e.param(filter.to, 'timestamptz')}`);
      return { where };
    },
    orderBy: (e) => [
      { sql: e.col('occurredAt'), type: 'timestamptz', direction: 'desc' },
      { sql: e.col('id'), type: 'numeric', direction: 'desc' },
    ],
  };
}

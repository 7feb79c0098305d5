import type { Caller } from '../../auth/roles';
import type { BusinessClock } from '../../time/clock';
import type { AuditAction } from './audit-event.entity';

/** Who acted: a request's caller, with its correlation id, or a command-line job. */
export interface AuditActor {
  subject: string;
  role: string;
  branchCode: string;
  requestId?: string;
}

export function actorOf(caller: Caller, requestId?: string): AuditActor {
  return { subject: caller.subject, role: caller.role, branchCode: caller.branchCode, requestId };
}

export interface AuditEntry {
  action: AuditAction;
  target: { type: string; id?: string };
  purpose?: string;
  details?: Record<string, unknown>;
}

interface Queryable {
  query(text: string, values: unknown[]): Promise<unknown>;
}

const COLUMNS = [
  'occurred_at',
  'action',
  'actor_subject',
  'actor_role',
  'actor_branch',
  'request_id',
  'target_type',
  'target_id',
  'purpose',
  'details',
] as const;

/**
 * Writes audit entries on the connection of the work they record, so that an entry commits
 * with its work or not at all.
 */
export class AuditLog {
  constructor(private readonly clock: BusinessClock) {}

  async record(db: Queryable, actor: AuditActor, ...entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const at = this.clock.now();
    const values: unknown[] = [];
    const rows = entries.map((entry) => {
      const row = [
        at,
        entry.action,
        actor.subject,
        actor.role,
        actor.branchCode,
        actor.requestId ?? null,
        entry.target.type,
        entry.target.id ?? null,
        entry.purpose ?? null,
        JSON.stringify(entry.details ?? {}),
      ];
      values.push(...row);
      const offset = values.length - row.length;
      return `(${row.map((_, i) => `$${offset + i + 1}`).join(', ')})`;
    });
    await db.query(
      `insert into audit_event (${COLUMNS.join(', ')}) values ${rows.join(', ')}`,
      values,
    );
  }
}

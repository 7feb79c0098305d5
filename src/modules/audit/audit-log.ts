import os from 'node:os';
import type { Caller } from '../../auth/roles';
import type { BusinessClock } from '../../time/clock';
import type { RequiredEntityData } from '@mikro-orm/core';
import type { AuditAction, AuditEvent } from './audit-event.entity';

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

const COMMAND_LINE = 'cli';

/** An operator's command (`npm run …`): `cli:<user>`, of no role or branch of the API's. */
export function commandLineActor(): AuditActor {
  return {
    subject: `${COMMAND_LINE}:${os.userInfo().username}`,
    role: COMMAND_LINE,
    branchCode: '',
  };
}

/** Who acted, as histories name them: "subject (role)", or a command's `cli:<user>`. */
export const actorName = (actor: AuditActor): string =>
  actor.role === COMMAND_LINE ? actor.subject : `${actor.subject} (${actor.role})`;

export interface AuditEntry {
  action: AuditAction;
  target: { type: string; id?: string };
  purpose?: string;
  details?: Record<string, unknown>;
}

interface Queryable {
  query(text: string, values: unknown[]): Promise<unknown>;
}

/**
 * Writes audit entries within the work they record, so that an entry commits with its work
 * or not at all: on the work's pg connection (`record`), or as entities flushed with it by
 * MikroORM (`entity`).
 */
export class AuditLog {
  constructor(private readonly clock: BusinessClock) {}

  /** The instant entries are written at: the work they record is dated by it too. */
  now(): Date {
    return this.clock.now();
  }

  entity(actor: AuditActor, entry: AuditEntry): RequiredEntityData<AuditEvent> {
    return {
      occurredAt: this.clock.now(),
      action: entry.action,
      actorSubject: actor.subject,
      actorRole: actor.role,
      actorBranch: actor.branchCode,
      requestId: actor.requestId,
      targetType: entry.target.type,
      targetId: entry.target.id,
      purpose: entry.purpose,
      details: entry.details ?? {},
    };
  }

  async record(db: Queryable, actor: AuditActor, ...entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const values: unknown[] = [];
    const rows = entries.map((entry) => {
      const row = this.entity(actor, entry);
      const columns = [
        row.occurredAt,
        row.action,
        row.actorSubject,
        row.actorRole,
        row.actorBranch,
        row.requestId ?? null,
        row.targetType,
        row.targetId ?? null,
        row.purpose ?? null,
        JSON.stringify(row.details),
      ];
      values.push(...columns);
      const offset = values.length - columns.length;
      return `(${columns.map((_, i) => `$${offset + i + 1}`).join(', ')})`;
    });
    await db.query(
      `insert into audit_event (occurred_at, action, actor_subject, actor_role, actor_branch,
        request_id, target_type, target_id, purpose, details) values ${rows.join(', ')}`,
      values,
    );
  }
}

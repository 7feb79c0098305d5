import {
  CheckConstraintViolationException,
  ForeignKeyConstraintViolationException,
  NotNullConstraintViolationException,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { createHash } from 'node:crypto';
import type { Checked } from '../../validation';
import type { SourceSystem } from '../customer/customer.enums';
import type { RecordError } from './ingestion.type';

/** A record that breaks a rule: reported in the payload, never written. */
export class RecordRejected extends Error {
  constructor(readonly errors: RecordError[]) {
    super(errors.map((e) => `${e.field}: ${e.rule}`).join(', '));
  }
}

/** Collects every problem of one record, so the sender can fix them all in one go. */
export class RecordErrors {
  private readonly errors: RecordError[] = [];

  add(field: string, rule: string, message: string): void {
    this.errors.push({ field, rule, message });
  }

  /** The checked value, or undefined with its violations recorded under `field`. */
  check<T>(field: string, checked: Checked<T>): T | undefined {
    if (checked.ok) return checked.value;
    for (const v of checked.violations) this.add(field, v.rule, v.message);
    return undefined;
  }

  require(condition: boolean, field: string, rule: string, message: string): void {
    if (!condition) this.add(field, rule, message);
  }

  list(): RecordError[] {
    return [...this.errors];
  }

  throwIfAny(): void {
    if (this.errors.length) throw new RecordRejected(this.errors);
  }
}

export function reject(field: string, rule: string, message: string): never {
  throw new RecordRejected([{ field, rule, message }]);
}

/**
 * Database rules that hold a rule the edge checks too, for the writer that raced the edge's
 * check: reported as the edge reports it.
 */
const RULES_OF_CONSTRAINTS: Record<string, { field: string; rule: string }> = {
  policy_renewal_order: { field: 'renewsPolicyNo', rule: 'RENEWAL_ORDER' },
  policy_renews_once: { field: 'renewsPolicyNo', rule: 'ALREADY_RENEWED' },
  policy_vehicle_auto: { field: 'vehicle', rule: 'VEHICLE_LINE' },
  claim_paid_at: { field: 'paidAt', rule: 'REQUIRED' },
};

/**
 * The database's last word on a record that passed validation (a race on a unique key, a
 * constraint the edge does not know): the record is rejected, the batch goes on.
 */
export function databaseRejection(error: unknown): RecordError[] | undefined {
  const constraint = (error as { constraint?: string }).constraint ?? 'constraint';
  if (error instanceof UniqueConstraintViolationException) {
    const known = RULES_OF_CONSTRAINTS[constraint];
    if (known) return [{ ...known, message: 'another record holds it already' }];
    return [
      { field: constraint, rule: 'UNIQUE', message: 'another record already holds this key' },
    ];
  }
  if (error instanceof ForeignKeyConstraintViolationException) {
    return [
      {
        field: constraint,
        rule: 'UNKNOWN_REFERENCE',
        message: 'names a record that does not exist',
      },
    ];
  }
  if (error instanceof CheckConstraintViolationException) {
    const known = RULES_OF_CONSTRAINTS[constraint];
    if (known) {
      // The database's own words name the records concerned, as the edge's message does.
      const message = (error.message ?? '').split(' - ').pop()!;
      return [{ ...known, message }];
    }
    return [
      { field: constraint, rule: 'CHECK', message: `breaks the database rule ${constraint}` },
    ];
  }
  if (error instanceof NotNullConstraintViolationException) {
    return [{ field: constraint, rule: 'REQUIRED', message: 'a required value is missing' }];
  }
  return undefined;
}

/** A digest of a record's content with keys sorted: equal content, equal digest. */
export function contentHash(record: unknown): string {
  const canonical = (value: unknown): unknown => {
    if (value instanceof Date) return value.toISOString();
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value)
          .filter(([, v]) => v !== undefined && v !== null)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => [k, canonical(v)]),
      );
    }
    return value;
  };
  return createHash('sha256')
    .update(JSON.stringify(canonical(record)))
    .digest('hex');
}

/**
 * A policy or a claim is kept by the source system that first sent it: another system's
 * record under its number (an API key of the claims system re-sending a policy) is refused,
 * not an update, so that no system overwrites or cancels what another one keeps.
 */
export function keptBy(
  existing: { sourceSystem: SourceSystem } | null,
  record: { sourceSystem: SourceSystem },
): void {
  if (existing && existing.sourceSystem !== record.sourceSystem) {
    reject('sourceSystem', 'KEPT_BY_ANOTHER_SYSTEM', `kept by ${existing.sourceSystem}`);
  }
}

export function notBlank(errors: RecordErrors, field: string, value: string | undefined): void {
  if (value !== undefined && value !== null && value.trim() === '') {
    errors.add(field, 'REQUIRED', 'must not be blank');
  }
}

/**
 * Items a record lists as a set, in one order whatever order a source system sent them in,
 * so that its digest is the same: by `keyOf`, compared by code point (a locale's collation
 * could differ between two hubs).
 */
export function asSet<T>(items: readonly T[], keyOf: (item: T) => string = contentHash): T[] {
  return items
    .map((item) => ({ item, key: keyOf(item) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ item }) => item);
}

export interface Violation {
  /** Stable SCREAMING_SNAKE code that callers and clients can switch on. */
  rule: string;
  message: string;
}

/**
 * Outcome of a validator. `warnings` carries legal exceptions: values that break a rule but were
 * lawfully issued, so they are accepted and flagged for review rather than rejected.
 */
export type Checked<T> =
  { ok: true; value: T; warnings: Violation[] } | { ok: false; violations: Violation[] };

// Checked<never> is assignable to every Checked<T>, so one helper serves all validators.
export function reject(rule: string, message: string): Checked<never> {
  return { ok: false, violations: [{ rule, message }] };
}

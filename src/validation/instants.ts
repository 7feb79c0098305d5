import type { BusinessClock } from '../time/clock';

/** Before 1900 is a typing error or a placeholder (1800-01-01), never a customer. */
export const MIN_BIRTH_DATE = '1900-01-01';
/** Nor an accident, a consent or a score: the same placeholder, as an instant. */
const MIN_INSTANT = new Date(`${MIN_BIRTH_DATE}T00:00:00Z`);
/** How far ahead of the hub's clock a source system's may run. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** What an instant of something that happened may be (rule INSTANT_RANGE). */
export const PAST_INSTANTS = `from ${MIN_BIRTH_DATE} to now (a clock ${CLOCK_SKEW_MS / 60_000} minutes ahead allowed)`;

/** Whether `instant` is one of PAST_INSTANTS. */
export function happened(clock: BusinessClock, instant: Date): boolean {
  return instant >= MIN_INSTANT && instant.getTime() <= clock.now().getTime() + CLOCK_SKEW_MS;
}

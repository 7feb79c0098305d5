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

/**
 * The earliest day of cover a policy may state: domestic insurance in the PRC resumed in
 * 1980, so an earlier day is a placeholder (0001-01-01) or a typing error. Such a day would
 * make claim-free years and earned premium of centuries.
 */
export const MIN_COVER_DATE = '1980-01-01';
/** The longest a policy may run, in years: a term of centuries earns almost nothing a year. */
export const MAX_COVER_YEARS = 10;

import type { BusinessClock } from '../time/clock';
import { BadUserInputError } from './errors';

/**
 * A date a tier or a history is asked as of: today or before. A later day's is not known yet,
 * and answering today's for it would pass a guess off as a fact (FUTURE_DATE).
 */
export function knownDay<T extends string | undefined>(
  clock: BusinessClock,
  field: string,
  day: T,
): T {
  if (day !== undefined && day > clock.today()) {
    throw new BadUserInputError(`${field} must be today (${clock.today()}) or before`, {
      field,
      rule: 'FUTURE_DATE',
    });
  }
  return day;
}

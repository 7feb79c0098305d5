import { lit } from './values';

// Times of day and the gaps between events are counted in seconds.
export const DAY = 86_400;

/**
 * The seed's frame of time, as SQL. Every date and instant of the demo lies relative to the
 * business day it is seeded on, so that a demo seeded on any day shows cover in force,
 * recent claims and fresh scores. Dates are reached by date arithmetic from that day
 * (`today - n`, `+ interval '1 year'`), which gets leap days and year ends right.
 */
export interface SeedTime {
  /** SQL date: the business day seeded on. */
  today: string;
  /** SQL timestamptz: the start of `today` in the business zone; nothing seeded is later. */
  now: string;
  /** The calendar year of `today`. */
  year: number;
  /** SQL: the instant at `seconds` after midnight of the SQL date `day`, business zone time. */
  instant(day: string, seconds: string | number): string;
}

/** The frame of time of a seed on `today` (`YYYY-MM-DD`), a business day in `zone`. */
export function seedTime(today: string, zone: string): SeedTime {
  const date = `date ${lit(today)}`;
  // Wall-clock times become instants through the zone's rules, so that an accident at 00:30
  // on the first day of cover falls on that business day even in a zone with daylight saving.
  const instant = (day: string, seconds: string | number) =>
    `(((${day}) + (${seconds}) * interval '1 second') at time zone ${lit(zone)})`;
  return { today: date, now: instant(date, 0), year: Number(today.slice(0, 4)), instant };
}

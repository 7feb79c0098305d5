/**
 * The hub's one source of business time.
 *
 * Business dates (cover days, "within N days", claim windows, as-of dates, the night
 * window) are calendar days in the business time zone (Beijing by default), never the
 * machine's or a database session's zone. Instants stay instants (`timestamptz`).
 *
 * Everything that asks "what is now?" or "what day is today?" asks a clock; the tests
 * move it with `set`, and every pool connection runs with `TimeZone` set to `zone`, so
 * that `::date` of a timestamptz in SQL is a business day too.
 */
export class BusinessClock {
  private pinned?: number;
  /** The last day `today` found, and the instants it spans: asked on every request. */
  private current?: { day: string; from: number; until: number };
  private readonly dayFormat: Intl.DateTimeFormat;
  private readonly partsFormat: Intl.DateTimeFormat;

  constructor(readonly zone: string = DEFAULT_BUSINESS_TIME_ZONE) {
    if (!isTimeZone(zone)) throw new RangeError(`unknown time zone "${zone}"`);
    this.dayFormat = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    this.partsFormat = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  now(): Date {
    return new Date(this.pinned ?? Date.now());
  }

  /** Today's business day, as `YYYY-MM-DD`. */
  today(): string {
    const now = this.pinned ?? Date.now();
    const current = this.current;
    if (current && now >= current.from && now < current.until) return current.day;
    const day = this.dayOf(new Date(now));
    const from = this.instantAt(day).getTime();
    const until = this.instantAt(addDays(day, 1)).getTime();
    // Kept only where the span is certain: a zone whose midnight a clock change skips
    // gets no span, and asks the formatter every time.
    if (from <= now && now < until && this.dayOf(new Date(until - 1)) === day) {
      this.current = { day, from, until };
    }
    return day;
  }

  /** The business day an instant falls on, as `YYYY-MM-DD`. */
  dayOf(instant: Date): string {
    return this.dayFormat.format(instant);
  }

  /** The business wall-clock time of an instant, as minutes after local midnight. */
  minuteOfDay(instant: Date): number {
    const parts = this.fields(instant);
    return parts.hour * 60 + parts.minute;
  }

  /** The instant at which the business zone's wall clock shows `time` on `day`. */
  instantAt(day: string, time = '00:00:00'): Date {
    const [h = 0, m = 0, s = 0] = time.split(':').map(Number);
    const [y, mo, d] = day.split('-').map(Number);
    const wall = Date.UTC(y!, mo! - 1, d!, h, m, s);
    // Two passes settle the offset also on a day whose offset changes (daylight saving).
    let guess = wall - this.offsetAt(new Date(wall));
    guess = wall - this.offsetAt(new Date(guess));
    return new Date(guess);
  }

  /** Pins the clock at an instant (tests and tools); `undefined` lets it follow real time. */
  set(instant: Date | string | undefined): void {
    this.pinned = instant === undefined ? undefined : new Date(instant).getTime();
  }

  private offsetAt(instant: Date): number {
    const p = this.fields(instant);
    const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    return wall - Math.floor(instant.getTime() / 1000) * 1000;
  }

  private fields(instant: Date) {
    const out: Record<string, number> = {};
    for (const part of this.partsFormat.formatToParts(instant)) {
      if (part.type !== 'literal') out[part.type] = Number(part.value);
    }
    return out as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number>;
  }
}

export const DEFAULT_BUSINESS_TIME_ZONE = 'Asia/Shanghai';

/**
 * An IANA zone name (`Asia/Shanghai`, `UTC`). Offsets such as `+08:00` are refused: POSIX
 * rules make PostgreSQL read `TimeZone=+08:00` as eight hours *west* of Greenwich. So are
 * names without an area but UTC: Node reads `CST` as Chicago where a Chinese operator means
 * China, and PostgreSQL refuses it outright.
 */
export function isTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z_]*(\/[A-Za-z0-9_+-]+)+$|^UTC$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** `day` plus `n` calendar days, both `YYYY-MM-DD`. */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! + n)).toISOString().slice(0, 10);
}

/** The same day `n` years after `day` (29 February to the 28th in a common year). */
export function addYears(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number);
  const year = y! + n;
  return `${String(year).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(Math.min(d!, daysInMonth(year, m!))).padStart(2, '0')}`;
}

/**
 * The day `n` years after `day` as a term counts them: a 29 February's anniversary in a
 * common year is 1 March, so that the term ends on 28 February, the day before it (addYears
 * clamps to the 28th, which would end it a day early).
 */
export function anniversary(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return d! <= daysInMonth(y! + n, m!) ? addYears(day, n) : addDays(addYears(day, n), 1);
}

/** How many days month `month` (1–12) of `year` has, in the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/** Whether `day` is a real calendar date written `YYYY-MM-DD` (2027-02-29 is not). */
export function isCalendarDay(day: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return false;
  const [y, m, d] = day.split('-').map(Number);
  return m! >= 1 && m! <= 12 && d! >= 1 && d! <= daysInMonth(y!, m!);
}

/**
 * Connection settings that make a PostgreSQL session count days in the business zone,
 * for node-pg's `options` (the startup packet, so no extra round trip per connection).
 */
export function sessionOptions(zone: string, statementTimeoutMs?: number): string {
  // SQL the hub builds quotes literals the standard way (compile.ts): pinned, not assumed.
  const options = `-c TimeZone=${zone} -c standard_conforming_strings=on`;
  return statementTimeoutMs ? `${options} -c statement_timeout=${statementTimeoutMs}` : options;
}

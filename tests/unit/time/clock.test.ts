import { addDays, BusinessClock, isCalendarDay, isTimeZone } from '../../../src/time/clock';

describe('the business clock', () => {
  const beijing = new BusinessClock('Asia/Shanghai');

  it('counts Beijing days, not UTC days', () => {
    // 2027-01-01 00:30 in Beijing is still 31 December in UTC.
    beijing.set('2026-12-31T16:30:00Z');
    expect(beijing.today()).toBe('2027-01-01');
    beijing.set('2026-12-31T15:59:59Z');
    expect(beijing.today()).toBe('2026-12-31');
    beijing.set(undefined);
  });

  it('turns the day at the zone midnight, to the millisecond, wherever the clock moves', () => {
    const clock = new BusinessClock('Asia/Shanghai');
    const walk = [
      ['2026-12-31T15:59:59.999Z', '2026-12-31'],
      ['2026-12-31T16:00:00.000Z', '2027-01-01'],
      ['2026-12-31T15:59:59.999Z', '2026-12-31'],
      ['2027-01-01T15:59:59.999Z', '2027-01-01'],
      ['2027-01-01T16:00:00.000Z', '2027-01-02'],
      ['2026-06-15T03:00:00.000Z', '2026-06-15'],
    ];
    for (const [instant, day] of walk) {
      clock.set(instant);
      expect([instant, clock.today()]).toEqual([instant, day]);
    }
    // Where a clock change skips midnight (Santiago, 2026-09-06), the day still turns right.
    const santiago = new BusinessClock('America/Santiago');
    for (const [instant, day] of [
      ['2026-09-06T03:59:59.999Z', '2026-09-05'],
      ['2026-09-06T04:00:00.000Z', '2026-09-06'],
      ['2026-09-06T05:00:00.000Z', '2026-09-06'],
    ]) {
      santiago.set(instant);
      expect([instant, santiago.today()]).toEqual([instant, santiago.dayOf(new Date(instant))]);
      expect(santiago.today()).toBe(day);
    }
  });

  it('turns a business wall-clock time into the instant', () => {
    expect(beijing.instantAt('2027-01-01', '00:30').toISOString()).toBe('2026-12-31T16:30:00.000Z');
    expect(beijing.minuteOfDay(new Date('2026-12-31T16:30:00Z'))).toBe(30);
  });

  it('settles the offset on a daylight-saving day of another zone', () => {
    const newYork = new BusinessClock('America/New_York');
    // 2026-03-08: clocks go from 02:00 to 03:00; 12:00 is EDT (UTC-4).
    expect(newYork.instantAt('2026-03-08', '12:00').toISOString()).toBe('2026-03-08T16:00:00.000Z');
    expect(newYork.instantAt('2026-03-07', '12:00').toISOString()).toBe('2026-03-07T17:00:00.000Z');
  });

  it('follows real time unless pinned', () => {
    const clock = new BusinessClock();
    const before = Date.now();
    expect(clock.now().getTime()).toBeGreaterThanOrEqual(before);
    clock.set('2030-06-01T00:00:00Z');
    expect(clock.now().toISOString()).toBe('2030-06-01T00:00:00.000Z');
  });

  it('refuses an unknown zone, and an offset PostgreSQL would read the other way', () => {
    expect(() => new BusinessClock('Mars/Olympus')).toThrow(/unknown time zone/);
    expect(isTimeZone('+08:00')).toBe(false);
    expect(isTimeZone('UTC+8')).toBe(false);
    expect(isTimeZone('Etc/GMT-8')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    // Abbreviations: Node takes CST as Chicago's, PostgreSQL refuses it.
    expect(isTimeZone('CST')).toBe(false);
    expect(isTimeZone('PRC')).toBe(false);
    expect(isTimeZone('Asia/Shanghai')).toBe(true);
  });

  it('adds calendar days across month and year ends', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
  });

  it('knows which dates exist, leap days included, as the calendar does', () => {
    // Every day of four centuries, each way: the days addDays walks through exist, and a
    // day written out of range (the 0th, the 30th of February, month 13) does not.
    for (let day = '1900-01-01'; day < '2300-01-01'; day = addDays(day, 1)) {
      expect(isCalendarDay(day)).toBe(true);
      if (day.endsWith('-01')) {
        const before = addDays(day, -1);
        expect(isCalendarDay(`${before.slice(0, 8)}${Number(before.slice(8)) + 1}`)).toBe(false);
      }
    }
    for (const day of ['2028-02-29', '2000-02-29', '2027-12-31'])
      expect(isCalendarDay(day)).toBe(true);
    for (const day of [
      '2027-02-29',
      '1900-02-29',
      '2100-02-29',
      '2027-04-31',
      '2027-00-10',
      '2027-13-01',
      '2027-01-00',
      '2027-1-01',
      '20270101',
    ])
      expect(isCalendarDay(day)).toBe(false);
  });
});

/**
 * Instants as the business sees them: days and hours in the hub's business time zone (from
 * its settings; Beijing until they arrive), never the browser's or UTC. A claim reported at
 * 07:16 in Beijing was reported that day, not the UTC day before.
 */
let zone = 'Asia/Shanghai';

export function setBusinessZone(timeZone: string | undefined): void {
  if (timeZone) zone = timeZone;
}

function parts(at: string): Record<string, string> {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  return Object.fromEntries(format.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
}

/** The business day of an instant, YYYY-MM-DD. */
export function businessDay(at: string): string {
  const p = parts(at);
  return `${p.year}-${p.month}-${p.day}`;
}

/** The business day and time of an instant, YYYY-MM-DD HH:mm. */
export function businessMinute(at: string): string {
  const p = parts(at);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

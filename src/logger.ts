import pino from 'pino';

/** Log levels, lowest first. */
export type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * What the hub logs through. Fields are data about the event (ids, codes, counts,
 * durations), never personal data: no names, identity numbers, contacts, query variables
 * or tokens. The keys named in REDACTED are masked should one slip in.
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const REDACTED = ['authorization', 'variables', 'query', 'token', '*.authorization', '*.variables'];

/** One JSON object per line on stdout (pino): what log shippers expect. */
export function createLogger(minimum: Level, destination?: pino.DestinationStream): Logger {
  const log = pino(
    {
      level: minimum,
      base: undefined,
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED, censor: '[redacted]' },
    },
    destination,
  );
  return {
    debug: (message, fields = {}) => log.debug(fields, message),
    info: (message, fields = {}) => log.info(fields, message),
    warn: (message, fields = {}) => log.warn(fields, message),
    error: (message, fields = {}) => log.error(fields, message),
  };
}

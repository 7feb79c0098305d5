import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from '../graphql/limits';

/** RATE_LIMIT_PER_MINUTE's default: generous for people, a brake on a runaway script. */
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 600;

/**
 * PERSONAL_LOOKUPS_PER_MINUTE's default: a caller on the telephone finds a customer or two a
 * minute; one trying the 10,000 mobiles a mask leaves open needs more than five hours.
 */
export const DEFAULT_PERSONAL_LOOKUPS_PER_MINUTE = 30;

/** What a limit counts, and the setting that changes it. */
export interface Counted {
  what: string;
  setting: string;
}

export const REQUESTS: Counted = { what: 'requests', setting: 'RATE_LIMIT_PER_MINUTE' };
export const PERSONAL_LOOKUPS: Counted = {
  what: 'lookups by an identity number or a mobile',
  setting: 'PERSONAL_LOOKUPS_PER_MINUTE',
};

/**
 * Requests (or what `counted` says) per minute per caller, in memory (per hub instance):
 * keyed on the verified token's subject, or on the client's address for requests that fail
 * authentication. 0 turns it off. Over the limit: RATE_LIMITED, HTTP 429 with Retry-After.
 */
export class CallerRateLimit {
  private readonly limiter?: RateLimiterMemory;

  constructor(
    readonly perMinute: number,
    private readonly counted: Counted = REQUESTS,
  ) {
    if (perMinute > 0) this.limiter = new RateLimiterMemory({ points: perMinute, duration: 60 });
  }

  /** Counts one request of `key`, or throws RateLimitedError. */
  async consume(key: string): Promise<void> {
    if (!this.limiter) return;
    try {
      await this.limiter.consume(key);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      throw new RateLimitedError(
        Math.max(1, Math.ceil(error.msBeforeNext / 1000)),
        this.perMinute,
        this.counted,
      );
    }
  }
}

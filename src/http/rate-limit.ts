import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from '../graphql/limits';

/** RATE_LIMIT_PER_MINUTE's default: generous for people, a brake on a runaway script. */
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 600;

/**
 * Requests per minute per caller, in memory (per hub instance): keyed on the verified
 * token's subject, or on the client's address for requests that fail authentication. 0
 * turns it off. Over the limit: RATE_LIMITED, HTTP 429 with Retry-After.
 */
export class CallerRateLimit {
  private readonly limiter?: RateLimiterMemory;

  constructor(readonly perMinute: number) {
    if (perMinute > 0) this.limiter = new RateLimiterMemory({ points: perMinute, duration: 60 });
  }

  /** Counts one request of `key`, or throws RateLimitedError. */
  async consume(key: string): Promise<void> {
    if (!this.limiter) return;
    try {
      await this.limiter.consume(key);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      throw new RateLimitedError(Math.max(1, Math.ceil(error.msBeforeNext / 1000)), this.perMinute);
    }
  }
}

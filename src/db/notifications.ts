import type { Client, Notification } from 'pg';
import type { Logger } from '../logger';
import { createClient } from './pg';

/** The longest wait between two attempts to reconnect. */
const MAX_RETRY_MS = 30_000;

/**
 * Listens on one PostgreSQL channel on a connection of its own, and calls `onNotice` for
 * each notification. A notification sent inside a transaction arrives when it commits, and
 * only then. A lost connection is re-opened after `retryMs`, doubled after each failed
 * attempt (an outage is not hammered once a second), and `onNotice` runs once on every
 * reconnect: what was sent while nobody listened is caught up that way.
 */
export class ChannelListener {
  private client?: Client;
  private retry?: NodeJS.Timeout;
  private ping?: NodeJS.Timeout;
  private stopped = false;
  private listened = false;
  /** Attempts in a row that failed: each waits twice as long, up to MAX_RETRY_MS. */
  private failures = 0;

  constructor(
    private readonly options: {
      url: string;
      zone: string;
      channel: string;
      onNotice: (payload: string | undefined) => Promise<void>;
      logger: Logger;
      retryMs?: number;
      pingMs?: number;
    },
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    clearInterval(this.ping);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const { url, zone, channel, logger } = this.options;
    // Keep-alive and a periodic query: a connection that died half-open (a NAT or a load
    // balancer timing it out) raises no event by itself, and a deaf listener is silent.
    const client = createClient(url, zone, { keepAlive: true });
    let lost = false;
    const reconnect = (error?: unknown) => {
      if (lost || this.stopped) return;
      lost = true;
      clearInterval(this.ping);
      if (this.client === client) this.client = undefined;
      this.failures += 1;
      const delay = Math.min(
        (this.options.retryMs ?? 1000) * 2 ** (this.failures - 1),
        MAX_RETRY_MS,
      );
      // Said once when the connection goes; an outage's further attempts are debug lines.
      logger[this.failures === 1 ? 'warn' : 'debug'](
        this.listened
          ? 'lost the notification connection; reconnecting'
          : 'could not open the notification connection; trying again',
        {
          channel,
          attempt: this.failures,
          retryInMs: delay,
          error: error === undefined ? undefined : String(error),
        },
      );
      void client.end().catch(() => undefined);
      this.retry = setTimeout(() => void this.connect(), delay);
      this.retry.unref();
    };
    client.on('error', reconnect);
    client.on('end', () => reconnect());
    client.on('notification', (message: Notification) => void this.notice(message.payload));
    try {
      await client.connect();
      await client.query(`listen ${channel}`);
    } catch (error) {
      reconnect(error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.failures = 0;
    this.ping = setInterval(() => {
      client.query('select 1').catch(reconnect);
    }, this.options.pingMs ?? 30_000);
    this.ping.unref();
    if (this.listened) await this.notice(undefined);
    this.listened = true;
  }

  private async notice(payload: string | undefined): Promise<void> {
    try {
      await this.options.onNotice(payload);
    } catch (error) {
      this.options.logger.error('handling a notification failed', {
        channel: this.options.channel,
        error: String(error),
      });
    }
  }
}

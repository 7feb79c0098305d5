import net from 'node:net';
import { ChannelListener } from '../../../src/db/notifications';
import type { Logger } from '../../../src/logger';

describe('the notification listener', () => {
  it('waits longer after each failed attempt to reconnect, and warns once', async () => {
    // A port nobody listens on: every attempt is refused at once.
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as net.AddressInfo;
        server.close(() => resolve(free));
      });
    });
    const lines: { level: string; attempt?: unknown }[] = [];
    const logger = Object.fromEntries(
      (['debug', 'info', 'warn', 'error'] as const).map((level) => [
        level,
        (_message: string, fields?: Record<string, unknown>) =>
          lines.push({ level, attempt: fields?.attempt }),
      ]),
    ) as unknown as Logger;
    const listener = new ChannelListener({
      url: `postgres://nobody@127.0.0.1:${port}/none`,
      zone: 'Asia/Shanghai',
      channel: 'test_channel',
      onNotice: async () => undefined,
      logger,
      retryMs: 50,
    });
    await listener.start();
    await new Promise((r) => setTimeout(r, 1_000));
    await listener.stop();
    // 50, 100, 200, 400 ms: five attempts in a second, where a fixed 50 ms made twenty.
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.length).toBeLessThanOrEqual(6);
    expect(lines.filter((l) => l.level === 'warn')).toEqual([{ level: 'warn', attempt: 1 }]);
  });
});

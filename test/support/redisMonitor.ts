import net from 'node:net';
import { TEST_REDIS_URL } from './redis.js';

/**
 * Every command Redis executes, as MONITOR reports it, on a plain socket (ioredis' monitor mode can trip over
 * lines that arrive while it still waits for MONITOR's +OK on a busy server). Commands are reported in the
 * order Redis runs them, so once `sawCommandWith(marker)` holds for a command sent after some work, every
 * command of that work has been seen.
 */
export class RedisMonitor {
  readonly lines: string[] = [];
  private buffer = '';

  private constructor(private readonly socket: net.Socket) {}

  static async start(): Promise<RedisMonitor> {
    const url = new URL(TEST_REDIS_URL);
    const socket = net.connect(Number(url.port || 6379), url.hostname);
    const m = new RedisMonitor(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.on('data', (chunk: Buffer) => {
        m.buffer += chunk.toString('utf8');
        let nl: number;
        while ((nl = m.buffer.indexOf('\r\n')) >= 0) {
          const line = m.buffer.slice(0, nl);
          m.buffer = m.buffer.slice(nl + 2);
          if (line === '+OK') resolve();
          else m.lines.push(line);
        }
      });
      socket.write('MONITOR\r\n');
    });
    return m;
  }

  sawCommandWith(text: string): boolean {
    return this.lines.some((l) => l.includes(text));
  }

  linesWith(text: string): string[] {
    return this.lines.filter((l) => l.includes(text));
  }

  stop(): void {
    this.socket.destroy();
  }
}

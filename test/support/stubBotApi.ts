import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The smallest Bot API that lets telegraf start polling, whose getUpdates then fails the way a dead bot does:
 * 409 Conflict (another copy polls with the same token) or 401 Unauthorized (token revoked). The first
 * getUpdates waits until `release()`, so a test can look at the running bot before it dies.
 */
export class StubBotApi {
  readonly token = '7000001:stub-token-for-fatal-polling-tests_xyz';
  url = '';
  private server!: http.Server;
  private released!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.released = resolve));

  constructor(private readonly failure: 401 | 409) {}

  static async start(failure: 401 | 409): Promise<StubBotApi> {
    const s = new StubBotApi(failure);
    s.server = http.createServer((req, res) => void s.handle(req, res));
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    s.url = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
    return s;
  }

  release(): void {
    this.released();
  }

  async close(): Promise<void> {
    this.released();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    for await (const _ of req) void _;
    const method = /\/bot[^/]+\/([A-Za-z]+)$/.exec(new URL(req.url ?? '/', this.url).pathname)?.[1] ?? '';
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (method === 'getMe') return send(200, { ok: true, result: { id: 7000001, is_bot: true, first_name: 'Stub', username: 'stub_bot' } });
    if (method !== 'getUpdates') return send(200, { ok: true, result: true });
    await this.gate;
    if (this.failure === 409) return send(409, { ok: false, error_code: 409, description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running' });
    return send(401, { ok: false, error_code: 401, description: 'Unauthorized' });
  }
}

/**
 * A real `ws` client that records what it receives and lets a test wait for conditions
 * without sleeping: `await c.until((msgs) => msgs.length >= 3)`.
 */
import WebSocket from 'ws';

export interface RecordingClient {
  readonly ws: WebSocket;
  /** Text frames as parsed JSON (or the raw string when not JSON); binary frames as Buffers. */
  readonly messages: unknown[];
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Resolves when the predicate holds (checked on every message), rejects after `timeoutMs`. */
  until(predicate: (messages: unknown[]) => boolean, timeoutMs?: number): Promise<unknown[]>;
  close(): void;
}

export interface UpgradeRefusal {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

/** Opens a connection; resolves once open, or rejects with the HTTP refusal (status and body). */
export function connect(url: string, options: WebSocket.ClientOptions = {}): Promise<RecordingClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    const messages: unknown[] = [];
    const checks = new Set<() => void>();
    ws.on('message', (data, isBinary) => {
      if (isBinary) messages.push(Buffer.from(data as Buffer));
      else {
        const text = data.toString();
        try {
          messages.push(JSON.parse(text));
        } catch {
          messages.push(text);
        }
      }
      for (const check of [...checks]) check();
    });
    const closed = new Promise<{ code: number; reason: string }>((done) => {
      ws.once('close', (code, reason) => {
        done({ code, reason: reason.toString() });
        for (const check of [...checks]) check();
      });
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body, headers: res.headers })));
    });
    ws.once('error', (err) => reject(err));
    ws.once('open', () => {
      resolve({
        ws,
        messages,
        closed,
        until(predicate, timeoutMs = 5_000) {
          return new Promise((ok, fail) => {
            const check = () => {
              if (predicate(messages)) {
                checks.delete(check);
                clearTimeout(timer);
                ok(messages);
              }
            };
            const timer = setTimeout(() => {
              checks.delete(check);
              fail(new Error(`condition not met within ${timeoutMs} ms; got ${messages.length} messages: ${JSON.stringify(messages.slice(-5)).slice(0, 500)}`));
            }, timeoutMs);
            checks.add(check);
            check();
          });
        },
        close: () => ws.close(),
      });
    });
  });
}

/** Expects the upgrade to be refused; resolves with the status and body. */
export async function refusal(url: string, options: WebSocket.ClientOptions = {}): Promise<UpgradeRefusal> {
  try {
    const client = await connect(url, options);
    client.close();
  } catch (err) {
    const e = err as Error & Partial<UpgradeRefusal>;
    if (e.status) return { status: e.status, body: e.body ?? '', headers: e.headers ?? {} };
    throw err;
  }
  throw new Error(`expected ${url} to be refused, but it upgraded`);
}

import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { timingSafeEqual, createHash } from 'node:crypto';
import { ErrorCode, StreamHubError } from '../errors.js';
import { countClose } from './close-tally.js';

/**
 * Refuses an upgrade before the handshake with a plain HTTP response (DESIGN.md: every refusal
 * is an HTTP status before the upgrade), then closes the socket.
 */
export function rejectUpgrade(socket: Duplex, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  countClose(socket, status);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Connection: close',
    ...(text ? [`Content-Type: ${typeof body === 'string' ? 'text/plain' : 'application/json'}`] : []),
    `Content-Length: ${Buffer.byteLength(text)}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${text}`);
  socket.once('finish', () => socket.destroy());
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The bearer token of a request (`Authorization: Bearer <token>`), or null. */
export function bearerToken(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match ? match[1]!.trim() : null;
}

/**
 * Constant-time string equality: both sides are hashed first, so neither the content nor the
 * length of the secret leaks through timing.
 */
export function safeEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Reads a request body up to `maxBytes`; past it, rejects with `status: 413` and discards the
 * rest (the connection stays readable so the caller can still answer 413 with `connection: close`).
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      req.resume();
      reject(Object.assign(new StreamHubError(ErrorCode.bodyTooLarge, `body over ${maxBytes} bytes`), { status: 413 }));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        chunks.length = 0;
        req.resume();
        reject(Object.assign(new StreamHubError(ErrorCode.bodyTooLarge, `body over ${maxBytes} bytes`), { status: 413 }));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (size <= maxBytes) resolve(Buffer.concat(chunks));
    });
    req.once('error', reject);
  });
}

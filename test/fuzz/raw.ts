/**
 * Raw TCP clients for the fuzz suites: upgrade requests written byte by byte, and WebSocket
 * frames built by hand (masking, fragmentation, reserved bits) so that input `ws` would never
 * send can reach the server [RFC 6455 §5.2, §5.3, §5.4].
 */
import { randomBytes } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';

export const Op = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

export interface FrameSpec {
  readonly opcode: number;
  readonly payload: Uint8Array;
  readonly fin?: boolean;
  readonly mask?: boolean;
  readonly rsv?: number;
  /** Claim this length in the header instead of the real one (a lying length). */
  readonly claimedLength?: number;
}

/** One client frame; masked unless told otherwise (clients must mask [RFC 6455 §5.3]). */
export function buildFrame(spec: FrameSpec): Buffer {
  const { opcode, payload } = spec;
  const fin = spec.fin ?? true;
  const mask = spec.mask ?? true;
  const length = spec.claimedLength ?? payload.length;
  const head: number[] = [(fin ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | opcode];
  const m = mask ? 0x80 : 0;
  if (length < 126) head.push(m | length);
  else if (length < 65_536) head.push(m | 126, length >> 8, length & 0xff);
  else {
    head.push(m | 127, 0, 0, 0, 0);
    head.push((length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
  }
  const body = Buffer.from(payload);
  if (!mask) return Buffer.concat([Buffer.from(head), body]);
  const key = randomBytes(4);
  for (let i = 0; i < body.length; i++) body[i]! ^= key[i % 4]!;
  return Buffer.concat([Buffer.from(head), key, body]);
}

export interface ServerFrame {
  readonly opcode: number;
  readonly payload: Buffer;
}

/** Incremental parser of unmasked server frames. */
function parseFrames(buffer: Buffer): { frames: ServerFrame[]; rest: Buffer } {
  const frames: ServerFrame[] = [];
  let at = 0;
  for (;;) {
    if (buffer.length - at < 2) break;
    const opcode = buffer[at]! & 0x0f;
    let len = buffer[at + 1]! & 0x7f;
    let hdr = 2;
    if (len === 126) {
      if (buffer.length - at < 4) break;
      len = buffer.readUInt16BE(at + 2);
      hdr = 4;
    } else if (len === 127) {
      if (buffer.length - at < 10) break;
      len = buffer.readUInt32BE(at + 6);
      hdr = 10;
    }
    if (buffer.length - at < hdr + len) break;
    frames.push({ opcode, payload: buffer.subarray(at + hdr, at + hdr + len) });
    at += hdr + len;
  }
  return { frames, rest: buffer.subarray(at) };
}

export interface HttpAnswer {
  /** 0 when the server closed without a status line. */
  readonly status: number;
  readonly head: string;
}

/**
 * Writes `request` (raw bytes, the caller supplies the CRLFs) and resolves with the status line
 * once a complete head arrives, or when the server closes. Rejects after `timeoutMs`: a server
 * that neither answers nor closes is a defect.
 */
export function rawHttp(port: number, request: string | Buffer, timeoutMs = 5_000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1');
    let data = '';
    const done = (answer: HttpAnswer) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms to ${JSON.stringify(request.toString().slice(0, 120))}`));
    }, timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      data += chunk;
      const end = data.indexOf('\r\n\r\n');
      if (end >= 0) done({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(data)?.[1] ?? 0), head: data.slice(0, end) });
    });
    socket.on('error', () => undefined);
    socket.on('close', () => done({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(data)?.[1] ?? 0), head: data }));
    socket.write(request);
  });
}

/** A well-formed upgrade request for `path` with extra header lines. */
export function upgradeRequest(path: string, extra: readonly string[] = []): string {
  const key = randomBytes(16).toString('base64');
  return (
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
    `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\n${extra.map((l) => l + '\r\n').join('')}\r\n`
  );
}

export interface RawWs {
  readonly socket: Socket;
  /** Every frame the server sent after the 101. */
  readonly frames: ServerFrame[];
  /** Resolves when the TCP connection ends: the close code the server sent (0 if none). */
  readonly ended: Promise<{ code: number; reason: string }>;
  send(...frames: Buffer[]): void;
  /** Resolves when a frame matching `predicate` has arrived; rejects after `timeoutMs`. */
  waitFor(predicate: (f: ServerFrame) => boolean, timeoutMs?: number): Promise<ServerFrame>;
}

/** Completes a real handshake on a raw socket; rejects with the status if it is not 101. */
export function rawWs(port: number, path: string, extra: readonly string[] = []): Promise<RawWs> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1');
    socket.setNoDelay(true);
    let pending = Buffer.alloc(0);
    let upgraded = false;
    const frames: ServerFrame[] = [];
    const waiters = new Set<() => void>();
    let closeFrame = { code: 0, reason: '' };
    const ended = new Promise<{ code: number; reason: string }>((done) => socket.once('close', () => done(closeFrame)));
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (!upgraded) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = pending.subarray(0, end).toString('latin1');
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
        pending = pending.subarray(end + 4);
        if (status !== 101) {
          socket.destroy();
          reject(Object.assign(new Error(`HTTP ${status}`), { status }));
          return;
        }
        upgraded = true;
        resolve(api);
      }
      const parsed = parseFrames(pending);
      pending = Buffer.from(parsed.rest);
      for (const f of parsed.frames) {
        frames.push(f);
        if (f.opcode === Op.close) {
          closeFrame = { code: f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005, reason: f.payload.subarray(2).toString() };
          // Answer the close like a polite client, then let the server end TCP [RFC 6455 §5.5.1].
          if (!socket.destroyed) socket.write(buildFrame({ opcode: Op.close, payload: f.payload.subarray(0, 2) }));
        }
      }
      for (const w of [...waiters]) w();
    });
    socket.once('close', () => {
      if (!upgraded) reject(Object.assign(new Error('closed before 101'), { status: 0 }));
      for (const w of [...waiters]) w();
    });
    const api: RawWs = {
      socket,
      frames,
      ended,
      send: (...out) => {
        if (!socket.destroyed) socket.write(Buffer.concat(out));
      },
      waitFor: (predicate, timeoutMs = 5_000) =>
        new Promise((ok, fail) => {
          const check = () => {
            const hit = frames.find(predicate);
            if (hit) {
              waiters.delete(check);
              clearTimeout(timer);
              ok(hit);
            } else if (socket.destroyed) {
              waiters.delete(check);
              clearTimeout(timer);
              fail(new Error('socket closed before the frame arrived'));
            }
          };
          const timer = setTimeout(() => {
            waiters.delete(check);
            fail(new Error(`frame not received within ${timeoutMs} ms`));
          }, timeoutMs);
          waiters.add(check);
          check();
        }),
    };
    socket.write(upgradeRequest(path, extra));
  });
}

/** Ends a raw socket abruptly (a half-open peer: no close frame, no FIN handshake). */
export function vanish(socket: Socket): void {
  socket.resetAndDestroy();
}

/**
 * The contract suite's client for the dialects spoken over plain WebSocket (match, nova, relay,
 * elstat, the test-only echo): a real `ws` client, as the seeds' clients are browsers or `ws`.
 * Each adapter says how to read a frame (one of the suite's messages, a protocol notice, or
 * nothing the suite counts) and when the connect sequence is over.
 */
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { ClientEnd, ContractClient, Refusal } from '../dialect.contract.js';

/** What one received frame is to the suite. */
export type Decoded =
  | { readonly index: number }
  | { readonly notice: unknown }
  | { readonly other: unknown }
  /** A frame that carries several of the suite's messages (a replay) besides being a protocol frame. */
  | { readonly indices: readonly number[]; readonly other: unknown }
  | null;

export interface WsClientOptions {
  /** Reads one frame. */
  decode(data: Buffer, isBinary: boolean): Decoded;
  /** The connect sequence is over once this holds for the frames so far (default: at once). */
  ready?(frames: readonly Decoded[]): boolean;
  /** Sent right after the upgrade (elstat's SUBSCRIBE). */
  hello?: string;
  oversized(): Buffer | string;
  malformed(): Buffer | string;
  /** Bound of the connect sequence (default 10 s). */
  readyTimeoutMs?: number;
}

/** Opens a client; resolves once `ready` holds, rejects on a refusal or a close before it. */
export function wsClient(url: string, options: WsClientOptions): Promise<ContractClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const received: number[] = [];
    const notices: unknown[] = [];
    const frames: Decoded[] = [];
    let open = true;
    let settled = false;
    const waiters = new Set<() => void>();
    const wake = () => {
      for (const w of [...waiters]) w();
    };
    const ended = new Promise<ClientEnd>((done) => {
      ws.once('close', (code, reason) => {
        open = false;
        done({ code, reason: reason.toString() });
        wake();
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          reject(new Error(`closed during the connect sequence: ${code} ${reason.toString()}`));
        }
      });
    });
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      ws.terminate();
      reject(new Error(`connect sequence not over within ${options.readyTimeoutMs ?? 10_000} ms; got ${JSON.stringify(frames).slice(0, 300)}`));
    }, options.readyTimeoutMs ?? 10_000);
    const client: ContractClient = {
      received,
      notices,
      ended,
      get open() {
        return open;
      },
      until: (predicate, what, timeoutMs) => until(waiters, predicate, what, timeoutMs),
      pause: () => rawSocket(ws).pause(),
      resume: () => rawSocket(ws).resume(),
      sendOversized: () => ws.send(options.oversized()),
      sendMalformed: () => ws.send(options.malformed()),
      roundTrip: () =>
        new Promise<void>((resolve) => {
          if (ws.readyState !== WebSocket.OPEN) return resolve();
          ws.once('pong', () => resolve());
          ws.once('close', () => resolve());
          ws.ping();
        }),
      close: () => {
        if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.close();
        rawSocket(ws)?.resume();
      },
    };
    const check = () => {
      if (!settled && (options.ready?.(frames) ?? true)) {
        settled = true;
        clearTimeout(timer);
        resolve(client);
      }
    };
    ws.on('message', (data: Buffer, isBinary) => {
      const d = options.decode(data, isBinary);
      if (d && 'index' in d) received.push(d.index);
      if (d && 'indices' in d) received.push(...d.indices);
      if (d && 'notice' in d) notices.push(d.notice);
      frames.push(d);
      check();
      wake();
    });
    ws.once('unexpected-response', (_req, res) => {
      settled = true;
      clearTimeout(timer);
      reject(new Error(`refused: HTTP ${res.statusCode}`));
      res.resume();
      ws.terminate();
    });
    ws.on('error', () => undefined);
    ws.once('open', () => {
      if (options.hello) ws.send(options.hello);
      check();
    });
  });
}

/**
 * A connection the suite expects to be refused: the HTTP status (and body) before the upgrade,
 * or, after it, the first frame and the close code.
 */
export function wsAttempt(url: string, hello?: string): Promise<Refusal> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let first: unknown;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('the connection was neither refused nor closed within 10 s'));
    }, 10_000);
    ws.on('error', () => undefined);
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ kind: 'http', status: res.statusCode ?? 0, body });
        ws.terminate();
      });
    });
    ws.once('open', () => {
      if (hello) ws.send(hello);
    });
    ws.on('message', (data: Buffer) => {
      if (first !== undefined) return;
      const text = data.toString();
      try {
        first = JSON.parse(text);
      } catch {
        first = text;
      }
    });
    ws.once('close', (code, reason) => {
      clearTimeout(timer);
      resolve({ kind: 'close', code, reason: reason.toString(), ...(first !== undefined ? { frame: first } : {}) });
    });
  });
}

/** Resolves once `predicate` holds, re-checked whenever the client wakes `waiters`. */
export function until(waiters: Set<() => void>, predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!predicate()) return;
      waiters.delete(check);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    waiters.add(check);
    check();
  });
}

function rawSocket(ws: WebSocket): Socket {
  return (ws as unknown as { _socket: Socket })._socket;
}

/** A JSON text frame's value, or null. */
export function json(data: Buffer): Record<string, any> | null {
  try {
    const v: unknown = JSON.parse(data.toString());
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, any>) : null;
  } catch {
    return null;
  }
}

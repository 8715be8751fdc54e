/**
 * A real StreamHub protocol listener for the SDK tests: the `streamhub` dialect on a real hub and
 * memory broker (test/helpers/harness.ts), HS256 tokens made with jose, and the `ws` package as the
 * SDK's WebSocket (Node 20 has no global one).
 */
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import type { Broker, Clock } from '../../src/core/index.js';
import { createStreamhubDialect, type StreamhubDialect } from '../../src/dialects/streamhub/index.js';
import { streamhubSchema } from '../../src/dialects/streamhub/config.js';
import { StreamHubClient, type ClientOptions, type WebSocketConstructor } from '../../sdk/src/index.js';
import { startDialect, type DialectHarness } from '../helpers/harness.js';

export const SECRET = 'sdk-test-secret-for-hs256-tokens';

/** Everything allowed on every channel. */
export const ALL = { '*': ['subscribe', 'publish', 'history', 'presence'] };

export type StreamhubHarness = DialectHarness<StreamhubDialect> & { url: string };

/**
 * The dialect with `overrides` over its defaults (HS256 secret set), on `port` (default 0: a free
 * one), on a new memory broker unless `broker` is given.
 */
export async function startStreamhub(
  overrides: Record<string, unknown> = {},
  { port = 0, clock, broker }: { port?: number; clock?: Clock; broker?: Broker } = {},
): Promise<StreamhubHarness> {
  const { auth, ...rest } = overrides as { auth?: Record<string, unknown> };
  const options = streamhubSchema.parse({ ...rest, port, auth: { hmacSecret: SECRET, ...auth } });
  const h = await startDialect((ctx) => createStreamhubDialect(ctx, options), { ...(clock ? { clock } : {}), ...(broker ? { broker } : {}) });
  return Object.assign(h, { url: `ws://127.0.0.1:${h.port()}` });
}

/** An HS256 token for `sub` with `channels` grants, expiring in `ttlS` seconds. */
export function token(channels: Record<string, string[]> = ALL, ttlS = 3600, sub = 'user-1'): Promise<string> {
  return new SignJWT({ sub, channels })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlS)
    .sign(new TextEncoder().encode(SECRET));
}

/** `ws` satisfies the SDK's WebSocketLike structurally (onopen/onmessage/onclose/onerror, send, close). */
export const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;

/** A client with short backoff so reconnects in tests take milliseconds, not seconds. */
export function client(url: string, options: ClientOptions = {}): StreamHubClient {
  return new StreamHubClient(url, { WebSocket: NodeWebSocket, backoff: { baseMs: 20, capMs: 200 }, ...options });
}

/** Collects a subscription's (or client's) events of one name. */
export function record<T>(on: (listener: (value: T) => void) => unknown): T[] {
  const out: T[] = [];
  on((v) => out.push(v));
  return out;
}

/**
 * Real `ws` sockets the test can drop (`drop()` ends them as a network failure would, no close
 * frame) and whose new connections wait while `hold()` is in force, so a test can change the
 * server's state between a drop and the SDK's reconnect without racing it.
 */
export class SocketControl {
  readonly sockets: WebSocket[] = [];
  /** Sees every frame the SDK sends, with its socket (e.g. to drop the connection right after a publish). */
  onSend: ((data: string, socket: WebSocket) => void) | undefined;
  /** Every text frame the SDK received, in order. */
  readonly received: string[] = [];
  #gate: Promise<void> = Promise.resolve();
  #open: () => void = () => undefined;

  hold(): void {
    this.#gate = new Promise((resolve) => (this.#open = resolve));
  }

  release(): void {
    this.#open();
  }

  /** Ends every socket abruptly (TCP reset-like: `terminate()`, no closing handshake). */
  drop(): void {
    for (const s of this.sockets) s.terminate();
  }

  /** Connections made so far (a reconnect adds one). */
  get count(): number {
    return this.sockets.length;
  }

  get ctor(): WebSocketConstructor {
    const control = this;
    return class HeldWebSocket {
      onopen: ((e: unknown) => void) | null = null;
      onmessage: ((e: { data: unknown }) => void) | null = null;
      onclose: ((e: { code: number; reason: string }) => void) | null = null;
      onerror: ((e: unknown) => void) | null = null;
      #real: WebSocket | undefined;
      #closed = false;
      constructor(url: string) {
        void control.#gate.then(() => {
          if (this.#closed) return;
          const real = new WebSocket(url);
          this.#real = real;
          control.sockets.push(real);
          real.onopen = (e) => this.onopen?.(e);
          real.onmessage = (e) => {
            if (typeof e.data === 'string') control.received.push(e.data);
            this.onmessage?.(e as { data: unknown });
          };
          real.onclose = (e) => this.onclose?.(e);
          real.onerror = (e) => this.onerror?.(e);
        });
      }
      get readyState(): number {
        return this.#real?.readyState ?? 0;
      }
      send(data: string): void {
        if (!this.#real) return;
        this.#real.send(data);
        control.onSend?.(data, this.#real);
      }
      close(code?: number, reason?: string): void {
        this.#closed = true;
        this.#real?.close(code, reason);
      }
    } as unknown as WebSocketConstructor;
  }
}

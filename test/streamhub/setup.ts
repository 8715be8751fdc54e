/**
 * Test setup of the streamhub dialect: a real hub and memory broker, the dialect on port 0, HS256
 * tokens, and a `ws` client that sends commands and waits for their replies.
 */
import { SignJWT } from 'jose';
import { MemoryBroker } from '../../src/brokers/memory.js';
import type { Broker, Clock, Message, PublishedMessage, RetentionPolicy } from '../../src/core/index.js';
import { createStreamhubDialect, type StreamhubDialect } from '../../src/dialects/streamhub/index.js';
import { streamhubSchema } from '../../src/dialects/streamhub/config.js';
import { startDialect, type DialectHarness } from '../helpers/harness.js';
import { connect, type RecordingClient } from '../helpers/ws-client.js';

export const SECRET = 'streamhub-test-secret-0123456789abcdef';

export interface Setup {
  readonly h: DialectHarness<StreamhubDialect>;
  readonly wsUrl: string;
  readonly httpUrl: string;
  publish(channel: string, data: unknown, kind?: Message['kind']): Promise<PublishedMessage>;
}

export const RING: RetentionPolicy = { maxMessages: 100, maxBytes: 1 << 20, maxAgeMs: 0, maxPinned: 10, idleTtlMs: 0 };

/** Starts the dialect with `overrides` of the `streamhub` section (HS256 secret set unless overridden). */
export async function startStreamhub(overrides: Record<string, unknown> = {}, options: { broker?: Broker; clock?: Clock } = {}): Promise<Setup> {
  const auth = { hmacSecret: SECRET, ...((overrides.auth as Record<string, unknown>) ?? {}) };
  const settings = streamhubSchema.parse({ port: 0, ...overrides, auth });
  const clock = options.clock;
  const broker = options.broker ?? new MemoryBroker(clock ? { clock } : {});
  const h = await startDialect((ctx) => createStreamhubDialect(ctx, settings), { broker, ...(clock ? { clock } : {}) });
  const port = h.port();
  return {
    h,
    wsUrl: `ws://127.0.0.1:${port}/v1/ws`,
    httpUrl: `http://127.0.0.1:${port}`,
    publish: (channel, data, kind = 'data') => h.hub.publish(channel, Buffer.from(JSON.stringify(data)), { kind, retention: RING }),
  };
}

/** An HS256 token with `channels` grants; `exp` one hour after `nowMs` unless given (seconds). */
export function token(claims: Record<string, unknown> = {}, options: { sub?: string; nowMs?: number; expSeconds?: number; secret?: string } = {}): Promise<string> {
  const now = Math.floor((options.nowMs ?? Date.now()) / 1000);
  const jwt = new SignJWT({ channels: { '*': ['subscribe', 'publish', 'history', 'presence'] }, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(now)
    .setExpirationTime(options.expSeconds ?? now + 3600);
  if (options.sub !== undefined) jwt.setSubject(options.sub);
  return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

export type Frame = Record<string, unknown> & { type: string };

/** A protocol client: `request` sends a command and resolves with its (first) reply. */
export class TestClient {
  readonly raw: RecordingClient;
  #nextId = 1;

  constructor(raw: RecordingClient) {
    this.raw = raw;
  }

  static async open(url: string): Promise<TestClient> {
    return new TestClient(await connect(url));
  }

  /** Opens and connects with `tok` (or none). */
  static async connected(url: string, tok?: string): Promise<TestClient> {
    const c = await TestClient.open(url);
    const reply = await c.request({ type: 'connect', ...(tok ? { token: tok } : {}) });
    if (reply.type !== 'connected') throw new Error(`connect failed: ${JSON.stringify(reply)}`);
    return c;
  }

  get frames(): Frame[] {
    return this.raw.messages as Frame[];
  }

  send(frame: Record<string, unknown>): void {
    this.raw.ws.send(JSON.stringify(frame));
  }

  /** Sends with a fresh id; resolves with the first frame carrying that id. */
  async request(frame: Record<string, unknown>, replies = 1): Promise<Frame> {
    const id = this.#nextId++;
    this.send({ ...frame, id });
    const all = await this.replies(id, replies);
    return all[0]!;
  }

  /** Sends with a fresh id; resolves with `count` frames carrying that id. */
  async requestAll(frame: Record<string, unknown>, count: number): Promise<Frame[]> {
    const id = this.#nextId++;
    this.send({ ...frame, id });
    return this.replies(id, count);
  }

  async replies(id: number, count: number): Promise<Frame[]> {
    await this.raw.until((msgs) => (msgs as Frame[]).filter((m) => m.id === id).length >= count);
    return this.frames.filter((m) => m.id === id);
  }

  /** Waits for a frame matching `pred` (already received or later). */
  async waitFor(pred: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    await this.raw.until((msgs) => (msgs as Frame[]).some(pred), timeoutMs);
    return this.frames.find(pred)!;
  }

  pubs(channel: string): Frame[] {
    return this.frames.filter((f) => f.type === 'pub' && f.channel === channel);
  }

  close(): void {
    this.raw.close();
  }
}

/**
 * Nova test fixtures: a dialect on port 0 with short timers, HS256 tokens made with jose, a
 * started stream, and small helpers to read events from a recording client.
 */
import { SignJWT, type JWTPayload } from 'jose';
import { createNovaDialect, type NovaDialect } from '../../src/dialects/nova/index.js';
import type { ListenerSettings } from '../../src/dialects/types.js';
import type { Clock } from '../../src/core/index.js';
import { startDialect, testConfig, type DialectHarness } from '../helpers/harness.js';
import { connect, refusal, type RecordingClient } from '../helpers/ws-client.js';

export const SECRET = 'test-secret-for-nova-hs256-tokens';
export const CONTROL_TOKEN = 'control-token-for-tests';
export const STREAM = '550e8400-e29b-41d4-a716-446655440000';
export const OTHER_STREAM = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

export type NovaHarness = DialectHarness<NovaDialect> & {
  /** ws URL of a stream with a query string, e.g. `h.url(STREAM, { token })`. */
  url(streamId: string, query?: Record<string, string>): string;
  http(path: string): string;
};

/** A nova dialect with `overrides` merged into its config (HS256 secret and control token set by default). */
export async function startNova(
  overrides: Record<string, unknown> = {},
  options: { clock?: Clock; listener?: Partial<ListenerSettings> } = {},
): Promise<NovaHarness> {
  const config = testConfig({ nova: { jwt: { secret: SECRET }, controlToken: CONTROL_TOKEN, ...overrides } }).nova;
  const h = await startDialect((ctx) => createNovaDialect(ctx, { ...config, port: 0 }), options);
  return Object.assign(h, {
    url(streamId: string, query: Record<string, string> = {}) {
      const qs = new URLSearchParams(query).toString();
      return `ws://127.0.0.1:${h.port()}/api/v1/streams/${streamId}/ws${qs ? `?${qs}` : ''}`;
    },
    http(path: string) {
      return `http://127.0.0.1:${h.port()}${path}`;
    },
  });
}

/** An HS256 token; `exp` one hour ahead unless the claims say otherwise (null leaves it out). */
export async function hsToken(claims: Omit<JWTPayload, 'exp'> & { exp?: number | null } = {}, secret = SECRET): Promise<string> {
  const { exp, ...rest } = claims;
  const jwt = new SignJWT({ sub: 'viewer-1', ...rest }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt();
  if (exp !== null) jwt.setExpirationTime(exp ?? Math.floor(Date.now() / 1000) + 3600);
  return jwt.sign(new TextEncoder().encode(secret));
}

export const START = {
  broadcaster_id: 'user-123',
  broadcaster_name: 'Streamer123',
  title: 'Live Gaming Session',
  description: 'Playing competitive games with viewers',
  quality: '1080p',
  fps: 60,
  bitrate_kbps: 5000,
};

/** A connected viewer of a live stream, after connection_established and stream_started. */
export async function viewer(h: NovaHarness, streamId = STREAM, claims: JWTPayload = {}): Promise<RecordingClient> {
  const c = await connect(h.url(streamId, { token: await hsToken(claims) }));
  await c.until((m) => events(m).includes('stream_started'));
  return c;
}

export interface NovaEvent {
  readonly event: string;
  readonly data: Record<string, unknown>;
}

export function events(messages: unknown[]): string[] {
  return (messages as NovaEvent[]).map((m) => m.event);
}

export function ofEvent(messages: unknown[], name: string): NovaEvent[] {
  return (messages as NovaEvent[]).filter((m) => m.event === name);
}

export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export { connect, refusal };

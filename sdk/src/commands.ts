/**
 * Command frames and replies of StreamHubClient (PROTOCOL.md §4, §10, §11, §12, §14): built and
 * decoded here so the client keeps only the connection's state machine.
 */
import type { HistoryResult, PresenceResult, PublishOptions, PublishResult } from './client-options.js';
import { StreamHubError } from './errors.js';
import { bytesToBase64 } from './payload.js';
import type { StreamPosition } from './position.js';
import type { ErrorFrame, PresenceMember, PubFrame } from './protocol.js';
import { decodePublication } from './publication.js';

/** A frame as parsed from JSON, before its `type` is known. */
export type Frame = Record<string, unknown> & { type?: unknown; id?: unknown; channel?: unknown };

/** §11: exactly one of `data` / `b64`, and always an idempotency key (random unless given). */
export function publishFrame(channel: string, data: unknown, options: PublishOptions): Record<string, unknown> & { idempotencyKey: string } {
  const frame: Record<string, unknown> & { idempotencyKey: string } = { type: 'publish', channel, idempotencyKey: options.idempotencyKey ?? randomKey() };
  if (data instanceof Uint8Array) frame.b64 = bytesToBase64(data);
  else frame.data = data;
  if (options.kind) frame.kind = options.kind;
  return frame;
}

export function toPublishResult(channel: string, idempotencyKey: string, reply: Frame): PublishResult {
  return { channel, offset: reply.offset as number, epoch: reply.epoch as string, duplicate: reply.duplicate === true, idempotencyKey };
}

export function toHistoryResult(reply: Frame): HistoryResult {
  const snapshot = reply.snapshot as PubFrame | null | undefined;
  return {
    position: (reply.position as StreamPosition | null) ?? null,
    recovered: reply.recovered as boolean | undefined,
    snapshot: snapshot ? decodePublication(snapshot, true) : null,
    publications: ((reply.publications as PubFrame[] | undefined) ?? []).map((p) => decodePublication(p, true)),
  };
}

export function toPresenceResult(reply: Frame): PresenceResult {
  return {
    count: reply.count as number,
    users: reply.users as number,
    members: reply.members as PresenceMember[] | undefined,
    truncated: reply.truncated as boolean | undefined,
  };
}

export function toError(frame: ErrorFrame): StreamHubError {
  const temporary = ['rate_limited', 'unavailable', 'internal'].includes(frame.code);
  return new StreamHubError(frame.code, frame.message ?? frame.code, { temporary });
}

export function readOnly(): StreamHubError {
  return new StreamHubError('read_only', 'the SSE fallback only subscribes; publish, history and presence need WebSocket');
}

export function closeCodeName(code: number): string {
  const names: Record<number, string> = { 1009: 'frame_too_large', 4500: 'unauthorized', 4501: 'bad_request' };
  return names[code] ?? `close_${code}`;
}

/** A random idempotency key (§11: 1–128 printable ASCII). */
export function randomKey(): string {
  const bytes = new Uint8Array(12);
  const c = (globalThis as { crypto?: { getRandomValues(a: Uint8Array): Uint8Array } }).crypto;
  if (c) c.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return `sdk-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

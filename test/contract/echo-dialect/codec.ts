/** The echo wire format (PROTOCOL.md): pure functions over bytes and strings. */
import type { CloseReason } from '../../../src/core/index.js';

export const PATH_PREFIX = '/echo/';
const CHANNEL = /^[A-Za-z0-9_-]{1,64}$/;

export const EchoClose = {
  shutdown: { code: 1001, reason: 'server shutting down' },
  slowConsumer: { code: 4008, reason: 'slow consumer' },
  badFrame: { code: 4400, reason: 'bad frame' },
} as const satisfies Record<string, CloseReason>;

/** The channel of an upgrade path, or null when the path is not `/echo/<channel>`. */
export function channelOfPath(url: string): string | null {
  const path = url.split('?')[0] ?? '';
  if (!path.startsWith(PATH_PREFIX)) return null;
  const channel = path.slice(PATH_PREFIX.length);
  return CHANNEL.test(channel) ? channel : null;
}

export function hubChannel(channel: string): string {
  return `echo:${channel}`;
}

export const PONG = JSON.stringify({ op: 'pong' });

export function encodeDropped(count: number): string {
  return JSON.stringify({ notice: 'dropped', count });
}

/** True for the one frame a client may send, `{"op":"ping"}`. */
export function isPing(data: Buffer, isBinary: boolean): boolean {
  if (isBinary) return false;
  try {
    const v = JSON.parse(data.toString()) as { op?: unknown } | null;
    return typeof v === 'object' && v !== null && v.op === 'ping';
  } catch {
    return false;
  }
}

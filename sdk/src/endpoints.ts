/**
 * The two URLs of a StreamHub protocol listener (PROTOCOL.md §1) from the one URL the application
 * gives: `ws://host:4005`, `http://host:4005`, or either endpoint itself.
 */
import { formatPosition, type StreamPosition } from './position.js';
import { SSE_PATH, WS_PATH } from './protocol.js';

export interface Endpoints {
  readonly ws: string;
  readonly sse: string;
}

export function endpoints(url: string): Endpoints {
  const u = new URL(url);
  const secure = u.protocol === 'wss:' || u.protocol === 'https:';
  if (!['ws:', 'wss:', 'http:', 'https:'].includes(u.protocol)) throw new TypeError(`StreamHubClient: unsupported URL scheme ${u.protocol}`);
  let base = u.pathname.replace(/\/+$/, '');
  for (const suffix of [WS_PATH, SSE_PATH]) if (base.endsWith(suffix)) base = base.slice(0, -suffix.length);
  const host = u.host;
  return { ws: `${secure ? 'wss' : 'ws'}://${host}${base}${WS_PATH}`, sse: `${secure ? 'https' : 'http'}://${host}${base}${SSE_PATH}` };
}

/** §16: `?channel=…` per channel, `since=<epoch>:<offset>` (one channel) or `since=<channel>@<epoch>:<offset>` (several). */
export function sseUrl(base: string, channels: ReadonlyArray<{ channel: string; since?: StreamPosition }>, token?: string): string {
  const params = new URLSearchParams();
  for (const c of channels) params.append('channel', c.channel);
  for (const c of channels) {
    if (!c.since) continue;
    params.append('since', channels.length === 1 ? formatPosition(c.since) : `${c.channel}@${formatPosition(c.since)}`);
  }
  if (token) params.set('token', token);
  return `${base}?${params.toString()}`;
}

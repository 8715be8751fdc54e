/**
 * Pure encoding and decoding of the match dialect's control frames, paths and ingest frames
 * (seed 000; protocol-notes §1.3). No sockets here: everything is tested on bytes.
 */
import type { CloseReason, MessageKind } from '../../core/index.js';
import { DEFAULT_JSON_BOUNDS, JsonBoundsError, parseBoundedJson, type JsonBounds } from '../../util/json-bounds.js';
import { SPEC_VERSION, type SpecMessage } from './spec.js';

/** seed 000: `<match_id>` matches `^[A-Za-z0-9._:-]+$`. */
const MATCH_ID_RE = /^[A-Za-z0-9._:-]+$/;
/** Longest match id accepted (the seed gives none; ids are channel names, so they are bounded). */
const MATCH_ID_MAX = 256;

const MATCH_PATH_PREFIX = '/v1/match/';
export const INGEST_PATH = '/v1/ingest';

/** Close codes and reasons of the match dialect [RFC 6455 §7.4.1]. */
export const MatchClose = {
  /** notes §1.3: caps are enforced after the upgrade with 1013 Try Again Later. */
  perIp: { code: 1013, reason: 'rate_limit:per_ip' },
  total: { code: 1013, reason: 'rate_limit:total' },
  /** notes §1.3: the original closes a stalled subscriber with 1011 `subscriber overrun`. */
  overrun: { code: 1011, reason: 'subscriber overrun' },
  // 1013 `ingest overloaded` is no longer sent (issue 15 item 2): a fast producer is slowed by
  // backpressure (ingest.ts, shared/publish-gate.ts), never cut off.
  shutdown: { code: 1001, reason: 'server shutting down' },
} as const satisfies Record<string, CloseReason>;

/** The path part of a request URL (the query string is tolerated and stripped, notes §1.3). */
export function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q < 0 ? raw : raw.slice(0, q);
}

/** A query parameter of a request URL, or null. */
export function queryParam(url: string | undefined, name: string): string | null {
  const raw = url ?? '';
  const q = raw.indexOf('?');
  if (q < 0) return null;
  try {
    return new URLSearchParams(raw.slice(q + 1)).get(name);
  } catch {
    return null;
  }
}

export function isMatchId(id: string): boolean {
  return id.length > 0 && id.length <= MATCH_ID_MAX && MATCH_ID_RE.test(id);
}

/**
 * `/v1/match/<match_id>` → the id; anything else (a bad id, a trailing segment) → null.
 * The id is not percent-decoded: the seed's alphabet has no character that needs escaping.
 */
export function parseMatchPath(url: string | undefined): string | null {
  const path = pathOf(url);
  if (!path.startsWith(MATCH_PATH_PREFIX)) return null;
  const id = path.slice(MATCH_PATH_PREFIX.length);
  return isMatchId(id) ? id : null;
}

/** The hub channel of a match (DESIGN.md "Channel": `<dialect>:<name>`). */
export function matchChannel(matchId: string): string {
  return `match:${matchId}`;
}

export interface HelloFields {
  readonly matchId: string;
  readonly serverTimeMs: number;
  readonly ringSize: number;
  readonly replayWindowMs: number;
}

/** seed 000 "The first message every client receives is a hello". */
export function encodeHello(f: HelloFields): string {
  return JSON.stringify({
    type: 'hello',
    spec_version: SPEC_VERSION,
    match_id: f.matchId,
    server_time_ms: f.serverTimeMs,
    ring_size: f.ringSize,
    replay_window_ms: f.replayWindowMs,
  });
}

/** seed 000 "x_keepalive every 30s when no other message has been sent"; `server_time_ms` per notes §1.3. */
export function encodeKeepalive(serverTimeMs: number): string {
  return JSON.stringify({ type: 'x_keepalive', server_time_ms: serverTimeMs });
}

/** `{"type":"x_error","error":…}` (notes §1.3 keeps the original's `error` field), with an optional detail. */
export function encodeError(error: string, detail?: string): string {
  return JSON.stringify(detail === undefined ? { type: 'x_error', error } : { type: 'x_error', error, detail });
}

/** The bytes published for a spec message: encoded once, sent as-is to every subscriber. */
export function encodeSpecMessage(message: SpecMessage): Uint8Array {
  return Buffer.from(JSON.stringify(message), 'utf8');
}

/** Event types that outlive the replay window (notes "Decisions": sticky events), red cards aside. */
const STICKY_TYPES: ReadonlySet<string> = new Set([
  'event.score_change',
  'event.period_start',
  'event.period_end',
  'event.substitution',
  'event.penalty_shootout_start',
  'event.penalty_attempt',
  'event.penalty_shootout_end',
  'event.match_end',
]);

/** True when a late joiner needs this event to show the right state (score, period, line-up, cards). */
function isSticky(message: SpecMessage): boolean {
  if (STICKY_TYPES.has(message.type)) return true;
  return message.type === 'event.foul' && message.severity === 'red';
}

/**
 * How the hub retains a message: MatchInit is the snapshot (kept apart, replaced by a newer one);
 * sticky events are pinned when `stickyEvents` is on; everything else goes to the ring.
 */
export function kindOf(message: SpecMessage, stickyEvents: boolean): MessageKind {
  if (message.type === 'match.init') return 'snapshot';
  return stickyEvents && isSticky(message) ? 'pinned' : 'data';
}

/** Match time of a message for age-based retention (MatchInit is t = 0 by definition). */
export function timeOf(message: SpecMessage): number {
  return message.type === 'match.init' ? 0 : message.t;
}

export type IngestItem = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * One producer frame → its JSON values. One object per frame is the contract; several
 * `\n`-separated objects (NDJSON) are tolerated, as the original's producer client does (notes §1.3).
 * Blank lines are skipped; each bad line is reported on its own. The frame size limit
 * (`ingest.maxFrameBytes`) bounds the number of items; `bounds` the depth and size of each
 * (issue 20: a value nested thousands deep must never reach a recursive encoder).
 */
export function splitIngestFrame(text: string, bounds: JsonBounds = DEFAULT_JSON_BOUNDS): IngestItem[] {
  const lines = text.includes('\n') ? text.split('\n') : [text];
  const items: IngestItem[] = [];
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    try {
      items.push({ ok: true, value: parseBoundedJson(trimmed, bounds) });
    } catch (err) {
      items.push({ ok: false, error: err instanceof JsonBoundsError ? err.message : 'not valid JSON' });
    }
  }
  return items;
}

import type { Cluster, Redis } from 'ioredis';
import { replayOf, sinceInEpoch, type ChannelHistory, type HistoryQuery, type Logger, type Message } from '../core/index.js';
import { decodeEnvelope } from './envelope.js';
import type { ChannelKeys } from './redis-keys.js';
import { HISTORY_SCRIPT, runScript } from './redis-scripts.js';

/** One consistent read of a channel's retained state (redis-history.lua). */
export interface StoreView {
  readonly epoch: string;
  /** The channel's latest offset. */
  readonly seq: number;
  readonly snapshot: Message | null;
  /** The whole pinned list, oldest first (ring members included). */
  readonly pinned: readonly Message[];
  /** Offset of the oldest ring entry, or seq + 1 when the ring is empty. */
  readonly oldestInRing: number;
  /** Ring entries after the position asked for, oldest first (or the newest `limit`). */
  readonly ring: readonly Message[];
  /** True when `ring` was cut at the read cap, so more entries follow. */
  readonly truncated: boolean;
}

export interface ReadRequest {
  /** Read after this position when its epoch is the channel's; otherwise from the oldest entry. */
  readonly since?: { readonly epoch: string; readonly offset: number } | undefined;
  /** The newest `limit` ring entries; without it the oldest `cap` after `since`. */
  readonly limit?: number | undefined;
  readonly cap: number;
}

const EMPTY: ChannelHistory = Object.freeze({ top: null, snapshot: null, pinned: [], messages: [], recovered: false });

/** Decodes stored envelopes, skipping (and logging) any that are not ours rather than failing the read. */
function decodeAll(items: readonly Buffer[], log: Logger): Message[] {
  const out: Message[] = [];
  for (const item of items) {
    try {
      out.push(decodeEnvelope(item));
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'skipping an undecodable stored envelope');
    }
  }
  return out;
}

/** Runs the history script; null when Redis knows nothing of the channel. */
export async function readChannel(
  redis: Redis | Cluster,
  keys: ChannelKeys,
  request: ReadRequest,
  log: Logger,
): Promise<StoreView | null> {
  // The script reads ids after floor(offset); a fractional or negative position still reads correctly.
  const since = request.since && Number.isFinite(request.since.offset) ? request.since : null;
  const sinceOffset = since ? Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, Math.floor(since.offset))) : 0;
  const limit = request.limit !== undefined && Number.isSafeInteger(request.limit) && request.limit >= 0 ? request.limit : -1;
  const reply = (await runScript(redis, HISTORY_SCRIPT, [keys.meta, keys.ring, keys.snapshot, keys.pinned], [
    since ? since.epoch : '',
    String(sinceOffset),
    limit,
    request.cap,
  ])) as unknown[];
  if (reply.length === 0) return null;
  const [epoch, seq, snapshot, pinned, oldest, ring] = reply as [Buffer, Buffer, Buffer | null, Buffer[], Buffer | null, Buffer[]];
  const top = Number(seq.toString());
  const snap = snapshot ? decodeAll([snapshot], log)[0] ?? null : null;
  return {
    epoch: epoch.toString(),
    seq: top,
    snapshot: snap,
    pinned: decodeAll(pinned, log),
    oldestInRing: oldest ? Number.parseInt(oldest.toString(), 10) : top + 1,
    ring: decodeAll(ring, log),
    truncated: limit < 0 && ring.length >= request.cap,
  };
}

/** The broker contract's history: the replay rule RetainedChannel uses too (src/core/replay-rule.ts). */
export function toHistory(view: StoreView | null, query: HistoryQuery): ChannelHistory {
  if (!view) return EMPTY;
  const state = { epoch: view.epoch, top: view.seq, oldestInRing: view.oldestInRing, snapshot: view.snapshot, pinned: view.pinned };
  return replayOf(state, sinceInEpoch(query, view.epoch), view.ring);
}

import type { EndReason } from './schema.js';

/** `stream_info.status` vocabulary (notes §2.4.10: the backend's `live` is reported as `active`). */
export type StreamStatus = 'active' | 'ended';

/** What this node knows of one stream: its start data, current quality and audience. */
export interface StreamState {
  readonly streamId: string;
  status: StreamStatus;
  readonly broadcasterId: string;
  readonly broadcasterName: string;
  readonly title: string;
  readonly description: string;
  /** Current quality, target bitrate and fps (start values, then the latest quality change). */
  quality: string;
  bitrateKbps: number;
  fps: number;
  /** Latest measured bitrate (bitrate_update), null before the first. */
  currentBitrateKbps: number | null;
  readonly startedAt: number;
  endedAt: number | null;
  endReason: EndReason | null;
  /** Highest viewer count of this live session (seed: "reached this session"). */
  peakViewers: number;
  finalViewerCount: number | null;
}

/**
 * The streams this node knows, bounded by `maxStreams`: ended streams are remembered for
 * `endedTtlMs` (connections get STREAM_ENDED, notes §2.4.9), then forgotten (404). When the
 * registry is full the oldest ended stream makes room; when every stream is live a new start is refused.
 */
export class StreamRegistry {
  readonly #streams = new Map<string, StreamState>();
  readonly #maxStreams: number;
  readonly #endedTtlMs: number;
  readonly #now: () => number;

  constructor(options: { maxStreams: number; endedTtlMs: number; now: () => number }) {
    this.#maxStreams = options.maxStreams;
    this.#endedTtlMs = options.endedTtlMs;
    this.#now = options.now;
  }

  get size(): number {
    return this.#streams.size;
  }

  /** The stream, or null when unknown or ended longer than the TTL ago (then it is forgotten). */
  get(streamId: string): StreamState | null {
    const state = this.#streams.get(streamId);
    if (!state) return null;
    if (this.#expired(state)) {
      this.#streams.delete(streamId);
      return null;
    }
    return state;
  }

  /** Registers a newly started stream (replacing an ended one of the same id). False when full of live streams. */
  add(state: StreamState): boolean {
    this.#streams.delete(state.streamId);
    if (this.#streams.size >= this.#maxStreams) this.#evict();
    if (this.#streams.size >= this.#maxStreams) return false;
    this.#streams.set(state.streamId, state);
    return true;
  }

  /**
   * Stores a state learned from another node (or this node's own published one) over the cached
   * one. The peak of one live session only grows: every node sees the same cluster-wide counts but
   * at different moments. Returns the effective state, or null when it is an ended stream past the TTL.
   * When the registry is full of live streams the state is returned without being cached.
   */
  put(state: StreamState): StreamState | null {
    if (this.#expired(state)) {
      this.#streams.delete(state.streamId);
      return null;
    }
    const cached = this.#streams.get(state.streamId);
    const merged: StreamState =
      cached && cached.startedAt === state.startedAt ? { ...state, peakViewers: Math.max(cached.peakViewers, state.peakViewers) } : { ...state };
    if (cached) {
      this.#streams.set(state.streamId, merged);
      return merged;
    }
    this.add(merged);
    return merged;
  }

  /** Live streams, for stats. */
  liveCount(): number {
    let n = 0;
    for (const state of this.#streams.values()) if (state.status === 'active') n += 1;
    return n;
  }

  #expired(state: StreamState): boolean {
    return state.status === 'ended' && state.endedAt !== null && this.#now() - state.endedAt >= this.#endedTtlMs;
  }

  #evict(): void {
    // Expired first, then the oldest ended stream (Map order is insertion order).
    let oldestEnded: string | null = null;
    for (const [id, state] of this.#streams) {
      if (this.#expired(state)) this.#streams.delete(id);
      else if (state.status === 'ended' && oldestEnded === null) oldestEnded = id;
    }
    if (this.#streams.size >= this.#maxStreams && oldestEnded !== null) this.#streams.delete(oldestEnded);
  }
}

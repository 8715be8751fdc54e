import type { Clock, Hub, RetentionPolicy } from '../../core/index.js';
import { encode, isoTime, ServerEvent } from './codec.js';
import {
  bitrateSchema,
  endSchema,
  errorSchema,
  parseInput,
  qualitySchema,
  startSchema,
  type BitrateInput,
  type EndInput,
  type ErrorInput,
  type QualityInput,
  type StartInput,
} from './schema.js';
import { KeyedSerial } from './serial.js';
import type { ClusterStreams } from './stream-state.js';
import type { StreamRegistry, StreamState } from './streams.js';
import type { ViewerCountCoalescer, ViewerCountSource } from './viewer-counts.js';
import { ErrorCode, StreamHubError } from '../../errors.js';

/** The live state of a stream as `stream_info` reports it (seed 001 §7), minus `request_id`. */
export interface StreamInfo {
  readonly stream_id: string;
  readonly status: 'active' | 'ended';
  readonly viewer_count: number;
  readonly peak_viewers: number;
  readonly quality: string;
  readonly bitrate_kbps: number;
  readonly fps: number;
  readonly duration_seconds: number;
  readonly broadcaster_id: string;
  readonly broadcaster_name: string;
  readonly title: string;
  readonly timestamp: string;
}

/** Why a control operation was refused; the HTTP API maps it to a status. */
export type NovaControlErrorCode = 'invalid' | 'not_found' | 'conflict' | 'capacity';

/** Each refusal's code in the StreamHub error family (src/core/errors.ts, docs/errors.md). */
const CODE_OF = { invalid: ErrorCode.invalidMessage, not_found: ErrorCode.notFound, conflict: ErrorCode.conflict, capacity: ErrorCode.capacity } as const;

export class NovaControlError extends StreamHubError {
  /** The control API's own refusal kind (its HTTP status and `error` string; control-http.ts). */
  readonly reason: NovaControlErrorCode;
  constructor(reason: NovaControlErrorCode, message: string) {
    super(CODE_OF[reason], message);
    this.reason = reason;
    this.name = 'NovaControlError';
  }
}

/**
 * The broadcaster side of a stream. Used by the control HTTP API and by the demo producer.
 * Every operation validates its input (rejects with NovaControlError `invalid`), requires the
 * stream to be live except `start` (`not_found` / `conflict`), and resolves once the event is
 * published. Operations on one stream are published in call order.
 */
export interface NovaControl {
  /** Starts a stream: `stream_started`, which becomes the stream's snapshot for newcomers (notes §2.4.8). */
  start(streamId: string, input: StartInput): Promise<StreamInfo>;
  /** Ends a stream: `stream_ended` with duration, peak and final counts; every viewer is then closed with 1000. */
  end(streamId: string, input?: EndInput): Promise<StreamInfo>;
  /** `quality_changed` with the previous and new quality and bitrate. */
  changeQuality(streamId: string, input: QualityInput): Promise<StreamInfo>;
  /** `bitrate_update`; `health` is computed from the target bitrate when not given. */
  updateBitrate(streamId: string, input: BitrateInput): Promise<StreamInfo>;
  /** An `error` event for every viewer of the stream (never dropped from a backlog). */
  reportError(streamId: string, input: ErrorInput): Promise<StreamInfo>;
  /** The stream's state as this node last saw it (synchronous; exact on the node running the control API), or null when unknown. */
  info(streamId: string): StreamInfo | null;
  /** The stream's state anywhere in the cluster (issue #7), or null when unknown; bounded by `nova.stateLookupTimeoutMs`. */
  lookup(streamId: string): Promise<StreamInfo | null>;
}

export interface ControlDeps {
  readonly hub: Hub;
  readonly clock: Clock;
  readonly registry: StreamRegistry;
  /** Cluster-wide stream state through the hub (issue #7). */
  readonly streams: ClusterStreams;
  readonly counts: ViewerCountSource;
  readonly coalescer: ViewerCountCoalescer;
  readonly channelOf: (streamId: string) => string;
  /** Retention while live (never forgotten) and after the end (forgotten after the ended-stream TTL). */
  readonly liveRetention: RetentionPolicy;
  readonly endedRetention: RetentionPolicy;
}

/** The NovaControl implementation publishing through the hub. */
export class HubNovaControl implements NovaControl {
  readonly #deps: ControlDeps;
  readonly #serial = new KeyedSerial();

  constructor(deps: ControlDeps) {
    this.#deps = deps;
    // Peak viewers of the live session (seed §viewer_count_changed `peak_viewers`).
    deps.counts.onChange((id) => {
      const state = deps.registry.get(id);
      if (state?.status === 'active') state.peakViewers = Math.max(state.peakViewers, deps.counts.count(id));
    });
  }

  start(streamId: string, input: StartInput): Promise<StreamInfo> {
    return this.#serial.run(streamId, () => this.#start(streamId, input));
  }

  async #start(streamId: string, input: StartInput): Promise<StreamInfo> {
    const data = parseInput(startSchema, input, invalid);
    const { registry, counts, clock } = this.#deps;
    if ((await this.#deps.streams.lookup(streamId))?.status === 'active') throw new NovaControlError('conflict', 'stream is already live');
    const now = clock.now();
    const state: StreamState = {
      streamId,
      status: 'active',
      broadcasterId: data.broadcaster_id,
      broadcasterName: data.broadcaster_name ?? data.broadcaster_id,
      title: data.title,
      description: data.description,
      quality: data.quality,
      bitrateKbps: data.bitrate_kbps,
      fps: data.fps,
      currentBitrateKbps: null,
      startedAt: now,
      endedAt: null,
      endReason: null,
      peakViewers: counts.count(streamId),
      finalViewerCount: null,
    };
    if (!registry.add(state)) throw new NovaControlError('capacity', 'too many live streams');
    this.#deps.coalescer.reset(streamId);
    // State first: a viewer reached by stream_started on another node finds the stream there (issue #7).
    await this.#deps.streams.publish(state);
    // The start data is the stream's snapshot: a newcomer gets it right after connection_established.
    const frame = encode(ServerEvent.streamStarted, {
      stream_id: streamId,
      broadcaster_id: state.broadcasterId,
      title: state.title,
      description: state.description,
      quality: state.quality,
      fps: state.fps,
      bitrate_kbps: state.bitrateKbps,
      timestamp: isoTime(now),
    });
    await this.#deps.hub.publish(this.#deps.channelOf(streamId), frame, { kind: 'snapshot', retention: this.#deps.liveRetention });
    return this.#info(state);
  }

  end(streamId: string, input: EndInput = {}): Promise<StreamInfo> {
    return this.#serial.run(streamId, () => this.#end(streamId, input));
  }

  async #end(streamId: string, input: EndInput): Promise<StreamInfo> {
    const data = parseInput(endSchema, input, invalid);
    const state = await this.#live(streamId);
    const now = this.#deps.clock.now();
    state.status = 'ended';
    state.endedAt = now;
    state.endReason = data.reason;
    state.finalViewerCount = this.#deps.counts.count(streamId);
    this.#deps.coalescer.forget(streamId);
    await this.#deps.streams.publish(state);
    // Pinned, so a viewer's overflowing backlog never drops it (drop-oldest spares pinned; notes §2.4.6).
    const frame = encode(ServerEvent.streamEnded, {
      stream_id: streamId,
      duration_seconds: Math.floor((now - state.startedAt) / 1000),
      peak_viewers: state.peakViewers,
      final_viewer_count: state.finalViewerCount,
      reason: data.reason,
      timestamp: isoTime(now),
    });
    await this.#deps.hub.publish(this.#deps.channelOf(streamId), frame, { kind: 'pinned', retention: this.#deps.endedRetention });
    return this.#info(state);
  }

  changeQuality(streamId: string, input: QualityInput): Promise<StreamInfo> {
    return this.#serial.run(streamId, () => this.#changeQuality(streamId, input));
  }

  async #changeQuality(streamId: string, input: QualityInput): Promise<StreamInfo> {
    const data = parseInput(qualitySchema, input, invalid);
    const state = await this.#live(streamId);
    const previous = { quality: state.quality, bitrate: state.bitrateKbps };
    state.quality = data.new_quality;
    state.bitrateKbps = data.new_bitrate_kbps;
    if (data.fps !== undefined) state.fps = data.fps;
    await this.#deps.streams.publish(state);
    const frame = encode(ServerEvent.qualityChanged, {
      stream_id: streamId,
      previous_quality: previous.quality,
      new_quality: state.quality,
      previous_bitrate_kbps: previous.bitrate,
      new_bitrate_kbps: state.bitrateKbps,
      fps: state.fps,
      reason: data.reason,
      timestamp: isoTime(this.#deps.clock.now()),
    });
    await this.#publish(streamId, frame, 'data');
    return this.#info(state);
  }

  updateBitrate(streamId: string, input: BitrateInput): Promise<StreamInfo> {
    return this.#serial.run(streamId, () => this.#updateBitrate(streamId, input));
  }

  async #updateBitrate(streamId: string, input: BitrateInput): Promise<StreamInfo> {
    const data = parseInput(bitrateSchema, input, invalid);
    const state = await this.#live(streamId);
    state.currentBitrateKbps = data.current_bitrate_kbps;
    await this.#deps.streams.publish(state);
    const frame = encode(ServerEvent.bitrateUpdate, {
      stream_id: streamId,
      current_bitrate_kbps: data.current_bitrate_kbps,
      quality: state.quality,
      health: data.health ?? healthOf(data.current_bitrate_kbps, state.bitrateKbps),
      timestamp: isoTime(this.#deps.clock.now()),
    });
    await this.#publish(streamId, frame, 'data');
    return this.#info(state);
  }

  reportError(streamId: string, input: ErrorInput): Promise<StreamInfo> {
    return this.#serial.run(streamId, () => this.#reportError(streamId, input));
  }

  async #reportError(streamId: string, input: ErrorInput): Promise<StreamInfo> {
    const data = parseInput(errorSchema, input, invalid);
    const state = await this.#live(streamId);
    const frame = encode(ServerEvent.error, {
      error_code: data.error_code,
      error_message: data.error_message,
      severity: data.severity,
      recoverable: data.recoverable,
      ...(data.suggested_action ? { suggested_action: data.suggested_action } : {}),
      timestamp: isoTime(this.#deps.clock.now()),
    });
    await this.#publish(streamId, frame, 'pinned');
    return this.#info(state);
  }

  info(streamId: string): StreamInfo | null {
    const state = this.#deps.registry.get(streamId);
    return state ? this.#info(state) : null;
  }

  async lookup(streamId: string): Promise<StreamInfo | null> {
    const state = await this.#deps.streams.lookup(streamId);
    return state ? this.#info(state) : null;
  }

  /** The stream as the cluster knows it, as this node's own copy to change (a control call may come to any node). */
  async #live(streamId: string): Promise<StreamState> {
    const found = await this.#deps.streams.lookup(streamId);
    if (!found) throw new NovaControlError('not_found', 'unknown stream');
    if (found.status !== 'active') throw new NovaControlError('conflict', 'stream is not live');
    const state = this.#deps.registry.get(streamId) ?? found;
    // This node's view of the peak may be ahead of the published one (counts are cluster-wide).
    state.peakViewers = Math.max(state.peakViewers, this.#deps.counts.count(streamId));
    return state;
  }

  async #publish(streamId: string, frame: Buffer, kind: 'data' | 'pinned'): Promise<void> {
    await this.#deps.hub.publish(this.#deps.channelOf(streamId), frame, { kind, retention: this.#deps.liveRetention });
  }

  #info(state: StreamState): StreamInfo {
    const now = this.#deps.clock.now();
    const live = state.status === 'active';
    return {
      stream_id: state.streamId,
      status: state.status,
      viewer_count: live ? this.#deps.counts.count(state.streamId) : (state.finalViewerCount ?? 0),
      peak_viewers: state.peakViewers,
      quality: state.quality,
      bitrate_kbps: state.bitrateKbps,
      fps: state.fps,
      duration_seconds: Math.floor(((state.endedAt ?? now) - state.startedAt) / 1000),
      broadcaster_id: state.broadcasterId,
      broadcaster_name: state.broadcasterName,
      title: state.title,
      timestamp: isoTime(now),
    };
  }
}

/** Seed §bitrate_update `health`: > 90 % of the target excellent, 70–90 good, 50–70 fair, < 50 poor. */
export function healthOf(currentKbps: number, targetKbps: number): 'excellent' | 'good' | 'fair' | 'poor' {
  const ratio = currentKbps / targetKbps;
  if (ratio > 0.9) return 'excellent';
  if (ratio >= 0.7) return 'good';
  if (ratio >= 0.5) return 'fair';
  return 'poor';
}

function invalid(message: string): NovaControlError {
  return new NovaControlError('invalid', message);
}

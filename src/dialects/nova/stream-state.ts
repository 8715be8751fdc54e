import type { CloseReason, Hub, Logger, Message, RetentionPolicy, Subscriber } from '../../core/index.js';
import { queueLimitsFrom } from '../shared/lifecycle/index.js';
import { streamStateSchema } from './schema.js';
import type { StreamRegistry, StreamState } from './streams.js';

export interface ClusterStreamsDeps {
  readonly hub: Hub;
  readonly log: Logger;
  readonly registry: StreamRegistry;
  /** `nova:<streamId>:state` (PROTOCOL.md §10). */
  readonly stateChannelOf: (streamId: string) => string;
  /** Bound of one cluster lookup; past it the local cache answers (`nova.stateLookupTimeoutMs`). */
  readonly lookupTimeoutMs: number;
  /** Ended streams: the state channel is forgotten after `endedStreamTtlMs` like the stream itself. */
  readonly endedTtlMs: number;
}

/** The state channel keeps only its snapshot: one small message per stream (issue #7). */
function stateRetention(idleTtlMs: number): RetentionPolicy {
  return { maxMessages: 1, maxBytes: 64 * 1024, maxAgeMs: 0, maxPinned: 1, idleTtlMs };
}

const WATCH_LIMITS = queueLimitsFrom(
  // Only the newest state matters, so dropping older ones is harmless; the watcher never stalls (it always accepts).
  { maxMessages: 16, maxBytes: 256 * 1024, overflow: 'drop-oldest', stallTimeoutMs: 0 },
  { overflowClose: { code: 1011, reason: 'state watcher overflow' }, stallClose: { code: 1011, reason: 'state watcher stalled' }, maxPendingDuringReplay: 16 },
);

/**
 * Stream state shared by every node through the hub only (issue #7): each control operation
 * publishes the stream's full state as the `snapshot` of its state channel; a lookup answers from
 * the local registry when this node watches the channel (it has local viewers), otherwise it reads
 * the snapshot from the broker and caches it. The dialect never talks to Redis itself.
 */
export class ClusterStreams {
  readonly #deps: ClusterStreamsDeps;
  /** Streams whose state channel this node follows, with how many local viewers need it. */
  readonly #watched = new Map<string, number>();
  readonly #subscriber: Subscriber;
  #closed = false;

  constructor(deps: ClusterStreamsDeps) {
    this.#deps = deps;
    const sink = {
      id: 'nova-state-watcher',
      dialect: 'nova',
      deliver: (batch: readonly Message[]) => {
        for (const msg of batch) this.#apply(msg);
        return true;
      },
      close: (_reason: CloseReason) => {
        this.#closed = true;
      },
    };
    this.#subscriber = deps.hub.attach(sink, WATCH_LIMITS);
  }

  /** Publishes the full state; an ended stream's state channel is forgotten after the ended-stream TTL. */
  async publish(state: StreamState): Promise<void> {
    const bytes = Buffer.from(JSON.stringify(state), 'utf8');
    const retention = stateRetention(state.status === 'ended' ? this.#deps.endedTtlMs : 0);
    await this.#deps.hub.publish(this.#deps.stateChannelOf(state.streamId), bytes, { kind: 'snapshot', retention });
  }

  /**
   * The stream's current state anywhere in the cluster, or null when unknown (or ended past the TTL).
   * Bounded by `lookupTimeoutMs`: on timeout or broker error the local cache answers.
   */
  async lookup(streamId: string): Promise<StreamState | null> {
    const { registry } = this.#deps;
    if (this.#watched.has(streamId) && registry.get(streamId)) return registry.get(streamId);
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<null>((resolve) => {
        // Not unref'd: a pending lookup is work in progress, and it is always cleared below.
        timer = setTimeout(() => resolve(null), this.#deps.lookupTimeoutMs);
      });
      const history = await Promise.race([this.#deps.hub.history(this.#deps.stateChannelOf(streamId), { limit: 0 }), timeout]);
      if (history === null) {
        this.#deps.log.warn({ streamId }, 'nova: stream state lookup timed out; answering from the local cache');
        return registry.get(streamId);
      }
      return history.snapshot ? this.#apply(history.snapshot) : registry.get(streamId);
    } catch (err) {
      this.#deps.log.warn({ err: (err as Error).message, streamId }, 'nova: stream state lookup failed; answering from the local cache');
      return registry.get(streamId);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A local viewer joined: follow the stream's state channel so the cache stays fresh. */
  async watch(streamId: string): Promise<void> {
    const n = this.#watched.get(streamId) ?? 0;
    this.#watched.set(streamId, n + 1);
    if (n === 0 && !this.#closed) await this.#subscriber.subscribe(this.#deps.stateChannelOf(streamId));
  }

  /** A local viewer left; the last one stops the subscription (the cached state stays, bounded by the registry). */
  unwatch(streamId: string): void {
    const n = this.#watched.get(streamId) ?? 0;
    if (n <= 1) {
      this.#watched.delete(streamId);
      if (!this.#closed) this.#subscriber.unsubscribe(this.#deps.stateChannelOf(streamId));
    } else this.#watched.set(streamId, n - 1);
  }

  close(): void {
    this.#closed = true;
    this.#watched.clear();
    this.#subscriber.detach();
  }

  #apply(msg: Message): StreamState | null {
    if (msg.kind !== 'snapshot') return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(msg.payload).toString('utf8'));
    } catch {
      parsed = null;
    }
    const result = streamStateSchema.safeParse(parsed);
    // A state is only taken from its own stream's channel.
    if (!result.success || msg.channel !== this.#deps.stateChannelOf(result.data.streamId)) {
      this.#deps.log.warn({ channel: msg.channel }, 'nova: ignoring a malformed stream state');
      return null;
    }
    return this.#deps.registry.put(result.data);
  }
}

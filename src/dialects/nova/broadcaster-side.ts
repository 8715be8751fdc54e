/**
 * Nova's broadcaster side (PROTOCOL.md §7): the streams this node knows, their state shared through
 * the hub, the stream control, and the coalesced viewer counts it announces to viewers.
 */
import type { Config } from '../../config/index.js';
import type { Logger } from '../../core/index.js';
import type { CounterTable } from '../../coordination/ports.js';
import type { DialectContext } from '../types.js';
import { HubNovaControl } from './control.js';
import { novaRetention } from './retention.js';
import { ClusterStreams } from './stream-state.js';
import { StreamRegistry } from './streams.js';
import { ViewerCountCoalescer, type CountBroadcast } from './viewer-counts.js';

export interface BroadcasterSide {
  readonly registry: StreamRegistry;
  readonly streams: ClusterStreams;
  readonly coalescer: ViewerCountCoalescer;
  readonly control: HubNovaControl;
  /** The stream is live (as this node last heard). */
  readonly isLive: (streamId: string) => boolean;
}

export interface BroadcasterSideDeps {
  readonly ctx: DialectContext;
  readonly options: Config['nova'];
  readonly log: Logger;
  /** Viewers per stream (this node's, or summed over a cluster's nodes). */
  readonly counts: CounterTable;
  readonly channelOf: (streamId: string) => string;
  /** Sends one coalesced count to this node's viewers of the stream. */
  readonly broadcast: (update: CountBroadcast) => void;
}

export function createBroadcasterSide({ ctx, options, log, counts, channelOf, broadcast }: BroadcasterSideDeps): BroadcasterSide {
  const registry = new StreamRegistry({ maxStreams: options.maxStreams, endedTtlMs: options.endedStreamTtlMs, now: () => ctx.clock.now() });
  // Stream state is shared through the hub (issue #7): any node answers for a stream started on another.
  const streams = new ClusterStreams({
    hub: ctx.hub,
    log,
    registry,
    stateChannelOf: (streamId) => `nova:${streamId}:state`,
    lookupTimeoutMs: options.stateLookupTimeoutMs,
    endedTtlMs: options.endedStreamTtlMs,
  });
  const isLive = (id: string) => registry.get(id)?.status === 'active';
  const coalescer = new ViewerCountCoalescer({ source: counts, clock: ctx.clock, windowMs: options.viewerCountWindowMs, isLive, broadcast });
  const control = new HubNovaControl({
    hub: ctx.hub,
    clock: ctx.clock,
    registry,
    streams,
    counts,
    coalescer,
    channelOf,
    liveRetention: novaRetention(options, 0),
    endedRetention: novaRetention(options, options.endedStreamTtlMs),
  });
  return { registry, streams, coalescer, control, isLive };
}

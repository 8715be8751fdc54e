/**
 * ClusterStreams (issue #7, PROTOCOL.md §10): stream state through the hub only. A lookup reads the
 * state channel's snapshot, is bounded by `stateLookupTimeoutMs` (then the local cache answers),
 * ignores malformed states, and a watched stream is kept fresh by its subscription.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBroker } from '../../src/brokers/memory.js';
import { Hub, systemClock, type ChannelHistory, type HistoryQuery } from '../../src/core/index.js';
import { silentLogger } from '../../src/log.js';
import { ClusterStreams } from '../../src/dialects/nova/stream-state.js';
import { StreamRegistry, type StreamState } from '../../src/dialects/nova/streams.js';
import { eventually } from '../helpers/eventually.js';
import { STREAM } from './fixtures.js';

/** A memory broker whose history can be made to never answer (a stuck Redis). */
class StuckBroker extends MemoryBroker {
  stuck = false;
  override history(channel: string, query?: HistoryQuery): Promise<ChannelHistory> {
    return this.stuck ? new Promise(() => undefined) : super.history(channel, query);
  }
}

const state = (over: Partial<StreamState> = {}): StreamState => ({
  streamId: STREAM,
  status: 'active',
  broadcasterId: 'user-123',
  broadcasterName: 'Streamer',
  title: 'Title',
  description: '',
  quality: '1080p',
  bitrateKbps: 5000,
  fps: 60,
  currentBitrateKbps: null,
  startedAt: 1_000,
  endedAt: null,
  endReason: null,
  peakViewers: 0,
  finalViewerCount: null,
  ...over,
});

async function node(broker: MemoryBroker, lookupTimeoutMs = 2_000) {
  const hub = new Hub({ broker, clock: systemClock });
  await hub.start();
  const registry = new StreamRegistry({ maxStreams: 10, endedTtlMs: 60_000, now: () => Date.now() });
  const streams = new ClusterStreams({ hub, log: silentLogger, registry, stateChannelOf: (id) => `nova:${id}:state`, lookupTimeoutMs, endedTtlMs: 60_000 });
  return { hub, registry, streams };
}

describe('nova cluster stream state', () => {
  it('a node that never saw the stream finds it through the hub; unknown stays null', async () => {
    const broker = new MemoryBroker({ clock: systemClock });
    const a = await node(broker);
    const b = await node(broker);
    assert.equal(await b.streams.lookup(STREAM), null);
    await a.streams.publish(state({ quality: '720p' }));
    assert.equal((await b.streams.lookup(STREAM))?.quality, '720p');
    assert.equal(b.registry.get(STREAM)?.quality, '720p', 'cached for synchronous readers');
  });

  it('a lookup is bounded by stateLookupTimeoutMs; then the local cache answers', async () => {
    const broker = new StuckBroker({ clock: systemClock });
    const b = await node(broker, 50);
    await b.streams.publish(state());
    assert.equal((await b.streams.lookup(STREAM))?.status, 'active');
    broker.stuck = true;
    const started = Date.now();
    assert.equal((await b.streams.lookup(STREAM))?.status, 'active', 'the cached state');
    assert.ok(Date.now() - started < 1_000);
    assert.equal(await b.streams.lookup('6ba7b810-9dad-11d1-80b4-00c04fd430c8'), null, 'unknown and not cached');
  });

  it('a malformed state on the channel is ignored, never thrown', async () => {
    const broker = new MemoryBroker({ clock: systemClock });
    const b = await node(broker);
    const retention = { maxMessages: 1, maxBytes: 1024, maxAgeMs: 0, maxPinned: 1, idleTtlMs: 0 };
    await b.hub.publish(`nova:${STREAM}:state`, Buffer.from('{"streamId":'), { kind: 'snapshot', retention });
    assert.equal(await b.streams.lookup(STREAM), null);
    await b.hub.publish(`nova:${STREAM}:state`, Buffer.from(JSON.stringify({ ...state(), status: 'paused' })), { kind: 'snapshot', retention });
    assert.equal(await b.streams.lookup(STREAM), null);
  });

  it('a watched stream is kept fresh by its subscription; the peak of one session never goes down', async () => {
    const broker = new MemoryBroker({ clock: systemClock });
    const a = await node(broker);
    const b = await node(broker);
    await a.streams.publish(state({ peakViewers: 3 }));
    await b.streams.watch(STREAM);
    await eventually(() => b.registry.get(STREAM)?.peakViewers === 3, 'the snapshot replayed on subscribe');
    await a.streams.publish(state({ quality: '480p', peakViewers: 1 }));
    await eventually(() => b.registry.get(STREAM)?.quality === '480p', 'the live state');
    assert.equal(b.registry.get(STREAM)?.peakViewers, 3);
    await a.streams.publish(state({ status: 'ended', endedAt: Date.now(), endReason: 'broadcaster_ended' }));
    await eventually(() => b.registry.get(STREAM)?.status === 'ended', 'the end');
    b.streams.unwatch(STREAM);
    assert.equal(b.hub.subscriberCount(`nova:${STREAM}:state`), 0, 'the last local viewer stops the subscription');
  });
});

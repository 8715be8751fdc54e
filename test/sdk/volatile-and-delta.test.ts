/**
 * Two PROTOCOL.md rules the SDK must follow against the real server: a volatile publication takes
 * an offset but is not retained, so a newcomer's replay ends below `subscribed.position` and the
 * SDK resumes from the later of the two (§7) without reporting a gap, over WebSocket and SSE; and a
 * delta subscription (§17) receives Fossil deltas on the wire and hands out the full values.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContinuityLost, Publication } from '../../sdk/src/index.js';
import { eventually } from '../helpers/eventually.js';
import { client, record, SocketControl, startStreamhub, token } from './fixtures.js';

describe('sdk: volatile offsets and deltas against the real server', () => {
  for (const transport of ['websocket', 'sse'] as const) {
    it(`${transport}: a replay that ends below position (a volatile offset) is no gap`, async (t) => {
      const h = await startStreamhub();
      t.after(() => h.close());
      const publisher = client(h.url, { token: await token() }).connect();
      t.after(() => publisher.disconnect());
      await publisher.publish('streamhub:live', { n: 1 });
      const volatile = await publisher.publish('streamhub:live', { typing: true }, { kind: 'volatile' });
      const c = client(h.url, { token: await token(), transports: [transport] }).connect();
      t.after(() => c.disconnect());
      const sub = c.subscribe('streamhub:live');
      const pubs = record<Publication>((l) => sub.on('publication', l));
      const lost = record<ContinuityLost>((l) => sub.on('continuity-lost', l));
      const subscribed = await sub.next('subscribed');
      assert.equal(subscribed.position?.offset, volatile.offset, 'the top is the volatile offset');
      await publisher.publish('streamhub:live', { n: 3 });
      await eventually(() => pubs.length === 2, 'the replayed and the live publication');
      assert.deepEqual(
        pubs.map((p) => [p.offset, p.data]),
        [
          [1, { n: 1 }],
          [3, { n: 3 }],
        ],
      );
      assert.deepEqual(lost, []);
      assert.deepEqual(sub.position, { offset: 3, epoch: volatile.epoch });
    });
  }

  it('delta: frames on the wire carry fossil deltas, the application gets full values', async (t) => {
    const h = await startStreamhub();
    t.after(() => h.close());
    const publisher = client(h.url, { token: await token() }).connect();
    t.after(() => publisher.disconnect());
    const sockets = new SocketControl();
    const c = client(h.url, { token: await token(), WebSocket: sockets.ctor }).connect();
    t.after(() => c.disconnect());
    const sub = c.subscribe('streamhub:state', { delta: true });
    const pubs = record<Publication>((l) => sub.on('publication', l));
    await sub.ready();
    const frames = Array.from({ length: 20 }, (_, i) => ({
      type: 'StateFrame',
      t: 1000 + i * 40,
      ball: { x: 50 + i, y: 30 },
      players: Array.from({ length: 22 }, (_, p) => ({ id: p, x: p * 4 + (i % 3), y: p * 2, team: p < 11 ? 'home' : 'away' })),
    }));
    for (const f of frames) await publisher.publish('streamhub:state', f);
    await eventually(() => pubs.length === frames.length, 'every frame');
    assert.deepEqual(
      pubs.map((p) => p.data),
      frames,
    );
    const wire = sockets.received.map((text) => JSON.parse(text) as { type: string; delta?: string; json?: string });
    const deltas = wire.filter((f) => f.type === 'pub' && typeof f.delta === 'string').length;
    assert.ok(deltas >= frames.length - 2, `${deltas} of ${frames.length} publications came as deltas`);
  });
});

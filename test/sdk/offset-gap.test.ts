/**
 * A live `offset_gap` (PROTOCOL.md §8: publications lost between `last` and `next`), which the real
 * server only announces when its broker lost messages, played by a small in-test server that speaks
 * the documented frames: the SDK reports continuity-lost once per gap (the server's `gap` or its own
 * check of offsets when no `gap` came), delivers the publication, and with `resyncOnGap` asks for
 * the whole state again (unsubscribe, then subscribe without `since`). The epoch_changed gap against
 * a real server: epoch-change.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContinuityLost, Publication } from '../../sdk/src/index.js';
import { eventually } from '../helpers/eventually.js';
import { fakeServer } from './fake-server.js';
import { client, record } from './fixtures.js';

const EPOCH = 'e1';
const CHANNEL = 'streamhub:gappy';
const pub = (offset: number) => ({ type: 'pub', channel: CHANNEL, offset, epoch: EPOCH, data: { offset } });
const at = (offset: number) => ({ offset, epoch: EPOCH });


describe('sdk and a live offset gap (PROTOCOL.md §8)', () => {
  it('one continuity-lost per gap, announced by the server or seen in the offsets, and every publication still delivered', async (t) => {
    const server = await fakeServer(t, CHANNEL, { recovered: false, position: at(1), publications: [pub(1)] });
    const c = client(server.url).connect();
    t.after(() => c.disconnect());
    const sub = c.subscribe(CHANNEL);
    const pubs = record<Publication>((l) => sub.on('publication', l));
    const lost = record<ContinuityLost>((l) => sub.on('continuity-lost', l));
    await sub.ready();
    server.send(pub(2));
    server.send({ type: 'gap', channel: CHANNEL, reason: 'offset_gap', last: at(2), next: at(5) });
    server.send(pub(5));
    // No `gap` frame before 9: the SDK's own check of offsets reports it.
    server.send(pub(9));
    await eventually(() => pubs.length === 4, 'four publications');
    assert.deepEqual(pubs.map((p) => p.offset), [1, 2, 5, 9]);
    assert.deepEqual(lost, [
      { reason: 'offset_gap', last: at(2), next: at(5) },
      { reason: 'offset_gap', last: at(5), next: at(9) },
    ]);
    assert.deepEqual(sub.position, at(9));
  });

  it('resyncOnGap: after the gap, unsubscribe and subscribe again without since; the whole state follows', async (t) => {
    const server = await fakeServer(t, CHANNEL, { recovered: false, position: at(1), publications: [pub(1)] });
    const c = client(server.url).connect();
    t.after(() => c.disconnect());
    const sub = c.subscribe(CHANNEL, { resyncOnGap: true });
    const pubs = record<Publication>((l) => sub.on('publication', l));
    await sub.ready();
    server.send({ type: 'gap', channel: CHANNEL, reason: 'offset_gap', last: at(1), next: at(4) });
    server.send(pub(4));
    await eventually(() => server.received.filter((f) => f.type === 'subscribe').length === 2, 'a second subscribe');
    assert.deepEqual(server.received.map((f) => f.type), ['connect', 'subscribe', 'unsubscribe', 'subscribe']);
    assert.deepEqual((server.received[3]?.channels as unknown[])[0], { channel: CHANNEL }, 'no since: the whole state');
    await eventually(() => pubs.filter((p) => p.replayed).length === 2, 'the state delivered again');
  });
});

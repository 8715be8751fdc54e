/**
 * Seed 001 "Backpressure Handling" and notes §2.4.6: at most 100 pending messages per viewer, the
 * oldest dropped first, then one `error{BUFFER_OVERFLOW, severity warning, recoverable, dropped_count}`;
 * `error` and `stream_ended` are never lost; a viewer that stops reading never delays the others.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { eventually } from '../helpers/eventually.js';
import { events, ofEvent, START, startNova, STREAM, viewer, type NovaHarness } from './fixtures.js';
import type { RecordingClient } from '../helpers/ws-client.js';

const RETENTION = { maxMessages: 32, maxBytes: 1 << 20, maxAgeMs: 0, maxPinned: 16, idleTtlMs: 0 };
const yieldToIo = () => new Promise((resolve) => setImmediate(resolve));

function rawSocket(c: RecordingClient): Socket {
  return (c.ws as unknown as { _socket: Socket })._socket;
}

/** Publishes 16 KB filler frames on the stream's channel until the paused viewer's socket is full and the hub queues for it. */
async function fillUntilQueued(h: NovaHarness): Promise<void> {
  const filler = Buffer.from(JSON.stringify({ event: 'bitrate_update', data: { stream_id: STREAM, pad: 'x'.repeat(16_384) } }));
  for (let i = 0; i < 5_000 && h.hub.stats().queuedMessages === 0; i++) {
    await h.hub.publish(`nova:${STREAM}`, filler, { kind: 'volatile', retention: RETENTION });
    await yieldToIo();
  }
  assert.ok(h.hub.stats().queuedMessages > 0, 'the paused viewer never filled up');
}

describe('nova backpressure', () => {
  it('drops the oldest past 100, notifies once with dropped_count, never loses `error` or `stream_ended`, and never delays others', async (t) => {
    const h = await startNova({ queue: { highWaterMarkBytes: 64 * 1024 } });
    t.after(() => h.close());
    await h.dialect.control.start(STREAM, START);
    const slow = await viewer(h);
    const fast = await viewer(h);
    t.after(() => (slow.close(), fast.close()));
    rawSocket(slow).pause(); // stops reading: the kernel buffers fill, then the hub queues
    await fillUntilQueued(h);

    for (let i = 1; i <= 150; i++) await h.dialect.control.updateBitrate(STREAM, { current_bitrate_kbps: i });
    await h.dialect.control.reportError(STREAM, { error_code: 'RTMP_CONNECTION_LOST', error_message: 'lost', severity: 'critical', recoverable: false });
    for (let i = 151; i <= 300; i++) await h.dialect.control.updateBitrate(STREAM, { current_bitrate_kbps: i });

    // The reading viewer got everything while the other one is stuck.
    const fastBitrates = () => ofEvent(fast.messages, 'bitrate_update').filter((e) => !('pad' in e.data));
    await fast.until(() => fastBitrates().length === 300);
    assert.equal(ofEvent(fast.messages, 'error').length, 1);
    assert.equal(ofEvent(slow.messages, 'error').length, 0, 'the slow viewer is still stuck');

    // Viewer counts bypass the backlog and keep only the newest: a join then a leave while the
    // slow viewer is stuck nets to no message for it at all.
    const extra = await viewer(h);
    await fast.until((m) => ofEvent(m, 'viewer_count_changed').some((e) => e.data.viewer_count === 3));
    extra.close();
    await fast.until((m) => ofEvent(m, 'viewer_count_changed').at(-1)?.data.viewer_count === 2);

    await h.dialect.control.end(STREAM);
    rawSocket(slow).resume();
    assert.equal((await slow.closed).code, 1000);
    const slowCounts = ofEvent(slow.messages, 'viewer_count_changed');
    assert.ok(!slowCounts.some((e) => e.data.viewer_count === 3), 'the superseded count never reached the slow viewer');
    assert.equal(slowCounts.at(-1)?.data.viewer_count, 2);

    const errors = ofEvent(slow.messages, 'error');
    const overflow = errors.filter((e) => e.data.error_code === 'BUFFER_OVERFLOW');
    assert.equal(overflow.length, 1, 'one notice per drain');
    assert.equal(overflow[0]!.data.severity, 'warning');
    assert.equal(overflow[0]!.data.recoverable, true);
    const dropped = overflow[0]!.data.dropped_count as number;
    assert.ok(dropped >= 200, `dropped ${dropped}`);
    assert.ok(errors.some((e) => e.data.error_code === 'RTMP_CONNECTION_LOST'), 'the stream error survived the overflow');
    assert.equal(events(slow.messages).at(-1), 'stream_ended');

    // What followed the notice is the queue itself. Drop-oldest spared the pinned error while 150
    // newer bitrates pushed every older message out, so the error kept its place at the head, and
    // stream_ended went in at the tail: at most 100 messages in all, the pinned ones included.
    const all = slow.messages as { event: string; data: Record<string, unknown> }[];
    const tail = all.slice(all.indexOf(overflow[0]!) + 1).filter((e) => e.event !== 'viewer_count_changed');
    assert.equal(tail[0]!.data.error_code, 'RTMP_CONNECTION_LOST', 'the error survived in the queue, in order');
    assert.ok(tail.length <= 100, `${tail.length} queued messages: the bound holds`);
    assert.equal(tail.at(-1)!.event, 'stream_ended');
    const bitrates = tail.filter((e) => e.event === 'bitrate_update' && !('pad' in e.data)).map((e) => e.data.current_bitrate_kbps as number);
    assert.equal(bitrates.length, tail.length - 2, 'only the error, bitrates and stream_ended were queued');
    assert.equal(bitrates.at(-1), 300, 'the newest messages are kept');
    assert.ok(bitrates.every((b, i) => b > 150 && (i === 0 || b === bitrates[i - 1]! + 1)), 'only the oldest bitrates were dropped');
    assert.equal(dropped, 300 - bitrates.length + 1, 'dropped_count: the filler and the older bitrates, never a pinned event');
    // Every message arrived as its own frame: nothing here is an array or a batch.
    for (const m of slow.messages) assert.equal(typeof (m as { event: unknown }).event, 'string');
  });

  it('a viewer stalled past the stall timeout is terminated (no close frame) without touching the others', async (t) => {
    const h = await startNova({ queue: { highWaterMarkBytes: 64 * 1024, stallTimeoutMs: 200, maxMessages: 10 } });
    t.after(() => h.close());
    await h.dialect.control.start(STREAM, START);
    const slow = await viewer(h);
    const fast = await viewer(h);
    t.after(() => fast.close());
    rawSocket(slow).pause();
    await fillUntilQueued(h);
    for (let i = 1; i <= 20; i++) await h.dialect.control.updateBitrate(STREAM, { current_bitrate_kbps: i });
    // Still not reading: after the stall timeout the server gives up on it.
    await eventually(() => h.dialect.stats().connections === 1, 'the stalled viewer to be terminated');
    rawSocket(slow).resume();
    assert.equal((await slow.closed).code, 1006);
    fast.ws.send(JSON.stringify({ event: 'get_stream_info', data: { request_id: 'ok' } }));
    await fast.until((m) => ofEvent(m, 'stream_info').length === 1);
  });
});

/**
 * Issue 14: a shutdown delivers what is already queued for a viewer before its connection ends.
 * The viewer stops reading until the hub queues for it; the node shuts down; once the viewer
 * reads again it gets every queued event, then the TCP connection ends without a close frame
 * (1006). Before the fix the shutdown detached the viewer at once and its queue was lost.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { it } from 'node:test';
import { CloseReasons } from '../../src/errors.js';
import { eventually } from '../helpers/eventually.js';
import type { RecordingClient } from '../helpers/ws-client.js';
import { ofEvent, START, startNova, STREAM, viewer } from '../nova/fixtures.js';

const RETENTION = { maxMessages: 32, maxBytes: 1 << 20, maxAgeMs: 0, maxPinned: 16, idleTtlMs: 0 };

function rawSocket(c: RecordingClient): Socket {
  return (c.ws as unknown as { _socket: Socket })._socket;
}

it('nova: events queued for a viewer that is behind are written before the connection ends', async (t) => {
  const h = await startNova({ queue: { highWaterMarkBytes: 64 * 1024 } });
  t.after(() => h.close());
  await h.dialect.control.start(STREAM, START);
  const slow = await viewer(h);
  t.after(() => slow.close());
  rawSocket(slow).pause(); // stops reading: the kernel buffers fill, then the hub queues for it
  const filler = Buffer.from(JSON.stringify({ event: 'bitrate_update', data: { stream_id: STREAM, pad: 'x'.repeat(16_384) } }));
  for (let i = 0; i < 5_000 && h.hub.stats().queuedMessages === 0; i++) {
    await h.hub.publish(`nova:${STREAM}`, filler, { kind: 'volatile', retention: RETENTION });
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.ok(h.hub.stats().queuedMessages > 0, 'the paused viewer never fell behind');
  for (let i = 1; i <= 20; i++) await h.dialect.control.updateBitrate(STREAM, { current_bitrate_kbps: i });
  await eventually(() => h.hub.stats().queuedMessages >= 20, 'the updates to wait in the hub queue');

  const closing = h.dialect.close(CloseReasons.shutdown, 10_000, 0);
  rawSocket(slow).resume();
  const { code } = await slow.closed;
  await closing;
  const kbps = ofEvent(slow.messages, 'bitrate_update')
    .filter((e) => !('pad' in e.data))
    .map((e) => e.data.current_bitrate_kbps);
  assert.deepEqual(kbps, Array.from({ length: 20 }, (_, i) => i + 1), 'every queued update arrived, in order');
  assert.equal(code, 1006, 'then the connection ended without a close frame');
});

/**
 * elstat bounds not covered by test/elstat (see SECURITY.md): the total connection cap (HTTP 503
 * before the upgrade) and the slow-consumer queue (close 1013 after a stall, others unaffected).
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { it } from 'node:test';
import { createElstatDialect } from '../../src/dialects/elstat/index.js';
import { eventually } from '../helpers/eventually.js';
import { startDialect, testConfig } from '../helpers/harness.js';
import { connect, refusal } from '../helpers/ws-client.js';

const RETAIN = { maxMessages: 1, maxBytes: 1 << 20, maxAgeMs: 0, maxPinned: 0, idleTtlMs: 60_000 };

it('refuses past totalMax with HTTP 503 {"error":"total"} and frees the slot on close', async (t) => {
  const options = testConfig({ elstat: { port: 0, perIpMax: 100, totalMax: 2 } }).elstat;
  const h = await startDialect((ctx) => createElstatDialect(ctx, options));
  t.after(() => h.close());
  const url = `ws://127.0.0.1:${h.port()}/api/streaming`;
  const a = await connect(url);
  await connect(url);
  const refused = await refusal(url);
  assert.equal(refused.status, 503);
  assert.deepEqual(JSON.parse(refused.body), { error: 'total' });
  a.close();
  await eventually(() => h.dialect.stats().connections === 1, 'slot freed');
  (await connect(url)).close();
});

it('closes a stalled slow consumer with 1013 slow consumer; a fast client gets every message in order', async (t) => {
  const options = testConfig({
    elstat: { port: 0, queue: { maxMessages: 4, maxBytes: 64 * 1024, highWaterMarkBytes: 16 * 1024, stallTimeoutMs: 200 } },
  }).elstat;
  const h = await startDialect((ctx) => createElstatDialect(ctx, options));
  t.after(() => h.close());
  const url = `ws://127.0.0.1:${h.port()}/api/streaming`;
  const fast = await connect(url);
  const slow = await connect(url);
  const raw = (slow.ws as unknown as { _socket: Socket })._socket;
  raw.pause();
  // Incident ops go to every connection: publish big ones until the slow one is cut off.
  let sent = 0;
  const big = 'x'.repeat(32 * 1024);
  while (h.hub.stats().stallCloses === 0 && sent < 2_000) {
    await h.hub.publish('elstat:incidents', new TextEncoder().encode(JSON.stringify({ op: 4, d: { id: sent, pad: big } })), { kind: 'volatile', retention: RETAIN });
    sent += 1;
    if (sent % 20 === 0) await new Promise((r) => setImmediate(r));
    if (sent % 100 === 0) await new Promise((r) => setTimeout(r, 50));
  }
  await eventually(() => h.hub.stats().stallCloses === 1, 'the slow consumer to be cut off', 10_000);
  raw.resume();
  const closed = await slow.closed;
  assert.equal(closed.code, 1013);
  assert.equal(closed.reason, 'slow consumer');
  await eventually(() => h.dialect.stats().connections === 1, 'the slow session to be gone');
  await fast.until((m) => m.length >= sent, 10_000);
  assert.deepEqual(fast.messages.map((m) => (m as { d: { id: number } }).d.id), Array.from({ length: sent }, (_, i) => i));
  fast.close();
});

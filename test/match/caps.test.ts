/**
 * Connection caps and slow subscribers (seed 000 "Per-IP and total connection caps"; notes §1.3):
 * a cap breach upgrades, sends one x_error and closes 1013 `rate_limit:*`; X-Forwarded-For counts
 * only from trusted proxies; a stalled client loses its oldest live messages, is closed 1011
 * `subscriber overrun`, and never delays the others.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { connect, type RecordingClient } from '../helpers/ws-client.js';
import { frames, matchInit, startMatch, state, stateTimes, type MatchHarness } from './fixtures.js';

async function refusedByCap(h: MatchHarness, matchId: string, headers: Record<string, string> = {}) {
  const c = await connect(h.url(matchId), { headers });
  const closed = await c.closed;
  return { messages: frames(c), ...closed };
}

async function admitted(h: MatchHarness, matchId: string, headers: Record<string, string> = {}): Promise<RecordingClient> {
  const c = await connect(h.url(matchId), { headers });
  await c.until((m) => m.length >= 2);
  assert.equal(frames(c)[0]!.type, 'hello');
  return c;
}

describe('match: connection caps', () => {
  it('refuses past the per-IP cap with one x_error then 1013 rate_limit:per_ip', async (t) => {
    const h = await startMatch({ perIpMax: 2 });
    t.after(() => h.close());
    await h.dialect.publish('cap', matchInit('cap'));
    const a = await admitted(h, 'cap');
    const b = await admitted(h, 'cap');
    t.after(() => b.close());
    const refused = await refusedByCap(h, 'cap');
    assert.deepEqual(refused.messages, [{ type: 'x_error', error: 'per_ip' }]);
    assert.equal(refused.code, 1013);
    assert.equal(refused.reason, 'rate_limit:per_ip');
    a.close();
    await a.closed;
    await new Promise((r) => setImmediate(r));
    const again = await admitted(h, 'cap'); // the slot was released
    again.close();
  });

  it('refuses past the total cap with rate_limit:total', async (t) => {
    const h = await startMatch({ perIpMax: 10, totalMax: 2 });
    t.after(() => h.close());
    await h.dialect.publish('tot', matchInit('tot'));
    const a = await admitted(h, 'tot');
    const b = await admitted(h, 'tot');
    t.after(() => (a.close(), b.close()));
    const refused = await refusedByCap(h, 'tot');
    assert.deepEqual(refused.messages, [{ type: 'x_error', error: 'total' }]);
    assert.equal(refused.code, 1013);
    assert.equal(refused.reason, 'rate_limit:total');
    assert.equal(h.dialect.stats().refusedTotal, 1);
  });

  it('counts X-Forwarded-For clients separately only behind a trusted proxy', async (t) => {
    const trusted = await startMatch({ perIpMax: 1 }, { listener: { trustedProxies: ['127.0.0.1'] } });
    t.after(() => trusted.close());
    await trusted.dialect.publish('xff', matchInit('xff'));
    const a = await admitted(trusted, 'xff', { 'x-forwarded-for': '10.0.0.1' });
    const b = await admitted(trusted, 'xff', { 'x-forwarded-for': '10.0.0.2' });
    t.after(() => (a.close(), b.close()));
    assert.equal((await refusedByCap(trusted, 'xff', { 'x-forwarded-for': '10.0.0.1' })).reason, 'rate_limit:per_ip');

    const untrusted = await startMatch({ perIpMax: 1 });
    t.after(() => untrusted.close());
    await untrusted.dialect.publish('xff', matchInit('xff'));
    const c = await admitted(untrusted, 'xff', { 'x-forwarded-for': '10.0.0.1' });
    t.after(() => c.close());
    // A spoofed header from an untrusted peer changes nothing: both are 127.0.0.1.
    assert.equal((await refusedByCap(untrusted, 'xff', { 'x-forwarded-for': '10.0.0.2' })).reason, 'rate_limit:per_ip');
  });
});

describe('match: slow subscriber', () => {
  it('drops the oldest, closes a stalled client 1011 subscriber overrun, and never delays the others', async (t) => {
    const h = await startMatch({
      perIpMax: 10,
      queue: { maxMessages: 5, stallTimeoutMs: 200, highWaterMarkBytes: 1024 },
      closeTimeoutMs: 60_000,
    });
    t.after(() => h.close());
    await h.dialect.publish('slow', matchInit('slow'));
    const slow = await admitted(h, 'slow');
    const fast = await admitted(h, 'slow');
    t.after(() => fast.close());
    const raw = (slow.ws as unknown as { _socket: Socket })._socket;
    raw.pause(); // the client stops reading; the server's socket fills up
    // Big frames so the kernel buffers fill quickly: 190 players ≈ 16 KB per frame.
    const big = (ms: number) => ({
      ...state(ms),
      players: Array.from({ length: 190 }, (_, i) => ({ id: `P_player_number_${i}`, pos: [i, -i], facing: 0.5, anim: 'run' })),
    });
    let sent = 0;
    while (h.hub.stats().stallCloses === 0 && sent < 20_000) {
      await h.dialect.publish('slow', big(sent));
      sent += 1;
      if (sent % 10 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    assert.equal(h.hub.stats().stallCloses, 1);
    assert.ok(h.dialect.stats().framesDropped as number > 0, 'drop-oldest dropped frames');
    // The fast client got every frame, in order, while the slow one was stalled.
    await fast.until(() => stateTimes(fast).length === sent, 20_000);
    const times = stateTimes(fast);
    for (let i = 0; i < times.length; i++) assert.equal(times[i], i);
    raw.resume();
    const closed = await slow.closed;
    assert.equal(closed.code, 1011);
    assert.equal(closed.reason, 'subscriber overrun');
    assert.ok(stateTimes(slow).length < sent, 'the stalled client lost its oldest frames');
  });
});

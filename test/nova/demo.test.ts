/**
 * The demo stream (`npm start`): one cycle exercises start, bitrate updates, quality changes, an
 * error and the end, is live for most of the cycle, and starts again. Driven by a ManualClock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/core/index.js';
import { NOVA_DEMO_CYCLE_MS, startNovaDemo } from '../../src/producers/nova/demo.js';
import { events, ofEvent, startNova, STREAM, viewer } from './fixtures.js';

const STEP = 2_500;
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('nova demo', () => {
  it('runs a full cycle through every control operation, live most of the time, then restarts', async (t) => {
    const clock = new ManualClock(Date.now());
    const h = await startNova({ idleTimeoutMs: 10 * NOVA_DEMO_CYCLE_MS, pingIntervalMs: 10 * NOVA_DEMO_CYCLE_MS }, { clock });
    t.after(() => h.close());
    const stop = new AbortController();
    t.after(() => stop.abort());
    startNovaDemo(h.dialect.control, { streamId: STREAM, clock }, stop.signal);
    await settle();
    assert.equal(h.dialect.control.info(STREAM)?.status, 'active', 'live from the start');
    const c = await viewer(h);

    let live = 0;
    let samples = 0;
    for (let elapsed = 0; elapsed < NOVA_DEMO_CYCLE_MS; elapsed += STEP) {
      clock.advance(STEP);
      await settle();
      samples += 1;
      if (h.dialect.control.info(STREAM)?.status === 'active') live += 1;
    }
    assert.equal((await c.closed).code, 1000);
    const seen = new Set(events(c.messages));
    for (const name of ['stream_started', 'bitrate_update', 'quality_changed', 'error', 'stream_ended']) assert.ok(seen.has(name), name);
    assert.deepEqual(
      ofEvent(c.messages, 'quality_changed').map((e) => e.data.new_quality),
      ['720p', '1080p'],
    );
    const healths = new Set(ofEvent(c.messages, 'bitrate_update').map((e) => e.data.health));
    assert.ok(healths.size >= 3, `varied health: ${[...healths].join(',')}`);
    assert.equal(ofEvent(c.messages, 'error')[0]!.data.recoverable, true);
    assert.ok(live / samples >= 0.85, `live ${live}/${samples}`);
    assert.equal(h.dialect.control.info(STREAM)?.status, 'active', 'started again for the next cycle');

    stop.abort();
    clock.advance(NOVA_DEMO_CYCLE_MS);
    await settle();
    assert.equal(h.dialect.control.info(STREAM)?.status, 'active', 'nothing runs after abort');
  });

  it('takes over a stream already live at start-up (ends it, then starts the cycle)', async (t) => {
    const clock = new ManualClock(Date.now());
    const h = await startNova({}, { clock });
    t.after(() => h.close());
    await h.dialect.control.start(STREAM, { broadcaster_id: 'someone', title: 'left over', quality: '480p', fps: 30, bitrate_kbps: 1000 });
    const stop = new AbortController();
    t.after(() => stop.abort());
    startNovaDemo(h.dialect.control, { streamId: STREAM, clock }, stop.signal);
    for (let i = 0; i < 5 && h.dialect.control.info(STREAM)?.title !== 'StreamHub demo stream'; i++) await settle();
    assert.equal(h.dialect.control.info(STREAM)?.title, 'StreamHub demo stream');
  });
});

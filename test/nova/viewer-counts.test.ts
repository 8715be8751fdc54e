/**
 * Seed 001 §viewer_count_changed and notes §2.4.7: joins and leaves within the window become one
 * message with the net `change` and `peak_viewers`; a zero net change sends nothing. The window
 * runs on a ManualClock, so batching is exact.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/core/index.js';
import { eventually } from '../helpers/eventually.js';
import { ofEvent, START, startNova, STREAM, viewer, type NovaHarness } from './fixtures.js';

const WINDOW = 40;

async function connections(h: NovaHarness, n: number): Promise<void> {
  await eventually(() => h.dialect.stats().connections === n, `${n} connections`);
}

describe('nova viewer counts', () => {
  it('coalesces joins and leaves within the window into one message with the net change and the peak', async (t) => {
    const clock = new ManualClock(Date.now());
    const h = await startNova({ viewerCountWindowMs: WINDOW }, { clock });
    t.after(() => h.close());
    await h.dialect.control.start(STREAM, START);
    const a = await viewer(h);
    const b = await viewer(h);
    const c = await viewer(h);
    t.after(() => (a.close(), b.close(), c.close()));
    clock.advance(WINDOW - 1);
    assert.equal(ofEvent(a.messages, 'viewer_count_changed').length, 0, 'nothing before the window closes');
    clock.advance(1);
    for (const v of [a, b, c]) {
      const [count] = ofEvent(await v.until((m) => ofEvent(m, 'viewer_count_changed').length === 1), 'viewer_count_changed');
      assert.equal(count!.data.stream_id, STREAM);
      assert.equal(count!.data.viewer_count, 3);
      assert.equal(count!.data.change, 3);
      assert.equal(count!.data.peak_viewers, 3);
      assert.match(String(count!.data.timestamp), /Z$/);
    }

    b.close();
    c.close();
    await connections(h, 1);
    clock.advance(WINDOW);
    const counts = ofEvent(await a.until((m) => ofEvent(m, 'viewer_count_changed').length === 2), 'viewer_count_changed');
    assert.deepEqual(
      { count: counts[1]!.data.viewer_count, change: counts[1]!.data.change, peak: counts[1]!.data.peak_viewers },
      { count: 1, change: -2, peak: 3 },
    );

    // Join then leave inside one window: net zero, nothing is sent.
    const d = await viewer(h);
    d.close();
    await connections(h, 1);
    clock.advance(WINDOW);
    // Then one more join: the next message follows directly, with change +1.
    const e = await viewer(h);
    t.after(() => e.close());
    clock.advance(WINDOW);
    const after = ofEvent(await a.until((m) => ofEvent(m, 'viewer_count_changed').length >= 3), 'viewer_count_changed');
    assert.equal(after.length, 3, 'the zero-net window sent nothing');
    assert.deepEqual([after[2]!.data.viewer_count, after[2]!.data.change], [2, 1]);
  });

  it('counts are per stream, and an ended stream stops broadcasting counts', async (t) => {
    const clock = new ManualClock(Date.now());
    const h = await startNova({ viewerCountWindowMs: WINDOW }, { clock });
    t.after(() => h.close());
    const other = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
    await h.dialect.control.start(STREAM, START);
    await h.dialect.control.start(other, START);
    const a = await viewer(h, STREAM);
    const b = await viewer(h, other);
    const b2 = await viewer(h, other);
    t.after(() => (a.close(), b.close(), b2.close()));
    clock.advance(WINDOW);
    const [countA] = ofEvent(await a.until((m) => ofEvent(m, 'viewer_count_changed').length === 1), 'viewer_count_changed');
    const [countB] = ofEvent(await b.until((m) => ofEvent(m, 'viewer_count_changed').length === 1), 'viewer_count_changed');
    assert.equal(countA!.data.viewer_count, 1);
    assert.equal(countB!.data.viewer_count, 2);
    assert.equal(h.dialect.control.info(other)!.viewer_count, 2);
    await h.dialect.control.end(other);
    await b.closed;
    await b2.closed;
    clock.advance(WINDOW);
    assert.equal(ofEvent(b.messages, 'viewer_count_changed').length, 1);
    assert.equal(h.dialect.control.info(other)!.peak_viewers, 2);
  });
});

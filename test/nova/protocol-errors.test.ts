/**
 * Seed 001 "Message Parsing Error" and notes §2.4.4–§2.4.5: invalid JSON, missing fields, unknown
 * events and binary frames get `error{PROTOCOL_ERROR}` then close 1003; frames over 256 KB close
 * 1009; the inbound rate limit; per-IP and total caps answer 503 before the upgrade.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/index.js';
import { eventually } from '../helpers/eventually.js';
import { connect, events, hsToken, ofEvent, refusal, START, startNova, STREAM, viewer, type NovaHarness } from './fixtures.js';

describe('nova protocol errors', () => {
  let h: NovaHarness;
  before(async () => {
    h = await startNova();
    await h.dialect.control.start(STREAM, START);
  });
  after(() => h.close());

  const bad: [string, string | Buffer][] = [
    ['invalid JSON', '{"event": "pong", '],
    ['not an object', '["pong", {}]'],
    ['missing event', '{"data": {}}'],
    ['missing data', '{"event": "pong"}'],
    ['data not an object', '{"event": "pong", "data": 42}'],
    ['unknown event', '{"event": "dance", "data": {}}'],
    ['get_stream_info without request_id', '{"event": "get_stream_info", "data": {}}'],
    ['report_issue without issue_type', '{"event": "report_issue", "data": {"severity": "low"}}'],
    ['pong with a non-integer sequence', '{"event": "pong", "data": {"sequence": "42"}}'],
    ['a binary frame', Buffer.from('{"event":"pong","data":{}}')],
  ];
  for (const [name, frame] of bad) {
    it(`${name} → error PROTOCOL_ERROR, then close 1003`, async () => {
      const c = await viewer(h);
      c.ws.send(frame);
      const closed = await c.closed;
      assert.equal(closed.code, 1003);
      assert.equal(events(c.messages).at(-1), 'error');
      const error = ofEvent(c.messages, 'error')[0]!.data;
      assert.equal(error.error_code, 'PROTOCOL_ERROR');
      assert.equal(error.severity, 'error');
      assert.equal(error.recoverable, false);
      assert.equal(typeof error.error_message, 'string');
    });
  }

  it('a frame over 256 KB closes 1009; one just under is accepted', async () => {
    const ok = await viewer(h);
    const description = 'x'.repeat(256 * 1024 - 200);
    ok.ws.send(JSON.stringify({ event: 'report_issue', data: { issue_type: 'other', description } }));
    ok.ws.send(JSON.stringify({ event: 'get_stream_info', data: { request_id: 'after-big' } }));
    await ok.until((m) => ofEvent(m, 'stream_info').length === 1);
    assert.ok(h.dialect.recentReports().at(-1)!.description!.length <= 1024, 'stored descriptions are truncated');
    ok.close();
    const c = await viewer(h);
    c.ws.send(JSON.stringify({ event: 'report_issue', data: { issue_type: 'other', description: 'y'.repeat(256 * 1024) } }));
    assert.equal((await c.closed).code, 1009);
  });

  it('a protocol error closes only that connection', async () => {
    const good = await viewer(h);
    const badOne = await viewer(h);
    badOne.ws.send('nonsense');
    await badOne.closed;
    good.ws.send(JSON.stringify({ event: 'get_stream_info', data: { request_id: 'fine' } }));
    await good.until((m) => ofEvent(m, 'stream_info').length === 1);
    good.close();
  });
});

describe('nova limits', () => {
  it('more messages per second than allowed → error RATE_LIMITED, close 1008', async (t) => {
    const clock = new ManualClock(Date.now()); // frozen: the bucket never refills
    const h = await startNova({ maxInboundPerSecond: 5 }, { clock });
    t.after(() => h.close());
    await h.dialect.control.start(STREAM, START);
    const c = await viewer(h);
    for (let i = 0; i < 6; i++) c.ws.send(JSON.stringify({ event: 'pong', data: {} }));
    assert.equal((await c.closed).code, 1008);
    assert.equal(ofEvent(c.messages, 'error')[0]!.data.error_code, 'RATE_LIMITED');
  });

  it('per-IP cap → 503 RATE_LIMITED before the upgrade; a slot frees when a viewer leaves', async (t) => {
    const h = await startNova({ perIpMax: 2 });
    t.after(() => h.close());
    await h.dialect.control.start(STREAM, START);
    const a = await viewer(h);
    const b = await viewer(h);
    const token = await hsToken();
    const r = await refusal(h.url(STREAM, { token }));
    assert.equal(r.status, 503);
    assert.equal((JSON.parse(r.body) as { error_code: string }).error_code, 'RATE_LIMITED');
    assert.ok(r.headers['retry-after']);
    // A refused token does not hold a slot either.
    assert.equal((await refusal(h.url(STREAM, { token: 'garbage' }))).status, 503);
    a.close();
    await a.closed;
    await eventually(() => h.dialect.stats().connections === 1, 'the slot to be released');
    const c = await viewer(h);
    c.close();
    b.close();
  });

  it('total cap → 503 SERVER_ERROR; refused upgrades (401) release their slot', async (t) => {
    const h = await startNova({ totalMax: 1 });
    t.after(() => h.close());
    await h.dialect.control.start(STREAM, START);
    assert.equal((await refusal(h.url(STREAM, { token: 'garbage' }))).status, 401);
    const a = await viewer(h);
    const r = await refusal(h.url(STREAM, { token: await hsToken() }));
    assert.equal(r.status, 503);
    assert.equal((JSON.parse(r.body) as { error_code: string }).error_code, 'SERVER_ERROR');
    a.close();
  });

  it('on shutdown every viewer is dropped without a close frame (1006), so the example client reconnects (issue 14)', async () => {
    const h = await startNova();
    await h.dialect.control.start(STREAM, START);
    const c = await connect(h.url(STREAM, { token: await hsToken() }));
    await h.close();
    assert.equal((await c.closed).code, 1006);
  });
});

/**
 * Seed 001 "Connection Lifecycle": connection_established, stream_started at once when live (the
 * channel snapshot), live events one per frame, get_stream_info, report_issue, stream_ended → 1000,
 * connections to an ended stream (notes §2.4.8–§2.4.11, §2.4.13–§2.4.14).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { eventually } from '../helpers/eventually.js';
import { connect, events, hsToken, ISO_MS, ofEvent, refusal, START, startNova, STREAM, viewer, type NovaEvent } from './fixtures.js';

describe('nova lifecycle', () => {
  it('connection_established first (fresh session_id each time), then stream_started at once with the original start data', async (t) => {
    const h = await startNova();
    t.after(() => h.close());
    const started = await h.dialect.control.start(STREAM, START);
    await h.dialect.control.changeQuality(STREAM, { new_quality: '720p', new_bitrate_kbps: 3000, reason: 'adaptive_bitrate' });
    const a = await viewer(h, STREAM, { sub: 'viewer-a' });
    const b = await viewer(h, STREAM, { sub: 'viewer-b' });
    t.after(() => (a.close(), b.close()));
    const [established, snapshot] = a.messages as NovaEvent[];
    assert.equal(established!.event, 'connection_established');
    assert.deepEqual(Object.keys(established!.data).sort(), ['protocol_version', 'session_id', 'stream_id', 'timestamp', 'viewer_id']);
    assert.equal(established!.data.stream_id, STREAM);
    assert.equal(established!.data.viewer_id, 'viewer-a');
    assert.match(String(established!.data.session_id), /^session_[A-Za-z0-9]+$/);
    assert.notEqual(established!.data.session_id, (b.messages[0] as NovaEvent).data.session_id);
    assert.match(String(established!.data.timestamp), ISO_MS);
    // The snapshot is the start event as published, not a new one (notes §2.4.8).
    assert.equal(snapshot!.event, 'stream_started');
    assert.deepEqual(snapshot!.data, {
      stream_id: STREAM,
      broadcaster_id: 'user-123',
      title: START.title,
      description: START.description,
      quality: '1080p',
      fps: 60,
      bitrate_kbps: 5000,
      timestamp: snapshot!.data.timestamp,
    });
    assert.match(String(snapshot!.data.timestamp), ISO_MS);
    assert.ok(Math.abs(Date.parse(String(snapshot!.data.timestamp)) - Date.parse(started.timestamp)) < 1000);
    assert.equal(ofEvent(a.messages, 'quality_changed').length, 0, 'old events are not replayed to a newcomer');
  });

  it('live events arrive one JSON message per frame: quality_changed, bitrate_update (health), error', async (t) => {
    const h = await startNova();
    t.after(() => h.close());
    await h.dialect.control.start(STREAM, START);
    const c = await viewer(h);
    t.after(() => c.close());
    const raw: string[] = [];
    c.ws.on('message', (data) => raw.push(data.toString()));
    await h.dialect.control.changeQuality(STREAM, { new_quality: '720p', new_bitrate_kbps: 3000, fps: 30, reason: 'network_congestion' });
    await h.dialect.control.updateBitrate(STREAM, { current_bitrate_kbps: 2000 });
    await h.dialect.control.updateBitrate(STREAM, { current_bitrate_kbps: 2950 });
    await h.dialect.control.reportError(STREAM, { error_code: 'RTMP_CONNECTION_LOST', error_message: 'lost', severity: 'critical', recoverable: false, suggested_action: 'Refresh' });
    await c.until((m) => ofEvent(m, 'error').length === 1);
    const quality = ofEvent(c.messages, 'quality_changed')[0]!.data;
    assert.deepEqual(
      { ...quality, timestamp: 0 },
      { stream_id: STREAM, previous_quality: '1080p', new_quality: '720p', previous_bitrate_kbps: 5000, new_bitrate_kbps: 3000, fps: 30, reason: 'network_congestion', timestamp: 0 },
    );
    const [fair, excellent] = ofEvent(c.messages, 'bitrate_update').map((e) => e.data);
    assert.equal(fair!.health, 'fair');
    assert.equal(fair!.quality, '720p');
    assert.equal(excellent!.health, 'excellent');
    const error = ofEvent(c.messages, 'error')[0]!.data;
    assert.equal(error.error_code, 'RTMP_CONNECTION_LOST');
    assert.equal(error.severity, 'critical');
    assert.equal(error.recoverable, false);
    assert.match(String(error.timestamp), ISO_MS);
    // The viewer's own join may be counted meanwhile; every other frame is one of the four events.
    const streamFrames = raw.filter((f) => !f.startsWith('{"event":"viewer_count_changed"'));
    assert.equal(streamFrames.length, 4, 'four events, four frames');
    for (const frame of raw) {
      const parsed = JSON.parse(frame) as NovaEvent;
      assert.deepEqual(Object.keys(parsed), ['event', 'data']);
    }
  });

  it('get_stream_info → stream_info with the request_id and the live state', async (t) => {
    const h = await startNova();
    t.after(() => h.close());
    await h.dialect.control.start(STREAM, START);
    await h.dialect.control.changeQuality(STREAM, { new_quality: '4k', new_bitrate_kbps: 12000, fps: 30 });
    const c = await viewer(h);
    t.after(() => c.close());
    c.ws.send(JSON.stringify({ event: 'get_stream_info', data: { request_id: 'req-12345' } }));
    const [info] = ofEvent(await c.until((m) => ofEvent(m, 'stream_info').length > 0), 'stream_info');
    assert.equal(info!.data.request_id, 'req-12345');
    assert.equal(info!.data.stream_id, STREAM);
    assert.equal(info!.data.status, 'active');
    assert.equal(info!.data.viewer_count, 1);
    assert.equal(info!.data.peak_viewers, 1);
    assert.equal(info!.data.quality, '4k');
    assert.equal(info!.data.bitrate_kbps, 12000);
    assert.equal(info!.data.fps, 30);
    assert.equal(info!.data.broadcaster_name, 'Streamer123');
    assert.equal(typeof info!.data.duration_seconds, 'number');
    assert.match(String(info!.data.timestamp), ISO_MS);
  });

  it('report_issue is recorded (recentReports, counter), bounded, and gets no reply', async (t) => {
    const h = await startNova({ recentReports: 2 });
    t.after(() => h.close());
    await h.dialect.control.start(STREAM, START);
    const c = await viewer(h, STREAM, { sub: 'reporter' });
    t.after(() => c.close());
    for (const description of ['one', 'two', 'three']) {
      c.ws.send(
        JSON.stringify({
          event: 'report_issue',
          data: { issue_type: 'buffering', severity: 'medium', description, client_info: { player: 'video.js', browser: 'Chrome 120', network: 'wifi', bandwidth_estimate_kbps: 8000, nested: { x: 1 } } },
        }),
      );
    }
    c.ws.send(JSON.stringify({ event: 'get_stream_info', data: { request_id: 'sync' } }));
    await c.until((m) => ofEvent(m, 'stream_info').length > 0);
    const replies = events(c.messages).filter((e) => e !== 'viewer_count_changed');
    assert.deepEqual(replies, ['connection_established', 'stream_started', 'stream_info'], 'no reply to report_issue');
    const reports = h.dialect.recentReports();
    assert.deepEqual(reports.map((r) => r.description), ['two', 'three']);
    assert.equal(reports[0]!.viewer_id, 'reporter');
    assert.equal(reports[0]!.issue_type, 'buffering');
    assert.deepEqual(reports[0]!.client_info, { player: 'video.js', browser: 'Chrome 120', network: 'wifi', bandwidth_estimate_kbps: 8000 });
    assert.equal(h.dialect.stats().issueReports, 3);
  });

  it('stream_ended goes to every viewer, then each is closed with 1000', async (t) => {
    const h = await startNova();
    t.after(() => h.close());
    await h.dialect.control.start(STREAM, START);
    const a = await viewer(h);
    const b = await viewer(h);
    await h.dialect.control.end(STREAM, { reason: 'connection_lost' });
    for (const c of [a, b]) {
      const closed = await c.closed;
      assert.equal(closed.code, 1000);
      const ended = ofEvent(c.messages, 'stream_ended')[0]!.data;
      assert.equal(ended.reason, 'connection_lost');
      assert.equal(ended.peak_viewers, 2);
      assert.equal(ended.final_viewer_count, 2);
      assert.equal(typeof ended.duration_seconds, 'number');
      assert.equal(events(c.messages).at(-1), 'stream_ended');
    }
  });

  it('a connection to an ended stream gets error STREAM_ENDED then 1000; after the TTL the stream is unknown (404)', async (t) => {
    const h = await startNova({ endedStreamTtlMs: 300 });
    t.after(() => h.close());
    await h.dialect.control.start(STREAM, START);
    await h.dialect.control.end(STREAM);
    const c = await connect(h.url(STREAM, { token: await hsToken() }));
    const closed = await c.closed;
    assert.equal(closed.code, 1000);
    assert.deepEqual(events(c.messages), ['connection_established', 'error']);
    assert.equal(ofEvent(c.messages, 'error')[0]!.data.error_code, 'STREAM_ENDED');
    const token = await hsToken();
    const status = () => refusal(h.url(STREAM, { token })).then((r) => r.status, () => 101);
    await eventually(async () => (await status()) === 404, 'the ended stream to be forgotten');
  });

  it('a restarted stream is live again for new viewers', async (t) => {
    const h = await startNova();
    t.after(() => h.close());
    await h.dialect.control.start(STREAM, START);
    await h.dialect.control.end(STREAM);
    await h.dialect.control.start(STREAM, { ...START, title: 'Second session' });
    const c = await viewer(h);
    t.after(() => c.close());
    assert.equal(ofEvent(c.messages, 'stream_started')[0]!.data.title, 'Second session');
    assert.equal(c.ws.readyState, WebSocket.OPEN);
  });
});

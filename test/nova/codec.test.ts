/** The nova codec on bytes (seed 001 "Message Format"; notes §2.4.1, §2.4.4, §2.4.13). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeClient, encode, encodeError, eventOf, isoTime, isProtocolError } from '../../src/dialects/nova/codec.js';
import { healthOf } from '../../src/dialects/nova/control.js';

describe('nova codec', () => {
  it('encodes one {event, data} object per frame', () => {
    const frame = encode('ping', { sequence: 1, timestamp: isoTime(0) });
    assert.equal(frame.toString(), '{"event":"ping","data":{"sequence":1,"timestamp":"1970-01-01T00:00:00.000Z"}}');
    assert.equal(eventOf(frame), 'ping');
    assert.equal(eventOf(Buffer.from('[1,2]')), null);
  });

  it('timestamps are ISO-8601 UTC with milliseconds', () => {
    assert.equal(isoTime(Date.UTC(2025, 9, 21, 10, 30, 45, 123)), '2025-10-21T10:30:45.123Z');
  });

  it('error events carry severity, recoverable and extra fields such as dropped_count', () => {
    const e = JSON.parse(encodeError('BUFFER_OVERFLOW', '3 dropped', { severity: 'warning', recoverable: true, now: 0, extra: { dropped_count: 3 } }).toString());
    assert.deepEqual(e, {
      event: 'error',
      data: { error_code: 'BUFFER_OVERFLOW', error_message: '3 dropped', severity: 'warning', recoverable: true, dropped_count: 3, timestamp: '1970-01-01T00:00:00.000Z' },
    });
  });

  it('decodes pong with or without sequence, get_stream_info, report_issue', () => {
    assert.deepEqual(decodeClient('{"event":"pong","data":{"timestamp":"t"}}'), { event: 'pong', sequence: null, timestamp: 't' });
    assert.deepEqual(decodeClient('{"event":"pong","data":{"sequence":42}}'), { event: 'pong', sequence: 42, timestamp: null });
    assert.deepEqual(decodeClient('{"event":"get_stream_info","data":{"request_id":"req-1"}}'), { event: 'get_stream_info', requestId: 'req-1' });
    const report = decodeClient('{"event":"report_issue","data":{"issue_type":"lag","client_info":"not an object"}}');
    assert.deepEqual(report, { event: 'report_issue', issueType: 'lag', severity: null, description: null, clientInfo: null });
  });

  it('refuses what the notes call protocol errors', () => {
    for (const text of ['', 'null', '1', '"pong"', '[]', '{"event":1,"data":{}}', '{"event":"pong","data":[]}', '{"event":"ping","data":{}}', '{"event":"pong","data":{"sequence":1.5}}']) {
      assert.ok(isProtocolError(decodeClient(text)), text);
    }
  });

  it('bitrate health follows the seed bands', () => {
    assert.deepEqual([4600, 4000, 3000, 2000].map((k) => healthOf(k, 5000)), ['excellent', 'good', 'fair', 'poor']);
  });
});

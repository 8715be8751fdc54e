/** Fuzz suite for the nova dialect (src/dialects/nova/PROTOCOL.md §1 refusals, §3 client errors). */
import assert from 'node:assert/strict';
import { CONTROL_TOKEN, START, STREAM, hsToken, ofEvent, startNova } from '../nova/fixtures.js';
import { connect } from '../helpers/ws-client.js';
import { FUZZ_HANDSHAKE_MS, fuzzSuite } from './suite.js';
import type { Answer, JsonPath } from './properties.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_FRAME = 4096;
const CONTROL_MAX_BODY = 16 * 1024;
const DEPTH_REFUSAL = /nested deeper than 32 levels/;

/** §3: a JSON object with a string `event` and an object `data` holding the event's required fields. */
function textAnswer(body: string): Answer {
  const refused: Answer = { close: [1003] };
  let m: unknown;
  try {
    m = JSON.parse(body);
  } catch {
    return refused;
  }
  if (!m || typeof m !== 'object' || Array.isArray(m)) return refused;
  const { event, data } = m as { event?: unknown; data?: unknown };
  if (typeof event !== 'string' || !data || typeof data !== 'object' || Array.isArray(data)) return refused;
  const d = data as Record<string, unknown>;
  if (event === 'pong') return d.sequence === undefined || Number.isInteger(d.sequence) ? 'ignored' : refused;
  if (event === 'get_stream_info') return typeof d.request_id === 'string' ? 'ignored' : refused;
  if (event === 'report_issue') return typeof d.issue_type === 'string' ? 'ignored' : refused;
  return refused;
}

fuzzSuite('nova', async () => {
  const h = await startNova({ perIpMax: 100_000, totalMax: 100_000, maxFrameBytes: MAX_FRAME }, { listener: { handshakeTimeoutMs: FUZZ_HANDSHAKE_MS } });
  const control = (action: string, body: unknown) =>
    fetch(h.http(`/api/v1/streams/${STREAM}/${action}`), {
      method: 'POST',
      headers: { authorization: `Bearer ${CONTROL_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  assert.equal((await control('start', START)).status < 300, true);
  const token = await hsToken();
  const client = await connect(h.url(STREAM, { token }));
  let sent = 0;
  const rates = () => ofEvent(client.messages, 'bitrate_update').map((e) => e.data.current_bitrate_kbps as number);
  // Issue 20: the viewer's frames (report_issue keeps client_info) and the control API's bodies.
  const jsonPaths: JsonPath[] = [
    {
      name: 'nova viewer frame',
      maxBytes: MAX_FRAME,
      message: (deep) => `{"event":"report_issue","data":{"issue_type":"buffering","client_info":{"player":${deep}}}}`,
      // §3: a frame that cannot be read is PROTOCOL_ERROR, then close 1003.
      async expectRefused(message, what) {
        const viewer = await connect(h.url(STREAM, { token }));
        viewer.ws.send(message);
        const closed = await viewer.closed;
        assert.equal(closed.code, 1003, what);
        const errors = ofEvent(viewer.messages, 'error');
        assert.equal(errors[0]?.data.error_code, 'PROTOCOL_ERROR', what);
        assert.match(String(errors[0]?.data.error_message), DEPTH_REFUSAL, what);
      },
    },
    {
      name: 'nova control API body',
      maxBytes: CONTROL_MAX_BODY,
      message: (deep) => `{"current_bitrate_kbps":1,"detail":${deep}}`,
      async expectRefused(message, what) {
        const res = await fetch(h.http(`/api/v1/streams/${STREAM}/bitrate`), {
          method: 'POST',
          headers: { authorization: `Bearer ${CONTROL_TOKEN}`, 'content-type': 'application/json' },
          body: message,
        });
        const body = (await res.json()) as { error_code: string; error_message: string };
        assert.equal(res.status, 400, what);
        assert.equal(body.error_code, 'INVALID_REQUEST', what);
        assert.match(body.error_message, DEPTH_REFUSAL, what);
      },
    },
  ];
  return {
    target: {
      name: 'nova',
      port: h.port(),
      wsPath: `/api/v1/streams/${STREAM}/ws?token=${token}`,
      // §1 order: path and id (404) → protocol (400) → caps → token (401) → stream (404).
      pathStatus(path) {
        const [bare, query = ''] = path.split('?') as [string, string?];
        const m = /^\/api\/v1\/streams\/([^/]+)\/ws$/.exec(bare);
        if (!m || !UUID.test(m[1]!)) return 404;
        const q = new URLSearchParams(query);
        if (q.has('protocol') && q.get('protocol') !== '1.0') return 400;
        if (q.get('token') !== token) return 401;
        return m[1]!.toLowerCase() === STREAM ? 101 : 404;
      },
      frameLimit: MAX_FRAME,
      oversize: { close: [1009] },
      transportLimit: MAX_FRAME,
      transportOversize: { close: [1009] },
      validText: (rng) => JSON.stringify(rng.pick([{ event: 'pong', data: {} }, { event: 'get_stream_info', data: { request_id: 'r1' } }, { event: 'report_issue', data: { issue_type: 'buffering' } }])),
      textAnswer,
      invalidUtf8: { close: [1007] },
      binary: { close: [1003] },
      // §3: more than maxInboundPerSecond (20) messages a second → RATE_LIMITED then 1008.
      floodAnswer: { close: [1008] },
      connections: () => h.dialect.stats().connections as number,
      jsonPaths,
    },
    steady: {
      async publish() {
        sent += 1;
        const res = await control('bitrate', { current_bitrate_kbps: sent });
        assert.ok(res.status < 300, `bitrate ${res.status}`);
        await res.text();
      },
      async verify() {
        await client.until(() => rates().length >= sent, 10_000);
        assert.deepEqual(rates(), Array.from({ length: sent }, (_, i) => i + 1), 'every bitrate_update, in order');
      },
      async close() {
        client.close();
        await client.closed;
      },
    },
    close: () => h.close(),
  };
});

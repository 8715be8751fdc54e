/**
 * The nova dialect under the contract suite. The client is a viewer as Nova's example client
 * (`proerror77/Nova` examples/javascript-viewer-client.js) is one: a WebSocket on
 * /api/v1/streams/<id>/ws?token=<JWT>, `{event, data}` per text frame. The producer is the
 * broadcaster's control API (`NovaControl`, the same calls as `POST /api/v1/streams/<id>/…`);
 * the slow-consumer filler, which needs big frames the control API cannot carry, is a
 * `bitrate_update` frame published on the stream's hub channel as the control API publishes it.
 * Expectations: src/dialects/nova/PROTOCOL.md.
 */
import type { NovaDialect } from '../../../src/dialects/nova/index.js';
import { CONTROL_TOKEN, hsToken, SECRET, START, STREAM } from '../../nova/fixtures.js';
import { padding, type ContractNode, type DialectAdapter } from '../dialect.contract.js';
import { json, wsAttempt, wsClient } from './ws-client.js';

const PER_IP = 3;
const MAX_FRAME = 4096;
/** The live retention of a stream's events (what the control API publishes with). */
const FILLER_RETENTION = { maxMessages: 32, maxBytes: 1 << 20, maxAgeMs: 0, maxPinned: 16, idleTtlMs: 0 };

const dialect = (node: ContractNode) => node.hub.dialects.get('nova') as NovaDialect;
/** Nova's stream ids are UUIDs: the suite's channel is the one test stream. */
const url = async (node: ContractNode) => `ws://127.0.0.1:${node.port()}/api/v1/streams/${STREAM}/ws?token=${await hsToken({ sub: 'contract-viewer' })}`;

export const novaAdapter: DialectAdapter = {
  dialect: 'nova',
  settings: {
    port: 0,
    perIpMax: PER_IP,
    jwt: { secret: SECRET },
    controlToken: CONTROL_TOKEN,
    maxFrameBytes: MAX_FRAME,
    // §5: a small backlog, filled once 64 KiB wait unsent.
    queue: { maxMessages: 20, highWaterMarkBytes: 64 * 1024 },
  },
  capacity: PER_IP,
  async prepare(node) {
    await dialect(node).control.start(STREAM, START);
  },
  async connect(node) {
    return wsClient(await url(node), {
      decode(data) {
        const m = json(data);
        if (m?.event === 'bitrate_update' && typeof m.data?.current_bitrate_kbps === 'number') return { index: m.data.current_bitrate_kbps };
        if (m?.event === 'error') return { notice: m.data };
        return { other: m?.event };
      },
      // §2: connection_established, then the stream's stream_started.
      ready: (frames) => frames.some((f) => f !== null && 'other' in f && f.other === 'stream_started'),
      oversized: () => JSON.stringify({ event: 'pong', data: { pad: 'x'.repeat(MAX_FRAME) } }),
      malformed: () => '{"event": not json',
    });
  },
  async attempt(node) {
    return wsAttempt(await url(node));
  },
  async publish(node, _channel, index, padBytes) {
    if (padBytes === 0) {
      await dialect(node).control.updateBitrate(STREAM, { current_bitrate_kbps: index });
      return;
    }
    const frame = { event: 'bitrate_update', data: { stream_id: STREAM, current_bitrate_kbps: index, quality: '1080p', health: 'excellent', pad: padding(padBytes) } };
    await node.hub.hub.publish(`nova:${STREAM}`, Buffer.from(JSON.stringify(frame)), { kind: 'data', retention: FILLER_RETENTION });
  },
  // §1 "Refusals": the per-IP cap is 503 RATE_LIMITED before the upgrade.
  refusal: { kind: 'http', status: 503, bodyIncludes: '"error_code":"RATE_LIMITED"' },
  // §3: a frame over nova.maxFrameBytes is closed 1009 by ws.
  oversized: { code: 1009 },
  // §3: invalid JSON → error {PROTOCOL_ERROR}, then close 1003.
  malformed: { code: 1003, notice: (n) => (n as { error_code?: unknown }).error_code === 'PROTOCOL_ERROR' },
  // §5: drop-oldest, then one BUFFER_OVERFLOW notice when the socket drains.
  slowConsumer: { policy: 'drop-oldest', notice: (n) => (n as { error_code?: unknown }).error_code === 'BUFFER_OVERFLOW' },
  // §6: the TCP connection ends without a close frame (the client sees 1006, wasClean false), so the example client reconnects.
  shutdown: { code: 1006 },
  // The example client reconnects only when `wasClean` is false: no close frame, 1006.
  reconnectsAfter: (end) => end.code === 1006,
  countedCodes: { refusal: 503, close: 1009 },

};

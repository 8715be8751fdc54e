/**
 * The elstat dialect under the contract suite. The client is a status page as ours is one
 * (src/dialects/elstat/status-page.html, the original frontend's flow): a WebSocket on
 * /api/streaming that sends SUBSCRIBE and reads `{op, …}` frames. The producer is the prober's
 * publish: a DATA frame `{op:3, c, d:[unix_ms, value]}` as the value's hub snapshot. The suite's
 * messages carry their index as `d[0]` (far below any real unix time), so the prober's own check
 * of the service at start-up is told apart. Expectations: src/dialects/elstat/PROTOCOL.md.
 */
import { padding, type ContractNode, type DialectAdapter } from '../dialect.contract.js';
import { json, wsAttempt, wsClient } from './ws-client.js';

const PER_IP = 3;
const MAX_FRAME = 256;
const WIRE = 'latency:svc';
/** A value's hub retention: the last one only (index.ts VALUE_RETENTION, with room for the suite's padding). */
const RETENTION = { maxMessages: 1, maxBytes: 1 << 20, maxAgeMs: 0, maxPinned: 0, idleTtlMs: 0 };
/** Real DATA frames carry a unix time in ms; the suite's indices stay far below it. */
const REAL_TIME = 1e12;

const url = (node: ContractNode) => `ws://127.0.0.1:${node.port()}/api/streaming`;
const subscribe = JSON.stringify({ op: 0, channels: [WIRE] });

export const elstatAdapter: DialectAdapter = {
  dialect: 'elstat',
  settings: {
    port: 0,
    perIpMax: PER_IP,
    // A service so that its channels are valid; checked once at start (a closed port: down, latency 0), then not for an hour.
    services: [{ name: 'svc', adapter: 'tcp', target: '127.0.0.1:1', intervalMs: 3_600_000, timeoutMs: 1_000 }],
    queue: { maxMessages: 20, highWaterMarkBytes: 64 * 1024 },
  },
  capacity: PER_IP,
  async prepare() {},
  connect(node) {
    return wsClient(url(node), {
      hello: subscribe,
      decode(data) {
        const m = json(data);
        if (m?.op === 3 && m.c === WIRE && Array.isArray(m.d) && typeof m.d[0] === 'number' && m.d[0] < REAL_TIME) return { index: m.d[0] };
        return { other: m?.op };
      },
      // §1 "Subscribing": SUBSCRIBED (op 1) answers the SUBSCRIBE.
      ready: (frames) => frames.some((f) => f !== null && 'other' in f && f.other === 1),
      oversized: () => JSON.stringify({ op: 0, channels: ['x'.repeat(MAX_FRAME)] }),
      malformed: () => '{"op": not json',
    });
  },
  attempt: (node) => wsAttempt(url(node), subscribe),
  async publish(node, _channel, index, padBytes) {
    const frame = { op: 3, c: WIRE, d: [index, 1], ...(padBytes > 0 ? { x_pad: padding(padBytes) } : {}) };
    await node.hub.hub.publish(`elstat:${WIRE}`, Buffer.from(JSON.stringify(frame)), { kind: 'snapshot', retention: RETENTION });
  },
  // §1 "Close codes and refusals": past perIpMax, 429 {"error":"per_ip"} before the upgrade.
  refusal: { kind: 'http', status: 429, body: '{"error":"per_ip"}' },
  // An inbound frame longer than 256 bytes: 4420 `payload too large` (TOO_MUCH).
  oversized: { code: 4420, reason: 'payload too large' },
  // Not JSON: 4200 `invalid payload` (INVALID_PAYLOAD).
  malformed: { code: 4200, reason: 'invalid payload' },
  // §1 "Slow clients": coalesce, the newest value per channel wins.
  slowConsumer: { policy: 'coalesce' },
  // 1001 at shutdown; the status page reconnects after any close.
  shutdown: { code: 1001, reason: 'server shutting down' },
  // status-page.html: reconnects with backoff after any close.
  reconnectsAfter: () => true,
  countedCodes: { refusal: 429, close: 4420 },

};

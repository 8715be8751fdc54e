/**
 * StreamHub's own protocol (dialect `streamhub`, issue 18) under the contract suite. The client is
 * what the SDK does (src/dialects/streamhub/PROTOCOL.md): a WebSocket on /v1/ws whose first frame
 * is `connect`, here with the `subscribe` items it may carry (§5), read-only as an anonymous
 * client. The producer publishes on the hub channel `streamhub:contract`, as the dialect's own
 * `publish` command does once authorised; the suite's messages are `{"i": <index>, "pad": …}`.
 */
import { padding, type ContractNode, type DialectAdapter } from '../dialect.contract.js';
import { json, wsAttempt, wsClient } from './ws-client.js';

const PER_IP = 3;
const MAX_FRAME = 4096;
/** `streamhub.retention`'s defaults, with room for the suite's padding. */
const RETENTION = { maxMessages: 1000, maxBytes: 4 * 1024 * 1024, maxAgeMs: 0, maxPinned: 0, idleTtlMs: 3_600_000 };

const url = (node: ContractNode) => `ws://127.0.0.1:${node.port()}/v1/ws`;
const connectFrame = (channel: string) => JSON.stringify({ type: 'connect', id: 1, subscribe: [{ channel: `streamhub:${channel}` }] });
const indexOf = (pub: { data?: { i?: unknown } }) => (typeof pub?.data?.i === 'number' ? pub.data.i : null);

export const streamhubAdapter: DialectAdapter = {
  dialect: 'streamhub',
  settings: {
    port: 0,
    perIpMax: PER_IP,
    maxFrameBytes: MAX_FRAME,
    auth: { anonymous: true },
    queue: { maxMessages: 20, highWaterMarkBytes: 64 * 1024 },
  },
  capacity: PER_IP,
  async prepare() {},
  connect(node, channel) {
    return wsClient(url(node), {
      hello: connectFrame(channel),
      decode(data) {
        const m = json(data);
        if (m?.type === 'pub') {
          const i = indexOf(m);
          return i === null ? { other: 'pub' } : { index: i };
        }
        // §7: the replay comes inside `subscribed`.
        if (m?.type === 'subscribed' && Array.isArray(m.publications)) {
          return { indices: m.publications.map(indexOf).filter((i: number | null): i is number => i !== null), other: 'subscribed' };
        }
        return { other: m?.type };
      },
      ready: (frames) => frames.some((f) => f !== null && 'other' in f && f.other === 'subscribed'),
      oversized: () => JSON.stringify({ type: 'ping', pad: 'x'.repeat(MAX_FRAME) }),
      malformed: () => '{"type": not json',
    });
  },
  attempt: (node, channel) => wsAttempt(url(node), connectFrame(channel)),
  async publish(node, channel, index, padBytes) {
    const data = { i: index, ...(padBytes > 0 ? { pad: padding(padBytes) } : {}) };
    await node.hub.hub.publish(`streamhub:${channel}`, Buffer.from(JSON.stringify(data)), { kind: 'data', retention: RETENTION });
  },
  // §1: caps are refused before the upgrade, 429 {"error":"per_ip"}.
  refusal: { kind: 'http', status: 429, body: '{"error":"per_ip"}' },
  // §15: 1009 past streamhub.maxFrameBytes (WebSocket layer).
  oversized: { code: 1009 },
  // §15: not JSON → 4501 bad_request.
  malformed: { code: 4501, reason: 'bad_request' },
  // §15: the queue overflowed → 4001 slow_client.
  slowConsumer: { policy: 'close', end: { code: 4001, reason: 'slow_client' } },
  // §19: 1001 at shutdown; clients reconnect with backoff and resume with `since`.
  shutdown: { code: 1001, reason: 'server shutting down' },
  // The SDK's rule (sdk/src/protocol.ts shouldReconnect): every close but 1009 and 4500–4999.
  reconnectsAfter: (end) => end.code !== null && end.code !== 1009 && !(end.code >= 4500 && end.code <= 4999),
  countedCodes: { refusal: 429, close: 1009 },
};

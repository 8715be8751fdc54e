/**
 * The test-only echo dialect (echo-dialect/PROTOCOL.md) under the contract suite: a plain
 * WebSocket on /echo/<channel>; the producer is the module's publisher (what the operator's
 * `POST /api/publish` calls). Its messages are `{"i": <index>, "pad": …}`. The node's dialect
 * list, which holds it, is given by its test (../echo.contract.test.ts).
 */
import type { EchoDialect } from '../echo-dialect/index.js';
import { padding, type ContractNode, type DialectAdapter } from '../dialect.contract.js';
import { json, wsAttempt, wsClient } from './ws-client.js';

const PER_IP = 3;
const MAX_FRAME = 1024;

const url = (node: ContractNode, channel: string) => `ws://127.0.0.1:${node.port()}/echo/${channel}`;

export const echoAdapter: DialectAdapter = {
  dialect: 'echo',
  settings: {
    port: 0,
    perIpMax: PER_IP,
    maxFrameBytes: MAX_FRAME,
    queue: { maxMessages: 20, highWaterMarkBytes: 64 * 1024 },
  },
  capacity: PER_IP,
  async prepare() {},
  connect(node, channel) {
    return wsClient(url(node, channel), {
      decode(data) {
        const m = json(data);
        if (typeof m?.i === 'number') return { index: m.i };
        if (m?.notice === 'dropped') return { notice: m };
        return { other: m };
      },
      oversized: () => JSON.stringify({ op: 'ping', pad: 'x'.repeat(MAX_FRAME) }),
      malformed: () => '{"op": not json',
    });
  },
  attempt: (node, channel) => wsAttempt(url(node, channel)),
  async publish(node, channel, index, padBytes) {
    const dialect = node.hub.dialects.get('echo') as EchoDialect;
    await dialect.publish(channel, { i: index, ...(padBytes > 0 ? { pad: padding(padBytes) } : {}) });
  },
  refusal: { kind: 'http', status: 429, body: '{"error":"per_ip"}' },
  oversized: { code: 1009 },
  malformed: { code: 4400, reason: 'bad frame' },
  slowConsumer: { policy: 'drop-oldest', notice: (n) => (n as { notice?: unknown }).notice === 'dropped' },
  shutdown: { code: 1001, reason: 'server shutting down' },
  // PROTOCOL.md: clients reconnect after 1001 (a test-only dialect has no client of its own).
  reconnectsAfter: (end) => end.code === 1001,
  countedCodes: { refusal: 429, close: 1009 },
};

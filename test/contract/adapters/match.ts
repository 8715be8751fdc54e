/**
 * The match dialect under the contract suite. The client is a renderer as tournamental's
 * spec-client is one (`packages/spec-client` ws.ts: a plain WebSocket on /v1/match/<id>, one JSON
 * object per text frame); the producer is the dialect's validated publish (the path of
 * `POST /api/publish` and of the ingest). Expectations: src/dialects/match/PROTOCOL.md.
 */
import type { MatchDialect } from '../../../src/dialects/match/index.js';
import { matchInit, state } from '../../match/fixtures.js';
import { padding, type ContractNode, type DialectAdapter } from '../dialect.contract.js';
import { json, wsAttempt, wsClient } from './ws-client.js';

const PER_IP = 3;
const MAX_CLIENT_FRAME = 4096;

const dialect = (node: ContractNode) => node.hub.dialects.get('match') as MatchDialect;
const url = (node: ContractNode, channel: string) => `ws://127.0.0.1:${node.port()}/v1/match/${channel}`;

export const matchAdapter: DialectAdapter = {
  dialect: 'match',
  settings: {
    port: 0,
    perIpMax: PER_IP,
    maxClientFrameBytes: MAX_CLIENT_FRAME,
    // §1.7: a small live queue; no stall timeout, so that drop-oldest alone is seen.
    queue: { maxMessages: 20, highWaterMarkBytes: 64 * 1024, stallTimeoutMs: 0 },
    keepaliveMs: 60_000,
    pingIntervalMs: 0,
  },
  capacity: PER_IP,
  async prepare(node, channel) {
    // §1: only a match whose MatchInit is retained can be watched.
    await dialect(node).publish(channel, matchInit(channel));
  },
  connect(node, channel) {
    return wsClient(url(node, channel), {
      decode(data) {
        const m = json(data);
        if (m?.type === 'state' && typeof m.t === 'number') return { index: m.t };
        return { other: m?.type };
      },
      // §1.1: hello, then MatchInit.
      ready: (frames) => frames.some((f) => f !== null && 'other' in f && f.other === 'match.init'),
      oversized: () => 'x'.repeat(MAX_CLIENT_FRAME + 1),
      malformed: () => '{"type": not json',
    });
  },
  attempt: (node, channel) => wsAttempt(url(node, channel)),
  async publish(node, channel, index, padBytes) {
    // Unknown fields are forwarded unchanged (§3.1), so the padding reaches the renderers.
    await dialect(node).publish(channel, { ...state(index), ...(padBytes > 0 ? { x_pad: padding(padBytes) } : {}) });
  },
  // §1.6: caps are checked after the upgrade; one x_error frame, then 1013.
  refusal: { kind: 'close', code: 1013, reason: 'rate_limit:per_ip', frame: { type: 'x_error', error: 'per_ip' } },
  // §1.5: a client frame over maxClientFrameBytes closes with 1009.
  oversized: { code: 1009 },
  // §1.5: client frames are ignored and never answered; the server never closes for them.
  malformed: 'ignored',
  // §1.7: the oldest queued message is dropped (no notice frame in this protocol).
  slowConsumer: { policy: 'drop-oldest', notice: null },
  // §1.8: 1001 `server shutting down`; the spec-client reconnects after any close.
  shutdown: { code: 1001, reason: 'server shutting down' },
  // spec-client ws.ts: reconnects after any close, with backoff.
  reconnectsAfter: () => true,
  countedCodes: { refusal: 1013, close: 1009 },

};

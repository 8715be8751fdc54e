/**
 * The relay dialect under the contract suite. The clients are the ws-stream-server test page's
 * player and publisher (`AgustinSRG/tcp-video-streaming` ws-stream-server/test/test.js): plain
 * WebSockets on /<channel>/<key>/receive and …/publish, one binary message per media chunk. Each
 * chunk here starts with its index (4 bytes, big-endian); the relay never looks inside.
 * Expectations: src/dialects/relay/PROTOCOL.md.
 */
import WebSocket from 'ws';
import type { ContractNode, DialectAdapter } from '../dialect.contract.js';
import { wsAttempt, wsClient } from './ws-client.js';

const PER_IP = 4;
const KEY = 'contract-key';
const MAX_RECEIVER_FRAME = 64 * 1024;

const url = (node: ContractNode, channel: string, kind: string) => `ws://127.0.0.1:${node.port()}/${channel}/${KEY}/${kind}`;

/** The publisher `prepare` opened (scenarios of one file run one at a time). */
let publisher: WebSocket | null = null;

export const relayAdapter: DialectAdapter = {
  dialect: 'relay',
  settings: {
    port: 0,
    perIpMax: PER_IP,
    maxReceiverFrameBytes: MAX_RECEIVER_FRAME,
    // "Slow receivers": a small live queue; a grace long enough for the resumed client to read its close frame.
    queue: { highWaterMarkBytes: 16 * 1024, maxBytes: 512 * 1024, maxMessages: 10_000 },
    closeGraceMs: 10_000,
  },
  // The publisher holds one of the address's slots.
  capacity: PER_IP - 1,
  async prepare(node, channel) {
    const ws = new WebSocket(url(node, channel, 'publish'), { perMessageDeflate: false });
    ws.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`publisher refused: HTTP ${res.statusCode}`)));
    });
    publisher = ws;
    // The first chunk is pinned as the stream's header (PROTOCOL.md "The cache"); index 0.
    ws.send(chunk(0, 0), { binary: true });
  },
  release() {
    publisher?.close();
    publisher = null;
  },
  connect(node, channel) {
    return wsClient(url(node, channel, 'receive'), {
      decode: (data, isBinary) => (isBinary && data.length >= 4 ? { index: data.readUInt32BE(0) } : { other: data.toString() }),
      // A receiver of a live publish gets the cache first: the pinned header chunk at least.
      ready: (frames) => frames.some((f) => f !== null && 'index' in f),
      oversized: () => Buffer.alloc(MAX_RECEIVER_FRAME + 1, 1),
      malformed: () => 'not a relay frame',
    });
  },
  attempt: (node, channel) => wsAttempt(url(node, channel, 'receive')),
  async publish(_node, _channel, index, padBytes) {
    if (!publisher) throw new Error('no publisher: prepare() first');
    publisher.send(chunk(index, padBytes), { binary: true });
  },
  // "Refusals": past perIpMax, 429 `Too many requests.` before the upgrade.
  refusal: { kind: 'http', status: 429, body: 'Too many requests.' },
  // "Close codes": a receiver frame over maxReceiverFrameBytes is closed 1009 by ws.
  oversized: { code: 1009 },
  // "After the upgrade": text frames from clients are ignored, binary frames from receivers too.
  malformed: 'ignored',
  // "Slow receivers": the overflowed receiver is closed with 4008 `slow receiver`.
  slowConsumer: { policy: 'close', end: { code: 4008, reason: 'slow receiver' } },
  // "Close codes": 1001 at shutdown; the test page's player treats every close alike (the person clicks Play again).
  shutdown: { code: 1001, reason: 'server shutting down' },
  // The test page re-enables Play on any close and the person clicks it; the hls-encoder restarts on any error.
  reconnectsAfter: () => true,
  countedCodes: { refusal: 429, close: 1009 },

};

function chunk(index: number, padBytes: number): Buffer {
  const b = Buffer.alloc(4 + padBytes, 7);
  b.writeUInt32BE(index, 0);
  return b;
}

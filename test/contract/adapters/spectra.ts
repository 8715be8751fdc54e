/**
 * The spectra dialect under the contract suite, on its output side (5200). The client is an
 * overlay as Spectra-Frontend's SocketService is one (`ValoSpectra/Spectra-Frontend`
 * src/app/services/SocketService.ts): socket.io-client, `logon` with `{"groupCode"}`, `match_data`
 * as a JSON string. The producer is what the ingest side does with an observer's data: the
 * match's whole state published as the hub snapshot of `spectra:<groupCode>` (PROTOCOL.md
 * "Scale-out"); the suite's states carry their index as `x_index`.
 * Expectations: src/dialects/spectra/PROTOCOL.md.
 */
import { padding, type ContractNode, type DialectAdapter } from '../dialect.contract.js';
import { socketIoAttempt, socketIoClient } from './socketio-client.js';

const PER_IP = 3;
const MAX_BUFFER = 10_000;
const GROUP = 'CONTRACT';
/** The match state's hub retention: the latest snapshot only. */
const RETENTION = { maxMessages: 1, maxBytes: 1 << 22, maxAgeMs: 0, maxPinned: 0, idleTtlMs: 0 };

const url = (node: ContractNode) => `http://127.0.0.1:${node.port('output')}`;

export const spectraAdapter: DialectAdapter = {
  dialect: 'spectra',
  settings: {
    ingestPort: 0,
    outputPort: 0,
    statusPort: 0,
    development: true,
    outputPerIpMax: PER_IP,
    maxHttpBufferSize: MAX_BUFFER,
    outputMaxBufferedPackets: 8,
  },
  capacity: PER_IP,
  async prepare() {},
  connect(node) {
    return socketIoClient(url(node), {
      logon: { event: 'logon', payload: JSON.stringify({ groupCode: GROUP }) },
      ready: 'logon_success',
      message: {
        event: 'match_data',
        index(payload) {
          const state = typeof payload === 'string' ? (JSON.parse(payload) as { x_index?: unknown }) : null;
          return typeof state?.x_index === 'number' ? state.x_index : null;
        },
      },
      oversized: (socket) => socket.emit('logon', 'x'.repeat(MAX_BUFFER + 1)),
      malformed: (socket) => socket.emit('logon', '{"groupCode": not json'),
    });
  },
  attempt: (node) => socketIoAttempt(url(node)),
  async publish(node, _channel, index, padBytes) {
    const state = { groupCode: GROUP, x_index: index, ...(padBytes > 0 ? { x_pad: padding(padBytes) } : {}) };
    await node.hub.hub.publish(`spectra:${GROUP}`, Buffer.from(JSON.stringify(state)), { kind: 'snapshot', retention: RETENTION });
  },
  // "Connection refusals": per-IP cap → connect_error "Too many connections from this address".
  refusal: { kind: 'connect_error', message: 'Too many connections from this address' },
  // Socket.IO's maxHttpBufferSize: the WebSocket transport is closed (1009 by ws), which the client reports as a transport close.
  oversized: { reason: 'transport close' },
  // "Output": a logon without a usable groupCode (bad JSON…) is ignored: no reply, no disconnect.
  malformed: 'ignored',
  // "Output": an overlay with more than outputMaxBufferedPackets packets waiting is disconnected (a Socket.IO disconnect).
  slowConsumer: { policy: 'close', end: { reason: 'io server disconnect' } },
  slowFillBudget: 700,
  // "Connection refusals", shutdown: a transport close, never a Socket.IO disconnect, so socket.io-client reconnects.
  shutdown: { reason: 'transport close' },
  // socket.io-client reconnects after a transport close, never after the server's explicit disconnect.
  reconnectsAfter: (end) => end.reason !== 'io server disconnect' && end.reason !== 'io client disconnect',
  countedCodes: { refusal: 'connect_error', close: 1009 },

};

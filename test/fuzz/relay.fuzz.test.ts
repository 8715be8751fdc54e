/** Fuzz suite for the relay dialect (src/dialects/relay/PROTOCOL.md: refusals, after the upgrade, close codes). */
import assert from 'node:assert/strict';
import { connect } from '../helpers/ws-client.js';
import { chunks } from '../relay/helpers.js';
import { startDialect, testConfig } from '../helpers/harness.js';
import { createRelayDialect } from '../../src/dialects/relay/index.js';
import { FUZZ_HANDSHAKE_MS, fuzzSuite } from './suite.js';

const SEGMENT = /^[A-Za-z0-9_-]{1,128}$/;
const KINDS = new Set(['publish', 'receive', 'receive-clear-cache', 'probe']);
const RECEIVER_FRAME_MAX = 64 * 1024;

fuzzSuite('relay', async () => {
  const settings = testConfig({ relay: { port: 0, perIpMax: 100_000, totalMax: 100_000, maxReceiverFrameBytes: RECEIVER_FRAME_MAX } }).relay;
  const h = await startDialect((ctx) => createRelayDialect(ctx, settings), { listener: { handshakeTimeoutMs: FUZZ_HANDSHAKE_MS } });
  const url = (c: string, k: string, kind: string) => `ws://127.0.0.1:${h.port()}/${c}/${k}/${kind}`;
  const publisher = await connect(url('steady', 'k', 'publish'));
  const receiver = await connect(url('steady', 'k', 'receive'));
  let seq = 0;
  return {
    target: {
      name: 'relay',
      port: h.port(),
      // A receiver waiting for a publisher that never comes: it stays open for frame fuzzing.
      wsPath: '/fuzz/k/receive',
      // The raw URI split on `/` must be exactly three segments (no query, no trailing slash), each valid.
      pathStatus(path) {
        const parts = path.split('/');
        if (parts.length !== 4 || parts[0] !== '') return 404;
        const [, channel, key, kind] = parts as [string, string, string, string];
        if (!SEGMENT.test(channel) || !SEGMENT.test(key) || !KINDS.has(kind)) return 404;
        if (kind === 'publish' && channel === 'steady') return 403;
        return 101;
      },
      frameLimit: RECEIVER_FRAME_MAX,
      oversize: { close: [1009] },
      transportLimit: RECEIVER_FRAME_MAX,
      transportOversize: { close: [1009] },
      validText: () => 'h',
      // Text frames from clients are ignored (a heartbeat resets the idle deadline); binary from receivers too.
      textAnswer: () => 'ignored',
      invalidUtf8: { close: [1007] },
      binary: 'ignored',
      connections: () => h.dialect.stats().connections,
    },
    steady: {
      async publish() {
        publisher.ws.send(Buffer.from(`chunk-${seq}`), { binary: true });
        seq += 1;
      },
      async verify() {
        await receiver.until(() => chunks(receiver).length >= seq, 10_000);
        assert.deepEqual(chunks(receiver), Array.from({ length: seq }, (_, i) => `chunk-${i}`), 'every chunk, in order');
      },
      async close() {
        receiver.close();
        publisher.close();
        await Promise.all([receiver.closed, publisher.closed]);
      },
    },
    close: () => h.close(),
  };
  // Relay carries binary media chunks and takes no JSON from clients (seed 002), so it has no deep-JSON property.
}, { clientJson: false });

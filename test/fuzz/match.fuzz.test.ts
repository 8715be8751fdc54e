/** Fuzz suite for the match dialect (src/dialects/match/PROTOCOL.md §1, §1.5, §1.6). */
import assert from 'node:assert/strict';
import { matchInit, startMatch, state, stateTimes } from '../match/fixtures.js';
import { connect } from '../helpers/ws-client.js';
import { FUZZ_HANDSHAKE_MS, fuzzSuite } from './suite.js';

const ID = /^[A-Za-z0-9._:-]+$/;

fuzzSuite('match', async () => {
  const h = await startMatch({ perIpMax: 100_000, totalMax: 100_000 }, { listener: { handshakeTimeoutMs: FUZZ_HANDSHAKE_MS } });
  await h.dialect.publish('fuzz', matchInit('fuzz'));
  await h.dialect.publish('steady', matchInit('steady'));
  const known = new Set(['fuzz', 'steady']);
  const client = await connect(h.url('steady'));
  let t = 0;
  return {
    target: {
      name: 'match',
      port: h.port(),
      wsPath: '/v1/match/fuzz',
      // §1: a known, well-formed id upgrades; anything else is 404 before the handshake. The query is ignored.
      pathStatus(path) {
        const bare = path.split('?')[0]!;
        const m = /^\/v1\/match\/([^/]*)$/.exec(bare);
        return m && ID.test(m[1]!) && m[1]!.length <= 256 && known.has(m[1]!) ? 101 : 404;
      },
      frameLimit: 4096,
      oversize: { close: [1009] },
      transportLimit: 4096,
      transportOversize: { close: [1009] },
      validText: () => '{"type":"x_ping"}',
      // §1.5: client frames are ignored and never answered.
      textAnswer: () => 'ignored',
      // [RFC 6455 §8.1]: invalid UTF-8 in a text frame fails the connection with 1007.
      invalidUtf8: { close: [1007] },
      binary: 'ignored',
      connections: () => h.dialect.stats().connections as number,
    },
    steady: {
      async publish() {
        await h.dialect.publish('steady', state(t));
        t += 1;
      },
      async verify() {
        await client.until(() => stateTimes(client).length >= t, 10_000);
        assert.deepEqual(stateTimes(client), Array.from({ length: t }, (_, i) => i), 'every state, in order, no duplicate');
      },
      async close() {
        client.close();
        await client.closed;
      },
    },
    close: () => h.close(),
  };
});

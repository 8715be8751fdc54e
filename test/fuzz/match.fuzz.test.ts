/** Fuzz suite for the match dialect (src/dialects/match/PROTOCOL.md §1, §1.5, §1.6). */
import assert from 'node:assert/strict';
import { matchInit, startMatch, state, stateTimes } from '../match/fixtures.js';
import { connect } from '../helpers/ws-client.js';
import { FUZZ_HANDSHAKE_MS, fuzzSuite } from './suite.js';
import type { JsonPath } from './properties.js';

const ID = /^[A-Za-z0-9._:-]+$/;
const INGEST_TOKEN = 'fuzz-ingest-token';

fuzzSuite('match', async () => {
  const h = await startMatch({ perIpMax: 100_000, totalMax: 100_000, ingest: { token: INGEST_TOKEN } }, { listener: { handshakeTimeoutMs: FUZZ_HANDSHAKE_MS } });
  await h.dialect.publish('fuzz', matchInit('fuzz'));
  await h.dialect.publish('steady', matchInit('steady'));
  const known = new Set(['fuzz', 'steady']);
  const client = await connect(h.url('steady'));
  let t = 0;
  // Issue 20: the producer ingest (§1.6): a value past the bounds is `x_error invalid_message`, the
  // connection stays, nothing is published.
  const producer = await connect(`${h.base}/v1/ingest?token=${INGEST_TOKEN}&match_id=fuzz`);
  const jsonPaths: JsonPath[] = [
    {
      name: 'match ingest frame',
      maxBytes: 64 * 1024,
      message: (deep) => JSON.stringify(state(0)).replace(/}$/, `,"x_extra":${deep}}`),
      async expectRefused(message, what) {
        const before = producer.messages.length;
        const top = (await h.hub.history('match:fuzz', { limit: 0 })).top;
        producer.ws.send(message);
        await producer.until((m) => m.length > before, 5_000);
        const answer = producer.messages[before] as { type: string; error: string; detail?: string };
        assert.equal(answer.type, 'x_error', what);
        assert.equal(answer.error, 'invalid_message', what);
        assert.match(String(answer.detail), /nested deeper than 32 levels/, what);
        assert.deepEqual((await h.hub.history('match:fuzz', { limit: 0 })).top, top, `${what}: nothing published`);
      },
    },
  ];
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
      jsonPaths,
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
        producer.close();
        await Promise.all([client.closed, producer.closed]);
      },
    },
    close: () => h.close(),
  };
});

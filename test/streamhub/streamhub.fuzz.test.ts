/**
 * Fuzz suite (test/fuzz/suite.ts) for the streamhub dialect: hostile upgrades and frames on a fresh
 * connection, where PROTOCOL.md §5/§15 say anything but a valid `connect` closes 4501 `bad_request`;
 * frames past `maxFrameBytes` close 1009; deep JSON closes 4501. A steady subscriber receives every
 * publication in order meanwhile. Anonymous access is on, so a bare `connect` is valid.
 */
import assert from 'node:assert/strict';
import { FUZZ_HANDSHAKE_MS, fuzzSuite } from '../fuzz/suite.js';
import type { Answer, JsonPath } from '../fuzz/properties.js';
import { connect } from '../helpers/ws-client.js';
import { RING, startStreamhub, TestClient, type Frame } from './setup.js';

const MAX_FRAME = 4096;
const BAD: Answer = { close: [4501] };

/** §5: a fresh connection takes a `connect` (answered, stays open) or `pong` (ignored); anything else closes 4501. */
function textAnswer(body: string): Answer {
  let m: unknown;
  try {
    m = JSON.parse(body);
  } catch {
    return BAD;
  }
  if (!m || typeof m !== 'object' || Array.isArray(m)) return BAD;
  const type = (m as { type?: unknown }).type;
  if (type === 'pong') return 'ignored';
  // A connect with valid fields is answered and stays open; one with bad fields closes 4501.
  if (type === 'connect') return { close: [4501], orIgnored: true };
  return BAD;
}

fuzzSuite('streamhub', async () => {
  const s = await startStreamhub({ perIpMax: 100_000, totalMax: 100_000, maxFrameBytes: MAX_FRAME, auth: { anonymous: true } });
  const port = s.h.port();
  const steady = await TestClient.connected(s.wsUrl);
  await steady.request({ type: 'subscribe', channels: [{ channel: 'streamhub:steady' }] });
  const published: number[] = [];
  const jsonPaths: JsonPath[] = [
    {
      name: 'streamhub frame',
      maxBytes: MAX_FRAME,
      message: (deep) => `{"type":"connect","id":1,"info":${deep}}`,
      async expectRefused(message, what) {
        const c = await connect(s.wsUrl);
        c.ws.send(message);
        assert.equal((await c.closed).code, 4501, what);
      },
    },
  ];
  return {
    target: {
      name: 'streamhub',
      port,
      wsPath: '/v1/ws',
      pathStatus: (path) => {
        const [p, q] = path.split('?');
        if (p !== '/v1/ws' && p !== '/ws') return 404;
        return new URLSearchParams(q ?? '').has('token') ? 401 : 101;
      },
      frameLimit: MAX_FRAME,
      oversize: { close: [1009] },
      transportLimit: MAX_FRAME,
      transportOversize: { close: [1009] },
      validText: () => JSON.stringify({ type: 'connect', id: 1 }),
      textAnswer,
      invalidUtf8: BAD,
      binary: BAD,
      connections: () => s.h.dialect.stats().connections,
      jsonPaths,
    },
    steady: {
      async publish() {
        const n = published.length;
        await s.h.hub.publish('streamhub:steady', Buffer.from(JSON.stringify({ n })), { retention: RING });
        published.push(n);
      },
      async verify() {
        await steady.raw.until(() => steady.pubs('streamhub:steady').length >= published.length, 10_000);
        assert.deepEqual(
          steady.pubs('streamhub:steady').map((f) => (f.data as Frame).n),
          published,
          'every publication, in order',
        );
      },
      async close() {
        steady.close();
        await steady.raw.closed;
      },
    },
    close: () => s.h.close(),
  };
});

/** Fuzz suite for the elstat dialect (src/dialects/elstat/PROTOCOL.md §1 "Close codes and refusals"). */
import assert from 'node:assert/strict';
import { createElstatDialect } from '../../src/dialects/elstat/index.js';
import { startDialect, testConfig } from '../helpers/harness.js';
import { connect } from '../helpers/ws-client.js';
import { FUZZ_HANDSHAKE_MS, fuzzSuite } from './suite.js';
import type { Answer, JsonPath } from './properties.js';

const TOKEN = 'fuzz-incidents-token';

/** §1: a frame is valid when it is a JSON object with op −1 or 0 and `channels` a list of strings. */
function textAnswer(body: string): Answer {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { close: [4200] };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { close: [4200] };
  const { op, channels } = value as { op?: unknown; channels?: unknown };
  if (op !== 0 && op !== -1) return { close: [4200] };
  if (!Array.isArray(channels) || channels.some((c) => typeof c !== 'string')) return { close: [4200] };
  return 'ignored';
}

fuzzSuite('elstat', async () => {
  const options = testConfig({
    elstat: {
      port: 0,
      perIpMax: 100_000,
      totalMax: 100_000,
      services: [{ name: 'svc', adapter: 'tcp', target: '127.0.0.1:9', intervalMs: 600_000 }],
      incidents: { token: TOKEN, maxIncidents: 100 },
    },
  }).elstat;
  const h = await startDialect((ctx) => createElstatDialect(ctx, options), { listener: { handshakeTimeoutMs: FUZZ_HANDSHAKE_MS } });
  const base = `http://127.0.0.1:${h.port()}`;
  const client = await connect(`ws://127.0.0.1:${h.port()}/api/streaming`);
  const opened: number[] = [];
  // Issue 20: the streaming frames (§1: 4200 INVALID_PAYLOAD) and the incidents API's bodies (400 invalid_body).
  const jsonPaths: JsonPath[] = [
    {
      name: 'elstat streaming frame',
      maxBytes: 256,
      message: (deep) => `{"op":0,"channels":[],"x":${deep}}`,
      async expectRefused(message, what) {
        const page = await connect(`ws://127.0.0.1:${h.port()}/api/streaming`);
        page.ws.send(message);
        const closed = await page.closed;
        assert.equal(closed.code, 4200, what);
      },
    },
    {
      name: 'elstat incidents API body',
      maxBytes: 16 * 1024,
      message: (deep) => `{"title":"deep","content":"c","impact":${deep}}`,
      async expectRefused(message, what) {
        const res = await fetch(`${base}/api/incidents`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: message,
        });
        const body = (await res.json()) as { error: string; message: string };
        assert.equal(res.status, 400, what);
        assert.equal(body.error, 'invalid_body', what);
        assert.match(body.message, /nested deeper than 32 levels/, what);
      },
    },
  ];
  const received = () => client.messages.filter((m) => (m as { op?: number }).op === 4).map((m) => (m as { d: { id: number } }).d.id);
  return {
    target: {
      name: 'elstat',
      port: h.port(),
      wsPath: '/api/streaming',
      pathStatus: (path) => (path.split('?')[0] === '/api/streaming' ? 101 : 404),
      frameLimit: 256,
      oversize: { close: [4420] },
      transportLimit: 1024 * 1024,
      transportOversize: { close: [1009] },
      validText: (rng) => JSON.stringify({ op: rng.pick([0, -1]), channels: rng.pick([[], ['status:svc'], ['latency:svc', 'graph:svc'], ['status:nope']]) }),
      textAnswer,
      // §1: "not JSON (or not UTF-8)" closes 4200 INVALID_PAYLOAD.
      invalidUtf8: { close: [4200] },
      binary: { close: [4200] },
      connections: () => h.dialect.stats().connections as number,
      jsonPaths,
    },
    steady: {
      // Incident ops go to every connection (§1): each opened incident is one countable message.
      async publish() {
        const res = await fetch(`${base}/api/incidents`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ title: `fuzz ${opened.length}` }),
        });
        assert.equal(res.status, 201);
        opened.push(((await res.json()) as { id: number }).id);
      },
      async verify() {
        await client.until(() => received().length >= opened.length, 10_000);
        assert.deepEqual(received(), opened, 'every INCIDENT_NEW, in order');
      },
      async close() {
        client.close();
        await client.closed;
      },
    },
    close: () => h.close(),
  };
});

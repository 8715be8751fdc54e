/**
 * Issue 20 item 4: deep JSON on the operator's `POST /api/publish` answered 500 and logged a full
 * stack per request for elstat/nova/spectra/relay channels (the hub path re-encodes `data` with the
 * recursive JSON.stringify), and was stored when it was just shallow enough to encode. Now every
 * body past `server.jsonMaxDepth` is a 400 `json_out_of_bounds` with the reason, for every
 * dialect, and a burst of them is logged once (LogThrottle), not once per request.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { startStreamHub, type StreamHub } from '../../src/server.js';
import { ALL_PORTS_FREE, portOf } from '../helpers/streamhub.js';

const TOKEN = 'publish-bounds-admin-token';
const CHANNELS = ['elstat:status:x', 'nova:550e8400-e29b-41d4-a716-446655440000', 'spectra:ABCD', 'relay:cam1', 'match:deep'];

/**
 * `data` nested `depth` deep, alternating arrays and objects, as JSON text: built by hand, since
 * the test's own JSON.stringify would overflow on it just as the server's did.
 */
function nested(depth: number): string {
  const open: string[] = [];
  const close: string[] = [];
  for (let i = depth - 1; i >= 0; i--) {
    open.push(i % 2 === 0 ? '[' : '{"k":');
    close.push(i % 2 === 0 ? ']' : '}');
  }
  return `${open.join('')}1${close.reverse().join('')}`;
}

describe('POST /api/publish with deeply nested JSON (issue 20 item 4)', () => {
  let server: StreamHub;
  let base: string;
  const lines: { level: number; msg: string; err?: unknown }[] = [];

  before(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const config = parseConfig({ base: { ...ALL_PORTS_FREE, operator: { port: 0, adminToken: TOKEN } } });
    server = await startStreamHub(config, { log: createLogger({ level: 'info', destination }) });
    base = `http://127.0.0.1:${portOf(server, 'operator')}`;
  });

  after(() => server?.close());

  const post = (channel: string, data: string) =>
    fetch(`${base}/api/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: `{"channel":${JSON.stringify(channel)},"data":${data}}`,
    });

  for (const depth of [33, 10_000]) {
    it(`answers 400 json_out_of_bounds to data nested ${depth} deep on every dialect's channel, and stores nothing`, async () => {
      for (const channel of CHANNELS) {
        const res = await post(channel, nested(depth));
        const body = (await res.json()) as { error: string; message: string };
        assert.equal(res.status, 400, `${channel}: ${JSON.stringify(body)}`);
        assert.equal(body.error, 'json_out_of_bounds');
        assert.equal(body.message, 'the body is refused: JSON nested deeper than 32 levels');
        const history = await server.hub.history(channel, { limit: 10 });
        assert.equal(history.messages.length, 0, `${channel}: nothing stored`);
      }
    });
  }

  it('still publishes data within the bounds', async () => {
    const res = await post('relay:cam1', nested(20));
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { offset: number }).offset, 1);
  });

  it('logs a burst of refusals once, not per request, and never a stack', async () => {
    const burst = 40;
    const answers = await Promise.all(Array.from({ length: burst }, (_, i) => post(CHANNELS[i % CHANNELS.length]!, nested(10_000))));
    assert.deepEqual(new Set(answers.map((r) => r.status)), new Set([400]));
    // With the refusals of the tests above: 2 × 5 + 40 in all.
    const refusals = 2 * CHANNELS.length + burst;
    const logged = lines.filter((l) => l.msg.includes('JSON past the bounds'));
    assert.ok(logged.length >= 1 && logged.length < refusals / 4, `${logged.length} log lines for ${refusals} refusals`);
    assert.ok(!lines.some((l) => l.level >= 50), 'no error line (no 500, no stack)');
  });
});

it('takes the bound from server.jsonMaxDepth (env STREAMHUB_JSON_MAX_DEPTH), at least 8', async (t) => {
  assert.throws(() => parseConfig({ base: ALL_PORTS_FREE, env: { STREAMHUB_JSON_MAX_DEPTH: '4' } }), /jsonMaxDepth/);
  const config = parseConfig({ base: { ...ALL_PORTS_FREE, operator: { port: 0, adminToken: TOKEN } }, env: { STREAMHUB_JSON_MAX_DEPTH: '8' } });
  assert.equal(config.server.jsonMaxDepth, 8);
  const server = await startStreamHub(config, { log: createLogger({ level: 'silent' }) });
  t.after(() => server.close());
  const post = (data: string) =>
    fetch(`http://127.0.0.1:${portOf(server, 'operator')}/api/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: `{"channel":"relay:cam1","data":${data}}`,
    });
  // The body object is one level: data 7 deep is 8 in all, data 8 deep is 9.
  assert.equal((await post(nested(7))).status, 200);
  const refused = await post(nested(8));
  assert.equal(refused.status, 400);
  assert.equal(((await refused.json()) as { message: string }).message, 'the body is refused: JSON nested deeper than 8 levels');
});

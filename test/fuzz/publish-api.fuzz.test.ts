/**
 * The operator's `POST /api/publish` (issue 20): its body is JSON from a client like any dialect's
 * frame, so it joins the deep-nesting fuzz. Each dialect's channel gets deep `data` (400
 * `json_out_of_bounds`, nothing stored); afterwards the listener still publishes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { StreamHub } from '../../src/server.js';
import { portOf, startTestHub } from '../helpers/streamhub.js';
import { Rng, caseCount, runSeed } from './gen.js';
import { fuzzDeepJson, type JsonPath } from './properties.js';

const TOKEN = 'fuzz-publish-token';
const CHANNELS = ['match:deep', 'nova:550e8400-e29b-41d4-a716-446655440000', 'relay:cam', 'spectra:DEEP', 'elstat:status:svc'];

describe(`POST /api/publish under deeply nested JSON (FUZZ_SEED=${runSeed()})`, () => {
  const seed = runSeed();
  let server: StreamHub;
  let base = '';
  const post = (body: string) =>
    fetch(`${base}/api/publish`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body });

  before(async () => {
    server = await startTestHub({ operator: { port: 0, adminToken: TOKEN } });
    base = `http://127.0.0.1:${portOf(server, 'operator')}`;
  });

  after(() => server?.close());

  it('refuses deep data on every dialect channel with 400 json_out_of_bounds and stores nothing', async () => {
    const paths: JsonPath[] = CHANNELS.map((channel) => ({
      name: `publish ${channel}`,
      maxBytes: 1024 * 1024,
      message: (deep, rng) => `{"channel":${JSON.stringify(channel)},"data":${rng.bool() ? deep : `{"payload":${deep}}`}${rng.bool() ? ',"encoding":"json"' : ''}}`,
      async expectRefused(message, what) {
        const res = await post(message);
        const body = (await res.json()) as { error: string; message: string };
        assert.equal(res.status, 400, `${what}: ${JSON.stringify(body)}`);
        assert.equal(body.error, 'json_out_of_bounds', what);
        assert.equal((await server.hub.history(channel, { limit: 1 })).messages.length, 0, `${what}: stored`);
      },
    }));
    await fuzzDeepJson(paths, new Rng(seed), Math.max(paths.length * 4, caseCount(40)));
  });

  it('still publishes afterwards', async () => {
    const res = await post('{"channel":"relay:cam","data":{"ok":[1,[2,[3]]]}}');
    assert.equal(res.status, 200);
  });
});

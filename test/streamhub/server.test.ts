/**
 * The streamhub dialect inside a whole StreamHub (the registry's sixth module): its config section
 * and env port, and another dialect's channel read by its hub name — the demo match (`match:demo`)
 * with its MatchInit snapshot first and live frames after it.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseConfig } from '../../src/config/index.js';
import { portOf, startTestHub } from '../helpers/streamhub.js';
import { SECRET, TestClient, token, type Frame } from './setup.js';

it('config: the streamhub section has its defaults and STREAMHUB_PROTOCOL_PORT / STREAMHUB_JWT_SECRET', () => {
  const defaults = parseConfig({ base: {} });
  const section = (defaults as unknown as Record<string, Record<string, unknown>>).streamhub!;
  assert.equal(section.port, 4005);
  assert.equal(section.enabled, true);
  assert.equal((section.auth as Record<string, unknown>).anonymous, false);
  const fromEnv = parseConfig({ base: {}, env: { STREAMHUB_PROTOCOL_PORT: '4105', STREAMHUB_JWT_SECRET: 's3cret' } });
  const s2 = (fromEnv as unknown as Record<string, Record<string, unknown>>).streamhub!;
  assert.equal(s2.port, 4105);
  assert.equal((s2.auth as Record<string, unknown>).hmacSecret, 's3cret');
});

it('reads the demo match as match:demo: MatchInit snapshot first, then live frames', async (t) => {
  const hub = await startTestHub({ server: { demo: true }, match: { demo: { statsbomb: false } }, streamhub: { auth: { hmacSecret: SECRET } } });
  t.after(() => hub.close());
  const url = `ws://127.0.0.1:${portOf(hub, 'streamhub')}/v1/ws`;
  const c = await TestClient.connected(url, await token({ channels: { 'match:*': ['subscribe'] } }));
  t.after(() => c.close());
  const sub = await c.request({ type: 'subscribe', channels: [{ channel: 'match:demo' }] });
  assert.equal(sub.type, 'subscribed');
  let pubs = sub.publications as Frame[];
  if (pubs.length === 0) {
    // The demo had not published yet: its first publication is the MatchInit, live.
    await c.waitFor((f) => f.type === 'pub', 15_000);
    pubs = c.pubs('match:demo');
  }
  assert.equal(pubs[0]!.kind, 'snapshot', 'the MatchInit snapshot comes first');
  assert.equal((pubs[0]!.data as Frame).type, 'match.init', 'match frames are JSON: carried as data');
  const before = c.pubs('match:demo').length;
  await c.raw.until(() => c.pubs('match:demo').length > before, 15_000);
  assert.equal(c.frames.filter((f) => f.type === 'gap').length, 0);
});

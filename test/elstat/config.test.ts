/** The elstat config section: seed and notes defaults, env bindings, service validation. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ConfigError, parseConfig } from '../../src/config/index.js';

it('defaults follow the seed and the notes', () => {
  const c = parseConfig({}).elstat;
  assert.equal(c.port, 4004);
  assert.equal(c.maxFrameBytes, 256);
  assert.equal(c.pingIntervalMs, 20_000);
  assert.equal(c.maxMissedPongs, 2);
  assert.equal(c.replayLastValue, true);
  assert.equal(c.maxChannelsPerConnection, 100);
  assert.equal(c.incidents.token, null);
  assert.deepEqual(c.services, []);
});

it('environment overrides', () => {
  const c = parseConfig({
    env: {
      STREAMHUB_ELSTAT_PORT: '5004',
      STREAMHUB_ELSTAT_INCIDENTS_TOKEN: 'tok',
      STREAMHUB_ELSTAT_PING_INTERVAL_MS: '5000',
      STREAMHUB_ELSTAT_MAX_CHANNELS: '10',
      STREAMHUB_ELSTAT_HISTORY_LENGTH: '50',
      STREAMHUB_ELSTAT_PER_IP_MAX: '3',
    },
  }).elstat;
  assert.deepEqual(
    [c.port, c.incidents.token, c.pingIntervalMs, c.maxChannelsPerConnection, c.historyLength, c.perIpMax],
    [5004, 'tok', 5000, 10, 50, 3],
  );
});

it('services get per-service defaults and are validated by adapter', () => {
  const c = parseConfig({ base: { elstat: { services: [{ name: 'site', adapter: 'http', target: 'https://example.org/' }] } } }).elstat;
  assert.deepEqual(c.services[0], { name: 'site', description: '', adapter: 'http', target: 'https://example.org/', intervalMs: 30_000, timeoutMs: 10_000 });
  const bad = [
    { name: 'a', adapter: 'tcp', target: 'localhost' },
    { name: 'b', adapter: 'http', target: 'localhost:80' },
    { name: 'c', adapter: 'ping', target: 'a b' },
    { name: 'd d', adapter: 'tcp', target: 'localhost:1' },
    { name: 'e', adapter: 'smtp', target: 'localhost:25' },
    { name: 'f', adapter: 'tcp', target: 'localhost:1', intervalMs: 0 },
  ];
  for (const svc of bad) assert.throws(() => parseConfig({ base: { elstat: { services: [svc] } } }), ConfigError, JSON.stringify(svc));
  assert.throws(
    () => parseConfig({ base: { elstat: { services: [{ name: 'x', adapter: 'tcp', target: 'h:1' }, { name: 'x', adapter: 'tcp', target: 'h:2' }] } } }),
    /duplicate service x/,
  );
  const v6 = parseConfig({ base: { elstat: { services: [{ name: 'v6', adapter: 'tcp', target: '[::1]:4004' }] } } }).elstat;
  assert.equal(v6.services[0]!.target, '[::1]:4004');
});

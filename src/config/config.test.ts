import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, configPath, parseConfig } from './index.js';

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('parseConfig', () => {
  it('gives the documented defaults of the seed and the notes', () => {
    const c = parseConfig();
    assert.equal(c.match.port, 4001);
    assert.equal(c.match.perIpMax, 4);
    assert.equal(c.match.totalMax, 5000);
    assert.equal(c.match.ringSize, 1024);
    assert.equal(c.match.replayWindowMs, 60_000);
    assert.equal(c.match.keepaliveMs, 30_000);
    assert.equal(c.match.queue.stallTimeoutMs, 5_000);
    assert.equal(c.operator.port, 4000);
    assert.equal(c.server.redisUrl, null);
  });

  it('is frozen all the way down', () => {
    const c = parseConfig();
    assert.ok(Object.isFrozen(c));
    assert.ok(Object.isFrozen(c.match.queue));
    assert.throws(() => {
      (c.match as { port: number }).port = 1;
    });
  });

  it('honours the seed names as written and the original server names as aliases', () => {
    const c = parseConfig({
      env: { STREAM_ADMIN_TOKEN: 'tok', STREAM_PER_IP_MAX: '7', STREAM_PORT: '4100', STREAM_MAX_CONNS_TOTAL: '9', STREAM_RING_SECONDS: '30' },
    });
    assert.equal(c.match.adminToken, 'tok');
    assert.equal(c.match.perIpMax, 7);
    assert.equal(c.match.port, 4100);
    assert.equal(c.match.totalMax, 9);
    assert.equal(c.match.replayWindowMs, 30_000);
    assert.equal(parseConfig({ env: { STREAM_MAX_CONNS_PER_IP: '11' } }).match.perIpMax, 11);
  });

  it('lets the canonical name win over its alias', () => {
    const c = parseConfig({ env: { STREAM_PER_IP_MAX: '3', STREAM_MAX_CONNS_PER_IP: '100' } });
    assert.equal(c.match.perIpMax, 3);
  });

  it('reads a JSON file from --config or STREAMHUB_CONFIG, with the environment on top', () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamhub-config-'));
    const file = join(dir, 'streamhub.json');
    writeFileSync(file, JSON.stringify({ match: { ringSize: 10, perIpMax: 2 } }));
    assert.equal(configPath(['--config', file], {}), file);
    assert.equal(configPath([`--config=${file}`], {}), file);
    assert.equal(configPath([], { STREAMHUB_CONFIG: file }), file);
    const c = parseConfig({ argv: ['--config', file], env: { STREAM_PER_IP_MAX: '5' } });
    assert.equal(c.match.ringSize, 10);
    assert.equal(c.match.perIpMax, 5);
  });

  it('lists every problem at once', () => {
    const problems = problemsOf(() =>
      parseConfig({
        env: { STREAM_PER_IP_MAX: 'many', STREAMHUB_DEMO: 'perhaps' },
        base: { match: { port: 70000, unknownSetting: 1 }, server: { redisUrl: 'not a url' } },
      }),
    );
    assert.equal(problems.length, 5, problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('STREAM_PER_IP_MAX')));
    assert.ok(problems.some((p) => p.startsWith('STREAMHUB_DEMO')));
    assert.ok(problems.some((p) => p.startsWith('match.port')));
    assert.ok(problems.some((p) => p.includes('unknownSetting')));
    assert.ok(problems.some((p) => p.startsWith('server.redisUrl')));
  });

  it('reports an unreadable or malformed file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamhub-config-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ not json');
    assert.match(problemsOf(() => parseConfig({ argv: ['--config', bad] }))[0]!, /bad\.json/);
    assert.match(problemsOf(() => parseConfig({ argv: ['--config', join(dir, 'missing.json')] }))[0]!, /missing\.json/);
  });
});

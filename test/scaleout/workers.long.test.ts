/**
 * Multi-core mode (issue #8 engine work): `server.workers: 2` forks two workers that share every
 * listener (node:cluster) and share channels through a real Redis. Viewers spread over both
 * workers all receive what one producer publishes; without Redis the mode is refused.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { matchInit, state } from '../match/fixtures.js';
import { eventually } from '../helpers/eventually.js';
import { startRedis } from '../helpers/redis-server.js';
import { connect, type RecordingClient } from '../helpers/ws-client.js';

const ROOT = resolve(import.meta.dirname, '../..');
const TOKEN = 'workers-ingest-token';

function configFile(config: object): string {
  const file = join(mkdtempSync(join(tmpdir(), 'streamhub-workers-')), 'config.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

function spawnMain(file: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--config', file], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return { child, output: () => out, exited: once(child, 'exit') };
}

const ONLY_MATCH = {
  server: { host: '127.0.0.1', demo: false, shutdownDeadlineMs: 1_000, workers: 2 },
  operator: { enabled: false },
  match: { port: 0, perIpMax: 100, ingest: { token: TOKEN } },
  nova: { enabled: false },
  relay: { enabled: false },
  spectra: { enabled: false },
  elstat: { enabled: false },
};

describe('multi-core mode', () => {
  it('refuses workers > 1 without a Redis URL', async () => {
    const run = spawnMain(configFile(ONLY_MATCH));
    const [code] = await run.exited;
    assert.equal(code, 2);
    assert.match(run.output(), /server\.workers: workers > 1 needs server\.redisUrl/);
  });

  it('two workers share the listener and the channels: every viewer gets every message', async (t) => {
    const redis = await startRedis();
    t.after(() => redis.stop());
    const run = spawnMain(configFile(ONLY_MATCH), { STREAMHUB_REDIS_URL: redis.url });
    t.after(async () => {
      if (run.child.exitCode === null) {
        run.child.kill('SIGTERM');
        await run.exited;
      }
    });
    const lines = await eventually(() => {
      const listening = run.output().split('\n').filter((l) => l.includes('StreamHub listening'));
      return listening.length === 2 ? listening : null;
    }, 'both workers listening', 60_000, 100);
    const parsed = lines.map((l) => JSON.parse(l) as { worker: number; pid: number; listeners: { match: { port: number }[] } });
    assert.deepEqual(parsed.map((p) => p.worker).sort(), [0, 1]);
    assert.notEqual(parsed[0]!.pid, parsed[1]!.pid, 'two processes');
    const port = parsed[0]!.listeners.match[0]!.port;
    assert.equal(parsed[1]!.listeners.match[0]!.port, port, 'the workers share one listening port');

    const producer = new WebSocket(`ws://127.0.0.1:${port}/v1/ingest?match_id=multi&token=${TOKEN}`);
    await once(producer, 'open');
    producer.send(JSON.stringify(matchInit('multi')));
    const viewers: RecordingClient[] = [];
    await eventually(async () => {
      try {
        viewers.push(await connect(`ws://127.0.0.1:${port}/v1/match/multi`));
        return true;
      } catch {
        return false; // 404 until the MatchInit has reached Redis
      }
    }, 'the match to exist', 20_000, 50);
    for (let i = 0; i < 7; i++) viewers.push(await connect(`ws://127.0.0.1:${port}/v1/match/multi`));
    for (let t = 100; t <= 2_000; t += 100) producer.send(JSON.stringify(state(t)));
    for (const v of viewers) {
      await v.until((m) => m.some((x) => (x as { t?: number }).t === 2_000), 20_000);
      const times = (v.messages as { type: string; t?: number }[]).filter((m) => m.type === 'state').map((m) => m.t);
      assert.deepEqual(times, Array.from({ length: 20 }, (_, i) => (i + 1) * 100), 'every frame once, in order');
      v.close();
    }
    producer.close();
    run.child.kill('SIGTERM');
    const [code] = await run.exited;
    assert.equal(code, 0, run.output().slice(-2_000));
  });
});

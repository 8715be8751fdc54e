/**
 * Multi-core mode (issue #8 engine work, issue 19): `server.workers: 2` forks two workers that
 * share every listener (node:cluster) and share channels through a real Redis, or, without Redis,
 * through the primary process as their broker. Viewers spread over both workers all receive what
 * one producer publishes; a worker killed with SIGKILL is restarted and the channel's history,
 * kept by the primary, survives it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { DIALECT_MODULES } from '../../src/dialects/index.js';
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
  // Every registered dialect off but match.
  ...Object.fromEntries(DIALECT_MODULES.map((m) => [m.name, { enabled: false }])),
  match: { port: 0, perIpMax: 100, ingest: { token: TOKEN } },
};

interface Run {
  readonly child: ReturnType<typeof spawnMain>['child'];
  output(): string;
  readonly exited: Promise<unknown[]>;
}

/** Both workers' "StreamHub listening" lines, once both are up. */
async function workersListening(run: Run): Promise<{ worker: number; pid: number; port: number }[]> {
  const lines = await eventually(() => {
    const listening = run.output().split('\n').filter((l) => l.includes('StreamHub listening'));
    return listening.length >= 2 ? listening : null;
  }, 'both workers listening', 60_000, 100);
  return lines.map((l) => {
    const p = JSON.parse(l) as { worker: number; pid: number; listeners: { match: { port: number }[] } };
    return { worker: p.worker, pid: p.pid, port: p.listeners.match[0]!.port };
  });
}

/** One producer, eight viewers spread over both workers: each gets all 20 frames once, in order. */
async function everyViewerGetsEveryFrame(port: number, matchId: string): Promise<void> {
  const producer = new WebSocket(`ws://127.0.0.1:${port}/v1/ingest?match_id=${matchId}&token=${TOKEN}`);
  await once(producer, 'open');
  producer.send(JSON.stringify(matchInit(matchId)));
  const viewers: RecordingClient[] = [];
  await eventually(async () => {
    try {
      viewers.push(await connect(`ws://127.0.0.1:${port}/v1/match/${matchId}`));
      return true;
    } catch {
      return false; // 404 until the MatchInit has reached the broker
    }
  }, 'the match to exist', 20_000, 50);
  for (let i = 0; i < 7; i++) viewers.push(await connect(`ws://127.0.0.1:${port}/v1/match/${matchId}`));
  for (let t = 100; t <= 2_000; t += 100) producer.send(JSON.stringify(state(t)));
  for (const v of viewers) {
    await v.until((m) => m.some((x) => (x as { t?: number }).t === 2_000), 20_000);
    const times = (v.messages as { type: string; t?: number }[]).filter((m) => m.type === 'state').map((m) => m.t);
    assert.deepEqual(times, Array.from({ length: 20 }, (_, i) => (i + 1) * 100), 'every frame once, in order');
    v.close();
  }
  producer.close();
}

async function stop(run: Run): Promise<void> {
  if (run.child.exitCode !== null) return;
  run.child.kill('SIGTERM');
  await run.exited;
}

describe('multi-core mode', () => {
  it('without Redis, the primary is the broker: two workers share the listener and the channels', async (t) => {
    const run = spawnMain(configFile(ONLY_MATCH));
    t.after(() => stop(run));
    const workers = await workersListening(run);
    assert.deepEqual(workers.map((w) => w.worker).sort(), [0, 1]);
    assert.notEqual(workers[0]!.pid, workers[1]!.pid, 'two processes');
    assert.equal(workers[1]!.port, workers[0]!.port, 'the workers share one listening port');
    assert.match(run.output(), /primary process is the broker of its workers/);
    assert.ok(run.output().split('\n').filter((l) => l.includes('StreamHub listening')).every((l) => l.includes('"broker":"ipc"')), 'each worker uses the primary as broker');
    await everyViewerGetsEveryFrame(workers[0]!.port, 'embedded');

    // A worker dies: the primary restarts it, and the history it keeps outlives the worker.
    process.kill(workers[0]!.pid, 'SIGKILL');
    await eventually(() => run.output().includes('worker died; restarting') && run.output().split('\n').filter((l) => l.includes('StreamHub listening')).length >= 3, 'the worker restarted', 30_000, 100);
    const late: RecordingClient[] = [];
    for (let i = 0; i < 6; i++) late.push(await connect(`ws://127.0.0.1:${workers[0]!.port}/v1/match/embedded`));
    for (const v of late) {
      // seed 000: a newcomer gets the MatchInit and the replay window: the frames published before the kill.
      await v.until((m) => m.some((x) => (x as { t?: number }).t === 2_000), 20_000);
      const messages = v.messages as { type: string; t?: number }[];
      const init = messages.findIndex((m) => m.type === 'match.init');
      assert.ok(init >= 0 && init < messages.findIndex((m) => m.type === 'state'), 'the MatchInit comes before the frames');
      assert.deepEqual(messages.filter((m) => m.type === 'state').map((m) => m.t), Array.from({ length: 20 }, (_, i) => (i + 1) * 100));
      v.close();
    }
    await stop(run);
    const [code] = await run.exited;
    assert.equal(code, 0, run.output().slice(-2_000));
  });

  it('two workers share the listener and the channels through Redis: every viewer gets every message', async (t) => {
    const redis = await startRedis();
    t.after(() => redis.stop());
    const run = spawnMain(configFile(ONLY_MATCH), { STREAMHUB_REDIS_URL: redis.url });
    t.after(() => stop(run));
    const workers = await workersListening(run);
    assert.deepEqual(workers.map((w) => w.worker).sort(), [0, 1]);
    assert.notEqual(workers[0]!.pid, workers[1]!.pid, 'two processes');
    assert.equal(workers[1]!.port, workers[0]!.port, 'the workers share one listening port');
    await everyViewerGetsEveryFrame(workers[0]!.port, 'multi');
    await stop(run);
    const [code] = await run.exited;
    assert.equal(code, 0, run.output().slice(-2_000));
  });
});

/**
 * Issue 15 item 7, the reconnect storm: 2,000 renderers connect at once to one match on a node
 * limited to 500 new connections per second (burst 500). The renderers run in a process of their
 * own (connection-rate-swarm.ts) and behave as renderers told when to come back: on a refusal
 * they wait the `Retry-After` seconds and try again, then read `hello` and `match.init`. All are
 * eventually admitted, none is cut off, the node keeps serving, and the admissions the node
 * counts per second of its clock never exceed one bucket's burst plus one second of refill: a
 * correctness bound of the limiter, not a speed measurement.
 *
 * The node's clock is a ManualClock (the only thing mocked). It stands still until every
 * renderer's first attempt has been answered, so the storm is "at once" for the node however
 * slowly this shared machine delivers it; then it moves one second per real second, the time the
 * renderers wait between attempts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { it } from 'node:test';
import { parseConfig } from '../../src/config/index.js';
import { ManualClock } from '../../src/core/index.js';
import type { MatchDialect } from '../../src/dialects/match/index.js';
import { silentLogger } from '../../src/log.js';
import { startStreamHub } from '../../src/server.js';
import { ALL_PORTS_FREE, portOf } from '../helpers/streamhub.js';
import { matchInit } from '../match/fixtures.js';
import type { SwarmReport } from './connection-rate-swarm.js';

const RATE = 500;
const BURST = 500;
const CLIENTS = 2_000;
const RETRY_AFTER_MAX = 30;

/** Starts the swarm; its stdout lines come out one by one. */
function startSwarm(url: string, count: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'connection-rate-swarm.ts'), url, String(count)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    async next<T>(): Promise<T> {
      const line = await Promise.race([
        lines.next(),
        exited.then(([code]) => {
          throw new Error(`the swarm ended (${String(code)})`);
        }),
      ]);
      if (line.done) throw new Error('the swarm closed its output');
      return JSON.parse(line.value) as T;
    },
    async end(): Promise<void> {
      child.stdin.end();
      await exited;
    },
  };
}

it('2,000 connects at once against 500/s: all admitted after waiting as told, the rate holds, nothing crashes', { timeout: 150_000 }, async (t) => {
  const clock = new ManualClock(Date.now());
  const config = parseConfig({
    base: {
      ...ALL_PORTS_FREE,
      server: {
        ...ALL_PORTS_FREE.server,
        acceptPerIpMax: 10_000,
        shutdownDrainWindowMs: 0,
        connectionRate: { perSecond: RATE, burst: BURST, retryAfterMaxSeconds: RETRY_AFTER_MAX },
      },
      match: { port: 0, perIpMax: 5_000, totalMax: 5_000 },
      nova: { enabled: false },
      relay: { enabled: false },
      spectra: { enabled: false },
      elstat: { enabled: false },
      streamhub: { enabled: false },
    },
  });
  const hub = await startStreamHub(config, { log: silentLogger, clock });
  t.after(() => hub.close());
  const match = hub.dialects.get('match') as MatchDialect;
  await match.publish('storm', matchInit('storm'));

  const swarm = startSwarm(`ws://127.0.0.1:${portOf(hub, 'match')}/v1/match/storm`, CLIENTS);
  t.after(() => swarm.end());

  // The storm, with the node's clock standing still: one burst is admitted, the rest refused.
  assert.deepEqual(await swarm.next(), { answered: CLIENTS });
  assert.equal(hub.connectionRate.admittedByDialect().match, BURST);
  assert.ok(hub.connectionRate.refusedByDialect().match! >= CLIENTS - BURST);

  const ticking = setInterval(() => clock.advance(1_000), 1_000);
  t.after(() => clearInterval(ticking));
  const report = await swarm.next<SwarmReport>();
  clearInterval(ticking);

  // Every renderer got hello, then the MatchInit, and is still connected.
  assert.equal(report.firstFrames.length, CLIENTS);
  for (const frames of report.firstFrames) assert.deepEqual(frames, ['hello', 'match.init']);
  assert.equal(report.open, CLIENTS);
  assert.equal(match.stats().connections, CLIENTS, 'the node holds every renderer');

  // Every refusal was the specified answer, and its hints spread the returns over the refill.
  assert.ok(report.refusals.length >= CLIENTS - BURST);
  for (const r of report.refusals) {
    assert.equal(r.status, 503);
    assert.deepEqual(JSON.parse(r.body), { error: 'rate_limited' });
    assert.ok(Number(r.retryAfter) >= 1 && Number(r.retryAfter) <= RETRY_AFTER_MAX, `Retry-After ${r.retryAfter}`);
  }
  assert.ok(new Set(report.refusals.map((r) => r.retryAfter)).size >= 3, 'not every refused renderer was told the same second');

  // The rate held, counted by the node at each admission.
  const perSecond = hub.connectionRate.admissionsPerSecond();
  assert.equal(perSecond.reduce((sum, s) => sum + s.admitted, 0), CLIENTS);
  for (const [i, s] of perSecond.entries()) {
    assert.ok(s.admitted <= BURST + RATE, `second ${s.second}: ${s.admitted} admitted`);
    const next = perSecond[i + 1];
    if (next?.second === s.second + 1) assert.ok(s.admitted + next.admitted <= BURST + 2 * RATE, `seconds ${s.second}-${next.second}`);
  }

  // Counted in metrics, exactly as the renderers saw it.
  const operator = `http://127.0.0.1:${portOf(hub, 'operator')}`;
  const metrics = await (await fetch(`${operator}/metrics`)).text();
  const line = /^streamhub_connections_rate_limited_total\{dialect="match"\} (\d+)$/m.exec(metrics);
  assert.equal(Number(line?.[1]), report.refusals.length, 'streamhub_connections_rate_limited_total{dialect="match"}');
  // The node still serves.
  assert.equal((await fetch(`${operator}/healthz`)).status, 200);
});

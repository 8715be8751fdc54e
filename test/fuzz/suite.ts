/**
 * One fuzz suite, the same for every dialect: a well-behaved client stays connected while each
 * property runs its seeded cases; afterwards the server is still up, the steady client saw every
 * message in order, and the heap is back near its baseline.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Rng, caseCount, runSeed } from './gen.js';
import { fuzzChurn, fuzzDeepJson, fuzzFlood, fuzzFrames, fuzzHalfOpen, fuzzSlowloris, fuzzUpgrades, settledHeap, type FuzzTarget, type Steady } from './properties.js';
import { rawHttp, upgradeRequest } from './raw.js';
import { eventually } from '../helpers/eventually.js';

/** The handshake deadline the fuzz servers run with (slowloris cases wait for it). */
export const FUZZ_HANDSHAKE_MS = 1_000;

/** Heap growth tolerated after the run (a few MiB of JIT code, caches and V8 slack, not per-case state). */
const HEAP_TOLERANCE = 24 * 1024 * 1024;

export interface FuzzSubject {
  readonly target: FuzzTarget;
  readonly steady: Steady;
  close(): Promise<void>;
}

export interface FuzzSuiteOptions {
  /** False for a dialect that takes no JSON from clients (relay: binary media, seed 002): no deep-JSON property. */
  readonly clientJson?: boolean;
}

export function fuzzSuite(name: string, start: () => Promise<FuzzSubject>, options: FuzzSuiteOptions = {}): void {
  const seed = runSeed();
  const cases = caseCount(40);
  describe(`${name} under hostile input (FUZZ_SEED=${seed} FUZZ_CASES=${cases})`, () => {
    let subject: FuzzSubject;
    let heapBefore = 0;
    let baseline = 0;
    const rng = new Rng(seed);
    const publishing = { stop: false, done: Promise.resolve() };

    before(async () => {
      subject = await start();
      baseline = subject.target.connections();
      // The steady client receives a message every few ms for the whole run.
      publishing.done = (async () => {
        while (!publishing.stop) {
          await subject.steady.publish();
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      heapBefore = await settledHeap();
      process.stdout.write(`# ${name}: FUZZ_SEED=${seed} FUZZ_CASES=${cases}\n`);
    });

    after(async () => {
      publishing.stop = true;
      await publishing.done;
      await subject?.steady.close();
      await subject?.close();
    });

    it('answers malformed upgrades, bad paths and query strings as specified', async () => {
      await fuzzUpgrades(subject.target, rng.fork(), cases * 2);
    });

    it('answers hostile frames (oversized, fragmented, invalid UTF-8, wrong type, RFC violations) as specified', async () => {
      await fuzzFrames(subject.target, rng.fork(), cases * 2);
    });

    it('ignores or answers a flood of client messages without harm', async () => {
      await fuzzFlood(subject.target, rng.fork(), Math.max(200, cases * 25));
    });

    if (options.clientJson !== false) {
      it('refuses JSON nested past the bounds on every JSON path, as each path specifies', async () => {
        const paths = subject.target.jsonPaths ?? [];
        assert.ok(paths.length > 0, `${name} takes JSON from clients but its fuzz target lists no JSON path`);
        await fuzzDeepJson(paths, rng.fork(), Math.max(paths.length * 4, cases));
      });
    }

    it('drops slowloris upgrades at the handshake deadline', async () => {
      await fuzzSlowloris(subject.target, rng.fork(), Math.min(50, Math.max(5, cases / 4)), FUZZ_HANDSHAKE_MS);
    });

    it('forgets half-open peers (sockets reset without a close frame)', async () => {
      await fuzzHalfOpen(subject.target, Math.min(200, Math.max(10, cases)), baseline);
    });

    it('survives connect/disconnect churn', async () => {
      const rate = await fuzzChurn(subject.target, Math.max(100, cases * 5), 25, baseline);
      process.stdout.write(`# ${name}: churn at ${rate} connections/s\n`);
      assert.ok(rate > 0);
    });

    it('stayed up, the steady client got every message in order, and memory returned to its baseline', async () => {
      const health = await rawHttp(subject.target.port, upgradeRequest(subject.target.wsPath));
      assert.equal(health.status, subject.target.pathStatus(subject.target.wsPath), 'still accepting');
      publishing.stop = true;
      await publishing.done;
      await subject.steady.verify();
      await eventually(() => subject.target.connections() === baseline, `no session leaked (${subject.target.connections()} vs ${baseline})`);
      const heapAfter = await settledHeap();
      const grew = heapAfter - heapBefore;
      process.stdout.write(`# ${name}: heap ${(heapBefore / 1048576).toFixed(1)} → ${(heapAfter / 1048576).toFixed(1)} MiB\n`);
      assert.ok(grew < HEAP_TOLERANCE, `heap grew by ${(grew / 1048576).toFixed(1)} MiB`);
    });
  });
}

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PublishGate } from './publish-gate.js';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

const tick = () => new Promise((r) => setImmediate(r));

it('pauses at the count bound and resumes once half have settled, failures included', async () => {
  const calls: string[] = [];
  const gate = new PublishGate({ maxCount: 4, maxBytes: 1 << 20 }, { pause: () => calls.push('pause'), resume: () => calls.push('resume') });
  const publishes = Array.from({ length: 4 }, () => deferred());
  for (const p of publishes) gate.track(10, p.promise);
  assert.deepEqual(calls, ['pause']);
  publishes[0]!.resolve();
  await tick();
  assert.deepEqual(calls, ['pause'], '3 in flight: still over half');
  publishes[1]!.reject(new Error('broker'));
  await tick();
  assert.deepEqual(calls, ['pause', 'resume']);
  assert.equal(gate.inflightCount, 2);
  assert.equal(gate.inflightBytes, 20);
});

it('pauses past the byte bound, and never resumes a closed source', async () => {
  const calls: string[] = [];
  const gate = new PublishGate({ maxCount: 1_000, maxBytes: 100 }, { pause: () => calls.push('pause'), resume: () => calls.push('resume') });
  const big = deferred();
  gate.track(60, deferred().promise);
  assert.deepEqual(calls, []);
  gate.track(60, big.promise);
  assert.deepEqual(calls, ['pause']);
  gate.close();
  big.resolve();
  await tick();
  assert.deepEqual(calls, ['pause']);
});

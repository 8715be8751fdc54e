/**
 * The CI soak (issue #10): the `npm run soak` load for SOAK_MS (default 2 minutes) against a child
 * StreamHub with demos on; zero loss for well-behaved clients and bounded memory. A long test
 * (`*.long.test.ts`): `npm run test:long` and .ci/run run it, `npm test` does not (issue 14).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { judge } from './judge.js';
import { runSoak } from './run-soak.js';

const durationMs = Number(process.env.SOAK_MS ?? 120_000);

it(`mixed load on every dialect for ${durationMs / 1000} s: nothing lost, memory bounded`, { timeout: durationMs + 60_000 }, async () => {
  const report = await runSoak({ durationMs, print: (l) => process.stdout.write(`# ${l}\n`) });
  assert.deepEqual(judge(report), []);
  for (const a of report.accounts) assert.ok(a.steady.every((s) => s.received >= a.sent || a.dialect === 'spectra'), `${a.dialect} fully received`);
});

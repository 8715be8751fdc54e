/**
 * `npm run soak`: StreamHub under mixed load on every dialect for `--duration` (default 30 min),
 * with clients joining and leaving; prints RSS, heap and event-loop lag as it goes and an account
 * of every message at the end. Exits 1 when a well-behaved client lost, duplicated or reordered
 * anything, or memory grew without bound. Flags: `--duration 30m|90s|120000`, `--rate <msg/s>`.
 */
import { parseArgs } from 'node:util';
import { judge } from '../test/soak/judge.js';
import { runSoak } from '../test/soak/run-soak.js';

function duration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`--duration: expected e.g. 30m, 90s or 120000, got ${text}`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

const { values } = parseArgs({ options: { duration: { type: 'string', default: '30m' }, rate: { type: 'string', default: '50' } } });
const report = await runSoak({ durationMs: duration(values.duration), ratePerSecond: Number(values.rate), print: (l) => process.stdout.write(l + '\n') });
const problems = judge(report);
for (const p of problems) process.stdout.write(`soak: FAIL ${p}\n`);
process.stdout.write(problems.length === 0 ? 'soak: PASS\n' : '');
process.exitCode = problems.length === 0 ? 0 : 1;

/**
 * Test launcher: Node 20's `--test` takes no globs, so this collects the `*.test.ts` files under
 * src/ and test/ and runs them with node:test's run(), printing the spec report and the summary
 * line CI reads. Pass paths or substrings to run a subset: `npm test -- match`.
 *
 * Two runs (issue 14: `npm test` within ~4 minutes here):
 * - quick (`npm test`): every `*.test.ts` except the long ones, fuzz suites at their CI case count;
 * - long (`npm run test:long`, `--long`): the `*.long.test.ts` files (the 2-minute soak, the fault
 *   scenarios that run for seconds each) and the fuzz suites again with LONG_FUZZ_CASES cases per property (default 200; FUZZ_CASES wins).
 * .ci/run runs both and fails if either does.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const root = resolve(import.meta.dirname, '..');
const long = process.argv.includes('--long');
const filters = process.argv.slice(2).filter((a) => a !== '--long');
const isLong = (f: string) => f.endsWith('.long.test.ts');
const isFuzz = (f: string) => f.endsWith('.fuzz.test.ts');
const files = ['src', 'test']
  .flatMap((dir) => readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).map((f) => join(root, dir, f)))
  .filter((f) => f.endsWith('.test.ts') && !f.includes('node_modules'))
  .filter((f) => (long ? isLong(f) || isFuzz(f) : !isLong(f)))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

if (long) process.env.FUZZ_CASES ??= process.env.LONG_FUZZ_CASES ?? '200'; // the test files inherit the environment
const concurrency = Number(process.env.TEST_CONCURRENCY ?? 2);
// A file's deadline: 3 minutes in the quick run; the long run's files are long by design.
const timeout = long ? 30 * 60_000 : 180_000;
const stream = run({ files, concurrency, timeout, execArgv: ['--import', 'tsx'] } as Parameters<typeof run>[0]);
let failed = 0;
let passed = 0;
let skipped = 0;
stream.on('test:fail', (e) => {
  if (e.details?.type !== 'suite' && e.nesting >= 0) failed += 1;
});
stream.on('test:pass', (e) => {
  if (e.details?.type === 'suite') return;
  if (e.skip || e.todo) skipped += 1;
  else passed += 1;
});
stream.compose(new spec()).pipe(process.stdout);
stream.on('end', () => {
  process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  process.exitCode = failed > 0 ? 1 : 0;
});

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
 *
 * Each test file runs as plain JavaScript: scripts/build-tests.ts first compiles the TypeScript
 * into a mirror of the tree (`.test-build/<pid>/`, removed at the end), because starting tsx's
 * loader in each of ~130 test processes cost about a third of the quick run's CPU.
 * TEST_LOADER=tsx runs the `.ts` files through tsx instead (`node --import tsx <file>`).
 * TEST_CONCURRENCY: how many test files run at once (default 2).
 */
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { buildTests, type TestBuild } from '../scripts/build-tests.js';

/** `args` without the flags that load tsx (`--import tsx`, `--import=tsx`). */
function withoutTsx(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--import' && args[i + 1] === 'tsx') i += 1;
    else if (args[i] !== '--import=tsx') out.push(args[i]!);
  }
  return out;
}

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

const loader = process.env.TEST_LOADER ?? 'build';
if (loader !== 'build' && loader !== 'tsx') throw new Error(`TEST_LOADER must be build or tsx, not '${loader}'`);
let build: TestBuild | undefined;
if (loader === 'build' && files.length > 0) {
  build = await buildTests(root);
  // Said first: a test that imports such a file fails with a link error that does not say why.
  for (const problem of build.problems) process.stderr.write(`build-tests: ${problem}\n`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      build?.remove();
      process.kill(process.pid, signal);
    });
  }
}
const compiled = (f: string) => join(build!.dir, relative(root, f)).replace(/\.ts$/, '.js');
// Node 20's run() starts each test file with this process's own execArgv (it takes no option for
// them), and this process runs under `--import tsx`: the compiled files are started without it.
const ownArgs = withoutTsx(process.execArgv);
process.execArgv.splice(0, process.execArgv.length, ...ownArgs, ...(build ? ['--enable-source-maps'] : ['--import', 'tsx']));
const stream = run({ files: build ? files.map(compiled) : files, concurrency, timeout });
let failed = 0;
let passed = 0;
let skipped = 0;
stream.on('test:fail', (e) => {
  // A failing `todo` test is a known gap, not a failure (node:test's own exit code ignores it too).
  if (e.todo) skipped += 1;
  else if (e.details?.type !== 'suite' && e.nesting >= 0) failed += 1;
});
stream.on('test:pass', (e) => {
  if (e.details?.type === 'suite') return;
  if (e.skip || e.todo) skipped += 1;
  else passed += 1;
});
stream.compose(new spec()).pipe(process.stdout);
stream.on('end', () => {
  build?.remove();
  process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  process.exitCode = failed > 0 ? 1 : 0;
});

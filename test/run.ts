/**
 * Test launcher: Node 20's `--test` takes no globs, so this collects every `*.test.ts` under
 * src/ and test/ and runs them with node:test's run(), printing the spec report and the
 * summary line CI reads. Pass paths or substrings to run a subset: `npm test -- match`.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const root = resolve(import.meta.dirname, '..');
const filters = process.argv.slice(2);
const files = ['src', 'test']
  .flatMap((dir) => readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).map((f) => join(root, dir, f)))
  .filter((f) => f.endsWith('.test.ts') && !f.includes('node_modules'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

const concurrency = Number(process.env.TEST_CONCURRENCY ?? 2);
const stream = run({ files, concurrency, timeout: 180_000, execArgv: ['--import', 'tsx'] } as Parameters<typeof run>[0]);
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

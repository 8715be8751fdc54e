/**
 * `npm run fuzz`: the fuzz suites (test/fuzz) with many more cases than CI runs, and one seed
 * printed for reproduction. Flags: `--cases <n>` (default 1000), `--seed <n>` (default: random).
 * `--only <dialect>` runs one suite. Reproduce a run with the printed line (same seed, same cases).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { cases: { type: 'string', default: '1000' }, seed: { type: 'string' }, only: { type: 'string' } },
});
const cases = Number(values.cases);
if (!Number.isInteger(cases) || cases < 1) throw new Error(`--cases must be a positive integer, got ${values.cases}`);
const seed = values.seed ?? String((Date.now() ^ (process.pid << 16)) >>> 0);
const root = resolve(import.meta.dirname, '..');
const files = readdirSync(join(root, 'test/fuzz'))
  .filter((f) => f.endsWith('.fuzz.test.ts') && (!values.only || f.startsWith(values.only)))
  .map((f) => join('test/fuzz', f));

process.stdout.write(`fuzz: FUZZ_SEED=${seed} FUZZ_CASES=${cases} (reproduce: node --import tsx scripts/fuzz.ts --seed ${seed} --cases ${cases}${values.only ? ` --only ${values.only}` : ''})\n`);
// node --test directly, not test/run.ts: its 180 s per-file timeout is for CI-sized runs.
const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=7200000', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, FUZZ_SEED: seed, FUZZ_CASES: String(cases) },
});
process.stdout.write(`fuzz: done with FUZZ_SEED=${seed} FUZZ_CASES=${cases}, exit ${run.status}\n`);
process.exitCode = run.status ?? 1;

/**
 * Compiles the project's TypeScript to plain JavaScript in a mirror of the working tree, so that
 * test/run.ts starts each test file with `node` alone instead of `node --import tsx` (issue 14:
 * `npm test` within ~4 minutes here; tsx's loader cost ~0.4 s of CPU at the start of each of the
 * ~130 test files, a third of the quick run's CPU).
 *
 * The mirror is `.test-build/<pid>/` under the project root (gitignored), one per run, because
 * several people may run tests in one working tree at once and a shared build would be rewritten
 * under a running test. A run removes its own at the end, and at its start any whose process no
 * longer exists (a run that was killed). In the mirror:
 * - each folder that holds TypeScript is a real folder; every `.ts` file (not `.d.ts`) has its
 *   compiled `.js` beside it (esbuild's transform, the one tsx runs, with the root tsconfig.json
 *   as tsx uses it, and an inline source map so that stack traces name the `.ts` file and line);
 * - every other entry is a symlink to the original: the `.ts` sources themselves, assets next to
 *   the sources (status-page.html, the Lua scripts, fixtures) and whole folders without TypeScript
 *   (data/, docs/, bin/, node_modules/…). So a test that reads a source by path, finds a fixture
 *   from `import.meta.dirname`, writes a screenshot into docs/, or spawns `node --import tsx
 *   src/main.ts` with the mirror as its working directory behaves as in the tree itself (Node
 *   follows the symlink to the real file, so such a child runs the real sources through tsx).
 *
 * A source that does not compile (an edit half done) gets a `.js` that throws esbuild's message,
 * and is listed in `problems`: only the tests that import it fail, as under tsx.
 *
 * Alone, `node --import tsx scripts/build-tests.ts` builds `.test-build/manual/` (kept until the
 * next such build) and prints its path; `node --enable-source-maps
 * .test-build/manual/test/match/spec.test.js` then runs one compiled file.
 */
import { mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

export const BUILD_DIR = '.test-build';
/** Top-level entries never mirrored: git's data and the mirrors themselves. */
const SKIPPED = new Set(['.git', BUILD_DIR]);
/** Folders linked whole wherever they are, never searched for TypeScript. */
const LINKED = new Set(['node_modules']);

export const PROJECT_ROOT = resolve(import.meta.dirname, '..');

export interface TestBuild {
  /** The mirror's root: the compiled form of `<root>/x/y.ts` is `<dir>/x/y.js`. */
  readonly dir: string;
  /** One line per source that does not compile: its path and esbuild's message. */
  readonly problems: readonly string[];
  /** Removes the mirror. */
  remove(): void;
}

const isSource = (name: string) => name.endsWith('.ts') && !name.endsWith('.d.ts');

/** esbuild as tsx depends on it: tsx is one of our dependencies, esbuild is not a direct one. */
function loadEsbuild(): typeof import('esbuild') {
  const fromTsx = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'));
  return fromTsx('esbuild') as typeof import('esbuild');
}

/** Removes the mirrors named by the id of a process that no longer exists. */
function removeStale(base: string): void {
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(name);
    if (!/^\d+$/.test(name) || pid === process.pid) continue;
    try {
      process.kill(pid, 0); // throws ESRCH if there is no such process
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(base, name), { recursive: true, force: true });
    }
  }
}

/** The TypeScript sources under `dir`, outside node_modules and the skipped top-level entries. */
function findSources(root: string, dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if ((dir === root && SKIPPED.has(entry.name)) || LINKED.has(entry.name)) continue;
    if (entry.isDirectory()) findSources(root, path, out);
    else if (entry.isFile() && isSource(entry.name)) out.push(path);
  }
  return out;
}

/** Lays out `dir` as the mirror of `from`: real folders where `mirrored` says so, symlinks for the rest. */
function mirror(root: string, from: string, to: string, mirrored: ReadonlySet<string>): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const path = join(from, entry.name);
    if (from === root && SKIPPED.has(entry.name)) continue;
    if (entry.isDirectory() && mirrored.has(path)) mirror(root, path, join(to, entry.name), mirrored);
    else symlinkSync(path, join(to, entry.name));
  }
}

/** Builds the mirror `.test-build/<name>/` (by default named by this process's id) anew. */
export async function buildTests(root: string = PROJECT_ROOT, name: string = String(process.pid)): Promise<TestBuild> {
  const base = join(root, BUILD_DIR);
  removeStale(base);
  const dir = join(base, name);
  rmSync(dir, { recursive: true, force: true });
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const problems: string[] = [];
  try {
    const sources = findSources(root, root, []);
    const mirrored = new Set<string>();
    for (const file of sources) for (let d = dirname(file); d !== root && !mirrored.has(d); d = dirname(d)) mirrored.add(d);
    mirror(root, root, dir, mirrored);
    const esbuild = loadEsbuild();
    const tsconfigRaw = await readFile(join(root, 'tsconfig.json'), 'utf8');
    await Promise.all(
      sources.map(async (file) => {
        let code: string;
        try {
          const source = await readFile(file, 'utf8');
          const options = { loader: 'ts', format: 'esm', platform: 'node', target: 'node20', sourcemap: 'inline', sourcesContent: false, sourcefile: file, tsconfigRaw } as const;
          ({ code } = await esbuild.transform(source, options));
        } catch (err) {
          const problem = `${relative(root, file)} does not compile: ${(err as Error).message}`;
          problems.push(problem);
          code = `throw new Error(${JSON.stringify(problem)});\n`;
        }
        await writeFile(join(dir, relative(root, file)).replace(/\.ts$/, '.js'), code);
      }),
    );
  } catch (err) {
    remove();
    throw err;
  }
  return { dir, problems, remove };
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  const build = await buildTests(PROJECT_ROOT, 'manual');
  for (const problem of build.problems) process.stderr.write(`build-tests: ${problem}\n`);
  process.stdout.write(`${build.dir}\n`);
}

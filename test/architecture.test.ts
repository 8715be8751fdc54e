/**
 * The dependency rule (DESIGN.md "Dependency rule", STYLE.md §10), read from the import lines:
 * core imports nothing outside core; a dialect never imports another; brokers and producers stay
 * out of dialects; HTTP plumbing lives in net/ (issue 16 step 4), which no dialect, admin or
 * cluster code owns; each third-party package stays in its folder.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { it } from 'node:test';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');
const files = readdirSync(src, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')) // colocated unit tests may use the memory broker as their test double
  .map((f) => join(src, f));

interface Import {
  readonly from: string; // file, relative to src
  readonly spec: string;
  readonly target: string | null; // resolved file relative to src, for relative imports
  readonly typeOnly: boolean;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const out: Import[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const m of text.matchAll(re)) {
    const spec = m[3] ?? m[4]!;
    const target = spec.startsWith('.') ? relative(src, resolve(dirname(file), spec)).replace(/\.js$/, '.ts') : null;
    out.push({ from: relative(src, file), spec, target, typeOnly: Boolean(m[2]) });
  }
  return out;
}

const all = files.flatMap(importsOf);
const inDir = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);
const dialectOf = (path: string) => /^dialects\/([^/]+)\//.exec(path)?.[1];
const SHARED_DIALECT_DIRS = new Set(['shared']);

it('core imports nothing outside core, and no third-party package', () => {
  const bad = all.filter((i) => inDir(i.from, 'core') && (i.target ? !inDir(i.target, 'core') : !i.spec.startsWith('node:')));
  assert.deepEqual(bad, []);
});

it('core does no I/O: no node:net, node:http, node:fs in core', () => {
  const bad = all.filter((i) => inDir(i.from, 'core') && /^node:(net|http|https|fs|dgram|child_process)/.test(i.spec));
  assert.deepEqual(bad, []);
});

it('a dialect never imports another dialect', () => {
  const bad = all.filter((i) => {
    const mine = dialectOf(i.from);
    const theirs = i.target ? dialectOf(i.target) : undefined;
    return mine && theirs && mine !== theirs && !SHARED_DIALECT_DIRS.has(theirs) && !SHARED_DIALECT_DIRS.has(mine);
  });
  assert.deepEqual(bad, []);
});

it('dialects and producers do not reach into brokers, admin or server wiring', () => {
  const bad = all.filter(
    (i) =>
      (inDir(i.from, 'dialects') || inDir(i.from, 'producers')) &&
      i.target &&
      ['brokers', 'admin', 'metrics', 'server.ts', 'main.ts'].some((d) => inDir(i.target!, d)),
  );
  assert.deepEqual(bad, []);
});

it('net (HTTP/upgrade plumbing) imports only core, util, errors and node built-ins: no dialect, admin or cluster', () => {
  const allowed = ['net', 'core', 'util', 'errors.ts'];
  const bad = all.filter(
    (i) => inDir(i.from, 'net') && (i.target ? !allowed.some((d) => inDir(i.target!, d)) : !i.spec.startsWith('node:')),
  );
  assert.deepEqual(bad, []);
});

it('admin, cluster and coordination take their HTTP plumbing from net: of dialects, only type-only imports of dialects/types.ts', () => {
  const bad = all.filter(
    (i) =>
      ['admin', 'cluster', 'coordination'].some((d) => inDir(i.from, d)) &&
      i.target &&
      inDir(i.target, 'dialects') &&
      !(i.typeOnly && i.target === 'dialects/types.ts'),
  );
  assert.deepEqual(bad, []);
});

it('broker and coordination are chosen apart (issue 16 step 2): neither imports the other; dialects see the ports, never cluster', () => {
  const engines = ['coordination', 'cluster'];
  const bad = all.filter(
    (i) =>
      i.target &&
      ((inDir(i.from, 'brokers') && engines.some((d) => inDir(i.target!, d))) ||
        (engines.some((d) => inDir(i.from, d)) && inDir(i.target, 'brokers')) ||
        (inDir(i.from, 'dialects') && inDir(i.target, 'cluster'))),
  );
  assert.deepEqual(bad, []);
});

it('dialects/shared is for dialects only: nothing outside src/dialects imports it', () => {
  const bad = all.filter((i) => !inDir(i.from, 'dialects') && i.target && inDir(i.target, 'dialects/shared'));
  assert.deepEqual(bad, []);
});

it('dialects accept WebSockets through acceptWebSocket (dialects/shared/ws-upgrade.ts), so every WsWriter gets the encode-once path', () => {
  const bad = files
    .filter((f) => relative(src, f) !== 'dialects/shared/ws-upgrade.ts')
    .flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((line, i) => ({ file: relative(src, f), line: i + 1, text: line.trim() }))
        .filter((l) => /\.handleUpgrade\([^,()]+,[^,()]+,[^,()]+,/.test(l.text)),
    );
  assert.deepEqual(bad, []);
});

it('producers import only core and type-only dialect specs', () => {
  const bad = all.filter(
    (i) =>
      inDir(i.from, 'producers') &&
      i.target &&
      !inDir(i.target, 'producers') &&
      !inDir(i.target, 'core') &&
      !(i.typeOnly && inDir(i.target, 'dialects')),
  );
  assert.deepEqual(bad, []);
});

it('each third-party package stays in its folder', () => {
  const homes: Record<string, (from: string) => boolean> = {
    ws: (f) => inDir(f, 'dialects') || inDir(f, 'producers') || inDir(f, 'cli'),
    'socket.io': (f) => inDir(f, 'dialects/spectra'),
    'socket.io-client': (f) => inDir(f, 'producers') || inDir(f, 'cli') || f === 'dialects/spectra/cli.ts', // spectra's CLI target (issue 16 step 1)
    ioredis: (f) => inDir(f, 'brokers') || inDir(f, 'cluster'),
    jose: (f) => inDir(f, 'auth') || inDir(f, 'dialects/nova') || inDir(f, 'dialects/streamhub'),
    pino: (f) => f === 'log.ts',
    'pino-pretty': (f) => f === 'log.ts',
    'prom-client': (f) => inDir(f, 'metrics'),
    // a dialect's config schema lives in its folder (issue 16 step 1); dialects/types.ts names zod's types only
    zod: (f) => inDir(f, 'config') || /^dialects\/[^/]+\/(spec|codec|schema|config)[^/]*\.ts$/.test(f) || inDir(f, 'dialects/spectra'),
  };
  const bad = all.filter((i) => {
    if (i.target || i.spec.startsWith('node:')) return false;
    const pkg = i.spec.startsWith('@') ? i.spec.split('/').slice(0, 2).join('/') : i.spec.split('/')[0]!;
    if (pkg === 'zod' && i.typeOnly && i.from === 'dialects/types.ts') return false;
    const home = homes[pkg];
    return !home || !home(i.from);
  });
  assert.deepEqual(bad, []);
});

/**
 * Issue 14: on a fresh machine `npm test` must pass by itself or stop at once, naming what is
 * missing and the command that installs it. scripts/provision.sh runs here with a PATH made of
 * links to this machine's real tools minus the ones under test, and with installing forbidden
 * (STREAMHUB_PROVISION=check) or impossible (no apt-get on that PATH, or not root): nothing is
 * installed or uninstalled.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT } from './main-process.js';

const TOOLS = ['redis-server', 'chromium', 'ffmpeg', 'ffprobe', 'script'];
const which = (tool: string) => spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A directory holding links to this machine's `tools`: the only directory on the PATH of a run. */
function pathWith(tools: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'provision-path-'));
  dirs.push(dir);
  chmodSync(dir, 0o755); // readable by the unprivileged user of the not-root case
  for (const tool of tools) {
    const real = which(tool);
    assert.ok(real, `${tool} is on this machine (the provisioned test machine has every tool)`);
    symlinkSync(real, join(dir, tool));
  }
  return dir;
}

function provision(path: string, env: Record<string, string> = {}, args: string[] = [], asNobody = false) {
  const script = join(ROOT, 'scripts/provision.sh');
  const [cmd, argv] = asNobody ? [which('setpriv'), ['--reuid=65534', '--regid=65534', '--clear-groups', '/bin/bash', script, ...args]] : ['/bin/bash', [script, ...args]];
  const r = spawnSync(cmd as string, argv as string[], { cwd: ROOT, env: { PATH: path, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const without = (...missing: string[]) => TOOLS.filter((t) => !missing.includes(t));

describe('scripts/provision.sh', () => {
  it('says nothing and exits 0 when every tool is there', () => {
    const r = provision(pathWith(TOOLS), { STREAMHUB_PROVISION: 'check' });
    assert.deepEqual([r.status, r.stdout, r.stderr], [0, '', '']);
  });

  it('names a missing Chromium and the exact apt-get command when installing is forbidden, exit 1', () => {
    const r = provision(pathWith(without('chromium')), { STREAMHUB_PROVISION: 'check' });
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^provision: the tests need chromium, which this machine lacks, and installing is turned off \(STREAMHUB_PROVISION=check\)\./);
    assert.match(r.stderr, /^ {4}apt-get update && apt-get install -y --no-install-recommends chromium$/m);
    assert.equal(r.stderr.match(/^provision:/gm)?.length, 1, 'one message');
  });

  it('maps each tool to its Debian package, once (ffprobe and ffmpeg are both in ffmpeg); --check forbids installing too', () => {
    const r = provision(pathWith(without('ffprobe', 'ffmpeg', 'redis-server')), {}, ['--check']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /the tests need redis-server ffmpeg ffprobe, which this machine lacks, and installing is turned off/);
    assert.match(r.stderr, /apt-get install -y --no-install-recommends redis-server ffmpeg$/m);
  });

  it('as root without apt-get on the PATH, says it cannot install rather than trying', () => {
    if (process.getuid?.() !== 0) return; // the root branch only exists for root
    const r = provision(pathWith(without('ffmpeg')), { STREAMHUB_PROVISION: 'install' });
    assert.equal(r.status, 1);
    assert.doesNotMatch(r.stderr, /installing ffmpeg/);
    assert.match(r.stderr, /the tests need ffmpeg, which this machine lacks, and there is no apt-get here/);
  });

  it('not as root, with apt-get on the PATH, says to install with sudo rather than trying', () => {
    // Run as nobody (util-linux setpriv); needs root to switch users, as CI and this machine are.
    if (process.getuid?.() !== 0 || !which('setpriv')) return;
    const r = provision(pathWith([...without('chromium'), 'apt-get']), { STREAMHUB_PROVISION: 'install' }, [], true);
    assert.equal(r.status, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /installing chromium/);
    assert.match(r.stderr, /and installing needs root\./);
    assert.match(r.stderr, /^ {4}sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium$/m);
  });

  it('skips the check when told to, and refuses an unknown mode (exit 2)', () => {
    const path = pathWith(without('chromium'));
    assert.equal(provision(path, { STREAMHUB_PROVISION: 'skip' }).status, 0);
    const r = provision(path, { STREAMHUB_PROVISION: 'maybe' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /STREAMHUB_PROVISION must be install, check or skip, not 'maybe'/);
  });

  it('stops `npm test` before any test runs when a tool is missing', () => {
    // npm runs the pretest script with this PATH: node, npm and sh are there, Chromium is not.
    const path = pathWith([...without('chromium'), 'node', 'npm', 'sh', 'bash', 'env']);
    const r = spawnSync('npm', ['test', '--', 'matches-no-test-file'], {
      cwd: ROOT,
      env: { PATH: path, HOME: process.env.HOME ?? '/tmp', STREAMHUB_PROVISION: 'check' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /provision: the tests need chromium/);
    assert.doesNotMatch(r.stdout, /passed, \d+ failed/, 'test/run.ts never started');
  });
});

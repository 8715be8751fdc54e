/** The real entry point as a process: configuration errors, start-up, and SIGTERM. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';

const root = resolve(import.meta.dirname, '../..');
const FREE_PORTS = {
  STREAMHUB_HOST: '127.0.0.1',
  STREAMHUB_OPERATOR_PORT: '0',
  STREAMHUB_MATCH_PORT: '0',
  STREAMHUB_NOVA_PORT: '0',
  STREAMHUB_RELAY_PORT: '0',
  STREAMHUB_ELSTAT_PORT: '0',
  STREAMHUB_PROTOCOL_PORT: '0',
  STREAMHUB_DEMO: 'false',
};

function startMain(env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = once(child, 'exit').then(([code]) => code as number);
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('src/main.ts', () => {
  it('refuses to start on invalid configuration, listing every problem, exit code 2', async () => {
    const run = startMain({ ...FREE_PORTS, STREAM_PER_IP_MAX: 'lots', STREAMHUB_MATCH_PORT: '70000' });
    assert.equal(await run.exited, 2);
    assert.match(run.err(), /STREAM_PER_IP_MAX: expected a whole number/);
    assert.match(run.err(), /match\.port/);
  });

  it('starts, logs its listeners, and exits 0 after SIGTERM', async (t) => {
    const run = startMain({ PATH: process.env.PATH ?? '' }, [
      '--config',
      resolve(root, 'test/fixtures/free-ports.json'),
    ]);
    // A failed assertion must not leave the server running (it would hold the file open to its timeout).
    t.after(() => run.child.exitCode === null && run.child.kill('SIGKILL'));
    const started = Date.now();
    while (!run.out().includes('StreamHub listening')) {
      if (run.child.exitCode !== null) assert.fail(`exited early: ${run.err()}`);
      if (Date.now() - started > 20_000) assert.fail('did not start within 20 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    const line = JSON.parse(run.out().split('\n').find((l) => l.includes('StreamHub listening'))!);
    assert.ok(line.listeners.match[0].port > 0);
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);
    assert.match(run.out(), /shutting down/);
  });
});

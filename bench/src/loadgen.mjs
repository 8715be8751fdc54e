/**
 * The C load generator as a child process (pinned to core 1 with the publisher): start it with N
 * connections, wait for `ready`, then drive it with `reset lo hi` / `report` over stdin.
 */
import { join } from 'node:path';
import { BENCH_DIR } from './servers.mjs';
import { spawnPinned, stopChild, waitForLine } from './proc.mjs';

export const LOADGEN_CORE = 1;
export const LOADGEN_BIN = join(BENCH_DIR, 'loadgen', 'loadgen');

export async function startLoadgen({ port, path, conns, mode, srcAddrs, coalesceUs }) {
  const answers = [];
  const child = spawnPinned(
    LOADGEN_CORE,
    LOADGEN_BIN,
    ['--port', String(port), '--path', path, '--conns', String(conns), '--mode', mode, '--src-addrs', String(srcAddrs), '--max-seconds', '7200', '--coalesce-us', String(coalesceUs ?? 0)],
    {
      onLine(line) {
        let value;
        try {
          value = JSON.parse(line);
        } catch {
          return;
        }
        if (value.event === 'reset' || value.event === 'report' || value.event === 'error') answers.shift()?.resolve(value);
      },
    },
  );
  // A loadgen that dies mid-command must not leave the bench waiting for an answer forever.
  child.exited.then(() => {
    for (const pending of answers.splice(0)) pending.reject(new Error(`loadgen exited\n${child.tail.join('\n')}`));
  });
  const ready = await waitForLine(child, (v) => v.event === 'ready', 120_000, `loadgen (${conns} connections)`);
  const ask = (line) =>
    new Promise((resolve, reject) => {
      if (child.exitCode !== null) return reject(new Error(`loadgen exited\n${child.tail.join('\n')}`));
      answers.push({ resolve, reject });
      child.stdin.write(`${line}\n`);
    });
  return {
    ready,
    reset: (lo, hi) => ask(`reset ${lo} ${hi}`),
    report: () => ask('report'),
    async stop() {
      if (child.exitCode === null) child.stdin.end('quit\n');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await child.exited;
      clearTimeout(timer);
      await stopChild(child);
    },
  };
}

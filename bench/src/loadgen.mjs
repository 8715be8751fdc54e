/**
 * The C load generator as a child process (pinned to core 1 with the publisher): start it with N
 * connections, wait for `ready`, then drive it with `reset lo hi` / `report` over stdin.
 */
import { join } from 'node:path';
import { BENCH_DIR } from './servers.mjs';
import { spawnPinned, stopChild, waitForLine } from './proc.mjs';

export const LOADGEN_CORE = 1;
export const LOADGEN_BIN = join(BENCH_DIR, 'loadgen', 'loadgen');

/**
 * @param {object} o
 * @param {number} [o.group]      with a `%d` in `path`: connection i gets channel ⌊i / group⌋ (S2)
 * @param {string[]} [o.extra]    more loadgen flags (S4: --range, --until-each, --max-pending; S5: --sio-emit)
 * @param {(v: object) => void} [o.onEvent]  every other JSON line loadgen prints (S4: `until_each`)
 */
export async function startLoadgen({ port, path, conns, mode, srcAddrs, coalesceUs, group = 1, extra = [], onEvent, waitReady = true }) {
  const answers = [];
  const child = spawnPinned(
    LOADGEN_CORE,
    LOADGEN_BIN,
    [
      ...['--port', String(port), '--path', path, '--conns', String(conns), '--mode', mode, '--src-addrs', String(srcAddrs)],
      ...['--max-seconds', '7200', '--coalesce-us', String(coalesceUs ?? 0), '--group', String(group), ...extra],
    ],
    {
      onLine(line) {
        let value;
        try {
          value = JSON.parse(line);
        } catch {
          return;
        }
        if (value.event === 'reset' || value.event === 'report' || value.event === 'error') answers.shift()?.resolve(value);
        else onEvent?.(value);
      },
    },
  );
  // A loadgen that dies mid-command must not leave the bench waiting for an answer forever.
  child.exited.then(() => {
    for (const pending of answers.splice(0)) pending.reject(new Error(`loadgen exited\n${child.tail.join('\n')}`));
  });
  const ready = waitReady ? await waitForLine(child, (v) => v.event === 'ready', 120_000, `loadgen (${conns} connections)`) : null;
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

/**
 * A redis-server of the bench's own for the Redis scenarios (issue 17): a free loopback port (never
 * 6379), no persistence, pinned to a core; its CPU from /proc/<pid>/stat and its per-command
 * counters from `INFO commandstats`.
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { cpuMs, sleep, spawnPinned, stopChild } from './proc.mjs';

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** redis-server on a free loopback port pinned to `core`; resolves once it accepts connections (at most 5 s). */
export async function startRedis(core) {
  const port = await freePort();
  const child = spawnPinned(core, 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  for (let i = 0; i < 100; i++) {
    if (child.tail.some((l) => /Ready to accept connections/.test(l))) break;
    if (child.exitCode !== null) throw new Error(`redis-server exited:\n${child.tail.join('\n')}`);
    await sleep(50);
  }
  // taskset execs redis-server in place: the child's pid is redis-server's
  return { port, pid: child.pid, url: `redis://127.0.0.1:${port}`, stop: () => stopChild(child, 5_000) };
}

/** One redis-cli command on the bench's Redis (its text reply). */
export const redisCli = (port, ...args) => execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });

/** `INFO commandstats` since the last CONFIG RESETSTAT: { command: { calls, usec } }, lower-case names. */
export function commandStats(port) {
  const out = {};
  for (const m of redisCli(port, 'INFO', 'commandstats').matchAll(/cmdstat_([a-z|_-]+):calls=(\d+),usec=(\d+)/g)) {
    out[m[1]] = { calls: Number(m[2]), usec: Number(m[3]) };
  }
  return out;
}

/** utime + stime of `pid` (and its children) in seconds, from /proc/<pid>/stat. */
export const cpuSeconds = (pid) => {
  const c = cpuMs(pid);
  return (c.user + c.sys) / 1000;
};

/**
 * Per message, what Redis ran (commandStats over `messages`): { command: { callsPerMessage, usPerMessage } },
 * usPerMessage being Redis's own command time (without its network and event-loop work, which /proc's CPU includes).
 */
export function commandsPerMessage(stats, messages) {
  const out = {};
  for (const [cmd, { calls, usec }] of Object.entries(stats)) {
    if (/^(config|info)\b/.test(cmd)) continue; // the bench's own
    out[cmd] = { callsPerMessage: Number((calls / messages).toFixed(3)), usPerMessage: Number((usec / messages).toFixed(2)) };
  }
  return out;
}

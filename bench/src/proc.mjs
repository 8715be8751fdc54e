/**
 * Child processes of the bench: spawn pinned to a core, read JSON lines, stop with a bounded
 * wait, and read RSS from /proc (summed over a process and its descendants, for nginx's workers).
 */
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** Every child the bench started; stopped on exit whatever happens. */
const children = new Set();

/**
 * Spawns `cmd args` pinned to `core` with `taskset -c`. Keeps the last lines of its output for
 * error messages; `onLine` sees every stdout line.
 */
export function spawnPinned(core, cmd, args, { cwd, env, onLine } = {}) {
  const child = spawn('taskset', ['-c', String(core), cmd, ...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  const tail = [];
  // Diagnostics: BENCH_CHILD_LOG=<file> appends every line the children print (e.g. --trace-gc output).
  const logFile = process.env.BENCH_CHILD_LOG;
  const keep = (line) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    if (logFile) appendFileSync(logFile, `${child.pid} ${line}\n`);
  };
  child.lineListeners = new Set();
  if (onLine) child.lineListeners.add(onLine);
  createInterface({ input: child.stdout }).on('line', (line) => {
    keep(line);
    for (const listener of child.lineListeners) listener(line);
  });
  createInterface({ input: child.stderr }).on('line', keep);
  child.on('error', (err) => keep(`spawn error: ${err.message}`));
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.tail = tail;
  children.add(child);
  child.exited.then(() => children.delete(child));
  return child;
}

/** Waits for the first stdout JSON line matching `predicate`, or rejects after `timeoutMs` / on exit. */
export function waitForLine(child, predicate, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`${what}: timed out after ${timeoutMs} ms\n${child.tail.join('\n')}`)), timeoutMs);
    const onLine = (line) => {
      let value;
      try {
        value = JSON.parse(line);
      } catch {
        return;
      }
      if (predicate(value)) done(null, value);
    };
    const onExit = () => done(new Error(`${what}: process exited\n${child.tail.join('\n')}`));
    child.lineListeners.add(onLine);
    child.once('exit', onExit);
    function done(err, value) {
      clearTimeout(timer);
      child.lineListeners.delete(onLine);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(value);
    }
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child is gone. */
export async function stopChild(child, graceMs = 5_000, signal = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

/** Kills every child still running (process exit, Ctrl-C). */
export function killAllChildren() {
  for (const child of children) child.kill('SIGKILL');
}

/** The pid of the program `taskset` exec'd into (taskset replaces itself, so it is the child's pid). */
function descendants(pid) {
  const all = [pid];
  // Bounded: one pass over /proc per level, at most 4 levels (nginx master → worker).
  for (let level = 0, frontier = [pid]; level < 4 && frontier.length > 0; level++) {
    const next = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (frontier.includes(ppid)) next.push(Number(entry));
      } catch {
        // the process ended while we looked
      }
    }
    all.push(...next);
    frontier = next;
  }
  return all;
}

/** Resident set size in bytes of `pid` and its descendants. */
export function rssBytes(pid) {
  let total = 0;
  for (const p of descendants(pid)) {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      const m = /VmRSS:\s+(\d+) kB/.exec(status);
      if (m) total += Number(m[1]) * 1024;
    } catch {
      // gone
    }
  }
  return total;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU time in ms of `pid` and its descendants, from /proc/<pid>/stat: { user, sys }. */
export function cpuMs(pid) {
  let user = 0;
  let sys = 0;
  for (const p of descendants(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      user += Number(fields[11]); // utime (field 14 of stat)
      sys += Number(fields[12]); // stime (field 15)
    } catch {
      // gone
    }
  }
  return { user: user * 10, sys: sys * 10 }; // USER_HZ is 100 on Linux
}

/**
 * Write syscalls made so far by `pid` and its descendants: `syscw` of /proc/<pid>/io, which counts
 * write(2)/writev(2) (and their p-variants) at no cost to the process — the calls a socket server
 * makes through libuv or nginx. sendmsg(2) is not counted there; none of the servers here uses it.
 */
export function writeSyscalls(pid) {
  let total = 0;
  for (const p of descendants(pid)) {
    try {
      const m = /syscw:\s+(\d+)/.exec(readFileSync(`/proc/${p}/io`, 'utf8'));
      if (m) total += Number(m[1]);
    } catch {
      // gone, or not ours to read
    }
  }
  return total;
}

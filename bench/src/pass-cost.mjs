/**
 * `--scenarios=pass-cost` (issue 19, "profile where a pass spends its time besides write()"): the
 * server's user and system CPU per delivery, from /proc/<pid>/stat, at fixed paced rates low
 * enough that nothing batches (one message per write), for StreamHub and the C floor in the same
 * run, runs alternating between servers so that drift of the shared machine hits both alike.
 * Latency is not the figure here: the machine is shared, and CPU per process is what /proc
 * measures whatever the load. Each step also records the server's write syscalls, so "one write
 * per delivery" is checked, not assumed.
 *
 * With `--profile` StreamHub runs under `--cpu-prof` and the report gives the share of samples per
 * function taken inside the steps only (sample timestamps against the steps' CLOCK_MONOTONIC
 * windows), not startup or connection setup.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLoadgen } from './loadgen.mjs';
import { publishPaced, waitDelivered } from './measure.mjs';
import { cpuMs, sleep, writeSyscalls } from './proc.mjs';
import { BENCH_DIR, STARTERS } from './servers.mjs';

const IDLE_MS = 2_000;

/**
 * Nanoseconds on a CPU of every thread of `pid`, from /proc/<pid>/task/<tid>/schedstat (the
 * scheduler's own clock, exact), where /proc/<pid>/stat's user and system times are sampled at each
 * timer tick (± a tick per sample: over a 3 s step at 30 % of a core, several per cent). Threads that
 * ended during the step are missed (node's threads live as long as the process).
 */
function runNs(pid) {
  let total = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // the thread ended
      }
    }
  } catch {
    // the process ended
  }
  return total;
}
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** One configuration: `channels` × `perChannel` subscribers (S1: one channel). */
function configs(opts) {
  return [
    ...opts.subscribers.map((n) => ({ label: `S1 ${n}`, channels: 1, n })),
    ...(opts.passCostS2 ? [{ label: `S2 ${opts.channels}×${opts.perChannel}`, channels: opts.channels, n: opts.channels * opts.perChannel }] : []),
  ];
}

/** Publish rates (messages/s per channel) of a configuration: S2 publishes every rate to every channel. */
const ratesOf = (opts, cfg) => (cfg.channels > 1 ? opts.passCostS2Rates : opts.passCostRates);

let counter = 0;

async function measureOne(server, cfg, opts, windows) {
  const channel = `pc-${server.name}-${cfg.n}-${(counter++).toString(36)}-${Date.now().toString(36)}`;
  const many = cfg.channels > 1;
  const pub = many ? await server.prepareMany(Array.from({ length: cfg.channels }, (_, i) => `${channel}-${i}`)) : await server.prepare(channel);
  let lg;
  const rows = [];
  try {
    await sleep(many ? 1_000 : 300);
    const path = server.subscriberPath(many ? `${channel}-%d` : channel);
    lg = await startLoadgen({ port: server.port, path, conns: cfg.n, group: cfg.n / cfg.channels, mode: server.mode, srcAddrs: opts.srcAddrs, coalesceUs: opts.coalesceUs });
    if (lg.ready.open !== cfg.n) throw new Error(`only ${lg.ready.open} of ${cfg.n} subscribers connected`);
    await sleep(1_000);
    // what the server spends with its subscribers connected and nothing published (timers, sweeps)
    const idle0 = cpuMs(server.pid);
    await sleep(IDLE_MS);
    const idle1 = cpuMs(server.pid);
    const idleCpu = (idle1.user + idle1.sys - idle0.user - idle0.sys) / IDLE_MS;
    const stepMs = opts.stepSeconds * 1000;
    const t0 = performance.now();
    let seq = 1;
    for (const rate of ratesOf(opts, cfg)) {
      const count = Math.max(1, Math.round(rate * opts.stepSeconds));
      const lo = seq;
      seq += count;
      await lg.reset(lo, lo + count);
      const perf = startPerf(server, `${cfg.label.replace(/[^\w]+/g, '-')}-${rate}`);
      const from = nowUs();
      const cpu0 = cpuMs(server.pid);
      const run0 = runNs(server.pid);
      const w0 = writeSyscalls(server.pid);
      const sent = many
        ? await publishPaced({ ...pub, send: (k, t) => pub.sendOne(lo + Math.floor(k / cfg.channels), t, k % cfg.channels) }, 0, count * cfg.channels, stepMs, t0)
        : await publishPaced(pub, lo, count, stepMs, t0);
      const r = await waitDelivered(lg, cfg.n * count);
      const cpu1 = cpuMs(server.pid);
      const ran = runNs(server.pid) - run0;
      const writes = writeSyscalls(server.pid) - w0;
      windows.push([from, nowUs()]);
      await perf?.stop();
      const received = r.received;
      const user = (cpu1.user - cpu0.user) * 1e6; // ns
      const sys = (cpu1.sys - cpu0.sys) * 1e6;
      const row = {
        config: cfg.label,
        server: server.name,
        rate,
        deliveriesPerSecond: Math.round((cfg.n * count) / (sent.ms / 1000)),
        expected: cfg.n * count,
        received,
        lost: cfg.n * count - received,
        writes,
        deliveriesPerWrite: writes > 0 ? received / writes : null,
        userNsPerDelivery: received > 0 ? user / received : null,
        sysNsPerDelivery: received > 0 ? sys / received : null,
        // exact on-CPU time (schedstat) per delivery; user/sys above split it by the tick samples
        cpuNsPerDelivery: received > 0 ? ran / received : null,
        idleCpu,
        p99Ms: r.p99_us / 1000,
      };
      rows.push(row);
    }
  } finally {
    await lg?.stop();
    await pub.close();
  }
  return rows;
}

/**
 * `PASS_COST_PERF=<dir>`: `perf record -g` of the server during each step (kernel and user
 * stacks, every thread), which V8's own profiler cannot give here: under the bench's SCHED_RR its
 * sampling thread shares the server's core and only runs while the main thread sleeps. Run
 * StreamHub with BENCH_SERVER_NODE_ARGS=--perf-basic-prof so JavaScript frames have names.
 */
function startPerf(server, tag) {
  const dir = process.env.PASS_COST_PERF;
  if (!dir) return null;
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${server.name}-${tag}-${Date.now().toString(36)}.data`);
  const child = spawn('perf', ['record', '-F', '1999', '-g', '-p', String(server.pid), '-o', out], { stdio: 'ignore' });
  return {
    async stop() {
      child.kill('SIGINT');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

const median = (xs) => {
  const s = xs.filter((x) => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Self time by function over the samples taken inside `windows` (CLOCK_MONOTONIC µs), as shares. */
export function profileShares(profile, windows, top = 30) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const inWindow = (t) => windows.some(([a, b]) => t >= a && t <= b);
  const self = new Map();
  let t = profile.startTime;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (!inWindow(t)) continue;
    const dt = profile.timeDeltas[i + 1] ?? 0; // the time until the next sample is this one's
    const { functionName, url, lineNumber } = byId.get(profile.samples[i]).callFrame;
    const short = url.replace(/^file:\/\/.*?\/(node_modules|src)\//, '$1/');
    const key = `${functionName || '(anonymous)'} ${short}${url ? `:${lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  }
  return { sampledMs: total / 1000, top: [...self].sort((a, b) => b[1] - a[1]).slice(0, top).map(([fn, us]) => ({ fn, us, share: us / total })) };
}

/** The main thread's profile of process `pid` (node names them CPU.<date>.<time>.<pid>.<thread>.<seq>; tsx's loader is thread 1). */
function mainThreadProfile(dir, pid) {
  const f = readdirSync(dir).find((name) => name.endsWith('.cpuprofile') && name.split('.')[3] === String(pid) && name.split('.')[4] === '0');
  return f ? join(dir, f) : null;
}

export async function measurePassCost({ opts, log }) {
  const names = opts.servers.filter((s) => s === 'streamhub' || s === 'floor');
  const rows = [];
  const profiles = [];
  for (let run = 1; run <= opts.runs; run++) {
    // alternate the order so neither server always goes first
    const order = run % 2 ? names : [...names].reverse();
    for (const name of order) {
      const server = await STARTERS[name]({ size: opts.size, profile: opts.profile && name === 'streamhub' });
      const windows = [];
      try {
        for (const cfg of configs(opts)) {
          const got = await measureOne(server, cfg, opts, windows);
          for (const row of got) {
            row.run = run;
            rows.push(row);
            log(
              `  run ${run} ${name} ${cfg.label} ${row.rate} msg/s: ${row.received}/${row.expected} delivered, ` +
                `user ${row.userNsPerDelivery?.toFixed(0)} ns + sys ${row.sysNsPerDelivery?.toFixed(0)} ns per delivery (schedstat ${row.cpuNsPerDelivery?.toFixed(0)} ns), ` +
                `${row.deliveriesPerWrite?.toFixed(2)} deliveries/write, idle ${(row.idleCpu * 100).toFixed(1)} %`,
            );
          }
        }
      } finally {
        // SIGINT lets node write its --cpu-prof profile on the way out
        await server.stop();
      }
      if (opts.profile && name === 'streamhub') {
        const file = mainThreadProfile(join(BENCH_DIR, 'results', 'prof'), server.pid);
        const deliveries = rows.filter((r) => r.run === run && r.server === name).reduce((a, r) => a + r.received, 0);
        if (file) profiles.push({ run, file, deliveries, windows, ...profileShares(JSON.parse(readFileSync(file, 'utf8')), windows) });
      }
    }
  }
  const summary = [];
  for (const cfg of configs(opts)) {
    for (const rate of ratesOf(opts, cfg)) {
      for (const name of names) {
        const mine = rows.filter((r) => r.config === cfg.label && r.rate === rate && r.server === name);
        summary.push({
          config: cfg.label,
          rate,
          server: name,
          runs: mine.length,
          deliveriesPerSecond: median(mine.map((r) => r.deliveriesPerSecond)),
          userNs: median(mine.map((r) => r.userNsPerDelivery)),
          sysNs: median(mine.map((r) => r.sysNsPerDelivery)),
          cpuNs: median(mine.map((r) => r.cpuNsPerDelivery)),
          // per write(): the same CPU over the writes, which varies less when a busy machine lets a few messages batch
          cpuNsPerWrite: median(mine.map((r) => (r.cpuNsPerDelivery !== null && r.deliveriesPerWrite ? r.cpuNsPerDelivery * r.deliveriesPerWrite : null))),
          deliveriesPerWrite: median(mine.map((r) => r.deliveriesPerWrite)),
          lost: mine.reduce((a, r) => a + r.lost, 0),
        });
      }
    }
  }
  return { rows, summary, profiles };
}

export function renderPassCost(result, command) {
  const f = (x) => (x === null ? '–' : x.toFixed(0));
  const lines = [
    '## Pass cost: server CPU per delivery where nothing batches (issue 19)',
    '',
    `\`${command}\` — medians over runs, /proc/<pid>/stat user and system time ÷ deliveries received.`,
    '',
    'CPU ns per delivery: "on-CPU" from /proc/<pid>/task/*/schedstat (exact), "user"/"sys" from /proc/<pid>/stat (tick-sampled).',
    '',
    '| config | msg/s | deliveries/s | server | on-CPU ns | ÷ floor | user ns | sys ns | deliveries/write | on-CPU ns/write | lost |',
    '| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const s of result.summary) {
    const floor = result.summary.find((x) => x.config === s.config && x.rate === s.rate && x.server === 'floor');
    const ratio = s.cpuNs !== null && floor?.cpuNs ? (s.cpuNs / floor.cpuNs).toFixed(2) : '–';
    lines.push(
      `| ${s.config} | ${s.rate} | ${f(s.deliveriesPerSecond)} | ${s.server} | ${f(s.cpuNs)} | ${ratio} | ${f(s.userNs)} | ${f(s.sysNs)} | ${s.deliveriesPerWrite?.toFixed(2) ?? '–'} | ${f(s.cpuNsPerWrite)} | ${s.lost} |`,
    );
  }
  for (const p of result.profiles) {
    lines.push('', `StreamHub profile, run ${p.run}, ${p.sampledMs.toFixed(0)} ms sampled inside the steps, ${p.deliveries} deliveries (${p.file}):`, '');
    for (const { fn, us, share } of p.top.slice(0, 25)) lines.push(`- ${(share * 100).toFixed(1)} % (${((us * 1000) / p.deliveries).toFixed(0)} ns/delivery) ${fn}`);
  }
  return `${lines.join('\n')}\n`;
}

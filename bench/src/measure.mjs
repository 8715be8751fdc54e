/**
 * The method of issue #8. Fan-out: for one server and N subscribers of one channel, publish at a
 * rate for a fixed time per step, doubling until a step fails, then bisecting; a step passes with
 * zero loss (every subscriber got every message, no gap, no duplicate, no close) and p99
 * publish→receive latency under the bound. Memory: RSS before and after opening idle connections.
 * Every loop is bounded in count and time.
 */
import { startLoadgen } from './loadgen.mjs';
import { readFileSync } from 'node:fs';
import { cpuMs, rssBytes, sleep, writeSyscalls } from './proc.mjs';

export const loadAverage = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

const MAX_DOUBLINGS = 14;
const MAX_HALVINGS = 6;
const DELIVERY_WAIT_MS = 2_000;
const DRAIN_QUIET_MS = 500;
const DRAIN_MAX_MS = 20_000;

let channelCounter = 0;
const channelName = (server, n, tag) => `b-${server.name}-${n}-${tag}-${(channelCounter++).toString(36)}-${Date.now().toString(36)}`;

/** Publishes `count` messages evenly over `ms`; returns the publisher's elapsed time. */
export async function publishPaced(pub, firstSeq, count, ms, matchT0) {
  const started = performance.now();
  const deadline = started + ms * 3 + 5_000;
  let sent = 0;
  while (sent < count && performance.now() < deadline) {
    const now = performance.now();
    const due = Math.min(count, Math.floor(((now - started) / ms) * count) + 1);
    const t = Math.floor(now - matchT0);
    for (; sent < due; sent++) pub.send(firstSeq + sent, t);
    if (sent < count) await sleep(1);
  }
  await pub.flush();
  return { sent, ms: performance.now() - started };
}

export async function waitDelivered(lg, expected) {
  const until = performance.now() + DELIVERY_WAIT_MS;
  let report = await lg.report();
  while (report.received < expected && performance.now() < until) {
    await sleep(50);
    report = await lg.report();
  }
  return report;
}

/** After a failed step: wait until nothing has arrived for DRAIN_QUIET_MS (bounded). */
async function drain(lg) {
  const until = performance.now() + DRAIN_MAX_MS;
  let report = await lg.report();
  while (report.idle_us < DRAIN_QUIET_MS * 1000 && performance.now() < until) {
    await sleep(100);
    report = await lg.report();
  }
  return report.idle_us >= DRAIN_QUIET_MS * 1000;
}

/**
 * `channels` > 1 (S2): n subscribers spread over that many channels (n / channels each, channel
 * `<base>-<i>` for subscribers i·k … i·k + k − 1); every publish goes to every channel.
 * @returns {Promise<object>} { scenario, server, n, channels, run, maxDelivered, best, steps, error? }
 */
export async function measureFanout(server, { n, run, opts, log, channels = 1, scenario = `S1 ${opts.size} B` }) {
  const channel = channelName(server, n, `r${run}`);
  const result = { scenario, server: server.name, n, channels, run, maxDelivered: 0, maxPublishRate: 0, best: null, steps: [], error: null };
  let pub;
  let lg;
  try {
    const many = channels > 1;
    if (many && n % channels !== 0) throw new Error(`${n} subscribers do not split evenly over ${channels} channels`);
    pub = many ? await server.prepareMany(Array.from({ length: channels }, (_, i) => `${channel}-${i}`)) : await server.prepare(channel);
    await sleep(many ? 1_000 : 300); // StreamHub: the MatchInit must be retained before subscribers are accepted
    const subscribed = many ? `${channel}-%d` : channel;
    lg = await startLoadgen({
      port: server.port,
      path: server.subscriberPath(subscribed),
      conns: n,
      group: n / channels,
      mode: server.mode,
      srcAddrs: opts.srcAddrs,
      coalesceUs: opts.coalesceUs,
      // streamhub-protocol: the connect + subscribe frame after the upgrade
      extra: server.loadgenArgs?.(subscribed) ?? [],
    });
    if (lg.ready.open !== n) {
      result.error = `only ${lg.ready.open} of ${n} subscribers connected (${lg.ready.failed} failed)`;
      return result;
    }
    await sleep(500);
    const stepMs = opts.stepSeconds * 1000;
    const matchT0 = performance.now();
    let seq = 1;
    const step = async (rate) => {
      const count = Math.max(1, Math.round(rate * opts.stepSeconds));
      const lo = seq;
      seq += count;
      await lg.reset(lo, lo + count);
      const cpu0 = cpuMs(server.pid);
      const bench0 = process.cpuUsage(); // the publisher shares the load generator's core
      const writes0 = writeSyscalls(server.pid);
      // S2: the channels' publishes are spread evenly over the step (channel c of sequence s at
      // (s·C + c) / (count·C) of it), as independent channels would publish; --s2-burst sends a
      // sequence to every channel at the same instant instead (every publish lands in one flush pass)
      const published =
        channels > 1 && !opts.s2Burst
          ? await publishPaced({ ...pub, send: (k, t) => pub.sendOne(lo + Math.floor(k / channels), t, k % channels) }, 0, count * channels, stepMs, matchT0)
          : await publishPaced(pub, lo, count, stepMs, matchT0);
      if (published.sent !== undefined && channels > 1 && !opts.s2Burst) published.sent = Math.floor(published.sent / channels);
      const r = await waitDelivered(lg, n * count);
      const cpu1 = cpuMs(server.pid);
      const benchUs = process.cpuUsage(bench0);
      // A server that died mid-step reads as 0 from /proc: clamp instead of reporting negative figures.
      const writes = Math.max(0, writeSyscalls(server.pid) - writes0);
      const wallMs = r.wall_us / 1000;
      const serverCpu = Math.max(0, cpu1.user + cpu1.sys - cpu0.user - cpu0.sys) / wallMs;
      const serverSys = Math.max(0, cpu1.sys - cpu0.sys) / wallMs;
      const expected = n * count;
      const reasons = [];
      if (published.sent < count) reasons.push(`publisher sent ${published.sent}/${count}`);
      if (published.ms > stepMs * 1.2 + 250) reasons.push(`publisher late (${Math.round(published.ms)} ms for a ${stepMs} ms step)`);
      if (r.received < expected) reasons.push(`lost ${expected - r.received}`);
      if (r.gaps > 0) reasons.push(`gaps ${r.gaps}`);
      if (r.dups > 0) reasons.push(`dup/reordered ${r.dups}`);
      if (r.open < n) reasons.push(`${n - r.open} closed`);
      if (r.p99_us >= opts.maxP99Ms * 1000) reasons.push(`p99 ${(r.p99_us / 1000).toFixed(1)} ms`);
      const s = {
        publishRate: Math.round(count / opts.stepSeconds),
        targetDelivered: n * Math.round(count / opts.stepSeconds),
        delivered: Math.round(r.received / (published.ms / 1000)),
        // bytes on the wire to the subscribers (frame headers included), per second of the step
        rxBytesPerSecond: Math.round(r.bytes / (published.ms / 1000)),
        expected,
        received: r.received,
        p50Ms: r.p50_us / 1000,
        p99Ms: r.p99_us / 1000,
        maxMs: r.max_us / 1000,
        loadgenCpu: (r.cpu_user_us + r.cpu_sys_us) / r.wall_us,
        // the bench process (publisher, control) on the same core as loadgen, over the same wall time
        benchCpu: (benchUs.user + benchUs.system) / r.wall_us,
        serverCpu,
        serverSys,
        // the server's write(2)/writev(2) calls during the step, and messages delivered per call
        writeSyscalls: writes,
        deliveriesPerWrite: writes > 0 ? r.received / writes : null,
        publisherMs: Math.round(published.ms),
        loadAvg: loadAverage(),
        pass: reasons.length === 0,
        reasons,
      };
      result.steps.push(s);
      log(
        `  ${scenario} ${server.name} n=${n} run=${run} rate=${s.publishRate}/s → ${s.pass ? 'pass' : 'FAIL'} ` +
          `delivered=${s.delivered}/s p50=${s.p50Ms.toFixed(2)}ms p99=${s.p99Ms.toFixed(2)}ms ` +
          `server-cpu=${(serverCpu * 100).toFixed(0)}% (sys ${(serverSys * 100).toFixed(0)}%) loadgen-cpu=${(s.loadgenCpu * 100).toFixed(0)}% bench-cpu=${(s.benchCpu * 100).toFixed(0)}%${s.deliveriesPerWrite ? ` msgs/write=${s.deliveriesPerWrite.toFixed(2)}` : ''}${s.pass ? '' : ` (${reasons.join(', ')})`}`,
      );
      if (s.pass && s.targetDelivered > result.maxDelivered) {
        result.maxDelivered = s.targetDelivered;
        result.maxPublishRate = s.publishRate;
        result.best = s;
      }
      if (!s.pass && !(await drain(lg))) throw new Error('server did not drain its backlog within 20 s');
      return s.pass;
    };
    let rate = opts.startDelivered / n;
    let passRate = 0;
    let failRate = 0;
    // A failure while doubling is tried once more at the same rate before it ends the climb: one
    // noisy step (other work on the machine) must not decide the bracket the bisection searches.
    let retried = false;
    for (let i = 0; i < MAX_DOUBLINGS; i++) {
      if (await step(rate)) {
        passRate = rate;
        rate *= 2;
        retried = false;
      } else if (!retried && passRate > 0) {
        retried = true;
      } else {
        failRate = rate;
        break;
      }
    }
    // The first step failed: halve until one passes (bounded).
    for (let i = 0; i < MAX_HALVINGS && passRate === 0 && failRate > 0; i++) {
      rate = failRate / 2;
      if (await step(rate)) passRate = rate;
      else failRate = rate;
    }
    for (let i = 0; i < opts.bisections && passRate > 0 && failRate > 0; i++) {
      const mid = Math.sqrt(passRate * failRate);
      if (Math.round(mid * opts.stepSeconds) <= Math.round(passRate * opts.stepSeconds)) break;
      if (await step(mid)) passRate = mid;
      else failRate = mid;
    }

  } catch (err) {
    result.error = err.message.split('\n')[0];
    log(`  ${server.name} n=${n} run=${run}: ${result.error}`);
  } finally {
    await lg?.stop();
    await pub?.close();
  }
  return result;
}

/** Idle memory per connection: RSS of the server (and its children) before and after `conns` idle subscribers. */
export async function measureMemory(server, { conns, opts, log }) {
  const channel = channelName(server, conns, 'mem');
  let pub;
  let lg;
  let before = 0;
  try {
    pub = await server.prepare(channel);
    await sleep(1_000);
    before = rssBytes(server.pid);
    lg = await startLoadgen({ port: server.port, path: server.subscriberPath(channel), conns, mode: server.mode, srcAddrs: opts.srcAddrs, coalesceUs: opts.coalesceUs, extra: server.loadgenArgs?.(channel) ?? [] });
    await sleep(3_000); // let per-connection setup (hello, replay, timers) settle
    const after = rssBytes(server.pid);
    const open = (await lg.report()).open;
    const perConnection = open > 0 ? (after - before) / open : 0;
    log(`  ${server.name}: RSS ${(before / 2 ** 20).toFixed(1)} MiB → ${(after / 2 ** 20).toFixed(1)} MiB with ${open} idle connections: ${(perConnection / 1024).toFixed(1)} KiB each`);
    return { server: server.name, conns, open, rssBefore: before, rssAfter: after, perConnection, loadAvg: loadAverage() };
  } catch (err) {
    log(`  ${server.name}: memory measurement failed: ${err.message.split('\n')[0]}`);
    return { server: server.name, conns, open: 0, rssBefore: before, rssAfter: 0, perConnection: 0, error: err.message.split('\n')[0] };
  } finally {
    await lg?.stop();
    await pub?.close();
    await sleep(1_000);
  }
}

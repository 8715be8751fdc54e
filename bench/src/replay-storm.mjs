/**
 * S4 of issue #8: `--s4-clients` (1,000) clients connect at once to a match whose ring is full
 * (1,024 messages, wrapped), and the figure is the time from the first connect() until every
 * client holds the whole ring replay. StreamHub only (the peers have no replay ring). Target: 1 s.
 * loadgen opens every connection at once (`--max-pending` = clients), counts ring messages per
 * connection (`--range`) and prints `until_each` when all of them have `--until-each` messages.
 */
import { startLoadgen } from './loadgen.mjs';
import { cpuMs, sleep, writeSyscalls } from './proc.mjs';
import { loadAverage } from './measure.mjs';

const EXTRA = 76; // messages beyond the ring, so the ring has wrapped (oldest evicted) before anyone joins
const UNTIL_MS = 30_000; // the bound of one measurement

/** @returns {Promise<object>} { scenario, server, clients, ring, run, allMs, readyMs, openMs, … } */
export async function measureReplayStorm(server, { run, opts, log }) {
  const ring = opts.s4Ring;
  const clients = opts.s4Clients;
  const channel = `b-s4-${run}-${Date.now().toString(36)}`;
  const result = { scenario: 'S4', server: server.name, clients, ring, run, allMs: null, readyMs: null, error: null };
  let pub;
  let lg;
  try {
    pub = await server.prepare(channel);
    const total = ring + EXTRA;
    for (let seq = 1; seq <= total; seq++) pub.send(seq, seq); // match time t = seq ms: all inside the 60 s window
    await pub.flush();
    await sleep(1_000); // let the ingest validate and publish every message into the ring
    const cpu0 = cpuMs(server.pid);
    const writes0 = writeSyscalls(server.pid);
    let resolveAll;
    const all = new Promise((resolve) => (resolveAll = resolve));
    const started = performance.now();
    lg = await startLoadgen({
      port: server.port,
      path: server.subscriberPath(channel),
      conns: clients,
      mode: 'ws',
      srcAddrs: opts.srcAddrs,
      coalesceUs: opts.coalesceUs,
      extra: ['--max-pending', String(clients), '--range', String(total - ring + 1), String(total + 1), '--until-each', String(ring)],
      onEvent: (v) => v.event === 'until_each' && resolveAll(v),
    });
    const done = await Promise.race([all, sleep(UNTIL_MS).then(() => null)]);
    const cpu1 = cpuMs(server.pid);
    const report = await lg.report();
    result.readyMs = lg.ready.ms;
    result.open = lg.ready.open;
    result.failed = lg.ready.failed;
    result.allMs = done ? done.ms : null;
    result.wallMs = performance.now() - started;
    result.received = report.received;
    result.expected = clients * ring;
    result.perConnMin = report.per_conn_min;
    result.gaps = report.gaps;
    result.dups = report.dups;
    result.serverCpuMs = cpu1.user + cpu1.sys - cpu0.user - cpu0.sys;
    result.serverSysMs = cpu1.sys - cpu0.sys;
    result.writeSyscalls = writeSyscalls(server.pid) - writes0;
    result.loadAvg = loadAverage();
    result.pass = result.allMs !== null && result.allMs < 1_000 && report.gaps === 0 && report.dups === 0;
    if (!done) result.error = `not every client had its replay within ${UNTIL_MS} ms (slowest: ${report.per_conn_min} of ${ring})`;
    log(
      `  S4 ${server.name} clients=${clients} run=${run}: all replays in ${result.allMs?.toFixed(0) ?? '—'} ms ` +
        `(handshakes done at ${result.readyMs} ms; ${result.open} open, ${result.failed} failed; ${report.received}/${result.expected} ring messages; ` +
        `server CPU ${result.serverCpuMs.toFixed(0)} ms, sys ${result.serverSysMs.toFixed(0)} ms, ${result.writeSyscalls} writes; load ${result.loadAvg})`,
    );
  } catch (err) {
    result.error = err.message.split('\n')[0];
    log(`  S4 ${server.name} run=${run}: ${result.error}`);
  } finally {
    await lg?.stop();
    await pub?.close();
    await sleep(500);
  }
  return result;
}

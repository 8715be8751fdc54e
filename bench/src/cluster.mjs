/**
 * `--scenarios=cluster` (issue 17): N nodes × M shards on loopback, with per-component CPU from
 * /proc/<pid>/stat (each redis-server, each node) from the first publish to the last delivery, and
 * the same layout and rates on Socket.IO 4.8 + `@socket.io/redis-streams-adapter` in the same run.
 * A 2-core machine cannot show scaling, so the scenario prices each component instead, in three
 * phases per system at every rate of `--cluster-rates` (publishes/s over all channels):
 *   base     `--cluster-viewers` viewers on every node, spread evenly over `--cluster-channels`
 *            channels (so every node has viewers of every channel and receives every publish)
 *   viewers  plus `--cluster-extra-viewers` on the last node: its CPU difference ÷ the deliveries
 *            added = node CPU per delivery (d)
 *   readers  (highest rate only) plus `--cluster-readers` plain Redis clients per redis-server reading what a node reads
 *            (SUBSCRIBE to the nodes' topics, or the adapter's XREAD loop): Redis CPU difference ÷
 *            (publishes × readers) = Redis CPU per publish per reading node
 * Producers publish through node 0 only (src/cluster-systems.mjs), so node 0 − another node is the
 * ingest cost. Each channel gets sequences lo…hi per step, spread over the step (channel c of
 * sequence s at (s·C + c)/(count·C) of it, as S2); each viewer's loadgen counts loss, gaps and
 * duplicates/reordering in its channel's sequence (loadgen.c). The model: src/capacity-model.mjs.
 */
import { execFileSync } from 'node:child_process';
import { startLoadgen } from './loadgen.mjs';
import { publishPaced } from './measure.mjs';
import { cpuMs, sleep } from './proc.mjs';
import { loadAvg } from './paced.mjs';
import { adapterInstalled } from './redis-peer.mjs';
import { fitCosts } from './capacity-model.mjs';
import { startAdapterCluster, startStreamHubCluster } from './cluster-systems.mjs';
import { ROOT_DIR } from './servers.mjs';

/** Longest wait after a step's last publish for every viewer to hold every message. */
const DRAIN_MS = 15_000;
/** Longest warm-up: the adapter's XREAD loops start from `$` only once their connection is up. */
const WARMUP_MS = 15_000;
/** Longest wait for newly joined viewers to go quiet (their history replay delivered). */
const SETTLE_MS = 10_000;

const cpuSec = (pid) => {
  const c = cpuMs(pid);
  return (c.user + c.sys) / 1000;
};
const snapshot = (sys) => ({ nodes: sys.nodes.map((n) => cpuSec(n.pid)), redis: sys.redis.map((r) => cpuSec(r.pid)) });
const minus = (a, b) => a.map((x, i) => Math.max(0, x - b[i]));

/** Polls every loadgen until each holds `expected(i)` messages or `ms` passed; returns their reports. */
async function waitAll(viewers, expected, ms) {
  const until = performance.now() + ms;
  for (;;) {
    const reports = [];
    for (const v of viewers) reports.push(await v.lg.report());
    if (reports.every((r, i) => r.received >= expected(i)) || performance.now() > until) return reports;
    await sleep(20);
  }
}

/** What src/brokers looked like when measured (helper D edits it meanwhile): `git diff --stat`. */
function brokersDiffStat() {
  try {
    const stat = execFileSync('git', ['diff', '--stat', 'HEAD', '--', 'src/brokers'], { cwd: ROOT_DIR, encoding: 'utf8' }).trim();
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT_DIR, encoding: 'utf8' }).trim();
    return `HEAD ${head}; ${stat.split('\n').at(-1) || 'src/brokers unchanged'}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

async function measureSystem(what, start, { opts, log }) {
  let sys;
  try {
    sys = await start();
  } catch (err) {
    // one layout that does not start (a port, a crash) must not cost the others' figures
    log(`  ${what} did not start: ${err.message.split('\n')[0]}`);
    return { label: what, error: err.message.split('\n')[0], rows: [] };
  }
  const C = opts.clusterChannels;
  const V = opts.clusterViewers;
  const out = { label: sys.label, system: sys.system, nodes: sys.nodeCount, shards: sys.shardCount, rows: [] };
  const viewers = [];
  let pub = null;
  let readers = null;
  try {
    const base = `cl-${sys.system}-${sys.nodeCount}x${sys.shardCount}-${Date.now().toString(36)}`;
    const channels = Array.from({ length: C }, (_, i) => `${base}-${i}`);
    pub = await sys.openPublisher(channels);
    await sleep(1_000); // StreamHub: every MatchInit retained before viewers are accepted
    const addViewers = async (node, conns) => {
      const lg = await startLoadgen({ port: sys.nodes[node].port, path: sys.subscriberPath(`${base}-%d`), conns, group: conns / C, mode: sys.mode, srcAddrs: opts.srcAddrs, coalesceUs: opts.coalesceUs });
      if (lg.ready.open !== conns) throw new Error(`${sys.label}: only ${lg.ready.open} of ${conns} viewers connected on node ${node}`);
      // a StreamHub viewer joining gets the channel's history first: let that replay end before a
      // step, or its (older, repeated warm-up) sequences land in the step's dup/reorder count
      for (const until = performance.now() + SETTLE_MS; (await lg.report()).idle_us < 500_000 && performance.now() < until; ) await sleep(100);
      viewers.push({ lg, node, conns });
    };
    for (let i = 0; i < sys.nodeCount; i++) await addViewers(i, V); // one at a time: their replays settle in turn
    const matchT0 = performance.now();
    const sendAll = (seq) => {
      for (let c = 0; c < C; c++) pub.sendOne(seq, Math.floor(performance.now() - matchT0), c);
    };
    // warm-up: sequence 1 on every channel (again each second: the adapter's readers may not be up) until every viewer holds it
    for (const v of viewers) await v.lg.reset(1, 2);
    for (const until = performance.now() + WARMUP_MS; ; ) {
      sendAll(1);
      const reports = await waitAll(viewers, (i) => viewers[i].conns, 1_000);
      if (reports.every((r) => r.per_conn_min >= 1)) break;
      if (performance.now() > until) throw new Error(`${sys.label}: warm-up not delivered to every viewer in ${WARMUP_MS} ms`);
    }
    await sleep(500);
    const idle0 = snapshot(sys);
    await sleep(2_000);
    const idle1 = snapshot(sys);
    out.idleCpuPerSecond = { nodes: minus(idle1.nodes, idle0.nodes).map((x) => x / 2), redis: minus(idle1.redis, idle0.redis).map((x) => x / 2) };
    let seq = 2;
    for (const phase of ['base', 'viewers', 'readers']) {
      if (phase === 'viewers') await addViewers(sys.nodeCount - 1, opts.clusterExtraViewers);
      if (phase === 'readers') {
        readers = await sys.extraRedisReaders(opts.clusterReaders);
        await sleep(500);
      }
      // the readers' price per publish needs one rate only: the highest (most publishes, least noise)
      for (const rate of phase === 'readers' ? [Math.max(...opts.clusterRates)] : opts.clusterRates) {
        const count = Math.max(1, Math.round((rate * opts.stepSeconds) / C));
        const lo = seq;
        seq += count;
        for (const v of viewers) await v.lg.reset(lo, lo + count);
        const load = loadAvg();
        const readers0 = readers?.received() ?? 0;
        const cpu0 = snapshot(sys);
        const t0 = performance.now();
        const paced = { send: (k, t) => pub.sendOne(lo + Math.floor(k / C), t, k % C), flush: () => pub.flush() };
        const sent = await publishPaced(paced, 0, count * C, opts.stepSeconds * 1000, matchT0);
        const reports = await waitAll(viewers, (i) => viewers[i].conns * count, DRAIN_MS);
        const wallSeconds = (performance.now() - t0) / 1000;
        const cpu1 = snapshot(sys);
        const publishes = count * C;
        const perNode = (field) => sys.nodes.map((_, n) => viewers.reduce((s, v, i) => s + (v.node === n ? reports[i][field] : 0), 0));
        const expected = viewers.reduce((s, v) => s + v.conns * count, 0);
        const received = reports.reduce((s, r) => s + r.received, 0);
        const row = {
          phase,
          rate,
          publishes,
          sentPerSecond: Math.round(sent.sent / (sent.ms / 1000)),
          wallSeconds: Number(wallSeconds.toFixed(2)),
          publishesPerSecond: Math.round(publishes / wallSeconds),
          deliveriesPerSecond: Math.round(received / wallSeconds),
          nodesCpu: minus(cpu1.nodes, cpu0.nodes),
          redisCpu: minus(cpu1.redis, cpu0.redis),
          deliveriesPerNode: perNode('received'),
          viewersPerNode: sys.nodes.map((_, n) => viewers.reduce((s, v) => s + (v.node === n ? v.conns : 0), 0)),
          expected,
          received,
          lost: expected - received,
          gaps: reports.reduce((s, r) => s + r.gaps, 0),
          dupsOrReordered: reports.reduce((s, r) => s + r.dups, 0),
          closed: reports.reduce((s, r) => s + r.closed, 0),
          p99Ms: Math.max(...reports.map((r) => r.p99_us)) / 1000,
          // per redis-server (the adapter's XREAD readers are capped: src/cluster-systems.mjs)
          readers: readers ? readers.count / sys.redis.length : 0,
          // what the readers got in the step: pub/sub bytes (StreamHub) or stream entries (the adapter)
          readerReceived: readers ? `${readers.received() - readers0} ${readers.unit}` : null,
          loadAvg: load,
        };
        out.rows.push(row);
        const us = (s) => ((s * 1e6) / publishes).toFixed(1);
        log(
          `  ${sys.label}, ${phase}, ${rate}/s: ${row.deliveriesPerSecond} deliveries/s, Redis ${row.redisCpu.map(us).join('+')} µs/publish, ` +
            `nodes ${row.nodesCpu.map(us).join(' / ')} µs/publish, lost ${row.lost}, gaps ${row.gaps}, dup/reord ${row.dupsOrReordered} (load ${load})`,
        );
        await sleep(200);
      }
    }
    out.costs = fitCosts(out);
  } catch (err) {
    out.error = err.message.split('\n')[0];
    log(`  ${sys.label}: ${out.error}`);
  } finally {
    await readers?.close();
    for (const v of viewers) await v.lg.stop();
    await pub?.close();
    await sys.stop();
  }
  return out;
}

/** @returns {Promise<object>} { brokers, loadAvgAtStart, …settings, systems: [{ label, rows, costs, idleCpuPerSecond }] } */
export async function measureCluster({ opts, log }) {
  const out = {
    startedAt: new Date().toISOString(),
    loadAvgAtStart: loadAvg(),
    brokers: brokersDiffStat(),
    payloadBytes: opts.size,
    seconds: opts.stepSeconds,
    channels: opts.clusterChannels,
    viewersPerNode: opts.clusterViewers,
    extraViewers: opts.clusterExtraViewers,
    readers: opts.clusterReaders,
    serverCores: opts.serverCores,
    rates: opts.clusterRates,
    systems: [],
  };
  const peer = await adapterInstalled();
  for (const nodes of opts.clusterNodes) {
    for (const shards of opts.clusterShards) {
      out.systems.push(await measureSystem(`StreamHub ${nodes}×${shards}`, () => startStreamHubCluster({ nodes, shards, size: opts.size, cores: opts.serverCores }), { opts, log }));
    }
    if (peer) out.systems.push(await measureSystem(`Socket.IO + streams adapter ${nodes} nodes`, () => startAdapterCluster({ nodes, size: opts.size, cores: opts.serverCores }), { opts, log }));
  }
  if (!peer) out.peerNote = '@socket.io/redis-streams-adapter is not installed (run `npm ci` in bench/): peer not measured';
  out.loadAvgAtEnd = loadAvg();
  return out;
}

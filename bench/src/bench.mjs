/**
 * `npm run bench`: starts StreamHub and its peers on loopback, measures idle memory per connection
 * and fan-out throughput side by side in one run, prints a Markdown table and writes it (with the
 * raw JSON and JSON lines of every step) to bench/results/. Issue #8.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { argsFromNpm, parseArgs } from './args.mjs';
import { LOADGEN_BIN } from './loadgen.mjs';
import { allDialectsConfig, ALL_DIALECTS_ENV, measureDialectMemory, measureDialects, MEMORY_DIALECTS, startProbeTarget } from './dialects.mjs';
import { measureLoopbackBandwidth } from './bandwidth.mjs';
import { measureFanout, measureMemory } from './measure.mjs';
import { measureReplayStorm } from './replay-storm.mjs';
import { measureRedisPublish, renderRedisPublish } from './redis-publish.mjs';
import { cpuMs, killAllChildren, sleep } from './proc.mjs';
import { basename } from 'node:path';
import { renderMarkdown, resultBase, summarize, writeResults } from './report.mjs';
import { STARTERS, streamhubConfig } from './servers.mjs';
import { measureWorkersHandoff, renderWorkersHandoff } from './workers-handoff.mjs';
import { measureCluster } from './cluster.mjs';
import { renderCluster } from './cluster-report.mjs';
import { measureIdleHeap, renderIdleHeap } from './idle-heap.mjs';
import { measurePassCost, renderPassCost } from './pass-cost.mjs';

const log = (line) => process.stderr.write(`${line}\n`);

/**
 * Every server shares core 0 under the same RT priority: one still busy with an earlier backlog (a
 * failed step it has not finished draining) would take the core from the server being measured.
 * Waits (at most 60 s) until every other server uses < 5 % of a core over 0.5 s; returns the names
 * of those still busy (recorded with the result).
 */
async function othersQuiet(servers, current) {
  const others = servers.filter((s) => s !== current);
  let busy = [];
  for (const until = performance.now() + 60_000; performance.now() < until; ) {
    const before = others.map((s) => cpuMs(s.pid));
    await sleep(500);
    busy = others.filter((s, i) => {
      const now = cpuMs(s.pid);
      return now.user + now.sys - before[i].user - before[i].sys > 25;
    });
    if (busy.length === 0) return [];
    log(`  waiting for ${busy.map((s) => s.name).join(', ')} to go idle before measuring ${current.name} …`);
  }
  return busy.map((s) => s.name);
}

async function measureAlone(servers, server, args) {
  const busy = await othersQuiet(servers, server);
  const result = await measureFanout(server, args);
  if (busy.length > 0) result.othersBusy = busy;
  return result;
}

async function main() {
  const argv = argsFromNpm(process.argv.slice(2), process.env);
  const opts = parseArgs(argv);
  if (!existsSync(LOADGEN_BIN)) throw new Error(`${LOADGEN_BIN} is missing: run bench/setup.sh (npm run bench does)`);
  if (cpus().length < 2) log('warning: fewer than 2 cores; server and load generator will share a core');
  const results = {
    meta: {
      startedAt: new Date().toISOString(),
      command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      kernel: `Linux ${release()}`,
      loadAvgAtStart: readFileSync('/proc/loadavg', 'utf8').trim(),
      scheduling: process.env.BENCH_SCHED_USED ?? 'none',
      openFiles: readFileSync('/proc/self/limits', 'utf8').match(/Max open files\s+(\d+)/)?.[1],
      opts,
      // the bench's own loopback ingest token is still not written into results
      streamhubConfig: JSON.parse(JSON.stringify(streamhubConfig()).replace(/"token":"[^"]*"/, '"token":"(set)"')),
    },
    memory: [],
    dialectMemory: [],
    fanout: [],
    replay: [],
    dialects: [],
  };
  const want = (s) => opts.scenarios.includes(s);
  const servers = [];
  try {
    if ((want('s1') || want('s2')) && !opts.skipBandwidth) {
      log('loopback bandwidth from one sender core (iperf3 -R -P 8) …');
      results.meta.bandwidth = await measureLoopbackBandwidth();
      log(`  ${results.meta.bandwidth.error ?? `${(results.meta.bandwidth.bitsPerSecond / 1e9).toFixed(2)} Gbit/s`}`);
    }
    const names = want('s1') || want('s2') || want('mem') ? [...opts.servers] : [];
    if (want('s4') && !names.includes('streamhub')) names.push('streamhub');
    for (const name of names) {
      log(`starting ${name} …`);
      servers.push(await STARTERS[name]({ size: opts.size, profile: opts.profile }));
    }
    if (!opts.skipMemory && opts.memConnections > 0 && (want('s1') || want('mem'))) {
      log(`idle memory at ${opts.memConnections} connections:`);
      for (const server of servers) results.memory.push(await measureMemory(server, { conns: opts.memConnections, opts, log }));
      if (!opts.skipDialectMemory) {
        // every dialect's idle subscriber (issue 19), next to a bare `ws` server's
        if (!servers.some((s) => s.name === 'ws')) {
          const ws = await STARTERS.ws({ size: opts.size });
          try {
            results.memory.push(await measureMemory(ws, { conns: opts.memConnections, opts, log }));
          } finally {
            await ws.stop();
          }
        }
        log(`idle memory per dialect at ${opts.memConnections} subscribers (a fresh StreamHub with every dialect on, each):`);
        const target = await startProbeTarget();
        try {
          // elstat probes once a second here: its subscribers stay idle between two DATA frames
          const start = () => STARTERS.streamhub({ size: opts.size, config: allDialectsConfig(target.port, 1_000), env: ALL_DIALECTS_ENV });
          for (const d of MEMORY_DIALECTS) results.dialectMemory.push(await measureDialectMemory(start, d, { conns: opts.memConnections, opts, log }));
        } finally {
          await target.close();
        }
      }
    }
    const fanoutServers = servers.filter((s) => opts.servers.includes(s.name));
    for (let run = 1; run <= opts.runs; run++) {
      if (want('s1')) {
        for (const n of opts.subscribers) {
          log(`run ${run}/${opts.runs}, S1 ${opts.size} B, ${n} subscribers:`);
          for (const server of fanoutServers) results.fanout.push(await measureAlone(servers, server, { n, run, opts, log }));
        }
      }
      if (want('s2')) {
        const n = opts.channels * opts.perChannel;
        const scenario = `S2 ${opts.channels}×${opts.perChannel}${opts.s2Burst ? ' burst' : ''}`;
        log(`run ${run}/${opts.runs}, ${scenario} (${n} subscribers):`);
        for (const server of fanoutServers) results.fanout.push(await measureAlone(servers, server, { n, run, opts, log, channels: opts.channels, scenario }));
      }
      // S4 is short: at least 3 measurements even in a 1-run plan, so its median means something
      for (let k = run; want('s4') && k <= (run === opts.runs ? Math.max(opts.runs, 3) : run); k++) {
        log(`S4 #${k}: ${opts.s4Clients} clients join a full ring:`);
        results.replay.push(await measureReplayStorm(servers.find((s) => s.name === 'streamhub'), { run: k, opts, log }));
      }
    }
    if (want('workers')) {
      log(`workers: embedded multi-core hand-off, ${opts.workers} workers vs one process, cores ${opts.serverCores} (issue 19):`);
      results.workersHandoff = await measureWorkersHandoff({ opts, log });
    }
    if (want('pass-cost')) {
      log(`pass-cost: CPU per delivery where nothing batches, ${opts.servers.filter((x) => x === 'streamhub' || x === 'floor').join(' vs ')}, ${opts.runs} alternating runs (issue 19):`);
      results.passCost = await measurePassCost({ opts, log });
    }
    if (want('idle-heap')) {
      log(`idle-heap: heap and RSS per idle subscriber, ${opts.idleConnections} each, ${opts.idleTargets.join(', ')} (issue 19):`);
      results.idleHeap = await measureIdleHeap({ opts, log });
    }
    if (want('redis-publish')) {
      log(`redis-publish: Redis CPU per publish at ${opts.redisRates.join(', ')} publishes/s (issue 17):`);
      results.redisPublish = await measureRedisPublish({ opts, log });
    }
    if (want('cluster')) {
      log(`cluster: ${opts.clusterNodes.join(',')} node(s) × ${opts.clusterShards.join(',')} shard(s) and Socket.IO + streams adapter at ${opts.clusterRates.join(', ')} publishes/s (issue 17):`);
      results.cluster = await measureCluster({ opts, log });
    }
    if (want('s5')) {
      // its own StreamHub: every dialect on, elstat probing a local target every 10 ms
      for (const server of servers.splice(0)) await server.stop().catch((err) => log(`stopping ${server.name}: ${err.message}`));
      const target = await startProbeTarget();
      try {
        log('starting StreamHub with every dialect …');
        servers.push(await STARTERS.streamhub({ size: opts.size, profile: opts.profile, config: allDialectsConfig(target.port), env: ALL_DIALECTS_ENV }));
        for (let run = 1; run <= opts.runs; run++) {
          log(`run ${run}/${opts.runs}, S5: each dialect, ${opts.s5Subscribers} subscribers at ${opts.s5Rate} msg/s:`);
          results.dialects.push(...(await measureDialects(servers[0], { run, opts, log })));
        }
      } finally {
        await target.close();
      }
    }
  } finally {
    for (const server of servers) await server.stop().catch((err) => log(`stopping ${server.name}: ${err.message}`));
  }
  const rows = summarize(results);
  results.summary = rows;
  let markdown = renderMarkdown(results, rows, `${basename(resultBase(results.meta))}.svg`);
  if (results.redisPublish) markdown += `\n${renderRedisPublish(results.redisPublish)}`;
  if (results.cluster) markdown += `\n${renderCluster(results.cluster, results.meta.command ?? 'npm run bench -- --scenarios=cluster')}`;
  if (results.passCost) markdown += `\n${renderPassCost(results.passCost, results.meta.command ?? 'npm run bench -- --scenarios=pass-cost')}`;
  if (results.idleHeap) markdown += `\n${renderIdleHeap(results.idleHeap, results.meta.command ?? 'npm run bench -- --scenarios=idle-heap')}`;
  if (results.workersHandoff) markdown += `\n${renderWorkersHandoff(results.workersHandoff, results.meta.command ?? 'npm run bench -- --scenarios=workers')}`;
  const base = writeResults(results, markdown);
  process.stdout.write(`\n${markdown}\n`);
  log(`results: ${base}.md, ${base}.json, ${base}.jsonl`);
}

process.on('exit', killAllChildren);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAllChildren();
    process.exit(130);
  });
}
main().catch((err) => {
  log(`bench failed: ${err.stack ?? err}`);
  process.exitCode = 1;
});

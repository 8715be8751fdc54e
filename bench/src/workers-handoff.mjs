/**
 * `--scenarios=workers` (issue 19, "every core of one machine"): the cost of embedded multi-core
 * mode's hand-off. The same fixed-rate S1 run (one match, N subscribers) on a single process and on
 * `server.workers: 2` without Redis (the primary is the workers' broker), with CPU read per process
 * from /proc: the primary's, the workers' and the single process's, per published message and per
 * delivery. From these: what one worker adds per message for the hand-off, and the predicted
 * throughput on W cores. On this 2-core machine the server gets one core (`--server-cores`, default
 * 0): the workers share it, so this measures cost, not scaling; on a bigger machine run
 * `npm run bench -- --scenarios=workers --server-cores=0-3 --workers=4`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { startLoadgen } from './loadgen.mjs';
import { publishPaced, waitDelivered } from './measure.mjs';
import { sleep } from './proc.mjs';
import { startStreamHub, streamhubConfig } from './servers.mjs';

/** utime + stime of one process (not its children), in ms. */
function ownCpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // USER_HZ 100
  } catch {
    return 0;
  }
}

/** Direct children of `pid` (the workers of a primary). */
function childrenOf(pid) {
  const out = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // gone
    }
  }
  return out;
}

async function oneSetup({ workers, opts, log }) {
  const config = streamhubConfig();
  config.server = { ...config.server, workers };
  delete config.server.redisUrl;
  const server = await startStreamHub({ size: opts.size, config, cores: opts.serverCores });
  const rows = [];
  let lg;
  try {
    // every worker must be listening before subscribers connect (the first line only says one is)
    const until = Date.now() + 60_000;
    while (workers > 1 && childrenOf(server.pid).length < workers && Date.now() < until) await sleep(100);
    await sleep(workers > 1 ? 3_000 : 300);
    const channel = `handoff-w${workers}-${Date.now().toString(36)}`;
    const pub = await server.prepare(channel);
    await sleep(500);
    const n = opts.workersSubscribers;
    lg = await startLoadgen({ port: server.port, path: server.subscriberPath(channel), conns: n, mode: server.mode, srcAddrs: opts.srcAddrs, coalesceUs: opts.coalesceUs });
    if (lg.ready.open !== n) throw new Error(`only ${lg.ready.open} of ${n} subscribers connected`);
    await sleep(500);
    const t0 = performance.now();
    let seq = 1;
    for (const rate of opts.workersRates) {
      const count = rate * opts.stepSeconds;
      const lo = seq;
      seq += count;
      await lg.reset(lo, lo + count);
      const pids = workers > 1 ? childrenOf(server.pid) : [];
      const primary0 = ownCpuMs(server.pid);
      const workers0 = pids.map(ownCpuMs);
      const published = await publishPaced(pub, lo, count, opts.stepSeconds * 1000, t0);
      const r = await waitDelivered(lg, n * count);
      await sleep(200);
      const primaryMs = ownCpuMs(server.pid) - primary0;
      const workerMs = pids.map((p, i) => ownCpuMs(p) - workers0[i]).reduce((a, b) => a + b, 0);
      const row = {
        workers,
        subscribers: n,
        rate,
        sent: published.sent,
        delivered: r.received,
        lost: n * count - r.received,
        gaps: r.gaps,
        dups: r.dups,
        p99Ms: r.p99_us / 1000,
        // one process: all of it is "primary"; in workers mode the primary is the broker only
        primaryUsPerMessage: (primaryMs * 1000) / count,
        workersUsPerMessage: (workerMs * 1000) / count,
        totalUsPerDelivery: ((primaryMs + workerMs) * 1000) / (n * count),
      };
      rows.push(row);
      log(`  workers=${workers} ${rate}/s: primary ${row.primaryUsPerMessage.toFixed(1)} µs/msg, workers ${row.workersUsPerMessage.toFixed(1)} µs/msg, ${row.totalUsPerDelivery.toFixed(2)} µs/delivery, lost ${row.lost}, p99 ${row.p99Ms.toFixed(1)} ms`);
    }
    pub.close?.();
  } finally {
    await lg?.stop();
    await server.stop();
  }
  return rows;
}

/**
 * @returns {Promise<{ rows: object[], model: object }>} the rows of both setups and, per rate, the
 *   hand-off's cost: (workers' + primary's CPU − the single process's) per message and per worker.
 */
export async function measureWorkersHandoff({ opts, log }) {
  const single = await oneSetup({ workers: 1, opts, log });
  const multi = await oneSetup({ workers: opts.workers, opts, log });
  const model = opts.workersRates.map((rate) => {
    const one = single.find((r) => r.rate === rate);
    const many = multi.find((r) => r.rate === rate);
    if (!one || !many) return { rate, error: 'missing run' };
    const singleUs = one.primaryUsPerMessage;
    const multiUs = many.primaryUsPerMessage + many.workersUsPerMessage;
    return {
      rate,
      singleUsPerMessage: singleUs,
      primaryUsPerMessage: many.primaryUsPerMessage,
      handoffUsPerMessagePerWorker: (multiUs - singleUs) / opts.workers,
      // Throughput on W worker cores plus the primary's: the workers split the deliveries, the
      // primary's broker work per message does not split, so the slower of the two stages bounds it.
      predictedSpeedup: (w) => Math.min(w, singleUs / Math.max(many.primaryUsPerMessage, many.workersUsPerMessage / w)),
    };
  });
  for (const m of model) {
    if (m.error) continue;
    const speedups = [2, 4, 8].map((w) => `${w} cores ×${m.predictedSpeedup(w).toFixed(2)}`).join(', ');
    log(`  ${m.rate}/s: single ${m.singleUsPerMessage.toFixed(1)} µs/msg; primary (broker) ${m.primaryUsPerMessage.toFixed(1)} µs/msg; hand-off +${m.handoffUsPerMessagePerWorker.toFixed(1)} µs/msg per worker; predicted ${speedups}`);
    m.predicted = Object.fromEntries([2, 4, 8].map((w) => [w, Number(m.predictedSpeedup(w).toFixed(2))]));
    delete m.predictedSpeedup;
  }
  return { rows: [...single, ...multi], model };
}

/** The scenario's section of the markdown report. */
export function renderWorkersHandoff(result, command) {
  const rows = result.rows.map((r) => `| ${r.workers} | ${r.rate} | ${r.subscribers} | ${r.primaryUsPerMessage.toFixed(1)} | ${r.workersUsPerMessage.toFixed(1)} | ${r.totalUsPerDelivery.toFixed(2)} | ${r.lost} | ${r.p99Ms.toFixed(1)} |`);
  const model = result.model.filter((m) => !m.error).map((m) => `| ${m.rate} | ${m.singleUsPerMessage.toFixed(1)} | ${m.primaryUsPerMessage.toFixed(1)} | ${m.handoffUsPerMessagePerWorker.toFixed(1)} | ${Object.entries(m.predicted).map(([w, x]) => `${w}: ×${x}`).join(', ')} |`);
  return [
    '## Embedded multi-core mode: the hand-off (issue 19)',
    '',
    `\`${command}\`. CPU from /proc per process; "primary" is the whole server with 1 worker, the broker alone with more.`,
    '',
    '| workers | publishes/s | subscribers | primary µs/msg | workers µs/msg | µs/delivery (all) | lost | p99 ms |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    '| publishes/s | one process µs/msg | broker (primary) µs/msg | hand-off µs/msg per worker | predicted speed-up by worker cores |',
    '| ---: | ---: | ---: | ---: | --- |',
    ...model,
    '',
  ].join('\n');
}

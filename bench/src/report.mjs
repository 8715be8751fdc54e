/**
 * Results: medians over runs, ratios of StreamHub against each peer measured in the same run,
 * a Markdown table (printed and written to bench/results/<date>.md) and the raw JSON beside it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderPlot } from './plot.mjs';
import { BENCH_DIR } from './servers.mjs';

const LABELS = { streamhub: 'StreamHub (match)', nchan: 'nginx + nchan', socketio: 'Socket.IO 4.8 room', ws: 'naive ws loop' };

function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

const fmt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
const ms = (n) => (Number.isFinite(n) ? n.toFixed(2) : '—');
const pct = (n) => (Number.isFinite(n) ? `${Math.round(n * 100)} %` : '—');

/** Per server and N: medians of the best passing step over the runs. */
export function summarize(results) {
  const rows = [];
  const keys = [...new Set(results.fanout.map((r) => `${r.server}|${r.n}`))];
  for (const key of keys) {
    const [server, n] = key.split('|');
    const runs = results.fanout.filter((r) => r.server === server && r.n === Number(n));
    const ok = runs.filter((r) => r.best);
    const loadgenCpuMax = Math.max(0, ...runs.flatMap((r) => r.steps.map((s) => s.loadgenCpu)));
    rows.push({
      server,
      n: Number(n),
      runs: runs.length,
      maxDelivered: median(runs.map((r) => r.maxDelivered)),
      perRun: runs.map((r) => r.maxDelivered),
      p50Ms: median(ok.map((r) => r.best.p50Ms)),
      p99Ms: median(ok.map((r) => r.best.p99Ms)),
      serverCpu: median(ok.map((r) => r.best.serverCpu)),
      serverSys: median(ok.map((r) => r.best.serverSys)),
      deliveriesPerWrite: median(ok.map((r) => r.best.deliveriesPerWrite ?? NaN)),
      loadgenCpuAtBest: median(ok.map((r) => r.best.loadgenCpu)),
      loadgenCpuMax,
      errors: runs.map((r) => r.error).filter(Boolean),
    });
  }
  return rows;
}

export function renderMarkdown(results, rows, plotName) {
  const out = [];
  const m = results.meta;
  out.push(`# StreamHub bench — ${m.startedAt}`, '');
  out.push(`Command: \`${m.command}\``, '');
  out.push(
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB RAM, Node ${m.node}, ${m.kernel}. Server pinned to core 0 (\`taskset -c 0\`), ` +
      `load generator (C, epoll) and publisher on core 1. One channel, ${m.opts.size}-byte JSON messages (a valid match \`event.commentary\`), ` +
      `loopback only. A step passes with zero loss (every subscriber got every message, no gap, no duplicate, no close) ` +
      `and p99 publish→receive < ${m.opts.maxP99Ms} ms; ${m.opts.stepSeconds} s per step, rates doubled from ${fmt(m.opts.startDelivered)} deliveries/s ` +
      `until a step fails, then ${m.opts.bisections} bisection steps. Medians of ${m.opts.runs} run(s).`,
    '',
    `Background load: load average ${m.loadAvgAtStart.split(' ').slice(0, 3).join(' ')} at start, ` +
      `at most ${Math.max(0, ...results.fanout.flatMap((r) => r.steps.map((s) => s.loadAvg))).toFixed(2)} during the steps ` +
      `(a 2-core machine; anything above ~2 means other work competed for the cores). Bench processes scheduled with \`${m.scheduling}\`.`,
    '',
  );
  out.push('## Fan-out: highest delivered messages/s with zero loss and p99 under the bound', '');
  out.push('| server | subscribers | delivered msg/s (median) | per run | p50 / p99 ms at that rate | server CPU (kernel part) | msgs per write syscall | loadgen CPU at that rate (max any step) |');
  out.push('| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    out.push(
      `| ${LABELS[r.server]} | ${fmt(r.n)} | **${fmt(r.maxDelivered)}** | ${r.perRun.map(fmt).join(' / ')} | ${ms(r.p50Ms)} / ${ms(r.p99Ms)} | ${pct(r.serverCpu)} (${pct(r.serverSys)}) | ${Number.isFinite(r.deliveriesPerWrite) ? r.deliveriesPerWrite.toFixed(2) : '—'} | ${pct(r.loadgenCpuAtBest)} (${pct(r.loadgenCpuMax)}) |`,
    );
  }
  out.push('');
  const ns = [...new Set(rows.map((r) => r.n))];
  const peers = [...new Set(rows.map((r) => r.server))].filter((s) => s !== 'streamhub');
  if (rows.some((r) => r.server === 'streamhub') && peers.length > 0) {
    out.push('## StreamHub against each peer (same run)', '');
    out.push(`| subscribers | ${peers.map((p) => `÷ ${LABELS[p]}`).join(' | ')} |`);
    out.push(`| ---: | ${peers.map(() => '---:').join(' | ')} |`);
    for (const n of ns) {
      const sh = rows.find((r) => r.server === 'streamhub' && r.n === n)?.maxDelivered;
      const cells = peers.map((p) => {
        const v = rows.find((r) => r.server === p && r.n === n)?.maxDelivered;
        return sh > 0 && v > 0 ? `${(sh / v).toFixed(2)}×` : '—';
      });
      out.push(`| ${fmt(n)} | ${cells.join(' | ')} |`);
    }
    out.push('');
  }
  if (plotName) out.push(`![p99 latency versus delivered rate](${plotName})`, '');
  if (results.memory.length > 0) {
    out.push(`## Idle memory per connection`, '');
    out.push('| server | connections | RSS before | RSS after | per connection |');
    out.push('| --- | ---: | ---: | ---: | ---: |');
    for (const r of results.memory) {
      out.push(
        `| ${LABELS[r.server]} | ${fmt(r.open)}${r.open !== r.conns ? ` of ${fmt(r.conns)}` : ''} | ${(r.rssBefore / 2 ** 20).toFixed(1)} MiB | ${(r.rssAfter / 2 ** 20).toFixed(1)} MiB | **${(r.perConnection / 1024).toFixed(1)} KiB** |`,
      );
    }
    out.push('');
  }
  const errors = rows.flatMap((r) => r.errors.map((e) => `${LABELS[r.server]} n=${r.n}: ${e}`));
  if (errors.length > 0) out.push('## Errors', '', ...errors.map((e) => `- ${e}`), '');
  out.push('StreamHub settings used by the bench:', '', '```json', JSON.stringify(m.streamhubConfig.match, null, 2), '```', '');
  return out.join('\n');
}

/** `bench/results/<date>[-quick]` (no extension). */
export function resultBase(meta) {
  const stamp = meta.startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  return join(BENCH_DIR, 'results', `${stamp}${meta.opts.quick ? '-quick' : ''}`);
}

export function writeResults(results, markdown) {
  mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
  const base = resultBase(results.meta);
  writeFileSync(`${base}.md`, markdown);
  writeFileSync(`${base}.json`, JSON.stringify(results, null, 2));
  const lines = results.fanout.flatMap((r) => r.steps.map((s) => JSON.stringify({ server: r.server, n: r.n, run: r.run, ...s })));
  writeFileSync(`${base}.jsonl`, lines.join('\n') + '\n');
  writeFileSync(`${base}.svg`, renderPlot(results));
  return base;
}

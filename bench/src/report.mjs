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

/** Results of bench versions before scenarios existed were all S1. */
export const scenarioOf = (r, size) => r.scenario ?? `S1 ${size} B`;

/** Per scenario, server and N: medians of the best passing step over the runs. */
export function summarize(results) {
  const rows = [];
  const size = results.meta.opts.size;
  const keys = [...new Set(results.fanout.map((r) => `${scenarioOf(r, size)}|${r.server}|${r.n}`))];
  for (const key of keys) {
    const [scenario, server, n] = key.split('|');
    const runs = results.fanout.filter((r) => scenarioOf(r, size) === scenario && r.server === server && r.n === Number(n));
    const ok = runs.filter((r) => r.best);
    const loadgenCpuMax = Math.max(0, ...runs.flatMap((r) => r.steps.map((s) => s.loadgenCpu)));
    rows.push({
      scenario,
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
      loadAvgAtBest: median(ok.map((r) => r.best.loadAvg)),
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
      `load generator (C, epoll) and publisher on core 1. S1: one channel; S2: ${m.opts.channels ?? '—'} channels × ${m.opts.perChannel ?? '—'} subscribers. ` +
      `${m.opts.size}-byte JSON messages (a valid match \`event.commentary\`), ` +
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
  out.push('| scenario | server | subscribers | delivered msg/s (median) | per run | p50 / p99 ms at that rate | server CPU (kernel part) | msgs per write syscall | loadgen CPU at that rate (max any step) | load avg at that step |');
  out.push('| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    out.push(
      `| ${r.scenario} | ${LABELS[r.server]} | ${fmt(r.n)} | **${fmt(r.maxDelivered)}** | ${r.perRun.map(fmt).join(' / ')} | ${ms(r.p50Ms)} / ${ms(r.p99Ms)} | ${pct(r.serverCpu)} (${pct(r.serverSys)}) | ${Number.isFinite(r.deliveriesPerWrite) ? r.deliveriesPerWrite.toFixed(2) : '—'} | ${pct(r.loadgenCpuAtBest)} (${pct(r.loadgenCpuMax)}) | ${Number.isFinite(r.loadAvgAtBest) ? r.loadAvgAtBest.toFixed(1) : '—'} |`,
    );
  }
  out.push('');
  const cases = [...new Set(rows.map((r) => `${r.scenario}|${r.n}`))];
  const peers = [...new Set(rows.map((r) => r.server))].filter((s) => s !== 'streamhub');
  if (rows.some((r) => r.server === 'streamhub') && peers.length > 0) {
    out.push('## StreamHub against each peer (same run)', '');
    out.push(`| scenario | subscribers | ${peers.map((p) => `÷ ${LABELS[p]}`).join(' | ')} |`);
    out.push(`| --- | ---: | ${peers.map(() => '---:').join(' | ')} |`);
    for (const c of cases) {
      const [scenario, n] = [c.split('|')[0], Number(c.split('|')[1])];
      const at = (server) => rows.find((r) => r.scenario === scenario && r.server === server && r.n === n)?.maxDelivered;
      const sh = at('streamhub');
      const cells = peers.map((p) => {
        const v = at(p);
        return sh > 0 && v > 0 ? `${(sh / v).toFixed(2)}×` : '—';
      });
      out.push(`| ${scenario} | ${fmt(n)} | ${cells.join(' | ')} |`);
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
  if (results.replay?.length > 0) {
    out.push('## S4: clients joining a match whose ring is full (StreamHub)', '');
    out.push('| run | clients | ring | all replays complete | handshakes done | ring messages received | server CPU (kernel) | server writes | load avg |');
    out.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of results.replay) {
      out.push(
        `| ${r.run} | ${fmt(r.clients)} | ${fmt(r.ring)} | **${r.allMs === null ? `> 30 s${r.error ? ` (${r.error})` : ''}` : `${fmt(r.allMs)} ms`}** | ${fmt(r.readyMs)} ms | ${fmt(r.received)} / ${fmt(r.expected)} | ${fmt(r.serverCpuMs)} ms (${fmt(r.serverSysMs)} ms) | ${fmt(r.writeSyscalls)} | ${r.loadAvg ?? '—'} |`,
      );
    }
    const all = median(results.replay.map((r) => r.allMs ?? Infinity));
    out.push('', `Median: **${Number.isFinite(all) ? `${fmt(all)} ms` : 'not reached'}** (target: within 1 s).`, '');
  }
  if (results.dialects?.length > 0) {
    out.push(`## S5: each dialect on its own path (StreamHub, every dialect on)`, '');
    out.push('| dialect | what | subscribers | publish rate | delivered msg/s (median) | p50 / p99 / max ms (median) | lost / gaps | server CPU | load avg |');
    out.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    const WHAT = {
      match: 'StateFrame (22 players, ~1.7 KB) over `/v1/ingest`',
      nova: '`error` event via the control API (HTTP POST each)',
      relay: '1 KiB binary chunk, one publisher',
      spectra: 'observer `toast` → `match_data` (whole state) to overlays',
      elstat: 'DATA of `status:`/`latency:` after each 10 ms TCP probe',
    };
    for (const d of ['match', 'nova', 'relay', 'spectra', 'elstat']) {
      const rs = results.dialects.filter((r) => r.dialect === d && !r.error);
      const errs = results.dialects.filter((r) => r.dialect === d && r.error);
      if (rs.length === 0) {
        if (errs.length > 0) out.push(`| ${d} | ${WHAT[d]} | — | — | failed: ${errs[0].error} | — | — | — | — |`);
        continue;
      }
      const lost = rs.map((r) => (r.expected ? r.expected - r.received : null));
      out.push(
        `| ${d} | ${WHAT[d]} | ${fmt(rs[0].subscribers)} | ${fmt(median(rs.map((r) => r.publishRate)))}/s | **${fmt(median(rs.map((r) => r.delivered)))}** | ` +
          `${ms(median(rs.map((r) => r.p50Ms)))} / **${ms(median(rs.map((r) => r.p99Ms)))}** / ${ms(median(rs.map((r) => r.maxMs)))} | ` +
          `${lost[0] === null ? '—' : lost.map(fmt).join(', ')} / ${rs[0].gaps === null ? '—' : rs.map((r) => fmt(r.gaps)).join(', ')} | ${pct(median(rs.map((r) => r.serverCpu)))} | ${median(rs.map((r) => r.loadAvg)).toFixed(1)} |`,
      );
    }
    out.push('');
  }
  const errors = rows.flatMap((r) => r.errors.map((e) => `${r.scenario} ${LABELS[r.server]} n=${r.n}: ${e}`));
  if (errors.length > 0) out.push('## Errors', '', ...errors.map((e) => `- ${e}`), '');
  out.push('StreamHub settings used by the bench:', '', '```json', JSON.stringify(m.streamhubConfig.match, null, 2), '```', '');
  return out.join('\n');
}

/** `bench/results/<date>[-quick]` (no extension). */
export function resultBase(meta) {
  const stamp = meta.startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  return join(BENCH_DIR, 'results', `${stamp}${meta.opts.quick ? '-quick' : ''}`);
}

/** `base`: a path without extension (default: resultBase(meta)). */
export function writeResults(results, markdown, base = resultBase(results.meta)) {
  mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
  writeFileSync(`${base}.md`, markdown);
  writeFileSync(`${base}.json`, JSON.stringify(results, null, 2));
  const lines = [
    ...results.fanout.flatMap((r) => r.steps.map((s) => JSON.stringify({ scenario: scenarioOf(r, results.meta.opts.size), server: r.server, n: r.n, run: r.run, ...s }))),
    ...(results.replay ?? []).map((r) => JSON.stringify(r)),
    ...(results.dialects ?? []).map((r) => JSON.stringify({ scenario: 'S5', ...r })),
  ];
  writeFileSync(`${base}.jsonl`, lines.join('\n') + '\n');
  writeFileSync(`${base}.svg`, renderPlot(results));
  return base;
}

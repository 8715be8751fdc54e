/**
 * Results: medians over runs, ratios of StreamHub against each peer measured in the same run,
 * a Markdown table (printed and written to bench/results/<date>.md) and the raw JSON beside it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderPlot } from './plot.mjs';
import { BENCH_DIR, streamhubProtocolConfig } from './servers.mjs';

const LABELS = { streamhub: 'StreamHub (match)', 'streamhub-protocol': 'StreamHub (own protocol)', floor: 'C floor', nchan: 'nginx + nchan', socketio: 'Socket.IO 4.8 room', ws: 'naive ws loop' };

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

/**
 * Which side capped a failing step (issue 19): the load generator when its own CPU (getrusage, user
 * + system over the step's wall time) reached 90 % of its core; else the server when its CPU from
 * /proc reached 90 % (the RT throttle leaves 95 %); else neither (latency or loss with idle time).
 */
export const LOADGEN_CAP = 0.9;
export function limitOf(step) {
  // loadgen shares core 1 with the bench's publisher: the core is full when both together reach the cap
  // runs before the publisher's CPU was recorded: say so rather than call the core idle
  if (step.benchCpu === undefined && step.loadgenCpu >= 0.8) return `loadgen likely (${pct(step.loadgenCpu)}; the publisher's CPU on its core not recorded)`;
  const core1 = step.loadgenCpu + (step.benchCpu ?? 0);
  const lg = `its core ${pct(core1)}: loadgen ${pct(step.loadgenCpu)}, publisher ${pct(step.benchCpu ?? NaN)}`;
  if (core1 >= LOADGEN_CAP && step.serverCpu >= 0.9) return `both: server core (${pct(step.serverCpu)}) and load-generating core (${lg})`;
  if (core1 >= LOADGEN_CAP) return `load-generating core (${lg})`;
  if (step.serverCpu >= 0.9) return `server core (${pct(step.serverCpu)})`;
  return `neither saturated (server ${pct(step.serverCpu)}, loadgen ${pct(step.loadgenCpu)})`;
}

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
    // What stopped the climb: the first failing step above the best passing rate, per run.
    const limits = runs.map((r) => {
      const fail = r.steps.filter((s) => !s.pass && s.targetDelivered > r.maxDelivered).sort((a, b) => a.targetDelivered - b.targetDelivered)[0];
      return fail ? limitOf(fail) : r.error ? 'error' : 'none (top rate)';
    });
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
      rxBytesPerSecond: median(ok.map((r) => r.best.rxBytesPerSecond ?? NaN)),
      limits,
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
  const bw = m.bandwidth;
  const bwBytes = bw?.bytesPerSecond;
  out.push(
    bwBytes
      ? `Loopback bandwidth from one sender core: **${(bw.bitsPerSecond / 1e9).toFixed(1)} Gbit/s = ${(bwBytes / 1e9).toFixed(2)} GB/s** ` +
          `(\`iperf3 -R -P ${bw.streams} -t ${bw.seconds}\`, the sending iperf3 server pinned to core 0 like the servers, the receiving client on core 1` +
          `${bw.senderCpu !== null ? `; sender CPU ${bw.senderCpu.toFixed(0)} %` : ''}). "% of loopback" below is a figure's bytes to the subscribers (frame headers included) ÷ this; ` +
          `above 100 % the fan-out moved more bytes than iperf3 did (iperf3 is one process whose 8 streams share one thread on each side), so iperf3 is then not the machine's byte limit.`
      : `Loopback byte limit: not measured (${bw?.error ?? 'skipped'}).`,
    '',
  );
  out.push('## Fan-out: highest delivered messages/s with zero loss and p99 under the bound', '');
  out.push('| scenario | server | subscribers | delivered msg/s (median) | per run | p50 / p99 ms at that rate | server CPU (kernel part) | msgs per write syscall | loadgen CPU at that rate (max any step) | MB/s to subscribers (% of loopback) | what failed the next step | load avg at that step |');
  out.push('| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |');
  for (const r of rows) {
    out.push(
      `| ${r.scenario} | ${LABELS[r.server]} | ${fmt(r.n)} | **${fmt(r.maxDelivered)}** | ${r.perRun.map(fmt).join(' / ')} | ${ms(r.p50Ms)} / ${ms(r.p99Ms)} | ${pct(r.serverCpu)} (${pct(r.serverSys)}) | ${Number.isFinite(r.deliveriesPerWrite) ? r.deliveriesPerWrite.toFixed(2) : '—'} | ${pct(r.loadgenCpuAtBest)} (${pct(r.loadgenCpuMax)}) | ${fmt(r.rxBytesPerSecond / 1e6)}${bwBytes && Number.isFinite(r.rxBytesPerSecond) ? ` (${pct(r.rxBytesPerSecond / bwBytes)})` : ''} | ${[...new Set(r.limits)].join('; ')} | ${Number.isFinite(r.loadAvgAtBest) ? r.loadAvgAtBest.toFixed(1) : '—'} |`,
    );
  }
  out.push('');
  const capped = rows.filter((r) => r.limits.some((l) => l.startsWith('load') || l.startsWith('both')));
  out.push(
    capped.length > 0
      ? `**The load-generating core was the cap** (loadgen + the bench's publisher beside it ≥ ${pct(LOADGEN_CAP)} of core 1 in the first failing step; "both": the server's core was full too) for: ${capped.map((r) => `${r.scenario} ${LABELS[r.server]} n=${fmt(r.n)}`).join(', ')}; those figures are lower bounds of the server's.`
      : `The load-generating core was not the cap in any row (loadgen + publisher stayed below ${pct(LOADGEN_CAP)} of core 1 in every first failing step).`,
    '',
  );
  if (rows.some((r) => r.server === 'floor')) {
    // Issue 19: every figure also as a ratio to the C floor of the same run.
    out.push('## Against the C floor (same run; ratios: server ÷ floor)', '');
    out.push('| scenario | subscribers | server | delivered msg/s | p50 at its best | p99 at its best | server CPU at its best | msgs per write | bytes/s |');
    out.push('| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    const ratio = (a, b, digits = 2) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(digits)}×` : '—');
    for (const r of rows.filter((x) => x.server !== 'floor')) {
      const f = rows.find((x) => x.server === 'floor' && x.scenario === r.scenario && x.n === r.n);
      if (!f) continue;
      out.push(
        `| ${r.scenario} | ${fmt(r.n)} | ${LABELS[r.server]} | **${ratio(r.maxDelivered, f.maxDelivered)}** | ${ratio(r.p50Ms, f.p50Ms)} | ${ratio(r.p99Ms, f.p99Ms)} | ${ratio(r.serverCpu, f.serverCpu)} | ${ratio(r.deliveriesPerWrite, f.deliveriesPerWrite)} | ${ratio(r.rxBytesPerSecond, f.rxBytesPerSecond)} |`,
      );
    }
    out.push('');
    // p99 at the same rates: the doubling steps are the same for every server (bisection steps are not)
    out.push('p99 publish→receive at the same delivered rates (doubling steps both passed; median over runs), and ÷ the floor\'s:', '');
    const servers = [...new Set(rows.map((r) => r.server))].filter((x) => x !== 'floor');
    out.push(`| scenario | subscribers | deliveries/s | C floor p99 ms | ${servers.map((x) => `${LABELS[x]} p99 ms (÷ floor)`).join(' | ')} |`);
    out.push(`| --- | ---: | ---: | ---: | ${servers.map(() => '---:').join(' | ')} |`);
    const key = (r) => `${scenarioOf(r, m.opts.size)}|${r.n}`;
    for (const c of [...new Set(results.fanout.filter((r) => r.server === 'floor').map(key))]) {
      const p99At = (server, rate) =>
        median(results.fanout.filter((r) => r.server === server && key(r) === c).flatMap((r) => r.steps.filter((s) => s.pass && s.targetDelivered === rate).map((s) => s.p99Ms)));
      const rates = [...new Set(results.fanout.filter((r) => r.server === 'floor' && key(r) === c).flatMap((r) => r.steps.filter((s) => s.pass).map((s) => s.targetDelivered)))].sort((a, b) => a - b);
      for (const rate of rates) {
        const fp = p99At('floor', rate);
        const cells = servers.map((x) => {
          const v = p99At(x, rate);
          return Number.isFinite(v) ? `${ms(v)} (${ratio(v, fp)})` : '—';
        });
        if (cells.every((x) => x === '—')) continue;
        out.push(`| ${c.split('|')[0]} | ${fmt(Number(c.split('|')[1]))} | ${fmt(rate)} | ${ms(fp)} | ${cells.join(' | ')} |`);
      }
    }
    out.push('');
  }
  const cases = [...new Set(rows.map((r) => `${r.scenario}|${r.n}`))];
  // one row per StreamHub entry (the match dialect; its own protocol, issue 18) and case
  const ours = ['streamhub', 'streamhub-protocol'].filter((s) => rows.some((r) => r.server === s));
  const peers = [...new Set(rows.map((r) => r.server))].filter((s) => !ours.includes(s));
  if (ours.length > 0 && peers.length > 0) {
    out.push('## StreamHub against each peer (same run)', '');
    out.push(`| scenario | subscribers | StreamHub entry | ${peers.map((p) => `÷ ${LABELS[p]}`).join(' | ')} |`);
    out.push(`| --- | ---: | --- | ${peers.map(() => '---:').join(' | ')} |`);
    for (const c of cases) {
      const [scenario, n] = [c.split('|')[0], Number(c.split('|')[1])];
      const at = (server) => rows.find((r) => r.scenario === scenario && r.server === server && r.n === n)?.maxDelivered;
      for (const own of ours) {
        const sh = at(own);
        if (sh === undefined) continue;
        const cells = peers.map((p) => {
          const v = at(p);
          return sh > 0 && v > 0 ? `${(sh / v).toFixed(2)}×` : '—';
        });
        out.push(`| ${scenario} | ${fmt(n)} | ${LABELS[own]} | ${cells.join(' | ')} |`);
      }
    }
    out.push('');
  }
  if (plotName) out.push(`![p99 latency versus delivered rate](${plotName})`, '');
  if (results.memory.length > 0) {
    out.push(`## Idle memory per connection`, '');
    out.push('| server | connections | RSS before | RSS after | per connection | load avg |');
    out.push('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const r of results.memory) {
      out.push(
        `| ${LABELS[r.server]} | ${fmt(r.open)}${r.open !== r.conns ? ` of ${fmt(r.conns)}` : ''} | ${(r.rssBefore / 2 ** 20).toFixed(1)} MiB | ${(r.rssAfter / 2 ** 20).toFixed(1)} MiB | **${(r.perConnection / 1024).toFixed(1)} KiB** | ${r.loadAvg ?? '—'} |`,
      );
    }
    out.push('');
  }
  if (results.dialectMemory?.length > 0) {
    const bare = results.memory.find((r) => r.server === 'ws' && r.perConnection > 0);
    out.push('## Idle memory per connection, every StreamHub dialect', '');
    out.push(
      'A fresh StreamHub with every dialect on for each row (elstat probing once a second), RSS before and 3 s after the idle subscribers ' +
        '(loadgen: match `/v1/match/<id>` after a MatchInit; nova viewers with an HS256 JWT of a started stream; relay receivers of a channel with its header chunk; ' +
        'spectra overlays sending `logon` over Socket.IO to a logged-on observer\'s group; elstat subscribers sending op 0 for `status:`/`latency:`).',
      '',
    );
    out.push(`| dialect | subscribers | all open after | RSS before | RSS after | per connection | ÷ bare \`ws\`${bare ? ` (${(bare.perConnection / 1024).toFixed(1)} KiB)` : ''} | load avg |`);
    out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of results.dialectMemory) {
      if (r.error) {
        out.push(`| ${r.dialect} | — | — | — | — | failed: ${r.error} | — | — |`);
        continue;
      }
      out.push(
        `| ${r.dialect} | ${fmt(r.open)}${r.open !== r.conns ? ` of ${fmt(r.conns)}` : ''} | ${Number.isFinite(r.readyMs) ? `${fmt(r.readyMs)} ms` : '—'} | ${(r.rssBefore / 2 ** 20).toFixed(1)} MiB | ${(r.rssAfter / 2 ** 20).toFixed(1)} MiB | **${(r.perConnection / 1024).toFixed(1)} KiB** | ${bare ? `${(r.perConnection / bare.perConnection).toFixed(2)}×` : '—'} | ${r.loadAvg ?? '—'} |`,
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
  if (results.fanout.some((r) => r.server === 'streamhub-protocol') || results.memory.some((r) => r.server === 'streamhub-protocol')) {
    // issue 18: the same process and match settings, subscribers on the streamhub dialect
    out.push(
      `${LABELS['streamhub-protocol']}: the same settings, publishing through the match ingest, subscribers on the streamhub dialect (\`/v1/ws\`, \`connect\` with \`subscribe: [{channel: "match:<id>"}]\`, anonymous) with:`,
      '',
      '```json',
      JSON.stringify(streamhubProtocolConfig().streamhub, null, 2),
      '```',
      '',
    );
  }
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

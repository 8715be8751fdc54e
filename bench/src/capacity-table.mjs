/**
 * The capacity model over several `--scenarios=cluster` runs (docs/cluster.md §9): one run's costs
 * move with the machine's other work, so this takes, per system, the median of each cost over the
 * runs (each run's highest rate that priced the readers, as the scenario's own table does; a run whose
 * step there lost messages counts as missing) and prints the costs,
 * the ratios StreamHub ÷ the Socket.IO streams adapter, and the sizing tables from the medians.
 *   node bench/src/capacity-table.mjs bench/results/<run A>.json bench/results/<run B>.json …
 */
import { readFileSync } from 'node:fs';
import { sizingCosts } from './capacity-model.mjs';
import { BUDGET, SIZING_PER_VIEWER, sizingTable } from './cluster-report.mjs';

const KEYS = ['d', 'dAcrossPhases', 'pSub', 'pIngest', 'r', 'rReader', 'r0', 'idleNodeCores', 'idleRedisCores'];

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * @param {(sys) => string} key  how systems are grouped: by label (one layout), or by system, pooling
 *   a system's layouts (StreamHub on 1 and on 3 shards runs the same node code; a publish lands on one shard)
 */
export function medianCosts(runs, key = (sys) => sys.label) {
  const bySystem = new Map();
  for (const run of runs) {
    for (const sys of run.cluster?.systems ?? []) {
      if (!sys.costs?.length || sys.nodes < 2) continue;
      const picked = sizingCosts(sys.costs);
      // a step that lost messages ran to the drain timeout: its per-publish figures are not kept (a
      // null keeps the runs aligned for the same-run ratios)
      const c = picked.lossFree ? picked : { ...picked, ...Object.fromEntries(KEYS.map((k) => [k, null])) };
      if (!bySystem.has(key(sys))) bySystem.set(key(sys), []);
      bySystem.get(key(sys)).push(c);
    }
  }
  const out = [];
  for (const [label, costs] of bySystem) {
    const m = { label, runs: costs.length, rate: costs[0].rate, lossFree: costs.every((c) => c.lossFree) };
    for (const k of KEYS) {
      m[k] = median(costs.map((c) => c[k]));
      m[`${k}All`] = costs.map((c) => c[k]);
    }
    out.push(m);
  }
  return out;
}

const POOLED = { streamhub: 'StreamHub, 1 and 3 shards pooled', 'socketio-streams': 'Socket.IO + streams adapter' };

function costsTable(medians) {
  const lines = [];
  lines.push('| system | runs | publishes/s | ' + KEYS.map((k) => `${k} (median; each run)`).join(' | ') + ' |');
  lines.push(`| --- | ---: | ---: | ${KEYS.map(() => '---').join(' | ')} |`);
  for (const m of medians) {
    const cell = (k) => `${m[k] === null ? '—' : m[k].toFixed(2)} (${m[`${k}All`].map((x) => (x === null ? '—' : x.toFixed(2))).join(', ')})`;
    lines.push(`| ${m.label} | ${m.runs} | ${m.rate} | ${KEYS.map(cell).join(' | ')} |`);
  }
  return lines;
}

function main(files) {
  const runs = files.map((f) => JSON.parse(readFileSync(f, 'utf8')));
  const lines = [`Runs: ${runs.map((r) => `${r.meta?.startedAt} (load ${r.cluster?.loadAvgAtStart})`).join('; ')}`, ''];
  const byLayout = medianCosts(runs);
  lines.push(...costsTable(byLayout), '');
  const medians = medianCosts(runs, (sys) => POOLED[sys.system] ?? sys.system);
  lines.push(...costsTable(medians));
  // ratios within each run (the same machine load), then their median: runs hold every system once, in order
  const peer = byLayout.find((m) => m.label.startsWith('Socket.IO'));
  if (peer) {
    lines.push('', '| StreamHub ÷ Socket.IO + streams adapter, same run (median; each run) | d | pSub | pIngest | r |', '| --- | --- | --- | --- | --- |');
    for (const m of byLayout.filter((x) => x !== peer && x.runs === peer.runs)) {
      const ratio = (k) => {
        const each = m[`${k}All`].map((x, i) => (x !== null && peer[`${k}All`][i] ? x / peer[`${k}All`][i] : null));
        const med = median(each);
        return `${med === null ? '—' : med.toFixed(2)} (${each.map((x) => (x === null ? '—' : x.toFixed(2))).join(', ')})`;
      };
      lines.push(`| ${m.label} | ${ratio('d')} | ${ratio('pSub')} | ${ratio('pIngest')} | ${ratio('r')} |`);
    }
  }
  for (const m of medians) {
    lines.push('', `Sizing from ${m.label}, median costs (${SIZING_PER_VIEWER} messages/s per viewer, ${BUDGET * 100} % of a core per node and per Redis):`, '', ...sizingTable([m]));
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));

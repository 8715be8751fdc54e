/**
 * The Markdown section of `--scenarios=cluster` (issue 17): per system the measured steps, the
 * per-component costs (src/capacity-model.mjs fitCosts) and, from them, a sizing table.
 */
import { sizingCosts, size } from './capacity-model.mjs';

/** Viewers and total publishes/s of the sizing table (issue 17: 10k … 10M viewers; a World Cup final). */
export const SIZING_VIEWERS = [10_000, 100_000, 1_000_000, 10_000_000];
export const SIZING_RATES = [100, 1_000, 10_000];
/** Messages per second each viewer receives in the table: one match feed (its state frames and events). */
export const SIZING_PER_VIEWER = 10;
export const BUDGET = 0.7;

const us = (s, n) => ((s * 1e6) / n).toFixed(1);
const fmt = (x) => (x === null || x === undefined ? '—' : String(x));
const big = (n) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));

function stepsTable(sys) {
  const lines = [
    `| phase | publishes/s asked | publishes/s (to last delivery) | deliveries/s | viewers per node | Redis µs per publish (per server) | node µs per publish (node 0 = ingest / …) | lost | gaps | dup/reordered | p99 ms | load avg |`,
    '| --- | ---: | ---: | ---: | --- | --- | --- | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of sys.rows) {
    lines.push(
      `| ${r.phase}${r.readers ? ` (+${r.readers} readers)` : ''} | ${r.rate} | ${r.publishesPerSecond} | ${r.deliveriesPerSecond} | ${r.viewersPerNode.join(' / ')} | ` +
        `${r.redisCpu.map((x) => us(x, r.publishes)).join(' + ')} | ${r.nodesCpu.map((x) => us(x, r.publishes)).join(' / ')} | ${r.lost} | ${r.gaps} | ${r.dupsOrReordered} | ${r.p99Ms.toFixed(1)} | ${r.loadAvg} |`,
    );
  }
  return lines;
}

function costsTable(systems) {
  const lines = [
    '| system | publishes/s | d: node µs per delivery | d across phases | pSub: node µs per publish received | pIngest: node µs per publish ingested | r: Redis µs per publish (N nodes reading) | rReader: Redis µs per publish per reading node | r0 = r − N·rReader | Redis CPU share per shard | no loss |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | :-: |',
  ];
  for (const s of systems) {
    for (const c of s.costs ?? []) {
      lines.push(
        `| ${s.label} | ${c.rate} | ${fmt(c.d)} | ${fmt(c.dAcrossPhases)} | ${fmt(c.pSub ?? (c.pNode1 !== null ? `${c.pNode1} (ingest + receive)` : null))} | ${fmt(c.pIngest)} | ${fmt(c.r)} | ${fmt(c.rReader)} | ${fmt(c.r0)} | ${c.redisShare.join(' / ')} | ${c.lossFree ? 'yes' : 'no'} |`,
      );
    }
  }
  return lines;
}

/** Nodes and Redis for each viewers × rate, from sizingCosts (the highest loss-free rate). */
export function sizingTable(costs, { perViewer = SIZING_PER_VIEWER, budget = BUDGET } = {}) {
  const c = sizingCosts(costs);
  const lines = [
    `| viewers \\ publishes/s | ${SIZING_RATES.map((r) => r.toLocaleString('en-US')).join(' | ')} |`,
    `| --- | ${SIZING_RATES.map(() => '---').join(' | ')} |`,
  ];
  for (const viewers of SIZING_VIEWERS) {
    const cells = SIZING_RATES.map((rate) => {
      const s = size(c, { viewers, perViewer, rate, budget });
      const groups = s.groups > 1 ? ` in ${s.groups} channel groups` : '';
      return `${s.nodes.toLocaleString('en-US')} node${s.nodes > 1 ? 's' : ''}${groups}, ${s.shards} shard${s.shards > 1 ? 's' : ''} (${s.redisCores.toFixed(2)} Redis cores)`;
    });
    lines.push(`| ${big(viewers)} | ${cells.join(' | ')} |`);
  }
  return lines;
}

export function renderCluster(r, command) {
  const lines = [
    '## Cluster: N nodes × M shards, per-component CPU and the capacity model (issue 17, `--scenarios=cluster`)',
    '',
    `\`${command}\` at ${r.startedAt} (load average ${r.loadAvgAtStart} at the start, ${r.loadAvgAtEnd} at the end; src/brokers: ${r.brokers}). ` +
      `${r.channels} channels, ${r.payloadBytes}-byte match messages, producers through node 0, ${r.viewersPerNode} viewers per node spread evenly over the channels ` +
      `(phase "viewers": +${r.extraViewers} on the last node; phase "readers": +${r.readers} plain Redis readers per redis-server), ${r.seconds} s per step. ` +
      'CPU = utime + stime from /proc/<pid>/stat of each redis-server and each node, from the first publish to the last delivery, idle CPU included; ' +
      `every redis-server and node on core(s) ${r.serverCores ?? '0'}, loadgen and the bench on core 1.`,
  ];
  if (r.peerNote) lines.push('', r.peerNote);
  for (const s of r.systems) {
    lines.push('', `### ${s.label}`, '');
    if (s.error) lines.push(`Failed: ${s.error}`, '');
    if (s.idleCpuPerSecond) {
      lines.push(`Idle (nothing published, viewers connected): nodes ${s.idleCpuPerSecond.nodes.map((x) => (x * 1000).toFixed(1)).join(' / ')} ms CPU per second, Redis ${s.idleCpuPerSecond.redis.map((x) => (x * 1000).toFixed(1)).join(' + ')} ms per second.`, '');
    }
    lines.push(...stepsTable(s));
  }
  const measured = r.systems.filter((s) => s.costs?.length);
  if (measured.length) lines.push('', '### Per-component costs (src/capacity-model.mjs)', '', ...costsTable(measured));
  for (const s of measured.filter((x) => x.nodes >= 2)) {
    lines.push(
      '',
      `### Sizing from ${s.label} (${SIZING_PER_VIEWER} messages/s per viewer, ${BUDGET * 100} % of a core per node and per Redis; costs measured at ${sizingCosts(s.costs).rate} publishes/s)`,
      '',
      ...sizingTable(s.costs),
    );
  }
  return `${lines.join('\n')}\n`;
}

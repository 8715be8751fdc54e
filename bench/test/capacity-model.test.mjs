// The capacity model of issue 17 (src/capacity-model.mjs): the costs it fits from the three phases
// of `--scenarios=cluster` are the ones that produced the CPU, and sizing follows docs/cluster.md §9.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitCosts, size, sizingCosts } from '../src/capacity-model.mjs';

// Synthetic CPU from known costs (µs): node = own per publish + deliveries × d (+ idle × wall);
// Redis = (r0 + readers × rReader) per publish (+ idle × wall). Two nodes, ingest on node 0.
const TRUE = { d: 3, pSub: 20, pIngest: 40, r0: 15, rReader: 2 };
const IDLE = { nodes: [0.01, 0.02, 0.015], redis: [0.005] };

function row(phase, rate, viewersPerNode, extraReaders, { channels = 64, seconds = 3, wall = 3.5, nodeNoise = [] } = {}) {
  const publishes = rate * seconds;
  const deliveriesPerNode = viewersPerNode.map((v) => (publishes / channels) * v);
  // nodeNoise: CPU-seconds the machine's other work adds to every node in this step alike
  const nodesCpu = deliveriesPerNode.map((dl, n) => (publishes * (TRUE.pSub + (n === 0 ? TRUE.pIngest : 0)) + dl * TRUE.d) / 1e6 + IDLE.nodes[n] * wall + (nodeNoise[n] ?? 0));
  const redisCpu = [(publishes * (TRUE.r0 + (viewersPerNode.length + extraReaders) * TRUE.rReader)) / 1e6 + IDLE.redis[0] * wall];
  return { phase, rate, publishes, wallSeconds: wall, nodesCpu, redisCpu, deliveriesPerNode, lost: 0, gaps: 0, dupsOrReordered: 0 };
}

const system = {
  idleCpuPerSecond: IDLE,
  rows: [row('base', 4000, [128, 128], 0), row('viewers', 4000, [128, 1152], 0), { ...row('readers', 4000, [128, 1152], 4), readers: 4 }, row('base', 1000, [128, 128], 0), row('viewers', 1000, [128, 1152], 0)],
};

test('fitCosts recovers d, pSub, pIngest, rReader and r0 from the three phases, net of idle CPU', () => {
  const [c] = fitCosts(system);
  assert.equal(c.rate, 4000);
  assert.ok(Math.abs(c.d - TRUE.d) < 0.01, `d ${c.d}`);
  assert.ok(Math.abs(c.pSub - TRUE.pSub) < 0.01, `pSub ${c.pSub}`);
  assert.ok(Math.abs(c.pIngest - TRUE.pIngest) < 0.01, `pIngest ${c.pIngest}`);
  assert.ok(Math.abs(c.rReader - TRUE.rReader) < 0.01, `rReader ${c.rReader}`);
  assert.ok(Math.abs(c.r0 - TRUE.r0) < 0.01, `r0 ${c.r0}`);
  assert.equal(c.lossFree, true);
});

test('sizing uses the highest loss-free rate that priced the readers', () => {
  const costs = fitCosts(system);
  assert.equal(costs.length, 2);
  assert.equal(sizingCosts(costs).rate, 4000);
  costs[0].lossFree = false;
  assert.equal(sizingCosts(costs).rate, 4000, 'no other rate priced the readers: fall back to all');
});

test('size: nodes = ceil((V·f·d + R·pIngest) / (B − idle − R·pSub)), shards from R·(r0 + N·rReader)', () => {
  const c = { d: 3, pSub: 20, pIngest: 40, r0: 15, rReader: 2, idleNodeCores: 0, idleRedisCores: 0 };
  const s = size(c, { viewers: 1_000_000, perViewer: 10, rate: 1_000, budget: 0.7 });
  // (1e6·10·3 + 1000·40) / (700000 − 1000·20) = 30040000 / 680000 = 44.2 → 45
  assert.equal(s.nodes, 45);
  assert.equal(s.groups, 1);
  // 1000 · (15 + 45·2) µs = 0.105 cores
  assert.ok(Math.abs(s.redisCores - 0.105) < 1e-9);
  assert.equal(s.shards, 1);
});

test('size: when receiving every publish would take over half a node, the channels split into groups', () => {
  const c = { d: 3, pSub: 50, pIngest: 40, r0: 15, rReader: 2, idleNodeCores: 0, idleRedisCores: 0 };
  // 10000·50 µs = 0.5 core > 0.35: two groups, each node receives 5000/s (0.25 core)
  const s = size(c, { viewers: 100_000, perViewer: 10, rate: 10_000, budget: 0.7 });
  assert.equal(s.groups, 2);
  assert.equal(s.nodes, Math.ceil((100_000 * 10 * 3 + 10_000 * 40) / (700_000 - 5_000 * 50)));
  // each publish is read by the nodes of one group
  assert.ok(Math.abs(s.redisCores - (10_000 * (15 + (s.nodes / 2) * 2)) / 1e6) < 1e-9);
});

test('with 3 nodes, d comes from two nodes in the same step: a load that slows every node in one step does not bias it', () => {
  const noisy = { nodeNoise: [0.3, 0.3, 0.3] }; // the "viewers" step ran while other work inflated every node's CPU
  const three = {
    idleCpuPerSecond: IDLE,
    rows: [row('base', 4000, [128, 128, 128], 0), row('viewers', 4000, [128, 128, 1152], 0, noisy), { ...row('readers', 4000, [128, 128, 1152], 4), readers: 4 }],
  };
  const [c] = fitCosts(three);
  assert.ok(Math.abs(c.d - TRUE.d) < 0.01, `d ${c.d}`);
  assert.ok(Math.abs(c.pSub - TRUE.pSub) < 0.01, `pSub ${c.pSub}`);
  assert.ok(Math.abs(c.pIngest - TRUE.pIngest) < 0.01, `pIngest ${c.pIngest}`);
  assert.ok(Math.abs(c.rReader - TRUE.rReader) < 0.01, `rReader ${c.rReader}`);
  // across phases (what 2 nodes allow) the same noise shows up as a higher d
  assert.ok(c.dAcrossPhases > TRUE.d + 1, `dAcrossPhases ${c.dAcrossPhases}`);
});

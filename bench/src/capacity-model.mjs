/**
 * The capacity model of issue 17 (docs/cluster.md §9), from the per-component CPU that
 * `--scenarios=cluster` measures (src/cluster.mjs). All costs are CPU-µs.
 *
 * Per rate, from the three phases of one system (N nodes, producers on node 0, viewers everywhere):
 *   d       node CPU per delivery. N ≥ 3: within the same steps (phases viewers and readers), the
 *           last node (extra viewers) minus node 1 (base viewers), ÷ their difference in deliveries:
 *           both receive the same publishes at the same time, so the machine's other work weighs on
 *           both. N ≤ 2: the last node across phases, (viewers − base) CPU ÷ (viewers − base) deliveries
 *   pSub    node CPU per publish it receives from Redis (every node with viewers of the channel):
 *           the base CPU of the nodes other than node 0, minus their deliveries × d, ÷ publishes (mean)
 *   pIngest node CPU per publish it takes from a producer: node 0's base CPU minus its deliveries × d,
 *           ÷ publishes, minus pSub (N ≥ 2; with N = 1 only pIngest + pSub is known)
 *   r       Redis CPU per publish, all redis-servers summed (each publish lands on one shard), as
 *           measured with N nodes reading
 *   rReader Redis CPU per publish per reading node: (readers − viewers) Redis CPU ÷ (publishes × K)
 *   r0      r − N × rReader: what a publish costs Redis with no node reading it
 *
 * Node and Redis CPU are taken net of their idle CPU (measured before the steps, per second), which
 * the sizing adds back as a fixed cost: idleNode per node, idleRedis per redis-server.
 *
 * Sizing, with B = budget × 10^6 µs of CPU per core per second (budget 0.7: 70 % of a core):
 *   V viewers, each receiving f messages/s; R publishes/s over all channels; every node has viewers
 *   of every channel (true once V/N ≫ channels under a load balancer), so every node receives every
 *   publish of its channels from Redis. Receiving may take at most half a node's budget, else the
 *   channels are split over G node groups (viewers routed to their channel's group):
 *     G = ⌈R·pSub ÷ ((B − idleNode)/2)⌉
 *     N·(B − idleNode) ≥ V·f·d + R·pIngest + N·(R/G)·pSub
 *       ⇒ nodes N = max(G, ⌈(V·f·d + R·pIngest) ÷ (B − idleNode − (R/G)·pSub)⌉)
 *   Redis: each publish costs its shard r0 + (N/G)·rReader (one pub/sub write, or one XREAD share,
 *   per node reading it):
 *     Redis cores = R·(r0 + (N/G)·rReader) + idleRedis;   shards M = ⌈Redis cores ÷ budget⌉
 *   (channels spread evenly by the jump hash; one channel never spans shards, so a single channel's
 *   R_c·(r0 + (N/G)·rReader) must fit one shard's budget)
 */

const rowOf = (sys, phase, rate) => sys.rows.find((r) => r.phase === phase && r.rate === rate);
const us = (x) => (Number.isFinite(x) ? Number(x.toFixed(2)) : null);

/** Per rate: { rate, d, pSub, pIngest, pNode1 (N = 1: ingest + receive), r, rReader, r0, redisShare } in µs. */
export function fitCosts(sys) {
  const out = [];
  const rates = [...new Set(sys.rows.map((r) => r.rate))];
  for (const rate of rates) {
    const a = rowOf(sys, 'base', rate);
    const b = rowOf(sys, 'viewers', rate);
    const c = rowOf(sys, 'readers', rate);
    if (!a || !b) continue;
    const last = a.nodesCpu.length - 1;
    // marginal CPU: the idle CPU (timers, coordination syncs) over the step's wall time is taken
    // out here and kept apart as the model's fixed cost per node and per redis-server
    const idle = sys.idleCpuPerSecond ?? { nodes: [], redis: [] };
    const nodeCpu = (row, n) => Math.max(0, row.nodesCpu[n] - (idle.nodes[n] ?? 0) * row.wallSeconds);
    const redisCpu = (row) => row.redisCpu.reduce((s, x, i) => s + Math.max(0, x - (idle.redis[i] ?? 0) * row.wallSeconds), 0);
    // per publish, so that steps of slightly different lengths compare
    const cpuPer = (row, n) => (nodeCpu(row, n) * 1e6) / row.publishes;
    const delPer = (row, n) => row.deliveriesPerNode[n] / row.publishes;
    const within = (row) => (cpuPer(row, last) - cpuPer(row, 1)) / (delPer(row, last) - delPer(row, 1));
    const across = (cpuPer(b, last) - cpuPer(a, last)) / (delPer(b, last) - delPer(a, last));
    const d = last >= 2 ? (c ? (within(b) + within(c)) / 2 : within(b)) : across;
    const own = (row, n) => cpuPer(row, n) - delPer(row, n) * d;
    const others = Array.from({ length: last }, (_, i) => own(a, i + 1));
    const pSub = others.length ? others.reduce((s, x) => s + x, 0) / others.length : null;
    const redisPer = (row) => (redisCpu(row) * 1e6) / row.publishes;
    const r = redisPer(a);
    // c.readers: readers per redis-server; every publish lands on one server, so each costs it c.readers reads
    const rReader = c && c.readers > 0 ? (redisPer(c) - redisPer(b)) / c.readers : null;
    const n = a.nodesCpu.length;
    const total = a.redisCpu.reduce((s, x) => s + x, 0);
    out.push({
      rate,
      d: us(d),
      // d as N ≤ 2 must take it (across phases), kept to compare the two methods
      dAcrossPhases: us(across),
      pSub: n >= 2 ? us(pSub) : null,
      pIngest: n >= 2 ? us(own(a, 0) - pSub) : null,
      pNode1: n === 1 ? us(own(a, 0)) : null,
      r: us(r),
      rReader: us(rReader),
      r0: rReader === null ? null : us(r - n * rReader),
      // each shard's part of the Redis CPU (jump hash over the channels)
      redisShare: a.redisCpu.map((x) => (total > 0 ? Number((x / total).toFixed(2)) : 0)),
      idleNodeCores: us(Math.max(...(idle.nodes.length ? idle.nodes : [0]))),
      idleRedisCores: us(Math.max(...(idle.redis.length ? idle.redis : [0]))),
      lossFree: [a, b, c].every((row) => !row || (row.lost === 0 && row.gaps === 0 && row.dupsOrReordered === 0)),
    });
  }
  return out;
}

/**
 * The costs the sizing uses: those of the highest measured rate without loss. A step adds the
 * most deliveries and publishes there, so /proc's 10 ms ticks and the machine's other work weigh
 * least; per-publish costs are lower there than at low rates (batching per event-loop turn), which
 * matters little where R is low, since there the viewers' term V·f·d decides.
 */
export function sizingCosts(costs) {
  const clean = costs.filter((c) => c.lossFree && c.rReader !== null);
  const pool = clean.length ? clean : costs;
  return pool.reduce((best, c) => (c.rate > best.rate ? c : best));
}

/**
 * @param {object} c  one entry of fitCosts (N ≥ 2, so pSub and pIngest are known; negative noise clamps to 0)
 * @returns {{ nodes, groups, redisCores, shards, why? }} groups > 1: the channels split over that many
 *   node groups (viewers routed to their channel's group), because one node cannot receive them all
 */
export function size(c, { viewers, perViewer, rate, budget = 0.7 }) {
  const B = budget * 1e6;
  const pos = (x) => Math.max(0, x ?? 0);
  const d = pos(c.d);
  const pSub = pos(c.pSub ?? c.pNode1);
  const pIngest = pos(c.pIngest);
  // a node's fixed idle CPU (timers, coordination) comes off its budget first
  const nodeB = B - pos(c.idleNodeCores) * 1e6;
  // receiving every publish may take at most half a node's budget; past it, split the channels
  const groups = Math.max(1, Math.ceil((rate * pSub) / (nodeB / 2)));
  const room = nodeB - (rate / groups) * pSub;
  const nodes = Math.max(groups, Math.ceil((viewers * perViewer * d + rate * pIngest) / room));
  const r0 = pos(c.r0 ?? c.r);
  const perNode = pos(c.rReader);
  // each publish is read by the nodes of its channel's group only
  const redisCores = (rate * (r0 + (nodes / groups) * perNode)) / 1e6 + pos(c.idleRedisCores);
  return { nodes, groups, redisCores, shards: Math.max(1, Math.ceil(redisCores / budget)) };
}

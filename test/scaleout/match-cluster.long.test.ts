/**
 * match across a 3-node cluster of real processes on one real Redis (issue #7): a producer's
 * ingest on node A, viewers on B and C; the same replay on every node; a viewer's node killed
 * with SIGKILL (it reconnects elsewhere and, deduplicating by `t` inside the window, loses
 * nothing); Redis restarted under connected viewers. Every state frame is accounted for by `t`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type RecordingClient } from '../helpers/ws-client.js';
import { eventually } from '../helpers/eventually.js';
import { matchInit, state } from '../match/fixtures.js';
import { startProcessCluster, type NodeProcess, type ProcessCluster } from './node-processes.js';

const TOKEN = 'ingest-token-for-tests';
const MATCH = 'cluster-final';
const config = { match: { enabled: true, ingest: { token: TOKEN }, perIpMax: 100, replayWindowMs: 600_000, idleTtlMs: 600_000, queue: { overflow: 'close', maxMessages: 10_000 } } };

type Frame = { type: string; t?: number; error?: string };
const times = (c: RecordingClient) => (c.messages as Frame[]).filter((m) => m.type === 'state').map((m) => m.t!);

async function producer(node: NodeProcess): Promise<RecordingClient> {
  const p = await connect(`ws://127.0.0.1:${node.port('match')}/v1/ingest?token=${TOKEN}`);
  p.ws.send(JSON.stringify(matchInit(MATCH)));
  return p;
}

const viewer = (node: NodeProcess) => connect(`ws://127.0.0.1:${node.port('match')}/v1/match/${MATCH}`);

/** Sends state frames `from..to` (one per tick of the event loop's I/O, no sleeps). */
function send(p: RecordingClient, from: number, to: number): void {
  for (let t = from; t <= to; t++) p.ws.send(JSON.stringify(state(t)));
}

/** `t`s in arrival order over several connections, keeping a replayed one only if it is newer (what a renderer does). */
function merged(...connections: RecordingClient[]): number[] {
  const out: number[] = [];
  for (const c of connections) for (const t of times(c)) if (out.length === 0 || t > out[out.length - 1]!) out.push(t);
  return out;
}
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('match on a 3-node cluster (real processes, real Redis)', () => {
  let cluster: ProcessCluster;
  // One producer connection on node A for the whole run: a new `match.init` would start the ring over.
  let p: RecordingClient;
  before(async () => {
    cluster = await startProcessCluster(3, config);
    p = await producer(cluster.nodes[0]!);
  });
  after(async () => {
    p?.close();
    await cluster?.close();
  });

  it('ingest on node A reaches viewers on B and C in order; a late joiner gets the same replay on every node', async () => {
    const [, b, c] = cluster.nodes as [NodeProcess, NodeProcess, NodeProcess];
    send(p, 1, 1); // the match exists once its init and first frame are stored
    const vb = await eventually(() => viewer(b).catch(() => null), 'the match to exist on node B', 10_000);
    const vc = await viewer(c);
    send(p, 2, 300);
    await vb.until(() => times(vb).at(-1) === 300, 15_000);
    await vc.until(() => times(vc).at(-1) === 300, 15_000);
    // Every viewer connected after t=1 was stored: it got a replay then the live tail, no gap, no repeat.
    assert.deepEqual(times(vb), range(1, 300));
    assert.deepEqual(times(vc), range(1, 300));
    const late = await Promise.all(cluster.nodes.map(viewer));
    for (const v of late) await v.until(() => times(v).at(-1) === 300, 10_000);
    for (const v of late) assert.deepEqual(times(v), range(1, 300), 'replay from Redis, the same on every node');
    for (const v of [vb, vc, ...late]) v.close();
  });

  it('SIGKILL of a viewer\'s node: it reconnects to another node and, deduplicating by t, loses nothing', async () => {
    const [, b, c] = cluster.nodes as [NodeProcess, NodeProcess, NodeProcess];
    const first = await viewer(b);
    send(p, 301, 600);
    await first.until(() => (times(first).at(-1) ?? 0) >= 400, 15_000);
    await b.kill('SIGKILL');
    const closed = await first.closed;
    assert.notEqual(closed.code, 1000, 'the connection died with its node');
    // Publishing goes on while the viewer is away; it reconnects to node C.
    send(p, 601, 900);
    const second = await viewer(c);
    await second.until(() => times(second).at(-1) === 900, 15_000);
    const got = merged(first, second);
    const expected = range(1, 900);
    const lost = expected.filter((t) => !got.includes(t));
    assert.deepEqual(lost, [], 'zero lost');
    assert.equal(new Set(got).size, got.length, 'zero duplicated');
    assert.deepEqual(got, expected, 'in order');
    first.close();
    second.close();
  });

  it('Redis restarted: viewers stay connected, nodes reconnect by themselves, and the stream goes on in order', async () => {
    const [a, , c] = cluster.nodes as [NodeProcess, NodeProcess, NodeProcess];
    const v = await viewer(c);
    await v.until(() => times(v).at(-1) === 900, 10_000);
    await cluster.redis.restart(); // --save "": the data is gone, a new epoch starts
    let closedEarly = false;
    void v.closed.then(() => (closedEarly = true));
    // Both nodes notice and recover on their own; /healthz says so meanwhile.
    for (const node of [a, c]) {
      await eventually(async () => (await fetch(`http://127.0.0.1:${node.port('match')}/healthz`)).ok, `node ${node.index} healthy again`, 20_000);
    }
    p.ws.send(JSON.stringify(matchInit(MATCH)));
    send(p, 901, 1000);
    await v.until(() => times(v).at(-1) === 1000, 15_000);
    assert.equal(closedEarly, false, 'the viewer kept its connection through the restart');
    const got = times(v);
    assert.equal(new Set(got).size, got.length, 'zero duplicated');
    assert.deepEqual(got.slice(got.indexOf(901)), range(901, 1000), 'every frame after recovery, in order');
    assert.deepEqual(got.slice(0, got.indexOf(901)), range(1, 900), 'nothing before it was repeated or lost');
    v.close();
  });

  it('pub/sub connections killed mid-stream: each node reconnects and fills the gap from the stream; viewers lose nothing', async () => {
    const [a, , c] = cluster.nodes as [NodeProcess, NodeProcess, NodeProcess]; // node B was killed above
    const vb = await viewer(a);
    const vc = await viewer(c);
    await vb.until(() => times(vb).at(-1) === 1000, 10_000);
    await vc.until(() => times(vc).at(-1) === 1000, 10_000);
    send(p, 1001, 1200);
    // Every node's subscriber connection drops while frames are being published (data stays in Redis).
    await cluster.redis.command('CLIENT', 'KILL', 'TYPE', 'pubsub');
    send(p, 1201, 1500);
    await vb.until(() => times(vb).at(-1) === 1500, 15_000);
    await vc.until(() => times(vc).at(-1) === 1500, 15_000);
    for (const v of [vb, vc]) {
      const got = times(v).filter((t) => t > 1000);
      assert.deepEqual(got, range(1001, 1500), 'zero lost, zero duplicated, in order');
    }
    vb.close();
    vc.close();
  });
});

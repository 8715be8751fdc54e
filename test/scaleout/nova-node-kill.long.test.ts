/**
 * Issue 15 item 5 (3 real processes, one real Redis): 30 nova viewers, 10 per node; one node is
 * SIGKILLed and its viewers reconnect to the others, as a viewer behind a load balancer does.
 * The dead node's count leaves the sum at the next sync (its Redis connection closed with it), so
 * no viewer is ever shown twice in `viewer_count_changed`, and `peak_viewers` in `stream_ended`
 * is the real peak, 30 (it was 40 before: the dead node's 10 lingered for `nodeTtlMs`).
 */
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { connect, type RecordingClient } from '../helpers/ws-client.js';
import { eventually } from '../helpers/eventually.js';
import { startProcessCluster } from './node-processes.js';
import { FAST_SHUTDOWN } from './fault-traffic.js';

const SECRET = 'nova-kill-secret';
const CONTROL = 'nova-kill-control-token';
const STREAM = randomUUID();
const PER_NODE = 10;

function hs256(claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;
}
const token = (viewer: string) => hs256({ sub: viewer, token_type: 'access', exp: Math.floor(Date.now() / 1000) + 600 });

type Frame = { event: string; data: Record<string, unknown> };
const frames = (c: RecordingClient) => c.messages as Frame[];
const counts = (c: RecordingClient) => frames(c).filter((m) => m.event === 'viewer_count_changed').map((m) => m.data);
const lastCount = (c: RecordingClient) => counts(c).at(-1)?.viewer_count as number | undefined;

it('a SIGKILLed node\'s viewers reconnect elsewhere: nobody is counted twice, in the counts or in peak_viewers', async (t) => {
  const cluster = await startProcessCluster(
    3,
    { server: FAST_SHUTDOWN, nova: { enabled: true, perIpMax: 100 } },
    { NOVA_JWT_SECRET: SECRET, NOVA_CONTROL_TOKEN: CONTROL },
  );
  const clients: RecordingClient[] = [];
  t.after(async () => {
    for (const c of clients) c.close();
    await cluster.close();
  });
  const port = (node: number) => cluster.nodes[node]!.port('nova');
  const control = (action: string, body: unknown) =>
    fetch(`http://127.0.0.1:${port(0)}/api/v1/streams/${STREAM}/${action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CONTROL}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const viewer = async (node: number, id: string) => {
    const c = await connect(`ws://127.0.0.1:${port(node)}/api/v1/streams/${STREAM}/ws?token=${token(id)}`);
    clients.push(c);
    return c;
  };

  const started = await control('start', { broadcaster_id: 'b1', title: 'Kill test', quality: '1080p', fps: 60, bitrate_kbps: 6000 });
  assert.equal(started.status, 200, await started.text());
  const byNode: RecordingClient[][] = [[], [], []];
  for (let n = 0; n < 3; n++) for (let i = 0; i < PER_NODE; i++) byNode[n]!.push(await viewer(n, `v${n}-${i}`));
  const survivors = [...byNode[0]!, ...byNode[1]!];
  for (const c of survivors) await c.until(() => lastCount(c) === 3 * PER_NODE, 20_000);

  const killedAt = Date.now();
  await cluster.nodes[2]!.kill('SIGKILL');
  // Its viewers see the connection drop and come back through the "load balancer": to nodes 0 and 1.
  const moved = await Promise.all(
    byNode[2]!.map(async (c, i) => {
      await c.closed;
      return viewer(i % 2, `v2-${i}`);
    }),
  );
  const everyone = [...survivors, ...moved];
  for (const c of moved) await c.until((m) => (m as Frame[]).some((f) => f.event === 'stream_started'), 20_000);
  // The count may not move at all (10 gone, 10 back): ask the control API of both nodes.
  const info = async (node: number) => {
    const res = await fetch(`http://127.0.0.1:${port(node)}/api/v1/streams/${STREAM}`, { headers: { authorization: `Bearer ${CONTROL}` } });
    return ((await res.json()) as { stream?: { viewer_count?: number } }).stream ?? {};
  };
  await eventually(async () => (await info(0)).viewer_count === 3 * PER_NODE && (await info(1)).viewer_count === 3 * PER_NODE, 'the sum to settle at 30 on both nodes', 20_000);
  const settledAfterMs = Date.now() - killedAt;

  const ended = await control('end', { reason: 'broadcaster_ended' });
  assert.equal(ended.status, 200, await ended.text());
  const endFrames = await Promise.all(
    everyone.map(async (c) => {
      await c.closed;
      return frames(c).find((f) => f.event === 'stream_ended')?.data;
    }),
  );
  const shown = everyone.flatMap((c) => counts(c).map((d) => d.viewer_count as number));
  const peaks = everyone.flatMap((c) => counts(c).map((d) => d.peak_viewers as number));
  console.log(
    JSON.stringify({ scenario: 'nova node SIGKILL', viewers: 3 * PER_NODE, maxShown: Math.max(...shown), maxPeak: Math.max(...peaks), settledAfterMs, peakAtEnd: endFrames[0]?.peak_viewers }),
  );
  assert.ok(Math.max(...shown) <= 3 * PER_NODE, `a viewer was counted twice: ${Math.max(...shown)} shown for ${3 * PER_NODE}`);
  assert.ok(Math.max(...peaks) <= 3 * PER_NODE, `peak_viewers ${Math.max(...peaks)} for ${3 * PER_NODE} viewers`);
  for (const data of endFrames) assert.equal(data?.peak_viewers, 3 * PER_NODE, 'stream_ended reports the real peak');
});

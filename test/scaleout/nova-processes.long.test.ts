/**
 * nova across a 3-node cluster of real processes on one real Redis (issue #7): the broadcaster
 * starts the stream through node A's control API; viewers on B and C find it (the stream state is
 * cluster-wide), every viewer sees the viewer count summed over the nodes, a quality change on A
 * reaches them, and the end on A closes them with 1000.
 */
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connect, type RecordingClient } from '../helpers/ws-client.js';
import { startProcessCluster, type ProcessCluster } from './node-processes.js';

const SECRET = 'nova-cluster-secret';
const CONTROL = 'nova-cluster-control-token';
const STREAM = randomUUID();

function hs256(claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;
}

const token = (viewer: string) => hs256({ sub: viewer, token_type: 'access', exp: Math.floor(Date.now() / 1000) + 600 });
type Frame = { event: string; data: Record<string, unknown> };
const frames = (c: RecordingClient) => c.messages as Frame[];
const lastCount = (c: RecordingClient) =>
  frames(c).filter((m) => m.event === 'viewer_count_changed').at(-1)?.data.viewer_count as number | undefined;

describe('nova on 3 real processes sharing one Redis', () => {
  let cluster: ProcessCluster;
  const clients: RecordingClient[] = [];

  before(async () => {
    cluster = await startProcessCluster(3, { nova: { enabled: true } }, { NOVA_JWT_SECRET: SECRET, NOVA_CONTROL_TOKEN: CONTROL });
  });
  after(async () => {
    for (const c of clients) c.close();
    await cluster?.close();
  });

  const control = (node: number, action: string, body: unknown) =>
    fetch(`http://127.0.0.1:${cluster.nodes[node]!.port('nova')}/api/v1/streams/${STREAM}/${action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CONTROL}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  const viewer = async (node: number, id: string) => {
    const c = await connect(`ws://127.0.0.1:${cluster.nodes[node]!.port('nova')}/api/v1/streams/${STREAM}/ws?token=${token(id)}`);
    clients.push(c);
    return c;
  };

  it('finds the stream on every node, sums the viewers, and ends everywhere', async () => {
    const started = await control(0, 'start', { broadcaster_id: 'b1', title: 'Cluster final', quality: '1080p', fps: 60, bitrate_kbps: 6000 });
    assert.equal(started.status, 200, await started.text());
    const onB = await viewer(1, 'viewer-b');
    const onC1 = await viewer(2, 'viewer-c1');
    const onC2 = await viewer(2, 'viewer-c2');
    for (const c of [onB, onC1, onC2]) {
      await c.until((m) => (m as Frame[]).some((f) => f.event === 'stream_started'), 20_000);
      assert.equal(frames(c)[0]!.event, 'connection_established');
    }
    // Three viewers on two nodes: every viewer converges on the cluster-wide sum.
    for (const c of [onB, onC1, onC2]) await c.until(() => lastCount(c) === 3, 20_000);

    const quality = await control(0, 'quality', { new_quality: '720p', new_bitrate_kbps: 3000 });
    assert.equal(quality.status, 200, await quality.text());
    for (const c of [onB, onC1]) await c.until((m) => (m as Frame[]).some((f) => f.event === 'quality_changed'), 20_000);

    const ended = await control(0, 'end', { reason: 'broadcaster_ended' });
    assert.equal(ended.status, 200, await ended.text());
    for (const c of [onB, onC1, onC2]) {
      assert.equal((await c.closed).code, 1000);
      assert.ok(frames(c).some((f) => f.event === 'stream_ended'));
    }
  });
});

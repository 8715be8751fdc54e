/**
 * nova stream state across nodes (issue #7): two hubs on two RedisBrokers on one real
 * redis-server, each running the nova dialect. The stream is driven through node A's control API;
 * node B admits its viewers, answers `get_stream_info` and `GET /api/v1/streams/<id>` from the
 * state published through the hub (PROTOCOL.md §10).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RedisBroker } from '../../src/brokers/redis.js';
import { createNovaDialect, type NovaDialect } from '../../src/dialects/nova/index.js';
import { startDialect, testConfig, type DialectHarness } from '../helpers/harness.js';
import { startRedis, type RedisUnderTest } from '../helpers/redis-server.js';
import { connect, type RecordingClient } from '../helpers/ws-client.js';
import { CONTROL_TOKEN, events, hsToken, ofEvent, SECRET, START, STREAM } from '../nova/fixtures.js';

type Node = DialectHarness<NovaDialect>;

async function startNode(redisUrl: string): Promise<Node> {
  const options = { ...testConfig({ nova: { jwt: { secret: SECRET }, controlToken: CONTROL_TOKEN, viewerCountWindowMs: 20, stateLookupTimeoutMs: 2_000 } }).nova, port: 0 };
  const broker = new RedisBroker({ url: redisUrl, commandTimeoutMs: 2_000, connectTimeoutMs: 1_000, reconnectMaxDelayMs: 200 });
  return startDialect((ctx) => createNovaDialect(ctx, options), { broker });
}

async function control(node: Node, path: string, body: unknown = {}, method = 'POST'): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${node.port()}/api/v1/streams/${STREAM}${path}`, {
    method,
    headers: { authorization: `Bearer ${CONTROL_TOKEN}`, 'content-type': 'application/json' },
    ...(method === 'POST' ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const wsUrl = async (node: Node) => `ws://127.0.0.1:${node.port()}/api/v1/streams/${STREAM}/ws?token=${await hsToken()}`;

async function streamInfo(c: RecordingClient, requestId: string): Promise<Record<string, unknown>> {
  c.ws.send(JSON.stringify({ event: 'get_stream_info', data: { request_id: requestId } }));
  const msgs = await c.until((m) => ofEvent(m, 'stream_info').some((e) => e.data.request_id === requestId));
  return ofEvent(msgs, 'stream_info').find((e) => e.data.request_id === requestId)!.data;
}

describe('nova stream state on two nodes sharing one Redis', () => {
  let redis: RedisUnderTest;
  let a: Node;
  let b: Node;
  before(async () => {
    redis = await startRedis();
    a = await startNode(redis.url);
    b = await startNode(redis.url);
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  });

  it('a stream started on A is live on B, follows A quality changes, and its end reaches B', async () => {
    // Before any start: B knows nothing (404), as a single node would answer.
    assert.equal((await control(b, '', undefined, 'GET')).status, 404);

    assert.equal((await control(a, '/start', START)).status, 200);
    const v = await connect(await wsUrl(b));
    await v.until((m) => events(m).includes('stream_started'));
    assert.deepEqual(events(v.messages).slice(0, 2), ['connection_established', 'stream_started']);
    assert.equal(ofEvent(v.messages, 'stream_started')[0]!.data.title, START.title);

    const live = await streamInfo(v, 'b-1');
    assert.equal(live.status, 'active');
    assert.equal(live.quality, '1080p');
    assert.equal(live.bitrate_kbps, 5000);
    assert.equal(live.broadcaster_id, START.broadcaster_id);
    assert.equal(live.title, START.title);
    assert.equal(live.peak_viewers, 1, 'the viewer on B counts towards the peak');

    // Quality change on A: the event reaches B's viewer and B's stream_info reports it.
    assert.equal((await control(a, '/quality', { new_quality: '720p', new_bitrate_kbps: 2500, fps: 30 })).status, 200);
    await v.until((m) => ofEvent(m, 'quality_changed').length > 0);
    const changed = await streamInfo(v, 'b-2');
    assert.equal(changed.quality, '720p');
    assert.equal(changed.bitrate_kbps, 2500);
    assert.equal(changed.fps, 30);
    const overHttp = await control(b, '', undefined, 'GET');
    assert.equal(overHttp.status, 200);
    assert.equal((overHttp.body.stream as Record<string, unknown>).quality, '720p');

    // A control call on B changes the stream started on A (state is cluster-wide, not per node).
    assert.equal((await control(b, '/bitrate', { current_bitrate_kbps: 2400 })).status, 200);
    assert.equal(a.dialect.control.info(STREAM)?.status, 'active');

    // End on A: B's viewer gets stream_ended, then 1000.
    assert.equal((await control(a, '/end', { reason: 'broadcaster_ended' })).status, 200);
    const closed = await v.closed;
    assert.equal(closed.code, 1000);
    const ended = ofEvent(v.messages, 'stream_ended');
    assert.equal(ended.length, 1);
    assert.equal(ended[0]!.data.peak_viewers, 1);

    // A new connection on B afterwards gets the ended-stream answer (STREAM_ENDED, 1000), not 404.
    const late = await connect(await wsUrl(b));
    assert.equal((await late.closed).code, 1000);
    assert.deepEqual(events(late.messages), ['connection_established', 'error']);
    assert.equal(ofEvent(late.messages, 'error')[0]!.data.error_code, 'STREAM_ENDED');
    assert.equal(((await control(b, '', undefined, 'GET')).body.stream as Record<string, unknown>).status, 'ended');

    // Starting again on B while ended is allowed; starting on A while live is a conflict seen cluster-wide.
    assert.equal((await control(b, '/start', START)).status, 200);
    assert.equal((await control(a, '/start', START)).status, 409);
  });
});

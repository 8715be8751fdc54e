/**
 * nova viewer counts summed across nodes (issue #7): viewers of one stream on three nodes each
 * get `viewer_count_changed` with the cluster-wide count, and the count drops when a node leaves.
 * Nodes are wired as the server wires them (`createCoordination`, the dialect on its ports).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createNovaDialect, type NovaDialect } from '../../src/dialects/nova/index.js';
import { VIEWER_COUNTS_TABLE } from '../../src/dialects/nova/viewer-counts.js';
import { testConfig } from '../helpers/harness.js';
import { startRedis, type RedisUnderTest } from '../helpers/redis-server.js';
import { connect, type RecordingClient } from '../helpers/ws-client.js';
import { CONTROL_TOKEN, events, hsToken, ofEvent, SECRET, START, STREAM } from '../nova/fixtures.js';
import { startWiredNode, type WiredNode } from './wired-nodes.js';

const lastCount = (c: RecordingClient) => ofEvent(c.messages, 'viewer_count_changed').at(-1)?.data.viewer_count;

describe('nova viewer counts on a 3-node cluster (wired as the server wires them)', () => {
  let redis: RedisUnderTest;
  const nodes: WiredNode<NovaDialect>[] = [];
  before(async () => {
    redis = await startRedis();
    const options = { ...testConfig({ nova: { jwt: { secret: SECRET }, controlToken: CONTROL_TOKEN, viewerCountWindowMs: 20, perIpMax: 100 } }).nova, port: 0 };
    for (let i = 0; i < 3; i++) {
      nodes.push(await startWiredNode<NovaDialect>(redis.url, (ports) => (ctx) => createNovaDialect(ctx, options, ports)));
    }
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await redis.stop();
  });

  async function viewer(i: number): Promise<RecordingClient> {
    const c = await connect(`ws://127.0.0.1:${nodes[i]!.h.port()}/api/v1/streams/${STREAM}/ws?token=${await hsToken()}`);
    await c.until((m) => events(m).includes('stream_started'), 5_000);
    return c;
  }

  it('every viewer gets the cluster-wide count; a node leaving takes its viewers out of the sum', async () => {
    // One start on one node: the stream's state is cluster-wide, so viewers on every node find it.
    await nodes[0]!.h.dialect.control.start(STREAM, START);
    const viewers = [await viewer(0), await viewer(0), await viewer(1), await viewer(2)];
    for (const v of viewers) await v.until(() => lastCount(v) === 4, 5_000);
    await nodes[2]!.close();
    for (const v of viewers.slice(0, 3)) await v.until(() => lastCount(v) === 3, 5_000);
    assert.equal(nodes[0]!.coordination.ports.counters(VIEWER_COUNTS_TABLE).count(STREAM), 3);
    for (const v of viewers) v.close();
  });
});

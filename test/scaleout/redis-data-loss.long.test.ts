/**
 * Issue 15 item 1: Redis `SHUTDOWN NOSAVE` and a restart under traffic (2 real node processes,
 * a real redis-server). The data set is gone, so every channel starts a new epoch; the node that
 * serves the producer publishes the channel's snapshot again before anything else of the new
 * epoch (src/core/held-snapshots.ts), so a new match viewer joins within 5 s of Redis being back
 * and gets hello → MatchInit → live, and a new elstat client gets the last value although the
 * prober will not check again for a minute. Viewers attached throughout lose, duplicate and
 * reorder nothing the broker accepted.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { eventually } from '../helpers/eventually.js';
import { connect } from '../helpers/ws-client.js';
import { isData, startHttpTarget, subscribe, values, type DataFrame } from '../elstat/fixtures.js';
import { startProcessCluster } from './node-processes.js';
import { account, connectWhenAccepted, FAST_SHUTDOWN, framesOf, INGEST_TOKEN, shutdownNosave, stateTimes, steadyProducer } from './fault-traffic.js';

const MATCH = 'data-loss-final';

it('after SHUTDOWN NOSAVE and a restart, newcomers join again (match MatchInit, elstat last value); nothing accepted is lost', async (t) => {
  const target = await startHttpTarget();
  t.after(() => target.stop());
  const cluster = await startProcessCluster(2, {
    server: FAST_SHUTDOWN,
    match: { enabled: true, ingest: { token: INGEST_TOKEN }, replayWindowMs: 600_000, idleTtlMs: 600_000, queue: { overflow: 'close', maxMessages: 10_000 } },
    // A check every 4 s: the value a newcomer gets right after the restart is the last one checked
    // before it (same check time), not a new check.
    elstat: { enabled: true, services: [{ name: 'web', adapter: 'http', target: target.url, intervalMs: 4_000, timeoutMs: 1_000 }] },
  });
  t.after(() => cluster.close());
  const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];

  const producer = await steadyProducer(a.port('match'), MATCH, 5); // 200 frames/s, as in the issue
  t.after(() => producer.stop());
  const viewerUrl = (port: number) => `ws://127.0.0.1:${port}/v1/match/${MATCH}`;
  const attached = [await connectWhenAccepted(viewerUrl(b.port('match')), 15_000), await connectWhenAccepted(viewerUrl(a.port('match')), 15_000)];
  const statusBefore = await connect(`ws://127.0.0.1:${b.port('elstat')}/api/streaming`);
  await subscribe(statusBefore, ['status:web']);
  await statusBefore.until((m) => values(m, 'status:web').length >= 1, 20_000);
  for (const v of attached) await v.until(() => stateTimes(v).length >= 100, 15_000);

  const checkTimesBefore = statusBefore.messages.filter((m): m is DataFrame => isData(m, 'status:web')).map((m) => m.d[0]);
  await shutdownNosave(cluster.redis);
  await cluster.redis.restart();
  const back = Date.now();

  // A newcomer on the node without the producer: hello → MatchInit → live, within 5 s.
  const late = await connectWhenAccepted(viewerUrl(b.port('match')), 5_000);
  const joinedAfterMs = Date.now() - back;
  await late.until(() => stateTimes(late).length >= 20, 10_000);
  const types = framesOf(late).map((m) => m.type);
  assert.equal(types[0], 'hello');
  assert.equal(types[1], 'match.init', 'the MatchInit was published again after the data loss');
  assert.equal(framesOf(late)[1]!.match_id, MATCH);
  assert.ok(types.slice(2).every((ty) => ty === 'state'), `then live frames only: ${types.slice(0, 8).join(',')}`);
  assert.ok(joinedAfterMs <= 5_000, `joined ${joinedAfterMs} ms after Redis was back`);

  // elstat: a newcomer's first value is the last one checked before the data loss, republished.
  const statusAfter = await connect(`ws://127.0.0.1:${b.port('elstat')}/api/streaming`);
  await subscribe(statusAfter, ['status:web']);
  await statusAfter.until((m) => values(m, 'status:web').length >= 1, 5_000);
  const firstAfter = statusAfter.messages.find((m) => isData(m, 'status:web')) as DataFrame;
  assert.ok(checkTimesBefore.includes(firstAfter.d[0]), `the newcomer's value was checked before the restart (${firstAfter.d[0]} in ${checkTimesBefore.join(',')})`);

  // Let traffic run in the new epoch, then stop and account for every frame at the attached viewers.
  const until = producer.sent + 200;
  await eventually(() => producer.sent >= until, 'more frames in the new epoch', 20_000);
  producer.stop();
  const sent = producer.sent;
  const refused = producer.publishFailures();
  await eventually(() => attached.every((v) => stateTimes(v).includes(sent)), 'the last frame at every attached viewer', 20_000);
  const report = attached.map((v) => account(v, sent, refused));
  const initsSeen = attached.map((v) => framesOf(v).filter((m) => m.type === 'match.init').length);
  console.log(JSON.stringify({ scenario: 'redis shutdown nosave + restart', joinedAfterMs, sent, refused, viewers: report, initsSeen }));
  for (const r of report) {
    assert.equal(r.lost, 0, 'nothing the broker accepted is lost');
    assert.equal(r.duplicated, 0);
    assert.equal(r.reordered, 0);
  }
  // The attached viewers got the MatchInit once more, at the start of the new epoch.
  for (const n of initsSeen) assert.equal(n, 2);
  for (const c of [...attached, late, statusBefore, statusAfter]) c.close();
});

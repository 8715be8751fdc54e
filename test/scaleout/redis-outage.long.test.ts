/**
 * Redis faults under a 200 frames/s match producer, with real node processes and a real
 * redis-server (issue 15):
 * - item 4: a 5.5 s outage. Every publish fails meanwhile; the producer's node logged one warning
 *   per failed publish (1,090 lines). Now each repeated warning is logged once, then summarised
 *   with a count (src/util/throttled-log.ts): the test counts the node's warning lines.
 * - the stall: Redis SIGSTOPped for 7 s, then SIGCONT. Publishes in flight time out (the producer
 *   is told `publish_failed`) though Redis may still run them; every frame the broker accepted
 *   reaches every attached viewer once, in order.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { eventually } from '../helpers/eventually.js';
import { startProcessCluster, type NodeProcess } from './node-processes.js';
import { account, connectWhenAccepted, FAST_SHUTDOWN, INGEST_TOKEN, redisPid, stateTimes, steadyProducer } from './fault-traffic.js';

const match = {
  enabled: true,
  perIpMax: 100,
  // In-flight publishes during a 7 s stall (≈ 1,000 at 200/s until the 5 s command timeout) stay under the guard.
  ingest: { token: INGEST_TOKEN, maxInflight: 4_096 },
  replayWindowMs: 600_000,
  idleTtlMs: 600_000,
  queue: { overflow: 'close', maxMessages: 10_000 },
};

type LogLine = { level: number; msg: string; repeated?: number };

it('a 5.5 s Redis outage at 200 messages/s: each repeated warning is logged once, then counted', async (t) => {
  const cluster = await startProcessCluster(1, { server: FAST_SHUTDOWN, match });
  t.after(() => cluster.close());
  const node = cluster.nodes[0]!;
  const producer = await steadyProducer(node.port('match'), 'outage-final', 5);
  t.after(() => producer.stop());
  const viewer = await connectWhenAccepted(`ws://127.0.0.1:${node.port('match')}/v1/match/outage-final`, 15_000);
  t.after(() => viewer.close());
  await viewer.until(() => stateTimes(viewer).length >= 50, 15_000);

  // node.output() keeps the last 8 kB: count the lines as they come instead.
  const seen: LogLine[] = [];
  let buffered = '';
  const onData = (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const l of lines) {
      if (!l.startsWith('{')) continue;
      try {
        const line = JSON.parse(l) as LogLine;
        if (line.level >= 40) seen.push(line);
      } catch {
        // not a log line
      }
    }
  };
  node.child.stdout!.on('data', onData);
  node.child.stderr!.on('data', onData);
  const failuresBefore = producer.publishFailures();
  await cluster.redis.stop();
  const outageStart = Date.now();
  await eventually(() => producer.publishFailures() - failuresBefore >= 200, 'publishes to fail during the outage', 20_000);
  await eventually(() => Date.now() - outageStart >= 5_500, 'the outage to last 5.5 s', 10_000, 50);
  await cluster.redis.restart();
  // Recovery: frames reach the viewer again.
  const resumedFrom = producer.sent;
  await viewer.until(() => stateTimes(viewer).some((x) => x > resumedFrom), 20_000);
  producer.stop();
  const failed = producer.publishFailures() - failuresBefore;
  const publishLines = () => seen.filter((l) => l.msg.startsWith('match ingest publish failed'));
  // A first occurrence counts one; a summary line counts what it says it suppressed.
  const counted = () => publishLines().reduce((n, l) => n + (l.repeated ?? 1), 0);
  // Summaries come at most every 5 s: wait (on the log lines) until they account for every failure.
  await eventually(() => counted() >= failed, 'the summary lines to account for every failure', 20_000, 100).catch((err: Error) => {
    throw new Error(`${err.message}: ${counted()} of ${failed} in ${JSON.stringify(publishLines().map((l) => l.repeated ?? 1))}`);
  });
  console.log(JSON.stringify({ scenario: 'redis outage 5.5 s at 200/s', failedPublishes: failed, warningLines: seen.length, publishFailedLines: publishLines().length, countedInLines: counted(), messages: [...new Set(seen.map((l) => l.msg))] }));
  assert.ok(failed >= 200, `the outage failed ${failed} publishes`);
  assert.ok(publishLines().length >= 1 && publishLines().length <= 6, `${publishLines().length} publish-failure lines for ${failed} failures`);
  assert.equal(counted(), failed, 'the lines still account for every failure (first + repeated counts)');
  assert.ok(seen.length <= 20, `${seen.length} warning lines in all`);
});

it('Redis SIGSTOPped for 7 s under traffic, then SIGCONT: nothing accepted is lost, duplicated or reordered', async (t) => {
  const cluster = await startProcessCluster(2, { server: FAST_SHUTDOWN, match });
  const pid = await redisPid(cluster.redis);
  t.after(async () => {
    process.kill(pid, 'SIGCONT');
    await cluster.close();
  });
  const [a, b] = cluster.nodes as [NodeProcess, NodeProcess];
  const producer = await steadyProducer(a.port('match'), 'stall-final', 5);
  t.after(() => producer.stop());
  const url = (n: NodeProcess) => `ws://127.0.0.1:${n.port('match')}/v1/match/stall-final`;
  const attached = [await connectWhenAccepted(url(b), 15_000), await connectWhenAccepted(url(a), 15_000)];
  t.after(() => attached.forEach((v) => v.close()));
  for (const v of attached) await v.until(() => stateTimes(v).length >= 100, 15_000);

  process.kill(pid, 'SIGSTOP');
  const stoppedAt = Date.now();
  await eventually(() => Date.now() - stoppedAt >= 7_000, 'the 7 s stall', 15_000, 50);
  process.kill(pid, 'SIGCONT');
  const resumedFrom = producer.sent;
  for (const v of attached) await v.until(() => stateTimes(v).some((x) => x > resumedFrom + 100), 30_000);
  producer.stop();
  const sent = producer.sent;
  const refused = producer.publishFailures();
  await eventually(() => attached.every((v) => stateTimes(v).includes(sent)), 'the last frame at every viewer', 20_000);
  const report = attached.map((v) => account(v, sent, refused));
  console.log(JSON.stringify({ scenario: 'redis SIGSTOP 7 s + SIGCONT', sent, refused, viewers: report }));
  for (const r of report) {
    assert.equal(r.lost, 0);
    assert.equal(r.duplicated, 0);
    assert.equal(r.reordered, 0);
  }
});

/**
 * Issue 15 item 6: a healthy start on a real Redis logs no warning (it logged `cluster counters:
 * sync failed … enableOfflineQueue`: the caps table synced before the connection was ready), and
 * the cluster services of disabled dialects never run (the nova viewer table and the elstat
 * prober lease ran on every node). One real node process with only match enabled.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { eventually } from '../helpers/eventually.js';
import { startProcessCluster } from './node-processes.js';
import { FAST_SHUTDOWN, INGEST_TOKEN } from './fault-traffic.js';

/** pino's numeric levels: 40 warn, 50 error, 60 fatal. */
const WARN = 40;

it('a healthy start logs no warning and runs no cluster service of a disabled dialect', async (t) => {
  const cluster = await startProcessCluster(1, { server: FAST_SHUTDOWN, match: { enabled: true, ingest: { token: INGEST_TOKEN } } });
  t.after(() => cluster.close());
  const node = cluster.nodes[0]!;
  // The match caps table is the one cluster service this node needs: once it has synced, whatever
  // the start logged is in the output.
  await eventually(async () => (await cluster.redis.command('SCARD', 'streamhub:caps:match:nodes')).startsWith(':1'), 'the caps table to sync', 20_000);
  const lines = node
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string });
  const warnings = lines.filter((l) => l.level >= WARN);
  assert.deepEqual(warnings.map((l) => l.msg), [], 'no warning at a healthy start');
  // Disabled dialects' services: no nova viewer table, no elstat prober lease.
  assert.equal((await cluster.redis.command('EXISTS', 'streamhub:nova-viewers:nodes')).trim(), ':0');
  assert.equal((await cluster.redis.command('EXISTS', 'streamhub:leader:elstat-prober')).trim(), ':0');
});

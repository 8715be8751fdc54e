/**
 * What presence costs on a 100,000-member channel (issue 18: "counts that stay cheap for 100,000-member
 * channels"; PROTOCOL.md §12). Not a test: run `node --import tsx test/streamhub/presence-measure.ts [members]`.
 * One PresenceRegistry on the Redis engine (a redis-server this script starts) and one on the
 * in-process engine, in the same run: N joins on one channel (1,000 per event-loop turn, as a burst
 * of subscribes would come), 100,000 count reads, one member listing, then N leaves. Prints one JSON
 * line per engine: this process's CPU ticks (user+sys from /proc/self/stat) per phase, and for Redis
 * the commands it received (INFO commandstats) and the entries it holds.
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { createClusterCoordination } from '../../src/cluster/index.js';
import { localCoordination } from '../../src/coordination/local.js';
import type { CoordinationPorts } from '../../src/coordination/ports.js';
import { PresenceRegistry } from '../../src/dialects/streamhub/presence.js';
import { silentLogger } from '../../src/log.js';
import { startRedis } from '../helpers/redis-server.js';

const N = Number(process.argv[2] ?? 100_000);
const PER_TURN = 1_000;
const CHANNEL = 'streamhub:big';
const BOUNDS = { maxMembersListed: 100, maxJoinLeaveMembers: 1_000 }; // the defaults

/** user+sys clock ticks of this process so far. */
function cpuTicks(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

const turn = () => new Promise<void>((r) => setImmediate(r));

async function run(name: string, ports: CoordinationPorts, redisCalls: () => Promise<number>, settle: () => Promise<void>, kept: () => Promise<number | null>) {
  const registry = new PresenceRegistry(BOUNDS, ports.counters('streamhub.presence'), ports.members('streamhub.members'));
  const calls0 = await redisCalls();
  let t = cpuTicks();
  for (let i = 0; i < N; i++) {
    registry.join(CHANNEL, { client: `c${i}`, user: `u${i % 5_000}`, info: { name: `member ${i}` } }, null);
    if (i % PER_TURN === PER_TURN - 1) await turn();
  }
  await settle();
  const joinTicks = cpuTicks() - t;
  const callsJoin = (await redisCalls()) - calls0;
  const keptAfterJoins = await kept();
  t = cpuTicks();
  let count = 0;
  for (let i = 0; i < 100_000; i++) count = (await registry.snapshot(CHANNEL, false, 100)).count;
  const countTicks = cpuTicks() - t;
  const listed = await registry.snapshot(CHANNEL, true, 100);
  t = cpuTicks();
  for (let i = 0; i < N; i++) {
    registry.leave(CHANNEL, `c${i}`, null);
    if (i % PER_TURN === PER_TURN - 1) await turn();
  }
  await settle();
  const leaveTicks = cpuTicks() - t;
  const callsAll = (await redisCalls()) - calls0;
  return { engine: name, members: N, joinTicks, count, countReads: 100_000, countTicks, listed: listed.members?.length, truncated: listed.truncated, leaveTicks, redisCommandsForJoins: callsJoin, redisCommandsTotal: callsAll, keptAfterJoins };
}

const redis = await startRedis();
const admin = new Redis(redis.url);
const commands = async () => {
  const info = await admin.info('commandstats');
  let calls = 0;
  for (const m of info.matchAll(/calls=(\d+)/g)) calls += Number(m[1]);
  return calls;
};
const engine = createClusterCoordination({ url: redis.url, keyPrefix: 'm:', nodeId: 'measure' }, silentLogger);
await engine.ready();
// Settled: this node's pipelines answered (a PING on the same connection comes back after them).
const settleRedis = async () => {
  await new Promise((r) => setTimeout(r, 50));
  await admin.ping();
};
const onRedis = await run('redis', engine.ports, commands, settleRedis, async () => admin.hlen(`m:streamhub.members:m:measure:${CHANNEL}`));
const local = await run('local', localCoordination(), async () => 0, async () => undefined, async () => null);
for (const line of [onRedis, local]) console.log(JSON.stringify(line));
console.log(JSON.stringify({ ratio: 'redis/local', join: +(onRedis.joinTicks / Math.max(1, local.joinTicks)).toFixed(2), leave: +(onRedis.leaveTicks / Math.max(1, local.leaveTicks)).toFixed(2), clkTck: 100 }));
await engine.close();
admin.disconnect();
await redis.stop();

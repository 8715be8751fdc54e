/**
 * The Redis engine (src/cluster/) chosen by `createCoordination` when a Redis URL is set: the
 * ports contract on a real redis-server, plus what only Redis has: the keys each port writes
 * (docs/cluster.md "Coordination keys", unchanged by the ports), nothing written before a port is
 * first asked for (issue 15 item 6), and the health of the connection.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCoordination } from '../../src/coordination/index.js';
import { silentLogger } from '../../src/log.js';
import { eventually } from '../helpers/eventually.js';
import { startRedis, type RedisUnderTest } from '../helpers/redis-server.js';
import { portsContract } from './ports.contract.js';

const FAST = { leaseTtlMs: 600, syncIntervalMs: 100, nodeTtlMs: 400, commandTimeoutMs: 1_000, reconnectMaxDelayMs: 100 };

let redis: RedisUnderTest;
let engines = 0;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

/** An engine on its own key prefix, connected. */
async function engine(keyPrefix = `e${(engines += 1)}:`) {
  const e = await createCoordination({ redisUrl: redis.url }, silentLogger, { ...FAST, keyPrefix });
  await e.ready();
  return e;
}

/** The keys under `prefix`, sorted. */
async function keys(prefix: string): Promise<string[]> {
  const reply = await redis.command('KEYS', `${prefix}*`);
  return [...reply.matchAll(/^\$\d+\r\n(.*)$/gm)].map((m) => m[1]!).sort();
}

portsContract('redis', () => engine());

describe('redis coordination engine', () => {
  it('writes nothing until a port is asked for, then exactly the documented keys', async () => {
    const e = await engine('k1:');
    assert.deepEqual(await keys('k1:'), [], 'a connected engine with no port in use writes nothing');
    const claim = await e.ports.claims('pub').claim('chan:1', { holderId: 'h', digest: 'd' });
    assert.ok(claim);
    assert.match(await redis.command('GET', 'k1:pub:chan:1'), /"publishId":"h","keyDigest":"d"/, 'the stored format nodes wrote before the ports');
    e.ports.lease('prober');
    e.ports.limiter('dialect', { perIpMax: 1, totalMax: 1 }).tryAcquire('10.0.0.1');
    e.ports.counters('viewers').adjust('s', 1);
    const expected = ['k1:caps:dialect:nodes', 'k1:leader:prober', 'k1:pub:chan:1', 'k1:viewers:nodes'];
    // The lease and the tables start once asked for, at their first attempt or sync.
    const all = await eventually(async () => {
      const now = await keys('k1:');
      return expected.every((k) => now.includes(k)) && now.length === expected.length + 2 ? now : null;
    }, 'the keys of all four ports', 3_000);
    assert.equal(all.filter((k) => /^k1:(caps:dialect|viewers):n:/.test(k)).length, 2, 'one node entry per counter table');
    await e.close();
    assert.deepEqual(await keys('k1:'), [], 'a clean close releases the claim and the lease and deletes this node\'s entries');
  });

  it('a claim written by another node in the stored format is read back; an unreadable value counts as free', async () => {
    const e = await engine('k2:');
    await redis.command('SET', 'k2:pub:x', '{"publishId":"other","keyDigest":"z"}');
    assert.deepEqual(await e.ports.claims('pub').current('x'), { holderId: 'other', digest: 'z' });
    await redis.command('SET', 'k2:pub:y', 'not json');
    assert.equal(await e.ports.claims('pub').current('y'), null);
    await e.close();
  });

  it('health follows the connection; a URL that is not redis:// is refused at once', async () => {
    const e = await engine('k3:');
    assert.equal(e.health().ok, true);
    assert.match(e.health().detail, /^cluster node /);
    await e.close();
    await e.close(); // idempotent
    assert.equal(e.health().ok, false);
    await assert.rejects(createCoordination({ redisUrl: 'http://127.0.0.1:1' }, silentLogger), /redis:\/\//);
  });
});

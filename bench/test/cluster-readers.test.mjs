// The extra Redis readers of `--scenarios=cluster` (src/cluster-systems.mjs) price one more reading
// node in Redis: they must really be subscribed to every topic the nodes are (PUBSUB NUMSUB) and
// receive what is published, or the phase measures nothing. A real redis-server on a free port.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { pubsubReaders, streamReaders } from '../src/cluster-systems.mjs';
import { startRedis } from '../src/redis-server.mjs';

let redis;
let node;
let client;
before(async () => {
  redis = await startRedis('0-1');
  client = new Redis(redis.url);
  node = new Redis(redis.url); // stands for a node's subscriber connection
  await node.subscribe('streamhub:pub:match:a', 'streamhub:pub:match:b');
});
after(async () => {
  node.disconnect();
  client.disconnect();
  await redis.stop();
});

const until = async (check) => {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 25));
};

test('pub/sub readers subscribe to every topic a node has and receive its publishes', async () => {
  const readers = await pubsubReaders([redis], 3);
  try {
    await until(async () => (await client.pubsub('NUMSUB', 'streamhub:pub:match:b'))[1] === 4);
    assert.deepEqual(await client.pubsub('NUMSUB', 'streamhub:pub:match:a', 'streamhub:pub:match:b'), ['streamhub:pub:match:a', 4, 'streamhub:pub:match:b', 4]);
    const before = readers.received();
    for (let i = 0; i < 10; i++) await client.publish('streamhub:pub:match:a', 'x'.repeat(200));
    await until(() => readers.received() - before >= 3 * 10 * 200);
    assert.ok(readers.received() - before >= 3 * 10 * 200, `${readers.received() - before} bytes`);
  } finally {
    await readers.close();
  }
});

test('stream readers read every entry added after they start', async () => {
  const readers = await streamReaders([redis], 2, 'bench-stream');
  try {
    await new Promise((r) => setTimeout(r, 200)); // their XREAD from `$` is in flight
    for (let i = 0; i < 50; i++) await client.xadd('bench-stream', '*', 'm', String(i));
    await until(() => readers.received() === 100);
    assert.equal(readers.received(), 100);
  } finally {
    await readers.close();
  }
});

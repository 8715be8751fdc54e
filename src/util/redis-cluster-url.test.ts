/** The Redis Cluster URL scheme and the key slot (issue 17 "Past one Redis" (b)). */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { StreamHubError } from '../errors.js';
import { keySlot } from './redis-cluster-slot.js';
import { isClusterUrl, isRedisUrl, parseClusterUrl } from './redis-cluster-url.js';

it('the slot of a key is CRC16 of its hash tag mod 16384, as Redis computes it (values from CLUSTER KEYSLOT)', () => {
  // Checked against redis-server 7.0's CLUSTER KEYSLOT (the test cluster also compares them live).
  assert.equal(keySlot('foo'), 12182);
  assert.equal(keySlot('123456789'), 12739);
  assert.equal(keySlot('streamhub:{match:1}:meta'), 11200);
  assert.equal(keySlot('a{b}c'), keySlot('b'), 'only the tag is hashed');
  assert.equal(keySlot('x{}{y}'), 14166, 'an empty first tag: the whole key is hashed');
  assert.equal(keySlot('{a'), 10276, 'no closing brace: the whole key');
  assert.equal(keySlot('streamhub:{match:1}:pub'), keySlot('streamhub:{match:1}:meta'), "a channel's topic and keys share a slot");
});

it('a redis+cluster:// URL names the seeds, the credentials and TLS; a redis:// URL is not a cluster', () => {
  assert.equal(isClusterUrl('redis://127.0.0.1:6379'), false);
  assert.equal(isClusterUrl('redis+cluster://127.0.0.1:7000'), true);
  assert.equal(isRedisUrl('rediss+cluster://h:1'), true);
  assert.equal(isRedisUrl('http://h:1'), false);
  assert.deepEqual(parseClusterUrl('redis+cluster://u:p%40ss@10.0.0.1:7000/?seeds=10.0.0.2:7001,[::1]:7002'), {
    seeds: [
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
      { host: '::1', port: 7002 },
    ],
    username: 'u',
    password: 'p@ss',
    tls: false,
  });
  assert.equal(parseClusterUrl('rediss+cluster://h:7000').tls, true);
  assert.throws(() => parseClusterUrl('redis+cluster://h:7000/?seeds=h2:notaport'), (err: unknown) => err instanceof StreamHubError && err.code === 'ERR_CONFIG');
  assert.throws(
    () => parseClusterUrl('redis://:secret@h:7000'),
    (err: unknown) => err instanceof StreamHubError && !String(err.message).includes('secret'),
    'the URL (it may carry a password) is never echoed',
  );
});

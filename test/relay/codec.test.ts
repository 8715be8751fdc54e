import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/index.js';
import { decodeControl, encodeControl, keyDigest, parseRelayPath } from '../../src/dialects/relay/codec.js';

describe('relay codec: the URL (notes §3.2)', () => {
  it('accepts the four kinds and ids of letters (either case), digits, - and _ up to 128', () => {
    for (const kind of ['publish', 'receive', 'receive-clear-cache', 'probe']) {
      assert.deepEqual(parseRelayPath(`/My_Chan-1/Key-2_x/${kind}`), { ok: true, channel: 'My_Chan-1', key: 'Key-2_x', kind });
    }
    assert.equal(parseRelayPath(`/${'a'.repeat(128)}/k/receive`).ok, true);
  });

  it('refuses with the original texts', () => {
    assert.equal(body(`/${'a'.repeat(129)}/k/receive`), 'Invalid channel.');
    assert.equal(body('/a.b/k/receive'), 'Invalid channel.');
    assert.equal(body('/c/k%20y/receive'), 'Invalid key.');
    assert.equal(body(`/c/${'k'.repeat(129)}/receive`), 'Invalid key.');
    assert.equal(body('/c/k/play'), 'Invalid connection kind.');
    // The raw URI is split: a query string, a trailing slash or extra segments break matching.
    assert.equal(body('/c/k/receive?x=1'), 'Invalid connection kind.');
    assert.equal(body('/c/k/receive/'), 'Not found.');
    assert.equal(body('/c/k'), 'Not found.');
    assert.equal(body('/'), 'Not found.');
  });
});

describe('relay codec: control messages', () => {
  it('round-trips start, end and clear, and rejects anything else', () => {
    for (const c of [
      { type: 'start', publishId: 'p1', keyDigest: keyDigest('k') },
      { type: 'end', publishId: 'p1' },
      { type: 'clear', publishId: 'p2' },
    ] as const) {
      assert.deepEqual(decodeControl(encodeControl(c)), c);
    }
    for (const bad of ['', 'start p1', 'end', 'clear a b', 'x p1', '\u0000'.repeat(300)]) {
      assert.equal(decodeControl(new TextEncoder().encode(bad)), null);
    }
  });

  it('digests keys: equal keys equal digests, the key itself never appears', () => {
    assert.equal(keyDigest('secret'), keyDigest('secret'));
    assert.notEqual(keyDigest('secret'), keyDigest('secreT'));
    assert.ok(!keyDigest('secret').includes('secret'));
  });
});

describe('relay config: the original env names', () => {
  it('maps MAX_IP_CONCURRENT_CONNECTIONS, the allow-lists, GOP_CACHE_SIZE_MB (MiB) and KEY_VERIFICATION_URL', () => {
    const relay = parseConfig({
      env: {
        MAX_IP_CONCURRENT_CONNECTIONS: '7',
        CONCURRENT_LIMIT_WHITELIST: '10.0.0.0/8, 127.0.0.1',
        PLAY_WHITELIST: '*',
        GOP_CACHE_SIZE_MB: '3',
        KEY_VERIFICATION_URL: 'http://127.0.0.1:9/verify',
        STREAMHUB_RELAY_PORT: '5003',
      },
    }).relay;
    assert.equal(relay.perIpMax, 7);
    assert.deepEqual(relay.concurrentLimitWhitelist, ['10.0.0.0/8', '127.0.0.1']);
    assert.deepEqual(relay.playWhitelist, ['*']);
    assert.equal(relay.gopCacheBytes, 3 * 1024 * 1024);
    assert.equal(relay.keyVerification.url, 'http://127.0.0.1:9/verify');
    assert.equal(relay.port, 5003);
  });

  it('has the documented defaults', () => {
    const relay = parseConfig({}).relay;
    assert.equal(relay.port, 4003);
    assert.equal(relay.perIpMax, 4);
    assert.equal(relay.gopCacheBytes, 256 * 1024 * 1024);
    assert.equal(relay.chunkOverheadBytes, 16);
    assert.equal(relay.maxChunkBytes, 64 * 1024 * 1024);
    assert.equal(relay.heartbeatIntervalMs, 20_000);
    assert.equal(relay.idleTimeoutMs, 60_000);
    assert.equal(relay.keyVerification.url, null);
    assert.equal(relay.keyVerification.timeoutMs, 20_000);
    assert.equal(relay.queue.overflow, 'close');
    assert.equal(relay.pinFirstChunk, true);
  });
});

function body(url: string): string | undefined {
  const r = parseRelayPath(url);
  return r.ok ? undefined : r.body;
}

import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { capKey, clientIp, createIpMatcher, normaliseIp } from './client-ip.js';
import { ConnectionLimiter } from './connection-limiter.js';
import { safeEqual } from './http-reply.js';

const req = (peer: string, xff?: string) =>
  ({ socket: { remoteAddress: peer }, headers: xff ? { 'x-forwarded-for': xff } : {} }) as unknown as IncomingMessage;

describe('client IP', () => {
  it('ignores X-Forwarded-For from an untrusted peer', () => {
    const trusted = createIpMatcher([]);
    assert.equal(clientIp(req('::ffff:203.0.113.9', '1.2.3.4'), trusted), '203.0.113.9');
  });

  it('believes X-Forwarded-For from a trusted proxy, taking the rightmost untrusted hop', () => {
    const trusted = createIpMatcher(['10.0.0.0/8', '127.0.0.1']);
    assert.equal(clientIp(req('127.0.0.1', '198.51.100.7'), trusted), '198.51.100.7');
    // A client-supplied spoofed hop on the left is ignored.
    assert.equal(clientIp(req('127.0.0.1', '6.6.6.6, 198.51.100.7, 10.1.2.3'), trusted), '198.51.100.7');
    assert.equal(clientIp(req('10.9.9.9'), trusted), '10.9.9.9');
  });

  it('matches IPv6 blocks and refuses malformed entries', () => {
    const m = createIpMatcher(['2001:db8::/32']);
    assert.equal(m('2001:db8::1'), true);
    assert.equal(m('2001:db9::1'), false);
    assert.throws(() => createIpMatcher(['not-an-ip']), /not an IP/);
    assert.equal(normaliseIp('::ffff:10.0.0.1'), '10.0.0.1');
  });

  it('keys IPv6 clients by prefix (default /64) and IPv4-mapped ones as IPv4 (issue 20)', () => {
    assert.equal(capKey('2001:db8:1:2::9'), capKey('2001:db8:1:2:ffff:ffff:ffff:ffff'));
    assert.notEqual(capKey('2001:db8:1:2::9'), capKey('2001:db8:1:3::9'));
    assert.equal(capKey('2001:db8:1:2::9'), '2001:db8:1:2:0:0:0:0/64');
    assert.equal(capKey('2001:db8:1:2::9', 48), capKey('2001:db8:1:ffff::1', 48));
    assert.notEqual(capKey('2001:db8::1', 128), capKey('2001:db8::2', 128));
    assert.equal(capKey('2001:db8::1.2.3.4', 128), '2001:db8:0:0:0:0:102:304/128');
    assert.equal(capKey('::ffff:198.51.100.7'), '198.51.100.7');
    assert.equal(capKey('::ffff:c633:6407'), '198.51.100.7');
    assert.equal(capKey('198.51.100.7'), '198.51.100.7');
    assert.equal(capKey('fe80::1%eth0'), 'fe80:0:0:0:0:0:0:0/64');
    assert.equal(capKey('unknown'), 'unknown');
  });
});

describe('ConnectionLimiter', () => {
  it('caps per IP and in total, and frees slots on release (once per lease)', () => {
    const limiter = new ConnectionLimiter(2, 3);
    const a1 = limiter.tryAcquire('a');
    const a2 = limiter.tryAcquire('a');
    assert.deepEqual(limiter.tryAcquire('a'), { refused: 'per_ip' });
    const b1 = limiter.tryAcquire('b');
    assert.deepEqual(limiter.tryAcquire('c'), { refused: 'total' });
    assert.ok('release' in a1 && 'release' in a2 && 'release' in b1);
    a1.release();
    a1.release();
    assert.equal(limiter.total, 2);
    assert.ok('release' in limiter.tryAcquire('a'));
  });

  it('counts the addresses of one IPv6 /64 together, and checks the allow-list on the full address', () => {
    const limiter = new ConnectionLimiter(1, 10, (ip) => ip === '2001:db8::f');
    assert.ok('release' in limiter.tryAcquire('2001:db8::1'));
    assert.deepEqual(limiter.tryAcquire('2001:db8::2'), { refused: 'per_ip' });
    assert.ok('release' in limiter.tryAcquire('2001:db8::f'));
    assert.equal(limiter.countFor('2001:db8::3'), 2);
  });

  it('lets allow-listed addresses past the per-IP cap but not the total', () => {
    const limiter = new ConnectionLimiter(1, 3, (ip) => ip === 'friend');
    for (let i = 0; i < 3; i++) assert.ok('release' in limiter.tryAcquire('friend'));
    assert.deepEqual(limiter.tryAcquire('friend'), { refused: 'total' });
  });
});

it('safeEqual compares secrets of any length', () => {
  assert.equal(safeEqual('secret', 'secret'), true);
  assert.equal(safeEqual('secret', 'secreT'), false);
  assert.equal(safeEqual('', 'secret'), false);
  assert.equal(safeEqual('secret-but-longer', 'secret'), false);
});

/**
 * The prober against real targets started here (notes §5.3 "Service checker"): services go down
 * and come back, and real `ws` clients see it as DATA, in order, after every check.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { isData, startElstat, startHttpTarget, startTcpTarget, subscribe, values } from './fixtures.js';

it('an http service goes down (503, then refused) and comes back, seen as DATA in order', async (t) => {
  const target = await startHttpTarget();
  t.after(() => target.stop());
  const h = await startElstat({ services: [{ name: 'web', adapter: 'http', target: target.url, intervalMs: 1000, timeoutMs: 500 }] });
  t.after(() => h.close());
  const c = await h.client();
  t.after(() => c.close());
  assert.deepEqual(await subscribe(c, ['status:web', 'latency:web']), ['status:web', 'latency:web']);
  const step = async (n: number) => c.until((ms) => values(ms, 'latency:web').length >= n);
  await step(1);
  target.status = 503;
  h.clock.advance(1000);
  await step(2);
  await target.stop();
  h.clock.advance(1000);
  await step(3);
  target.status = 200;
  await target.start();
  h.clock.advance(1000);
  await step(4);
  assert.deepEqual(values(c.messages, 'status:web'), [true, false, false, true]);
  // DATA is {op:3, c, d:[unix_ms, value]} with the check's start time on the injected clock; status before latency.
  const data = c.messages.filter((m) => isData(m));
  assert.equal(data.length, 8);
  data.forEach((m, i) => {
    assert.equal(m.c, i % 2 === 0 ? 'status:web' : 'latency:web');
    assert.equal(m.d[0], 1_700_000_000_000 + Math.floor(i / 2) * 1000);
  });
  for (const latency of values(c.messages, 'latency:web')) assert.ok(Number.isInteger(latency) && (latency as number) >= 0);
  assert.equal(values(c.messages, 'latency:web')[2], 0, 'a refused check has latency 0');
});

it('a tcp service goes down and comes back, seen by two clients in order', async (t) => {
  const target = await startTcpTarget();
  t.after(() => target.stop());
  const h = await startElstat({ services: [{ name: 'db', adapter: 'tcp', target: target.target, intervalMs: 5000 }] });
  t.after(() => h.close());
  const a = await h.client();
  const b = await h.client();
  t.after(() => (a.close(), b.close()));
  await subscribe(a, ['status:db']);
  await subscribe(b, ['status:db', 'latency:db']);
  await a.until((ms) => values(ms, 'status:db').length >= 1);
  await b.until((ms) => values(ms, 'latency:db').length >= 1);
  await target.stop();
  h.clock.advance(5000);
  await b.until((ms) => values(ms, 'latency:db').length >= 2);
  await target.start();
  h.clock.advance(5000);
  await b.until((ms) => values(ms, 'latency:db').length >= 3);
  await a.until((ms) => values(ms, 'status:db').length >= 3);
  assert.deepEqual(values(a.messages, 'status:db'), [true, false, true]);
  assert.deepEqual(values(b.messages, 'status:db'), [true, false, true]);
  assert.equal(a.messages.filter((m) => isData(m, 'latency:db')).length, 0, 'a gets only what it subscribed to');
});

it('each service has its own interval, and a check that does not answer within its timeout is down', async (t) => {
  const fast = await startTcpTarget();
  const slow = await startHttpTarget();
  slow.hang = true;
  t.after(() => Promise.all([fast.stop(), slow.stop()]));
  const h = await startElstat({
    services: [
      { name: 'fast', adapter: 'tcp', target: fast.target, intervalMs: 1000, timeoutMs: 500 },
      { name: 'hung', adapter: 'http', target: slow.url, intervalMs: 3000, timeoutMs: 800 },
    ],
  });
  t.after(() => h.close());
  const c = await h.client();
  t.after(() => c.close());
  await subscribe(c, ['latency:fast', 'latency:hung', 'status:hung']);
  await c.until((ms) => values(ms, 'latency:fast').length >= 1);
  // The hung check is still waiting; its timeout (800 ms on the injected clock) makes it down.
  assert.equal(values(c.messages, 'status:hung').length, 0);
  h.clock.advance(800);
  await c.until((ms) => values(ms, 'latency:hung').length >= 1);
  assert.deepEqual(values(c.messages, 'status:hung'), [false]);
  // hung's next check starts 3000 ms after its first ended (t=3800); fast checks every 1000 ms meanwhile.
  for (let i = 2; i <= 3; i++) {
    h.clock.advance(1000);
    await c.until((ms) => values(ms, 'latency:fast').length >= i);
  }
  assert.equal(values(c.messages, 'latency:hung').length, 1);
  h.clock.advance(1000); // t=3800: fast's 4th check and hung's 2nd start
  await c.until((ms) => values(ms, 'latency:fast').length >= 4);
  h.clock.advance(800);
  await c.until((ms) => values(ms, 'latency:hung').length >= 2);
  assert.equal(slow.requests, 2);
  const status = (await (await fetch(`${h.base}/api/status`)).json()) as Record<string, { detail: string }>;
  assert.match(status.hung!.detail, /timed out after 800 ms/);
});

it('ping adapter: the system command is used when present, and reported unavailable when not', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'elstat-ping-'));
  // A stand-in for iputils ping: prints its arguments' host and a reply line, as ping -c 1 does.
  const fake = join(dir, 'ping');
  writeFileSync(fake, '#!/bin/sh\nfor a; do host="$a"; done\necho "64 bytes from $host: icmp_seq=1 ttl=64 time=3.6 ms"\n[ "$host" = 127.0.0.1 ] || exit 1\n');
  chmodSync(fake, 0o755);
  const up = await startElstat({ pingCommand: fake, services: [{ name: 'lo', adapter: 'ping', target: '127.0.0.1' }, { name: 'far', adapter: 'ping', target: 'unreachable.invalid' }] });
  t.after(() => up.close());
  const c = await up.client();
  t.after(() => c.close());
  await subscribe(c, ['status:lo', 'latency:lo', 'status:far']);
  await c.until((ms) => values(ms, 'latency:lo').length >= 1 && values(ms, 'status:far').length >= 1);
  assert.deepEqual(values(c.messages, 'status:lo'), [true]);
  assert.deepEqual(values(c.messages, 'latency:lo'), [4]);
  assert.deepEqual(values(c.messages, 'status:far'), [false]);

  const missing = await startElstat({ pingCommand: join(dir, 'no-such-ping'), services: [{ name: 'lo', adapter: 'ping', target: '127.0.0.1' }] });
  t.after(() => missing.close());
  const d = await missing.client();
  t.after(() => d.close());
  await subscribe(d, ['status:lo']);
  await d.until((ms) => values(ms, 'status:lo').length >= 1);
  assert.deepEqual(values(d.messages, 'status:lo'), [false]);
  const status = (await (await fetch(`${missing.base}/api/status`)).json()) as Record<string, { detail: string }>;
  assert.match(status.lo!.detail, /^ping adapter unavailable: no ".*no-such-ping" command on this host$/);
});

it('services added after listen are probed at once; a name already configured keeps its configuration', async (t) => {
  const target = await startTcpTarget();
  t.after(() => target.stop());
  const h = await startElstat({ services: [{ name: 'match', description: 'configured', adapter: 'tcp', target: target.target }] });
  t.after(() => h.close());
  h.dialect.addServices([
    { name: 'match', description: 'demo', adapter: 'tcp', target: '127.0.0.1:1' },
    { name: 'nova', adapter: 'tcp', target: target.target },
  ]);
  const c = await h.client();
  t.after(() => c.close());
  assert.deepEqual(await subscribe(c, ['status:match', 'status:nova']), ['status:match', 'status:nova']);
  await c.until((ms) => values(ms, 'status:nova').length >= 1 && values(ms, 'status:match').length >= 1);
  assert.deepEqual(values(c.messages, 'status:match'), [true]);
  const current = (await (await fetch(`${h.base}/api/current_status`)).json()) as Record<string, { description: string }>;
  assert.equal(current.match!.description, 'configured');
  assert.throws(() => h.dialect.addServices([{ name: 'bad name!', adapter: 'tcp', target: 'x:1' }]), /ERR_CONFIG|service/);
  assert.throws(() => h.dialect.addServices([{ name: 'x', adapter: 'tcp', target: 'no-port' }]), /host:port/);
  assert.throws(() => h.dialect.addServices([{ name: 'y', adapter: 'http', target: 'ftp://a' }]), /http/);
  assert.equal(h.dialect.stats().services, 2);
});

it('closing the dialect ends a check in flight (no socket outlives it)', async (t) => {
  const target = await startHttpTarget();
  target.hang = true;
  t.after(() => target.stop());
  const h = await startElstat({ services: [{ name: 'hung', adapter: 'http', target: target.url, timeoutMs: 60_000 }] });
  await new Promise<void>((resolve) => {
    const check = () => (target.requests > 0 ? resolve() : setImmediate(check));
    check();
  });
  assert.equal(target.connections, 1);
  await h.close();
  await new Promise<void>((resolve) => {
    const check = () => (target.connections === 0 ? resolve() : setImmediate(check));
    check();
  });
});

/** Notes §3.2: every refusal is an HTTP status before the upgrade, with the original's text. */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { connect, refusal } from '../helpers/ws-client.js';
import { eventually, startRelay } from './helpers.js';

describe('relay refusals before the upgrade', () => {
  it('404 for a bad channel, key, kind or path shape', async (t) => {
    const h = await startRelay();
    t.after(() => h.close());
    assert.deepEqual(pick(await refusal(`${h.base}/bad.chan/k/receive`)), [404, 'Invalid channel.']);
    assert.deepEqual(pick(await refusal(`${h.base}/${'c'.repeat(129)}/k/receive`)), [404, 'Invalid channel.']);
    assert.deepEqual(pick(await refusal(`${h.base}/c/k~/publish`)), [404, 'Invalid key.']);
    assert.deepEqual(pick(await refusal(`${h.base}/c/k/watch`)), [404, 'Invalid connection kind.']);
    assert.deepEqual(pick(await refusal(`${h.base}/c/k/receive?x=1`)), [404, 'Invalid connection kind.']);
    assert.deepEqual(pick(await refusal(`${h.base}/c/k/receive/extra`)), [404, 'Not found.']);
    // The limits: 128 characters and uppercase are fine.
    const ok = await connect(h.url('C'.repeat(128), 'K_-9', 'receive'));
    ok.close();
  });

  it('plain HTTP: the banner on /, 400 on a relay path without upgrade, 404 elsewhere', async (t) => {
    const h = await startRelay();
    t.after(() => h.close());
    assert.deepEqual(await get(h.port(), '/'), [200, 'Websocket streaming server - Version 1.0.0']);
    assert.equal((await get(h.port(), '/c/k/receive'))[0], 400);
    assert.deepEqual(await get(h.port(), '/nothing'), [404, 'Not found.']);
  });

  it('429 past the per-IP concurrent limit; a slot frees when a connection closes', async (t) => {
    const h = await startRelay({ perIpMax: 2 });
    t.after(() => h.close());
    const a = await connect(h.url('c', 'k', 'receive'));
    const b = await connect(h.url('c', 'k', 'probe'));
    assert.deepEqual(pick(await refusal(h.url('c', 'k', 'publish'))), [429, 'Too many requests.']);
    // Refused and invalid requests take no slot for good.
    assert.equal((await refusal(h.url('c', 'k', 'nope'))).status, 429);
    a.close();
    await a.closed;
    await waitForConnections(h, 1);
    const c = await connect(h.url('c', 'k', 'receive'));
    c.close();
    b.close();
  });

  it('503 "Server full." past the total cap (allow-listed addresses included)', async (t) => {
    const h = await startRelay({ totalMax: 1, concurrentLimitWhitelist: ['*'] });
    t.after(() => h.close());
    const a = await connect(h.url('c', 'k', 'receive'));
    assert.deepEqual(pick(await refusal(h.url('c', 'k', 'receive'))), [503, 'Server full.']);
    a.close();
  });

  it('the CIDR allow-list (CONCURRENT_LIMIT_WHITELIST) exempts addresses from the per-IP limit', async (t) => {
    const h = await startRelay({ perIpMax: 1, concurrentLimitWhitelist: ['127.0.0.0/8'] });
    t.after(() => h.close());
    const clients = await Promise.all([1, 2, 3].map(() => connect(h.url('c', 'k', 'receive'))));
    for (const c of clients) c.close();
    const star = await startRelay({ perIpMax: 1, concurrentLimitWhitelist: ['*'] });
    t.after(() => star.close());
    const more = await Promise.all([1, 2].map(() => connect(star.url('c', 'k', 'receive'))));
    for (const c of more) c.close();
  });

  it('403 "Cannot play: Not whitelisted." for receive and probe off the play allow-list; publish is not affected', async (t) => {
    const h = await startRelay({ playWhitelist: ['10.0.0.0/8'] });
    t.after(() => h.close());
    for (const kind of ['receive', 'receive-clear-cache', 'probe']) {
      assert.deepEqual(pick(await refusal(h.url('c', 'k', kind))), [403, 'Cannot play: Not whitelisted.']);
    }
    const pub = await connect(h.url('c', 'k', 'publish'));
    pub.close();
    const open = await startRelay({ playWhitelist: ['10.0.0.0/8', '127.0.0.1/32'] });
    t.after(() => open.close());
    (await connect(open.url('c', 'k', 'receive'))).close();
  });

  it('403 "Already publishing." for a second publisher; the channel frees when the first leaves', async (t) => {
    const h = await startRelay();
    t.after(() => h.close());
    const first = await connect(h.url('live', 'k1', 'publish'));
    assert.deepEqual(pick(await refusal(h.url('live', 'k2', 'publish'))), [403, 'Already publishing.']);
    assert.deepEqual(pick(await refusal(h.url('live', 'k1', 'publish'))), [403, 'Already publishing.']);
    // Another channel is independent.
    (await connect(h.url('other', 'k1', 'publish'))).close();
    first.close();
    await first.closed;
    await waitFor(async () => h.dialect.stats().publishers === 0);
    (await connect(h.url('live', 'k2', 'publish'))).close();
  });

  it('the reservation is atomic: of many simultaneous publishers exactly one is accepted', async (t) => {
    const h = await startRelay({ perIpMax: 50 });
    t.after(() => h.close());
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => connect(h.url('race', `k${i}`, 'publish'))));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(won.length, 1);
    assert.ok(lost.every((r) => (r.reason as { status: number }).status === 403));
    for (const r of won) (r as PromiseFulfilledResult<Awaited<ReturnType<typeof connect>>>).value.close();
  });
});

function pick(r: { status: number; body: string }): [number, string] {
  return [r.status, r.body];
}

function get(port: number, path: string): Promise<[number, string]> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve([res.statusCode ?? 0, body]));
    })
      .on('error', reject)
      .end();
  });
}

function waitFor(predicate: () => Promise<boolean> | boolean): Promise<void> {
  return eventually(predicate);
}

async function waitForConnections(h: { dialect: { stats(): { connections: number } } }, n: number): Promise<void> {
  await waitFor(() => h.dialect.stats().connections === n);
}

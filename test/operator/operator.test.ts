import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { json, startOperator } from './operator-harness.js';

describe('operator listener: dashboard JSON and static files', () => {
  it('serves the dashboard page and its files with a CSP, and nothing else from disk', async (t) => {
    const h = await startOperator();
    t.after(() => h.close());
    const page = await fetch(`${h.base}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /^text\/html/);
    assert.match(page.headers.get('content-security-policy')!, /script-src 'self'/);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.match(await page.text(), /StreamHub/);
    const js = await fetch(`${h.base}/app.js`);
    assert.match(js.headers.get('content-type')!, /^text\/javascript/);
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/index.ts', '/app.js/x']) {
      assert.equal((await fetch(`${h.base}${path}`)).status, 404, path);
    }
    const head = await fetch(`${h.base}/style.css`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal((await fetch(`${h.base}/`, { method: 'DELETE' })).status, 405);
  });

  it('/api/dashboard is public by default and carries counts and traffic but no secret; channels by name only with the token', async (t) => {
    const h = await startOperator({ adminToken: 'the-admin-token' });
    t.after(() => h.close());
    const match = h.dialects[0]!;
    await match.connect('match:demo');
    await h.hub.publish('match:demo', Buffer.from('{"type":"state"}'), { retention: { maxMessages: 10, maxBytes: 1e6, maxAgeMs: 0, maxPinned: 0, idleTtlMs: 0 } });
    const res = await fetch(`${h.base}/api/dashboard`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const text = await res.text();
    assert.doesNotMatch(text, /must-not-leak|the-admin-token|apiToken/);
    const body = JSON.parse(text);
    assert.equal(body.broker.ok, true);
    assert.equal(body.hub.channels_total, 1);
    // Without the admin token: counted, not named (issue 20).
    assert.doesNotMatch(text, /demo/);
    assert.deepEqual(body.channels, []);
    assert.equal(body.channels_hidden, true);
    const named = await json(await fetch(`${h.base}/api/dashboard`, { headers: { authorization: 'Bearer the-admin-token' } }));
    assert.equal(named.channels_hidden, false);
    assert.deepEqual(named.channels[0], { name: 'match:demo', dialect: 'match', subscribers: 1, messages_in: 1, messages_sent: 1, last_offset: 1 });
    assert.equal((await fetch(`${h.base}/api/dashboard`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    const m = body.dialects.find((d: { name: string }) => d.name === 'match');
    assert.equal(m.stats.connections, 1);
    assert.deepEqual(m.stats.producers, [{ id: 'p1', up: true }]);
    assert.equal(m.traffic.messagesIn, 1);
    assert.equal(m.channels, 1);
    assert.equal(m.subscriptions, 1);
    assert.equal(m.queued, 0, 'per-dialect queue depth is reported');
    assert.equal(typeof body.event_loop.p99Ms, 'number');
  });

  it('/api/dashboard needs the admin token when operator.publicDashboard is false', async (t) => {
    const h = await startOperator({ adminToken: 'tok', publicDashboard: false });
    t.after(() => h.close());
    assert.equal((await fetch(`${h.base}/api/dashboard`)).status, 401);
    assert.equal((await fetch(`${h.base}/api/dashboard`, { headers: { authorization: 'Bearer tok' } })).status, 200);
    // The page itself is static and carries nothing; it asks for the token.
    assert.equal((await fetch(`${h.base}/`)).status, 200);
    const closed = await startOperator({ adminToken: null, publicDashboard: false });
    t.after(() => closed.close());
    assert.equal((await fetch(`${closed.base}/api/dashboard`)).status, 503);
  });

  it('lists at most dashboardMaxChannels channels, busiest first, and still counts all', async (t) => {
    const h = await startOperator({ dashboardMaxChannels: 2, adminToken: 'tok' });
    t.after(() => h.close());
    const nova = h.dialects[1]!;
    await nova.connect('nova:a');
    await nova.connect('nova:b');
    await nova.connect('nova:b');
    await nova.connect('nova:c');
    const body = await json(await fetch(`${h.base}/api/dashboard`, { headers: { authorization: 'Bearer tok' } }));
    assert.equal(body.hub.channels_total, 3);
    assert.deepEqual(
      body.channels.map((c: { name: string }) => c.name),
      ['nova:b', 'nova:a'],
    );
  });

  it('keeps /healthz and answers 503 there when the broker is down', async (t) => {
    const h = await startOperator();
    t.after(() => h.close());
    assert.equal((await fetch(`${h.base}/healthz`)).status, 200);
    await h.broker.close();
    const res = await fetch(`${h.base}/healthz`);
    assert.equal(res.status, 503);
    assert.equal((await json(res)).ok, false);
  });
});

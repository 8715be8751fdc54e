/**
 * REST next to the stream (notes §5.3): GET /api/status (description, status, latency, latency
 * history, uptime) and GET /api/current_status, with a bounded per-service history; the status
 * page is served at `/`.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { startElstat, startHttpTarget, startTcpTarget, subscribe, values } from './fixtures.js';

interface FullStatus {
  description: string;
  adapter: string;
  status: boolean | null;
  latency: number | null;
  last_check: number | null;
  detail: string | null;
  uptime: number | null;
  graph: [number, number][];
}

it('GET /api/status and /api/current_status report every service; history is bounded; uptime is over the kept checks', async (t) => {
  const target = await startTcpTarget();
  t.after(() => target.stop());
  const h = await startElstat({
    historyLength: 3,
    services: [
      { name: 'db', description: 'The database', adapter: 'tcp', target: target.target, intervalMs: 1000 },
      { name: 'later', description: 'Never checked yet', adapter: 'tcp', target: target.target, intervalMs: 1000 },
    ],
  });
  t.after(() => h.close());
  const c = await h.client();
  t.after(() => c.close());
  await subscribe(c, ['status:db', 'latency:db']);
  const checks = async (n: number) => c.until((ms) => values(ms, 'latency:db').length >= n);
  await checks(1);
  await target.stop();
  h.clock.advance(1000);
  await checks(2);
  await target.start();
  h.clock.advance(1000);
  await checks(3);
  h.clock.advance(1000);
  await checks(4);
  // Checks: up, down, up, up; the last three are kept: down, up, up.
  const res = await fetch(`${h.base}/api/status`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const status = (await res.json()) as Record<string, FullStatus>;
  assert.deepEqual(Object.keys(status), ['db', 'later']);
  const db = status.db!;
  assert.equal(db.description, 'The database');
  assert.equal(db.adapter, 'tcp');
  assert.equal(db.status, true);
  assert.equal(db.detail, null);
  assert.equal(db.last_check, 1_700_000_003_000);
  assert.equal(db.uptime, 66.67);
  assert.deepEqual(db.graph.map(([time]) => time), [1_700_000_002_000, 1_700_000_003_000], 'down checks have no latency point');
  assert.deepEqual(db.graph.map(([, ms]) => ms), values(c.messages, 'latency:db').slice(2));

  const current = (await (await fetch(`${h.base}/api/current_status`)).json()) as Record<string, unknown>;
  assert.deepEqual(current.db, { description: 'The database', status: true, latency: db.latency });
  assert.equal((current.later as { description: string }).description, 'Never checked yet');
});

it('before the first check a service reports null status, latency and uptime', async (t) => {
  const target = await startHttpTarget();
  target.hang = true; // the first check stays in flight: nothing is known yet
  t.after(() => target.stop());
  const h = await startElstat({ services: [{ name: 'slow', adapter: 'http', target: target.url, timeoutMs: 5000 }] });
  t.after(() => h.close());
  const status = (await (await fetch(`${h.base}/api/status`)).json()) as Record<string, FullStatus>;
  assert.deepEqual(status.slow, { description: '', adapter: 'http', status: null, latency: null, last_check: null, detail: null, uptime: null, graph: [] });
  const current = (await (await fetch(`${h.base}/api/current_status`)).json()) as Record<string, unknown>;
  assert.deepEqual(current, { slow: { description: '', status: null, latency: null } });
});

it('serves the status page at / and refuses other methods and paths', async (t) => {
  const h = await startElstat({});
  t.after(() => h.close());
  const page = await fetch(`${h.base}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  const html = await page.text();
  assert.match(html, /\/api\/streaming/);
  assert.match(html, /\/api\/current_status/);
  assert.equal((await fetch(`${h.base}/api/status`, { method: 'POST' })).status, 405);
  assert.equal((await fetch(`${h.base}/`, { method: 'DELETE' })).status, 405);
  const missing = await fetch(`${h.base}/api/nothing`);
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), { error: 'not_found' });
});

/**
 * Incidents (ops 4, 5, 6 of the later doc version, notes §5.2/§5.3): a token-protected REST API
 * to open, update and close incidents, broadcast to every streaming client, listed (bounded) by
 * GET /api/incidents.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startElstat, subscribe, type ElstatFixture } from './fixtures.js';

const TOKEN = 'incident-secret';
let h: ElstatFixture;

before(async () => {
  h = await startElstat({ incidents: { token: TOKEN, maxIncidents: 2, maxStages: 2, maxBodyBytes: 1024, pageSize: 1 } });
});
after(() => h.close());

function api(path: string, method: string, body?: unknown, token: string | null = TOKEN): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  return fetch(`${h.base}${path}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
}

const opsOf = (ms: unknown[], op: number) => ms.filter((m) => (m as { op: number }).op === op) as { op: number; d: Record<string, unknown> }[];

it('writes without the token are refused (401), with a wrong one too, and nothing is broadcast', async (t) => {
  const c = await h.client();
  t.after(() => c.close());
  const missing = await api('/api/incidents', 'PUT', { title: 'x' }, null);
  assert.equal(missing.status, 401);
  assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
  assert.deepEqual(await missing.json(), { error: 'unauthorized' });
  assert.equal((await api('/api/incidents', 'PUT', { title: 'x' }, 'wrong')).status, 401);
  assert.equal((await api('/api/incidents/1', 'PATCH', { title: 'x' }, 'wrong')).status, 401);
  assert.equal((await api('/api/incidents/1/stages', 'POST', { title: 'x' }, null)).status, 401);
  assert.equal((await api('/api/incidents/1/close', 'POST', undefined, 'wrong')).status, 401);
  // A round trip on the socket after the refusals: no incident op reached it.
  await subscribe(c, []);
  assert.deepEqual(opsOf(c.messages, 4), []);
  assert.deepEqual(((await (await fetch(`${h.base}/api/incidents`)).json()) as { incidents: unknown[] }).incidents, []);
});

it('open, stage, update and close are broadcast as ops 4, 5, 5, 6 to every streaming client, subscribed or not', async (t) => {
  const idle = await h.client();
  const watching = await h.client();
  t.after(() => (idle.close(), watching.close()));
  await subscribe(watching, ['status:none']);

  const opened = await api('/api/incidents', 'PUT', { title: 'Database down', content: 'Investigating', type: 'outage' });
  assert.equal(opened.status, 201);
  const incident = (await opened.json()) as { id: number; ongoing: boolean; start_date: number; end_date: null; stages: unknown[] };
  assert.equal(incident.ongoing, true);
  assert.equal(incident.start_date, h.clock.now());
  assert.equal(incident.end_date, null);
  for (const c of [idle, watching]) {
    await c.until((ms) => opsOf(ms, 4).length === 1);
    assert.deepEqual(opsOf(c.messages, 4)[0]!.d, incident);
  }

  const staged = await api(`/api/incidents/${incident.id}/stages`, 'POST', { title: 'Identified', content: 'Disk full' });
  assert.equal(staged.status, 201);
  const updated = await api(`/api/incidents/${incident.id}`, 'PATCH', { type: 'partial_outage' });
  assert.equal(updated.status, 200);
  for (const c of [idle, watching]) {
    await c.until((ms) => opsOf(ms, 5).length === 2);
    const [first, second] = opsOf(c.messages, 5);
    assert.deepEqual(first!.d.stages, [{ title: 'Identified', content: 'Disk full', created_at: h.clock.now() }]);
    assert.equal(second!.d.type, 'partial_outage');
  }

  h.clock.advance(15_000); // under the 20 s ping interval: a manual clock jump would outrun the pongs
  const closed = await api(`/api/incidents/${incident.id}/close`, 'POST');
  assert.equal(closed.status, 200);
  for (const c of [idle, watching]) {
    await c.until((ms) => opsOf(ms, 6).length === 1);
    const d = opsOf(c.messages, 6)[0]!.d;
    assert.equal(d.id, incident.id);
    assert.equal(d.ongoing, false);
    assert.equal(d.end_date, h.clock.now());
  }
  // The incident ops never count against the channel set of the client.
  assert.deepEqual(await subscribe(idle, []), []);
});

it('PATCH with ongoing:false closes (op 6); stages are bounded; the list is bounded, newest first, paged', async (t) => {
  const c = await h.client();
  t.after(() => c.close());
  const a = (await (await api('/api/incidents', 'POST', { title: 'A' })).json()) as { id: number };
  const b = (await (await api('/api/incidents', 'POST', { title: 'B', type: 'degraded_service' })).json()) as { id: number };
  for (const title of ['s1', 's2', 's3']) assert.equal((await api(`/api/incidents/${b.id}/stages`, 'POST', { title })).status, 201);
  const patched = await api(`/api/incidents/${a.id}`, 'PATCH', { ongoing: false, content: 'Resolved' });
  assert.equal(patched.status, 200);
  await c.until((ms) => opsOf(ms, 6).length === 1);
  assert.equal(opsOf(c.messages, 6)[0]!.d.content, 'Resolved');

  const list = ((await (await fetch(`${h.base}/api/incidents`)).json()) as { incidents: { id: number; title: string; stages: { title: string }[] }[] }).incidents;
  assert.deepEqual(list.map((i) => i.title), ['B', 'A'], 'maxIncidents 2: the oldest closed incident went first');
  assert.deepEqual(list[0]!.stages.map((s) => s.title), ['s2', 's3'], 'maxStages 2');
  const current = (await (await fetch(`${h.base}/api/incidents/current`)).json()) as { incident: { id: number } };
  assert.equal(current.incident.id, b.id);
  const page1 = (await (await fetch(`${h.base}/api/incidents/1`)).json()) as { page: number; incidents: { id: number }[] };
  assert.deepEqual(page1, { page: 1, incidents: [list[1]] });
});

it('bad requests: invalid bodies 400, unknown ids 404, oversized bodies 413, wrong methods 405', async () => {
  assert.equal((await api('/api/incidents', 'PUT', 'not json')).status, 400);
  assert.equal((await api('/api/incidents', 'PUT', {})).status, 400, 'a title is required');
  assert.equal((await api('/api/incidents', 'PUT', { title: 'x', type: 'meteor' })).status, 400);
  assert.equal((await api('/api/incidents', 'PUT', { title: 'x'.repeat(201) })).status, 400);
  assert.equal((await api('/api/incidents', 'PUT', [1])).status, 400);
  assert.equal((await api('/api/incidents/999', 'PATCH', { title: 'x' })).status, 404);
  assert.equal((await api('/api/incidents/999/close', 'POST')).status, 404);
  assert.equal((await api('/api/incidents/999/stages', 'POST', { title: 'x' })).status, 404);
  assert.equal((await api('/api/incidents/1/stages', 'POST', { content: 'no title' })).status, 400);
  assert.equal((await api('/api/incidents/1', 'PATCH', { ongoing: 'no' })).status, 400);
  assert.equal((await api('/api/incidents', 'PUT', { title: 'x', content: 'y'.repeat(2000) })).status, 413);
  assert.equal((await api('/api/incidents', 'DELETE')).status, 405);
  assert.equal((await api('/api/incidents/1/other', 'POST')).status, 404);
});

it('without a configured token every write answers 503 incidents_disabled; reads still work', async (t) => {
  const off = await startElstat({});
  t.after(() => off.close());
  const res = await fetch(`${off.base}/api/incidents`, { method: 'PUT', headers: { authorization: 'Bearer anything' }, body: '{"title":"x"}' });
  assert.equal(res.status, 503);
  assert.deepEqual(await res.json(), { error: 'incidents_disabled' });
  assert.equal((await fetch(`${off.base}/api/incidents`)).status, 200);
});

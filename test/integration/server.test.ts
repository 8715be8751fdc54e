import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DIALECT_MODULES } from '../../src/dialects/index.js';
import { portOf, startTestHub } from '../helpers/streamhub.js';
import { eventually } from '../helpers/eventually.js';
import { connect } from '../helpers/ws-client.js';

describe('StreamHub server', () => {
  it('binds every dialect and the operator listener', async (t) => {
    const hub = await startTestHub();
    t.after(() => hub.close());
    assert.deepEqual(Object.keys(hub.addresses).sort(), [...DIALECT_MODULES.map((m) => m.name), 'operator'].sort());
    assert.deepEqual(hub.addresses.spectra!.map((a) => a.name).sort(), ['ingest', 'output', 'status']);
    for (const list of Object.values(hub.addresses)) for (const a of list) assert.ok(a.port > 0);
  });

  it('serves /healthz, /metrics and a token-protected /api/status on the operator listener', async (t) => {
    const hub = await startTestHub({ operator: { port: 0, adminToken: 'op-secret-token' } });
    t.after(() => hub.close());
    const base = `http://127.0.0.1:${portOf(hub, 'operator')}`;
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    assert.equal((await health.json()).broker.name, 'memory');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /streamhub_connections/);
    assert.match(metrics, /streamhub_broker_up 1/);
    assert.equal((await fetch(`${base}/api/status`)).status, 401);
    assert.equal((await fetch(`${base}/api/status`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    const status = await fetch(`${base}/api/status`, { headers: { authorization: 'Bearer op-secret-token' } });
    assert.equal(status.status, 200);
    const body = await status.json();
    assert.equal(body.ok, true);
    assert.deepEqual(Object.keys(body.dialects).sort(), DIALECT_MODULES.map((m) => m.name).sort());
    assert.equal((await fetch(`${base}/nope`)).status, 404);
  });

  it('answers 503 on the admin API when no operator token is configured', async (t) => {
    const hub = await startTestHub();
    t.after(() => hub.close());
    const res = await fetch(`http://127.0.0.1:${portOf(hub, 'operator')}/api/status`);
    assert.equal(res.status, 503);
  });

  it('closes connected clients with 1001 on shutdown', async (t) => {
    const hub = await startTestHub();
    let closed = false;
    t.after(() => (closed ? undefined : hub.close()));
    const match = hub.dialects.get('match') as unknown as { publish(id: string, m: object): Promise<void> };
    await match.publish('shutdown-test', {
      type: 'match.init',
      spec_version: '0.1.1',
      match_id: 'shutdown-test',
      sport: 'soccer',
      field: { length: 105, width: 68, units: 'm' },
      teams: [
        { id: 'H', name: 'Home', kit: { primary: '#ffffff', secondary: '#000000' }, players: [] },
        { id: 'A', name: 'Away', kit: { primary: '#ff0000', secondary: '#000000' }, players: [] },
      ],
      start_time: new Date().toISOString(),
    });
    const client = await connect(`ws://127.0.0.1:${portOf(hub, 'match')}/v1/match/shutdown-test`);
    await client.until((m) => m.length >= 2);
    await hub.close();
    closed = true;
    assert.equal((await client.closed).code, 1001);
  });

  it('runs the demo producers: the match `demo` becomes available', async (t) => {
    const hub = await startTestHub({ server: { demo: true }, match: { port: 0, demo: { statsbomb: false } } });
    t.after(() => hub.close());
    await eventually(async () => (await hub.hub.history('match:demo', { limit: 0 })).snapshot, 'the demo MatchInit');
    const client = await connect(`ws://127.0.0.1:${portOf(hub, 'match')}/v1/match/demo`);
    t.after(() => client.close());
    const msgs = await client.until((m) => m.some((x) => (x as { type?: string }).type === 'state'));
    assert.equal((msgs[0] as { type: string }).type, 'hello');
    assert.equal((msgs[1] as { type: string }).type, 'match.init');
  });
});

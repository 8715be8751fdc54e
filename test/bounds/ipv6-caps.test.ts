/**
 * Issue 20 item 4: per-IP caps count an IPv6 client by its /64 (`server.ipv6CapPrefix`), since one
 * host usually owns a whole /64; IPv4-mapped IPv6 counts as the IPv4 address. Real connections
 * through a trusted proxy (127.0.0.1) whose X-Forwarded-For names distinct IPv6 clients.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MatchDialect } from '../../src/dialects/match/index.js';
import type { StreamHub } from '../../src/server.js';
import { portOf, startTestHub } from '../helpers/streamhub.js';
import { connect, refusal, type RecordingClient } from '../helpers/ws-client.js';

const PER_IP = 2;

const init = (id: string) => ({
  type: 'match.init',
  spec_version: '0.1.1',
  match_id: id,
  sport: 'soccer',
  field: { length: 105, width: 68, units: 'm' },
  teams: [
    { id: 'H', name: 'Home', kit: { primary: '#ffffff', secondary: '#000000' }, players: [] },
    { id: 'A', name: 'Away', kit: { primary: '#ff0000', secondary: '#000000' }, players: [] },
  ],
  start_time: '2026-11-23T00:00:00Z',
});

async function startHub(server: Record<string, unknown> = {}): Promise<StreamHub> {
  const hub = await startTestHub({
    server: { trustedProxies: ['127.0.0.1'], ...server },
    match: { port: 0, perIpMax: PER_IP },
    relay: { port: 0, perIpMax: PER_IP },
    elstat: { port: 0, perIpMax: PER_IP },
  });
  await (hub.dialects.get('match') as MatchDialect).publish('v6', init('v6'));
  return hub;
}

const via = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });

/** Whether one more client from `ip` is admitted (and the refusal each dialect specifies when not). */
const dialects = [
  {
    name: 'relay',
    url: (hub: StreamHub) => `ws://127.0.0.1:${portOf(hub, 'relay')}/v6/key/receive`,
    async admitted(url: string, ip: string, keep: RecordingClient[]): Promise<boolean> {
      try {
        keep.push(await connect(url, via(ip)));
        return true;
      } catch (err) {
        assert.equal((err as { status?: number }).status, 429);
        return false;
      }
    },
  },
  {
    name: 'elstat',
    url: (hub: StreamHub) => `ws://127.0.0.1:${portOf(hub, 'elstat')}/api/streaming`,
    async admitted(url: string, ip: string, keep: RecordingClient[]): Promise<boolean> {
      try {
        keep.push(await connect(url, via(ip)));
        return true;
      } catch (err) {
        assert.equal((err as { status?: number }).status, 429);
        return false;
      }
    },
  },
  {
    name: 'match',
    url: (hub: StreamHub) => `ws://127.0.0.1:${portOf(hub, 'match')}/v1/match/v6`,
    // match upgrades, then refuses a cap breach with x_error and 1013 (seed 000).
    async admitted(url: string, ip: string, keep: RecordingClient[]): Promise<boolean> {
      const c = await connect(url, via(ip));
      const messages = await c.until((m) => m.length >= 1);
      const first = messages[0] as { type: string; error?: string };
      if (first.type === 'hello') {
        keep.push(c);
        return true;
      }
      assert.deepEqual(first, { type: 'x_error', error: 'per_ip' });
      assert.equal((await c.closed).code, 1013);
      return false;
    },
  },
];

describe('per-IP caps group IPv6 clients by prefix', () => {
  for (const d of dialects) {
    it(`${d.name}: addresses of one /64 share a count; another /64 has its own; IPv4-mapped counts as IPv4`, async (t) => {
      const hub = await startHub();
      const keep: RecordingClient[] = [];
      t.after(async () => {
        for (const c of keep) c.close();
        await hub.close();
      });
      const url = d.url(hub);
      assert.equal(await d.admitted(url, '2001:db8:1:2::a', keep), true);
      assert.equal(await d.admitted(url, '2001:db8:1:2:ffff:ffff:ffff:fffe', keep), true);
      // A third address of the same /64: the cap of 2 is reached.
      assert.equal(await d.admitted(url, '2001:db8:1:2::3', keep), false, 'a third address of the same /64 is refused');
      assert.equal(await d.admitted(url, '2001:db8:1:3::a', keep), true, 'the next /64 is another client');
      // IPv4-mapped, in both spellings, is the IPv4 client.
      assert.equal(await d.admitted(url, '198.51.100.7', keep), true);
      assert.equal(await d.admitted(url, '::ffff:198.51.100.7', keep), true);
      assert.equal(await d.admitted(url, '::ffff:c633:6407', keep), false, '::ffff:c633:6407 is 198.51.100.7 again');
    });
  }

  it('server.ipv6CapPrefix = 128 counts every IPv6 address apart', async (t) => {
    const hub = await startHub({ ipv6CapPrefix: 128 });
    const keep: RecordingClient[] = [];
    t.after(async () => {
      for (const c of keep) c.close();
      await hub.close();
    });
    const relay = dialects[0]!;
    const url = relay.url(hub);
    for (const ip of ['2001:db8:1:2::a', '2001:db8:1:2::b', '2001:db8:1:2::c']) assert.equal(await relay.admitted(url, ip, keep), true, ip);
    assert.equal(await relay.admitted(url, '2001:db8:1:2::a', keep), true);
    assert.equal(await relay.admitted(url, '2001:db8:1:2::a', keep), false, 'the same address a third time');
  });
});

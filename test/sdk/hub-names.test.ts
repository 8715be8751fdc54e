/**
 * Issue 18: "Every channel of every dialect is readable by its hub name (`match:demo`,
 * `nova:<uuid>`, `elstat:status:<svc>`, `relay:<channel>`, `spectra:<group>`)". One SDK client on a
 * whole StreamHub reads a channel of each dialect: match's and relay's filled by their own dialects
 * (a match publish, a real relay publisher's chunk), the others through the operator publish API.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import WebSocket from 'ws';
import type { Publication } from '../../sdk/src/index.js';
import type { MatchDialect } from '../../src/dialects/match/index.js';
import { eventually } from '../helpers/eventually.js';
import { portOf, startTestHub } from '../helpers/streamhub.js';
import { matchInit } from '../match/fixtures.js';
import { client, SECRET, token } from './fixtures.js';

const ADMIN = 'hub-names-admin-token';

it('reads a channel of every dialect by its hub name: match, nova, relay (bytes), spectra, elstat', async (t) => {
  const hub = await startTestHub({ operator: { port: 0, adminToken: ADMIN }, streamhub: { auth: { hmacSecret: SECRET } } });
  t.after(() => hub.close());
  await (hub.dialects.get('match') as MatchDialect).publish('names', matchInit('names'));
  const relay = new WebSocket(`ws://127.0.0.1:${portOf(hub, 'relay')}/names/k3y/publish`);
  t.after(() => relay.terminate());
  await new Promise((ok, fail) => relay.once('open', ok).once('error', fail));
  await new Promise<void>((ok, fail) => relay.send(Buffer.from([9, 8, 7]), (err) => (err ? fail(err) : ok())));
  const nova = `nova:${randomUUID()}`;
  const operatorPublished: Record<string, unknown> = { [nova]: { event: 'hello', data: { n: 1 } }, 'spectra:NAMES': { state: 'lobby' }, 'elstat:status:names': { status: 1 } };
  for (const [channel, data] of Object.entries(operatorPublished)) {
    const res = await fetch(`http://127.0.0.1:${portOf(hub, 'operator')}/api/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel, data }),
    });
    assert.equal(res.status, 200, `${channel}: ${await res.text()}`);
  }

  const c = client(`ws://127.0.0.1:${portOf(hub, 'streamhub')}`, { token: await token({ '*': ['subscribe'] }) }).connect();
  t.after(() => c.disconnect());
  const got = new Map<string, Publication[]>();
  for (const channel of ['match:names', 'relay:names', ...Object.keys(operatorPublished)]) {
    const list: Publication[] = [];
    got.set(channel, list);
    c.subscribe(channel).on('publication', (p) => list.push(p));
  }
  await eventually(() => [...got.values()].every((l) => l.length > 0), 'a publication on every channel');
  assert.equal((got.get('match:names')![0]!.data as { type: string }).type, 'match.init');
  assert.deepEqual([...(got.get('relay:names')![0]!.bytes ?? [])], [9, 8, 7], 'relay chunks are binary: b64 on the wire, bytes in the SDK');
  for (const [channel, data] of Object.entries(operatorPublished)) assert.deepEqual(got.get(channel)![0]!.data, data, channel);
  for (const [channel, list] of got) assert.equal(list[0]!.channel, channel);
});

/**
 * obs_logon / aux_logon (protocol-notes §4.3): the checks in their order, each failure's ack and
 * disconnect, the 12-character group secret and reconnects, AUTH_KEY / REQUIRE_AUTH_KEY and the
 * backend key validation — with real socket.io-client clients.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { io } from 'socket.io-client';
import { after, describe, it } from 'node:test';
import { client, closeClients, disconnected, logonPayload, obsLogon, observer, once, overlay, sendData, startSpectra, type Ack } from './helpers.js';

after(closeClients);

async function refusal(port: number, payload: unknown): Promise<{ ack: Ack; gone: string }> {
  const socket = await client(port);
  const gone = disconnected(socket);
  const ack = await obsLogon(socket, payload);
  return { ack, gone: await gone };
}

describe('obs_logon', () => {
  it('refuses a wrong packet type first, with type "authenticate", value false and the reason, then disconnects', async (t) => {
    const h = await startSpectra({ requireAuthKey: true, authKey: 'secret-key' });
    t.after(() => h.close());
    // Wrong type, wrong version and wrong key at once: the type check comes first.
    const { ack, gone } = await refusal(h.port('ingest'), logonPayload('G1', { type: 'nope', clientVersion: '0.1.0', key: 'bad' }));
    assert.deepEqual(ack, { type: 'authenticate', value: false, reason: 'Invalid packet.' });
    assert.equal(gone, 'io server disconnect');
  });

  it('checks the client version second, against the configured range', async (t) => {
    const h = await startSpectra({ requireAuthKey: true, authKey: 'secret-key', serverVersion: '9.9.9' });
    t.after(() => h.close());
    for (const version of ['0.3.2', '0.3.25', '1.0.0', '0.3.10-beta', undefined]) {
      const { ack } = await refusal(h.port('ingest'), logonPayload('G1', { clientVersion: version, key: 'bad' }));
      assert.equal(ack.value, false);
      assert.equal(ack.reason, `Client version ${String(version)} is not compatible with server version 9.9.9.`);
    }
    const ok = await refusal(h.port('ingest'), logonPayload('G1', { clientVersion: '0.3.24', key: 'bad' }));
    assert.equal(ok.ack.reason, 'Invalid Key', 'a version inside the range reaches the key check');
  });

  it('honours a configured version range', async (t) => {
    const h = await startSpectra({ clientVersionRange: '>=1.0.0 <2.0.0' });
    t.after(() => h.close());
    assert.equal((await refusal(h.port('ingest'), logonPayload('G1'))).ack.value, false);
    const s = await client(h.port('ingest'));
    assert.equal((await obsLogon(s, logonPayload('G1', { clientVersion: '1.2.3' }))).value, true);
  });

  it('checks the key third: AUTH_KEY matches, a wrong or absent key does not', async (t) => {
    const h = await startSpectra({ requireAuthKey: true, authKey: 'secret-key' });
    t.after(() => h.close());
    assert.deepEqual((await refusal(h.port('ingest'), logonPayload('G1', { key: 'wrong' }))).ack, {
      type: 'authenticate',
      value: false,
      reason: 'Invalid Key',
    });
    assert.equal((await refusal(h.port('ingest'), logonPayload('G1', { key: undefined }))).ack.reason, 'Invalid Key');
    const s = await client(h.port('ingest'));
    const ack = await obsLogon(s, logonPayload('G1', { key: 'secret-key' }));
    assert.equal(ack.value, true);
  });

  it('never lets an absent key match an unset AUTH_KEY', async (t) => {
    const h = await startSpectra({ requireAuthKey: true, authKey: null });
    t.after(() => h.close());
    const { ack } = await refusal(h.port('ingest'), logonPayload('G1', { key: undefined }));
    assert.equal(ack.reason, 'Invalid Key');
  });

  it('accepts any key when REQUIRE_AUTH_KEY is false', async (t) => {
    const h = await startSpectra({ requireAuthKey: false, authKey: 'secret-key' });
    t.after(() => h.close());
    const s = await client(h.port('ingest'));
    assert.equal((await obsLogon(s, logonPayload('G1', { key: 'anything' }))).value, true);
  });

  it('accepts the dialect producer key (the npm start demo) without configuration', async (t) => {
    const h = await startSpectra({ requireAuthKey: true, authKey: null });
    t.after(() => h.close());
    const s = await client(h.port('ingest'));
    assert.equal((await obsLogon(s, logonPayload('G1', { key: h.dialect.producerKey }))).value, true);
  });

  it('validates keys against the backend: 200 valid, 401 Invalid Key, 403 Expired Key, other Unknown Error', async (t) => {
    const seen: string[] = [];
    const backend: Server = createServer((req, res) => {
      seen.push(req.url ?? '');
      const key = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
      const status = key === 'good' ? 200 : key === 'expired' ? 403 : key === 'broken' ? 500 : 401;
      res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{"organizationId":"org-1"}' : '{}');
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    t.after(() => backend.close());
    const port = (backend.address() as { port: number }).port;
    const h = await startSpectra({ requireAuthKey: true, authKey: null, backendUrl: `http://127.0.0.1:${port}` });
    t.after(() => h.close());
    assert.equal((await refusal(h.port('ingest'), logonPayload('G1', { key: 'nope' }))).ack.reason, 'Invalid Key');
    assert.equal((await refusal(h.port('ingest'), logonPayload('G1', { key: 'expired' }))).ack.reason, 'Expired Key');
    assert.equal((await refusal(h.port('ingest'), logonPayload('G1', { key: 'broken' }))).ack.reason, 'Unknown Error');
    const s = await client(h.port('ingest'));
    assert.equal((await obsLogon(s, logonPayload('G1', { key: 'good' }))).value, true);
    assert.ok(seen.includes('/system/validateAccessKey/good'));
  });

  it('answers Unknown Error when the backend is unreachable', async (t) => {
    const h = await startSpectra({ requireAuthKey: true, authKey: null, backendUrl: 'http://127.0.0.1:1' });
    t.after(() => h.close());
    assert.equal((await refusal(h.port('ingest'), logonPayload('G1', { key: 'x' }))).ack.reason, 'Unknown Error');
  });

  it('creates a match with a 12-character [A-Z0-9] secret; a second observer needs it, and gets "reconnected"', async (t) => {
    const h = await startSpectra();
    t.after(() => h.close());
    const first = await observer(h, 'GRP');
    assert.match(first.secret, /^[A-Z0-9]{12}$/);
    const other = await observer(h, 'OTHER');
    assert.notEqual(other.secret, first.secret);
    const live = await refusal(h.port('ingest'), logonPayload('GRP'));
    assert.deepEqual(live.ack, { type: 'authenticate', value: false, reason: 'Game with Group Code GRP exists and is still live.' });
    const wrong = await refusal(h.port('ingest'), logonPayload('GRP', { groupSecret: 'AAAAAAAAAAAA' }));
    assert.equal(wrong.ack.reason, 'Game with Group Code GRP exists and is still live.');
    first.socket.close();
    const again = await client(h.port('ingest'));
    assert.deepEqual(await obsLogon(again, logonPayload('GRP', { groupSecret: first.secret })), {
      type: 'authenticate',
      value: true,
      reason: 'reconnected',
    });
  });

  it('reconnects a real client with reconnection on, re-logging on with the stored secret', async (t) => {
    const h = await startSpectra();
    t.after(() => h.close());
    const socket = await client(h.port('ingest'), { reconnection: true, reconnectionDelay: 10, reconnectionDelayMax: 20 });
    let secret = '';
    const acks: Ack[] = [];
    socket.on('obs_logon_ack', (raw: string) => {
      const ack = JSON.parse(raw) as Ack;
      acks.push(ack);
      if (ack.value && ack.reason !== 'reconnected') secret = ack.reason!;
    });
    // The Spectra client logs on at every (re)connect, with the secret once it has one.
    const logon = () => socket.emit('obs_logon', JSON.stringify(logonPayload('RC', secret ? { groupSecret: secret } : {})));
    socket.on('connect', logon);
    logon();
    await new Promise<void>((r) => socket.once('obs_logon_ack', () => r()));
    socket.io.engine.close(); // transport drop: the client reconnects by itself
    await new Promise<void>((r) => socket.once('obs_logon_ack', () => r()));
    assert.deepEqual(acks.at(-1), { type: 'authenticate', value: true, reason: 'reconnected' });
    assert.equal(h.dialect.matchCount, 1);
  });

  it('ignores a second obs_logon on an authenticated socket', async (t) => {
    const h = await startSpectra();
    t.after(() => h.close());
    const { socket } = await observer(h, 'ONE');
    let acks = 0;
    socket.on('obs_logon_ack', () => acks++);
    socket.emit('obs_logon', JSON.stringify(logonPayload('TWO')));
    // A round trip on the same socket proves the second logon was processed (and ignored).
    const s2 = await client(h.port('ingest'));
    assert.equal((await obsLogon(s2, logonPayload('TWO'))).value, true, 'TWO was not taken by the ignored logon');
    assert.equal(acks, 0);
    assert.equal(socket.connected, true);
  });

  it('sends no ack for a payload that is not JSON (as the original) and keeps serving others', async (t) => {
    const h = await startSpectra();
    t.after(() => h.close());
    const s = await client(h.port('ingest'));
    let acked = false;
    s.on('obs_logon_ack', () => (acked = true));
    s.emit('obs_logon', '{not json');
    s.emit('obs_logon', 42);
    const ok = await observer(h, 'FINE');
    assert.match(ok.secret, /^[A-Z0-9]{12}$/);
    assert.equal(acked, false);
  });

  it('accepts the logon as an object as well as a JSON string', async (t) => {
    const h = await startSpectra();
    t.after(() => h.close());
    const s = await client(h.port('ingest'));
    const ack = once<string>(s, 'obs_logon_ack');
    s.emit('obs_logon', logonPayload('OBJ'));
    assert.equal((JSON.parse(await ack) as Ack).value, true);
  });

  it('disconnects a socket that never logs on within logonTimeoutMs', async (t) => {
    const h = await startSpectra({ logonTimeoutMs: 50 });
    t.after(() => h.close());
    const s = io(`http://127.0.0.1:${h.port('ingest')}`, { forceNew: true, reconnection: false });
    t.after(() => s.close());
    const reason = once<string>(s, 'disconnect');
    await once(s, 'connect');
    assert.equal(await reason, 'io server disconnect');
  });
});

describe('aux_logon', () => {
  const aux = (matchId: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ type: 'aux_authenticate', clientVersion: '0.3.3', name: 'p', matchId, playerId: 'puuid-1', ...extra });

  async function auxRefusal(port: number, payload: string): Promise<{ ack: Ack; gone: string }> {
    const s = await client(port);
    const gone = disconnected(s);
    const ack = once<string>(s, 'aux_logon_ack');
    s.emit('aux_logon', payload);
    return { ack: JSON.parse(await ack) as Ack, gone: await gone };
  }

  it('refuses in order (packet, version, match) with type "authenticate" and disconnects', async (t) => {
    const h = await startSpectra({ serverVersion: '0.3.4' });
    t.after(() => h.close());
    const p = h.port('ingest');
    const bad = await auxRefusal(p, aux('M', { type: 'authenticate', clientVersion: '0.0.1' }));
    assert.deepEqual(bad.ack, { type: 'authenticate', value: false, reason: 'Invalid packet.' });
    assert.equal(bad.gone, 'io server disconnect');
    const old = await auxRefusal(p, aux('M', { clientVersion: '0.0.1' }));
    assert.equal(old.ack.reason, 'Client version 0.0.1 is not compatible with server version 0.3.4.');
    const missing = await auxRefusal(p, aux('M-404'));
    assert.deepEqual(missing.ack, { type: 'authenticate', value: false, reason: 'Game with Match ID M-404 not found.' });
  });

  it('finds a match only after the observer sent match_start, then acks aux_authenticate', async (t) => {
    const h = await startSpectra();
    t.after(() => h.close());
    const obs = await observer(h, 'AUXG');
    assert.equal((await auxRefusal(h.port('ingest'), aux('VAL-1'))).ack.value, false);
    const view = await overlay(h, 'AUXG');
    // Issue 20 item 2: an aux client logs on as a player of the roster.
    sendData(obs.socket, 'AUXG', 'roster', { name: 'p', tagline: 'EU', startTeam: 0, agentInternal: 'Wushu', playerId: 'puuid-1', position: 0, locked: true });
    sendData(obs.socket, 'AUXG', 'match_start', 'VAL-1');
    await view.until((states) => states.at(-1)?.matchId === 'VAL-1');
    const s = await client(h.port('ingest'));
    const ack = once<string>(s, 'aux_logon_ack');
    s.emit('aux_logon', aux('VAL-1'));
    assert.deepEqual(JSON.parse(await ack), { type: 'aux_authenticate', value: true });
    assert.equal(s.connected, true);
  });
});

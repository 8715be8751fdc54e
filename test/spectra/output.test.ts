/**
 * Output (5200) and the whole path observer → state → hub → overlays (protocol-notes §4.4–4.5),
 * with real socket.io-client clients, plus the status port (5101).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { io } from 'socket.io-client';
import { ManualClock } from '../../src/core/clock.js';
import { channelOf } from '../../src/dialects/spectra/match-registry.js';
import { client, closeClients, disconnected, latest, logonPayload, obsLogon, observer, once, overlay, sendData, startSpectra } from './helpers.js';

after(closeClients);

describe('output logon', () => {
  it('logon joins the room, answers logon_success, then sends match_data (a JSON string) at once', async (t) => {
    const h = await startSpectra();
    t.after(() => h.close());
    await observer(h, 'ROOM');
    const s = await client(h.port('output'));
    const success = once<string>(s, 'logon_success');
    const data = once<unknown>(s, 'match_data');
    s.emit('logon', JSON.stringify({ groupCode: 'ROOM' }));
    assert.deepEqual(JSON.parse(await success), { groupCode: 'ROOM', msg: 'Logon succeeded for group code ROOM' });
    const first = await data;
    assert.equal(typeof first, 'string');
    assert.equal((JSON.parse(first as string) as { groupCode: string }).groupCode, 'ROOM');
  });

  it('the immediate match_data of a later logon goes to the whole room (as the original)', async (t) => {
    const h = await startSpectra();
    t.after(() => h.close());
    await observer(h, 'ROOM');
    const a = await overlay(h, 'ROOM');
    await a.until((states) => states.length >= 1);
    const before = a.states.length;
    const b = await overlay(h, 'ROOM');
    await b.until((states) => states.length >= 1);
    await a.until((states) => states.length > before);
  });

  it('logons within one emit interval re-send the state to the room once; each new overlay still gets it at once', async (t) => {
    const clock = new ManualClock(1_000_000);
    const h = await startSpectra({}, { clock });
    t.after(() => h.close());
    await observer(h, 'BURST');
    // The send loop runs on the manual clock: step it until the match's first state is out.
    const a = await overlay(h, 'BURST');
    while (a.states.length === 0) {
      clock.advance(20);
      await new Promise((r) => setTimeout(r, 5));
    }
    const before = a.states.length;
    // 20 overlays log on while the clock stands still (inside one 20 ms interval).
    const later = await Promise.all(Array.from({ length: 20 }, () => overlay(h, 'BURST')));
    await Promise.all(later.map((o) => o.until((states) => states.length >= 1)));
    for (const o of later) assert.equal(o.states.at(-1)!.groupCode, 'BURST');
    // The original would have sent A 20 more frames (one per logon); here one room-wide emit.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(a.states.length - before, 1, 'one room-wide match_data for the burst');
    // Past the interval a logon reaches the whole room again, as the original's does.
    clock.advance(20);
    await overlay(h, 'BURST');
    await a.until((states) => states.length === before + 2);
  });

  it('keeps one hub subscriber per group on this node, whatever the number of overlays, and drops it when the room empties', async (t) => {
    const h = await startSpectra();
    t.after(() => h.close());
    await observer(h, 'SUBS');
    const a = await overlay(h, 'SUBS');
    const b = await overlay(h, 'SUBS');
    await Promise.all([a.until((s) => s.length >= 1), b.until((s) => s.length >= 1)]);
    assert.equal(h.hub.subscriberCount(channelOf('SUBS')), 1);
    a.socket.close();
    b.socket.close();
    await waitFor(() => h.hub.subscriberCount(channelOf('SUBS')) === 0);
  });

  it('ignores a logon without a usable groupCode: no reply, no disconnect', async (t) => {
    const h = await startSpectra();
    t.after(() => h.close());
    const s = await client(h.port('output'));
    let replied = false;
    s.on('logon_success', () => (replied = true));
    s.emit('logon', '{oops');
    s.emit('logon', JSON.stringify({ groupCode: 42 }));
    const ok = await overlay(h, 'OTHER');
    assert.equal(ok.socket.connected, true);
    assert.equal(replied, false);
    assert.equal(s.connected, true);
  });

  it('serves a front end that re-emits logon after every reconnect', async (t) => {
    const h = await startSpectra();
    t.after(() => h.close());
    const { socket: obs } = await observer(h, 'FE');
    const fe = io(`http://127.0.0.1:${h.port('output')}`, { forceNew: true, reconnectionDelay: 10, reconnectionDelayMax: 20 });
    t.after(() => fe.close());
    const states: string[] = [];
    fe.on('match_data', (m: string) => states.push(m));
    fe.on('connect', () => fe.emit('logon', JSON.stringify({ groupCode: 'FE' })));
    await once(fe, 'logon_success');
    fe.io.engine.close();
    await once(fe, 'logon_success');
    sendData(obs, 'FE', 'map', 'Bonsai');
    await waitFor(() => states.some((m) => (JSON.parse(m) as { map: string }).map === 'Split'));
  });

  it('allows a configured CORS origin and defaults to "*"', async (t) => {
    const h = await startSpectra();
    t.after(() => h.close());
    const res = await fetch(`http://127.0.0.1:${h.port('output')}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://overlay.example' } });
    await res.text();
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    const h2 = await startSpectra({ corsOrigin: ['https://ok.example'] });
    t.after(() => h2.close());
    const ok = await fetch(`http://127.0.0.1:${h2.port('ingest')}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://ok.example' } });
    await ok.text();
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://ok.example');
  });

  it('refuses connections over the per-IP cap with connect_error', async (t) => {
    const h = await startSpectra({ outputPerIpMax: 1 });
    t.after(() => h.close());
    await client(h.port('output'));
    await assert.rejects(client(h.port('output')), /Too many connections/);
  });
});

describe('state to overlays', () => {
  it('processes observer data into the state overlays receive (objects accepted as well as strings)', async (t) => {
    const h = await startSpectra();
    t.after(() => h.close());
    const { socket } = await observer(h, 'DATA');
    const view = await overlay(h, 'DATA');
    sendData(socket, 'DATA', 'roster', { name: 'Ace', tagline: 'EU', startTeam: 0, agentInternal: 'Wushu', playerId: 'p1', position: 0, locked: true, rank: 3 });
    socket.emit('obs_data', { obsName: 'obs', groupCode: 'DATA', type: 'map', data: 'Pitt' });
    const [state] = (await view.until((s) => s.at(-1)?.map === 'Pearl' && s.at(-1)?.teams[0].players.length === 1)).slice(-1);
    assert.equal(state!.teams[0].players[0].agentProper, 'Jett');
  });

  it('never sends secrets: no groupSecret, eventNumber or playercam secret/endTime in match_data', async (t) => {
    const h = await startSpectra();
    t.after(() => h.close());
    const { secret } = await observer(h, 'SAFE');
    const view = await overlay(h, 'SAFE');
    await view.until((s) => s.length >= 1);
    const raw = String(view.raw.at(-1));
    assert.ok(!raw.includes(secret));
    assert.ok(!raw.includes('TOPSECRET-CAM'));
    for (const key of ['groupSecret', 'eventNumber', 'replayLog', 'playercamUrl', 'timeoutEndTimeout', 'timeoutRemainingLoop', 'toastEndTimeout']) {
      assert.equal(key in latest(view), false, key);
    }
    assert.deepEqual(Object.keys(latest(view).tools.playercamsInfo).sort(), ['enable', 'enabledPlayers', 'identifier', 'listenIn', 'removeTricodes']);
  });

  it('emits at most once per emit interval, coalescing bursts into the newest state', async (t) => {
    const interval = 150;
    const h = await startSpectra({ emitIntervalMs: interval });
    t.after(() => h.close());
    const { socket } = await observer(h, 'THR');
    const view = await overlay(h, 'THR');
    // The logon's immediate match_data is outside the throttle; count only what follows it.
    await view.until((s) => s.length >= 1);
    const times: number[] = [];
    view.socket.on('match_data', () => times.push(performance.now()));
    const start = performance.now();
    for (let i = 1; i <= 40; i++) sendData(socket, 'THR', 'round_info', { roundPhase: 'shopping', roundNumber: i });
    await view.until((s) => s.at(-1)?.roundNumber === 40);
    const elapsed = performance.now() - start;
    // Exact spacing is asserted on a ManualClock (registry.test.ts); over real sockets the bound
    // is the count: one emission per interval elapsed, plus the tick already under way.
    assert.ok(times.length <= Math.floor(elapsed / interval) + 2, `${times.length} emissions in ${Math.round(elapsed)} ms`);
    assert.ok(times.length < 40, 'a burst is coalesced');
  });

  it('keeps groups isolated; an observer writes only to its own group, whatever its payload says', async (t) => {
    const h = await startSpectra();
    t.after(() => h.close());
    const a = await observer(h, 'AAA');
    await observer(h, 'BBB');
    const viewA = await overlay(h, 'AAA');
    const viewB = await overlay(h, 'BBB');
    await viewB.until((s) => s.length >= 1);
    sendData(a.socket, 'BBB', 'map', 'Jam');
    await viewA.until((s) => s.at(-1)?.map === 'Lotus');
    assert.ok(viewA.states.every((s) => s.groupCode === 'AAA'));
    assert.ok(viewB.states.every((s) => s.groupCode === 'BBB' && s.map === 'Loading'));
  });

  it('survives malformed payloads without affecting other matches', async (t) => {
    const h = await startSpectra();
    t.after(() => h.close());
    const bad = await observer(h, 'BAD');
    const good = await observer(h, 'GOOD');
    const view = await overlay(h, 'GOOD');
    for (const junk of ['{', 'null', '[]', 42, null, true, Buffer.from([1, 2, 3]), { type: 'roster' }, { obsName: 'o', groupCode: 'BAD', type: 'score', data: 'x' }]) {
      bad.socket.emit('obs_data', junk);
      bad.socket.emit('aux_data', junk);
    }
    sendData(bad.socket, 'BAD', 'killfeed', { attacker: { toString: 1 } });
    sendData(good.socket, 'GOOD', 'map', 'Canyon');
    await view.until((s) => s.at(-1)?.map === 'Fracture');
    assert.equal(bad.socket.connected, true);
    const again = await overlay(h, 'BAD');
    await again.until((s) => s.length >= 1);
  });

  it('routes aux data by the aux client match id and resets its availability when it disconnects', async (t) => {
    const h = await startSpectra();
    t.after(() => h.close());
    const { socket: obs } = await observer(h, 'AUX');
    const view = await overlay(h, 'AUX');
    sendData(obs, 'AUX', 'roster', { name: 'Ace', tagline: 'EU', startTeam: 0, agentInternal: 'Wushu', playerId: 'puuid-1', position: 0, locked: true });
    sendData(obs, 'AUX', 'match_start', 'VAL-9');
    await view.until((s) => s.at(-1)?.matchId === 'VAL-9');
    const aux = await client(h.port('ingest'));
    const ack = once<string>(aux, 'aux_logon_ack');
    aux.emit('aux_logon', JSON.stringify({ type: 'aux_authenticate', clientVersion: '0.3.3', name: 'Ace', matchId: 'VAL-9', playerId: 'puuid-1' }));
    assert.equal((JSON.parse(await ack) as { value: boolean }).value, true);
    aux.emit('aux_data', JSON.stringify({ playerId: 'puuid-1', matchId: 'VAL-9', type: 'aux_health', data: 42 }));
    aux.emit('aux_data', JSON.stringify({ playerId: 'puuid-1', matchId: 'VAL-9', type: 'aux_abilities', data: { grenade: 1, ability_1: 1, ability_2: 2 } }));
    await view.until((s) => s.at(-1)?.teams[0].players[0].health === 42 && s.at(-1)?.teams[0].players[0].auxiliaryAvailable.abilities);
    aux.close();
    await view.until((s) => s.at(-1)?.teams[0].players[0].auxiliaryAvailable.health === false);
  });
});

describe('match lifecycle', () => {
  it('emits the final state once at game_end, then removes the match and frees its group code', async (t) => {
    const h = await startSpectra({ emitIntervalMs: 10_000 });
    t.after(() => h.close());
    const { socket } = await observer(h, 'END');
    const view = await overlay(h, 'END');
    sendData(socket, 'END', 'score', { team_0: 13, team_1: 7 });
    sendData(socket, 'END', 'round_info', { roundPhase: 'game_end', roundNumber: 20 });
    // The emit interval is long: only the game-end flush can deliver this state.
    await view.until((s) => s.at(-1)?.roundPhase === 'game_end');
    assert.equal(latest(view).isRunning, false);
    assert.equal(latest(view).teams[0].roundsWon, 13);
    assert.equal(view.states.filter((s) => s.roundPhase === 'game_end').length, 1);
    await waitFor(async () => (await h.hub.history(channelOf('END'), { limit: 0 })).snapshot === null);
    assert.equal(h.dialect.matchCount, 0);
    const next = await client(h.port('ingest'));
    const ack = await obsLogon(next, logonPayload('END'));
    assert.equal(ack.value, true);
    assert.match(ack.reason!, /^[A-Z0-9]{12}$/);
  });

  it('removes a match idle for idleRemovalMs and disconnects its observer', async (t) => {
    const h = await startSpectra({ idleRemovalMs: 150, idleSweepIntervalMs: 20 });
    t.after(() => h.close());
    const { socket } = await observer(h, 'IDLE');
    assert.equal(h.dialect.matchCount, 1);
    assert.equal(await disconnected(socket), 'io server disconnect');
    assert.equal(h.dialect.matchCount, 0);
  });
});

describe('status port', () => {
  it('GET /status reports the running matches; /getTeamInfoForCode answers 400, 404 and 200 with CORS', async (t) => {
    const h = await startSpectra();
    t.after(() => h.close());
    const base = `http://127.0.0.1:${h.port('status')}`;
    const s0 = await fetch(`${base}/status`);
    assert.deepEqual(await s0.json(), { status: 'UP', matchesRunning: 0 });
    assert.equal(s0.headers.get('access-control-allow-origin'), '*');
    await observer(h, 'TEAM');
    assert.deepEqual(await (await fetch(`${base}/status`)).json(), { status: 'UP', matchesRunning: 1 });
    const missing = await fetch(`${base}/getTeamInfoForCode`);
    assert.equal(missing.status, 400);
    assert.deepEqual(await missing.json(), { error: 'Group code is required' });
    const unknown = await fetch(`${base}/getTeamInfoForCode?groupCode=NOPE`);
    assert.equal(unknown.status, 404);
    assert.deepEqual(await unknown.json(), { error: 'Group code not found' });
    const found = await fetch(`${base}/getTeamInfoForCode?groupCode=TEAM`);
    assert.equal(found.status, 200);
    assert.deepEqual(await found.json(), {
      leftTeam: { name: 'Left Side', tricode: 'LFT', url: 'https://example.invalid/l.png', attackStart: true },
      rightTeam: { name: 'Right Side', tricode: 'RGT', url: 'https://example.invalid/r.png', attackStart: false },
    });
    assert.equal((await fetch(`${base}/other`)).status, 404);
  });
});

async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * Issue 20 item 2: an aux session is tied to the player it logged on as. Each attack is performed
 * as an outsider would: it reads `matchId` and the players' ids from the public overlay feed
 * (5200, no key), then logs on to ingest (5100, no key) with a real socket.io-client behaving as
 * Spectra-Client 0.3.3's aux mode does (real-clients.ts).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/index.js';
import { closeClients, disconnected, observer, overlay, sendData, startSpectra, type Harness } from './helpers.js';
import { closeRealClients, rosterEntries, spectraAux } from './real-clients.js';

after(() => {
  closeRealClients();
  closeClients();
});

/** A live match with ten players and a match id, as an observer builds it; returns what any overlay sees. */
async function liveMatch(h: Harness, groupCode: string, matchId: string) {
  const obs = await observer(h, groupCode);
  const view = await overlay(h, groupCode);
  for (const entry of rosterEntries()) sendData(obs.socket, groupCode, entry.type, entry.data);
  sendData(obs.socket, groupCode, 'match_start', matchId);
  const state = (await view.until((s) => s.at(-1)?.matchId === matchId && s.at(-1)?.teams[1].players.length === 5)).at(-1)!;
  return { obs, view, state };
}

function player(state: Record<string, any>, riotId: string): Record<string, any> {
  for (const team of state.teams) for (const p of team.players) if (p.riotId === riotId) return p;
  throw new Error(`no player ${riotId}`);
}

describe('aux sessions tied to their player (issue 20 item 2)', () => {
  it('refuses an aux logon for a player not in the match, with a reason the real client shows', async (t) => {
    const h = await startSpectra();
    t.after(() => h.close());
    const { state } = await liveMatch(h, 'AUX1', 'VAL-1');
    // The attacker has the match id from the public feed, and makes up a player id.
    const intruder = spectraAux(h.port('ingest'), { name: 'x', matchId: state.matchId, playerId: 'not-a-player' });
    assert.deepEqual(await intruder.outcome, { connected: false, reason: 'Player not-a-player is not in the match with Match ID VAL-1.' });
    assert.equal(intruder.socket.connected, false, 'the refused client is disconnected');
    // An empty player id (the client's PLAYER_ID before it learnt one) is refused the same way.
    const blank = spectraAux(h.port('ingest'), { name: 'x', matchId: 'VAL-1', playerId: '' });
    assert.equal((await blank.outcome).connected, false);
    // A player of the roster logs on as before.
    const real = spectraAux(h.port('ingest'), { name: 'Player6', matchId: 'VAL-1', playerId: 'puuid-6' });
    assert.deepEqual(await real.outcome, { connected: true });
  });

  it("refuses data for any other player from a player's aux session", async (t) => {
    const h = await startSpectra();
    t.after(() => h.close());
    const { view, state } = await liveMatch(h, 'AUX2', 'VAL-2');
    const victims = state.teams[0].players.map((p: { riotId: string }) => p.riotId) as string[];
    // The attacker logs on as a player of the other team (ids read from the feed).
    const own = state.teams[1].players[0].riotId as string;
    const attacker = spectraAux(h.port('ingest'), { name: 'x', matchId: state.matchId, playerId: own });
    assert.deepEqual(await attacker.outcome, { connected: true });
    const forged = (playerId: string, type: string, data: unknown) =>
      attacker.socket.emit('aux_data', JSON.stringify({ playerId, matchId: state.matchId, type, data }));
    forged(victims[0]!, 'aux_health', 1);
    forged(victims[1]!, 'aux_abilities', { grenade: 9, ability_1: 9, ability_2: 9 });
    forged(own, 'aux_scoreboard', { playerId: victims[2], startTeam: 0, kills: 40, deaths: 0, assists: 0, money: 9000, isAlive: true });
    forged(victims[3]!, 'aux_scoreboard_team', JSON.stringify([{ playerId: victims[4], kills: 40 }]));
    // Even under its own id, an aux session may not write its teammates' scoreboards.
    const mate = state.teams[1].players[1].riotId as string;
    forged(own, 'aux_scoreboard_team', JSON.stringify([{ playerId: mate, kills: 40, deaths: 0, assists: 0, isAlive: true }]));
    // The session's own data still applies: the marker arrives after every forged message.
    attacker.send({ type: 'aux_health', data: 55 });
    const after = (await view.until((s) => player(s.at(-1)!, own).health === 55)).at(-1)!;
    for (const id of [...victims, mate]) {
      const p = player(after, id);
      assert.deepEqual([p.health, p.kills, p.abilities.grenade], [100, 0, 0], `player ${id} untouched`);
      assert.deepEqual(p.auxiliaryAvailable, { health: false, abilities: false, scoreboard: false });
    }
  });

  it('refuses observer events (round_info game_end, score, swaps) from an aux session', async (t) => {
    const h = await startSpectra();
    t.after(() => h.close());
    const { view, state } = await liveMatch(h, 'AUX5', 'VAL-5');
    const own = state.teams[1].players[2].riotId as string;
    const attacker = spectraAux(h.port('ingest'), { name: 'x', matchId: state.matchId, playerId: own });
    assert.deepEqual(await attacker.outcome, { connected: true });
    attacker.send({ type: 'score', data: { team_0: 12, team_1: 0 } });
    attacker.send({ type: 'swap_left_right', data: true });
    attacker.send({ type: 'round_info', data: { roundPhase: 'game_end', roundNumber: 24 } });
    attacker.send({ type: 'aux_health', data: 56 });
    const after = (await view.until((s) => player(s.at(-1)!, own).health === 56)).at(-1)!;
    assert.equal(h.dialect.matchCount, 1, 'game_end from an aux session did not end the match');
    assert.equal(after.roundPhase, state.roundPhase);
    assert.deepEqual([after.teams[0].roundsWon, after.teams[1].roundsWon], [0, 0]);
    assert.equal(after.teams[0].teamName, state.teams[0].teamName, 'teams were not swapped');
  });

  it('allows one aux session per player: a second one is refused, the first keeps its seat until it leaves', async (t) => {
    const h = await startSpectra();
    t.after(() => h.close());
    const { view } = await liveMatch(h, 'AUX3', 'VAL-3');
    const first = spectraAux(h.port('ingest'), { name: 'Player1', matchId: 'VAL-3', playerId: 'puuid-1' });
    assert.deepEqual(await first.outcome, { connected: true });
    const second = spectraAux(h.port('ingest'), { name: 'x', matchId: 'VAL-3', playerId: 'puuid-1' });
    assert.deepEqual(await second.outcome, { connected: false, reason: 'Player puuid-1 already has an auxiliary client connected.' });
    // The refused session did not reset the first one's availability when it went away.
    first.send({ type: 'aux_health', data: 70 });
    await view.until((s) => player(s.at(-1)!, 'puuid-1').health === 70);
    first.send({ type: 'aux_health', data: 71 });
    const now = (await view.until((s) => player(s.at(-1)!, 'puuid-1').health === 71)).at(-1)!;
    assert.equal(player(now, 'puuid-1').auxiliaryAvailable.health, true);
    // Once the first leaves, the seat is free again (the client reconnects at the next round end).
    const left = disconnected(first.socket);
    first.socket.disconnect();
    await left;
    await view.until((s) => player(s.at(-1)!, 'puuid-1').auxiliaryAvailable.health === false);
    const again = spectraAux(h.port('ingest'), { name: 'Player1', matchId: 'VAL-3', playerId: 'puuid-1' });
    assert.deepEqual(await again.outcome, { connected: true });
  });

  it('AUX_AUTH_KEY is off by default; when set, an aux logon without the key is refused', async (t) => {
    assert.equal(parseConfig({}).spectra.auxAuthKey, null);
    assert.equal(parseConfig({ env: { AUX_AUTH_KEY: 'aux-secret' } }).spectra.auxAuthKey, 'aux-secret');
    const h = await startSpectra({ auxAuthKey: 'aux-secret' });
    t.after(() => h.close());
    await liveMatch(h, 'AUX4', 'VAL-4');
    const keyless = spectraAux(h.port('ingest'), { name: 'Player2', matchId: 'VAL-4', playerId: 'puuid-2' });
    assert.deepEqual(await keyless.outcome, { connected: false, reason: 'Invalid Key' });
    const wrong = spectraAux(h.port('ingest'), { name: 'Player2', matchId: 'VAL-4', playerId: 'puuid-2', key: 'guess' });
    assert.deepEqual(await wrong.outcome, { connected: false, reason: 'Invalid Key' });
    const keyed = spectraAux(h.port('ingest'), { name: 'Player2', matchId: 'VAL-4', playerId: 'puuid-2', key: 'aux-secret' });
    assert.deepEqual(await keyed.outcome, { connected: true });
  });
});

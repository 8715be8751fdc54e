/**
 * Issue 15 item 2, spectra `obs_data`: an observer is never cut off for its rate, and a slow
 * broker never makes a node queue state publishes without bound. Each `obs_data` only changes the
 * match state in memory; the send loop publishes the whole state, at most one publish in flight
 * per match, newer states merging into the next one. Before, every emit interval queued another
 * publish behind the stalled one (one per 20 ms here), all sent once Redis ran again.
 * A real redis-server is stalled with SIGSTOP; the observer and the overlay are real
 * socket.io-clients acting as Spectra-Client 0.3.3 and Spectra-Frontend (real-clients.ts).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startRedis, type RedisUnderTest } from '../helpers/redis-server.js';
import { portOf, startTestHub } from '../helpers/streamhub.js';
import { stallRedis } from '../scaleout/fault-traffic.js';
import { closeRealClients, frontendOverlay, rosterEntries, spectraObserver } from '../spectra/real-clients.js';

const CHANGES = 100;

let redis: RedisUnderTest;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  closeRealClients();
  await redis.stop();
});

it('spectra obs_data during a Redis stall: the observer stays connected, one state publish per match is in flight, the overlay converges on the last state', async (t) => {
  const hub = await startTestHub({ server: { redisUrl: redis.url }, spectra: { emitIntervalMs: 20, development: true, requireAuthKey: false } });
  t.after(() => hub.close());
  const obs = spectraObserver(portOf(hub, 'spectra', 'ingest'), {
    obsName: 'Observer 1',
    groupCode: 'stall',
    key: '',
    leftTeam: { name: 'Left', tricode: 'LFT', url: '', attackStart: true },
    rightTeam: { name: 'Right', tricode: 'RGT', url: '', attackStart: false },
    seriesInfo: { needed: 1, wonLeft: 0, wonRight: 0, mapInfo: [] },
    seedingInfo: { left: '', right: '' },
    tournamentInfo: { name: '', logoUrl: '', backdropUrl: '' },
    timeoutDuration: 60,
  });
  assert.equal((await obs.outcome).connected, true);
  let disconnectReason: string | null = null;
  obs.socket.on('disconnect', (reason) => (disconnectReason = reason));
  for (const entry of rosterEntries()) obs.send(entry);
  obs.send({ type: 'match_start', data: 'VAL-STALL' });
  const view = frontendOverlay(portOf(hub, 'spectra', 'output'), 'STALL');
  await view.until((s) => s.matchId === 'VAL-STALL');
  const topOffset = async () => (await hub.hub.history('spectra:STALL', { limit: 0 })).top?.offset ?? 0;
  const before = await topOffset();

  const resume = await stallRedis(redis);
  t.after(resume);
  // 100 state changes over ~2 s (player 0's money on its scoreboard, as the client sends it):
  // about 100 emit intervals of 20 ms while Redis answers nothing.
  const player = rosterEntries()[0]!.data;
  const scoreboard = (money: number) => ({
    type: 'scoreboard',
    data: { ...player, isAlive: true, initialArmor: 0, scoreboardWeaponInternal: 'Classic', currUltPoints: 1, maxUltPoints: 7, hasSpike: false, money, kills: 0, deaths: 0, assists: 0 },
  });
  for (let change = 1; change <= CHANGES; change++) {
    obs.send(scoreboard(change));
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(disconnectReason, null, 'the observer is never cut off for its rate');
  resume();

  const moneyOfPlayer0 = (s: Record<string, any>) =>
    (s.teams as Array<{ players: Array<{ playerId: string; money: number }> }> | undefined)?.flatMap((team) => team.players).find((p) => p.playerId === player.playerId)?.money;
  await view.until((s) => moneyOfPlayer0(s) === CHANGES, 20_000);
  const published = (await topOffset()) - before;
  assert.equal(disconnectReason, null);
  // One publish in flight when Redis stopped, then the merged latest state; a third at most if an
  // emit fell between the in-flight publish's reply and the last state change.
  assert.ok(published >= 1 && published <= 3, `${published} state publishes for ${CHANGES} changes during the stall (at most 3)`);
});

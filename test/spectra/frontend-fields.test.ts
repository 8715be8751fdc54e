/**
 * Issue 14 (spectra): Spectra-Client 0.3.3 feeds a match, Spectra-Frontend reads it. The client
 * never sends `nameOverrides` (nor most of ToolsData), and the frontend reads
 * `match().tools.nameOverrides.overrides` unguarded (`displayName.service.ts`), so without the
 * original server's ToolsData defaults the overlay throws and its player rows stay blank.
 *
 * The observer logs on exactly as client 0.3.3's `connectorService.ts` does and sends data in the
 * order its `gepService.ts` does during agent select and the first round; the overlay is a real
 * socket.io-client acting as the frontend's `SocketService.ts`.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { closeClients, startSpectra } from './helpers.js';
import { closeRealClients, frontendOverlay, rosterEntries, spectraObserver, type ObserverLogon } from './real-clients.js';

after(() => {
  closeRealClients();
  closeClients();
});

/**
 * Every field path Spectra-Frontend reads from `match_data`, from `ValoSpectra/Spectra-Frontend`:
 * `services/dataModel.service.ts` (computed signals and `onMatchUpdate`), `services/Types.ts`
 * (IMatchData, ITeamData, IPlayerData, IToolsData), `services/displayName.service.ts`, and the
 * components `combat/player-combat-card`, `shopping/player-scoreboard-card`,
 * `shopping/scoreboard`, `top/match/team-info`, `top/auxiliary/sponsor-box` and the playercams
 * component (`playercamsInfo().listenIn`). `[]` stands for every element.
 * Left out on purpose (PROTOCOL.md "Fields the front end reads that the original never sends"):
 * `isRanked` and `players[].isCaptain`; and `playercamsInfo.secret` / `.endTime`, which the
 * server must never emit (notes §4.5).
 */
const FRONTEND_PATHS = [
  // match (dataModel.service.ts, Types.ts IMatchData)
  'groupCode', 'isRunning', 'roundNumber', 'roundPhase', 'map', 'showAliveKDA', 'switchRound', 'firstOtRound', 'attackersWon',
  'spikeState.planted', 'spikeState.defused', 'spikeState.detonated',
  'timeoutState.techPause', 'timeoutState.leftTeam', 'timeoutState.rightTeam', 'timeoutState.timeRemaining',
  'toastInfo.active', 'toastInfo.duration', 'toastInfo.title', 'toastInfo.message', 'toastInfo.eventLogoEnabled',
  // tools (dataModel.service.ts computed signals, Types.ts IToolsData, displayName.service.ts)
  'tools.seriesInfo.needed', 'tools.seriesInfo.wonLeft', 'tools.seriesInfo.wonRight', 'tools.seriesInfo.mapInfo',
  'tools.seedingInfo.left', 'tools.seedingInfo.right',
  'tools.tournamentInfo.name', 'tools.tournamentInfo.logoUrl', 'tools.tournamentInfo.backdropUrl',
  'tools.timeoutDuration', 'tools.timeoutCancellationGracePeriod',
  'tools.timeoutCounter.max', 'tools.timeoutCounter.left', 'tools.timeoutCounter.right',
  'tools.sponsorInfo.enabled', 'tools.sponsorInfo.duration', 'tools.sponsorInfo.sponsors',
  'tools.watermarkInfo.spectraWatermark', 'tools.watermarkInfo.customTextEnabled', 'tools.watermarkInfo.customText',
  'tools.playercamsInfo.enable', 'tools.playercamsInfo.removeTricodes', 'tools.playercamsInfo.identifier',
  'tools.playercamsInfo.enabledPlayers', 'tools.playercamsInfo.listenIn',
  'tools.nameOverrides.overrides',
  'tools.roundWinBox.type', 'tools.roundWinBox.sponsors',
  // teams (Types.ts ITeamData, scoreboard, team-info)
  'teams[].teamName', 'teams[].teamUrl', 'teams[].teamTricode', 'teams[].spentThisRound', 'teams[].isAttacking', 'teams[].roundsWon',
  'teams[].roundRecord[].type', 'teams[].roundRecord[].wasAttack', 'teams[].roundRecord[].round',
  // players (Types.ts IPlayerData, player-combat-card, player-scoreboard-card, scoreboard `track player.playerId`)
  'teams[].players[].name', 'teams[].players[].fullName', 'teams[].players[].playerId', 'teams[].players[].isAlive',
  'teams[].players[].agentInternal', 'teams[].players[].iconNameSuffix', 'teams[].players[].locked', 'teams[].players[].isObserved',
  'teams[].players[].armorName', 'teams[].players[].money', 'teams[].players[].moneySpent', 'teams[].players[].highestWeapon',
  'teams[].players[].currUltPoints', 'teams[].players[].maxUltPoints', 'teams[].players[].ultReady', 'teams[].players[].hasSpike',
  'teams[].players[].scoreboardAvailable', 'teams[].players[].auxiliaryAvailable.health',
  'teams[].players[].auxiliaryAvailable.abilities', 'teams[].players[].auxiliaryAvailable.scoreboard',
  'teams[].players[].kills', 'teams[].players[].deaths', 'teams[].players[].assists', 'teams[].players[].killsThisRound',
  'teams[].players[].deathsThisRound', 'teams[].players[].killedPlayerNames', 'teams[].players[].health',
  'teams[].players[].abilities.grenade', 'teams[].players[].abilities.ability1', 'teams[].players[].abilities.ability2',
];

/** The values at a path; `[]` expands over an array (a missing array yields one `undefined`). */
function valuesAt(root: unknown, path: string): unknown[] {
  let values: unknown[] = [root];
  for (const segment of path.split('.')) {
    const many = segment.endsWith('[]');
    const key = many ? segment.slice(0, -2) : segment;
    values = values.flatMap((v) => {
      const next = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
      if (!many) return [next];
      return Array.isArray(next) && next.length > 0 ? next : [undefined];
    });
  }
  return values;
}

const LOGON: ObserverLogon = {
  obsName: 'Observer 1',
  groupCode: 'front',
  key: 'obs-key',
  leftTeam: { name: 'Left Esports', tricode: 'LFT', url: 'https://example.invalid/l.png', attackStart: true },
  rightTeam: { name: 'Right Gaming', tricode: 'RGT', url: 'https://example.invalid/r.png', attackStart: false },
  seriesInfo: { needed: 2, wonLeft: 1, wonRight: 0, mapInfo: [] },
  seedingInfo: { left: 'Seed 1', right: 'Seed 4' },
  tournamentInfo: { name: 'Cup', logoUrl: '', backdropUrl: '' },
  timeoutDuration: 60,
};

/** A match fed as client 0.3.3 feeds it: agent select, then the first buy phase and combat. */
async function feedFirstRound(port: number) {
  const obs = spectraObserver(port, LOGON);
  assert.equal((await obs.outcome).connected, true);
  for (const entry of rosterEntries()) obs.send(entry);
  obs.send({ type: 'game_mode', data: 'bomb' });
  obs.send({ type: 'map', data: 'Ascent' });
  obs.send({ type: 'match_start', data: 'VAL-FRONT' });
  obs.send({ type: 'round_info', data: { roundPhase: 'shopping', roundNumber: 1 } });
  for (const { data } of rosterEntries()) {
    obs.send({
      type: 'scoreboard',
      data: { ...data, isAlive: true, initialArmor: 0, scoreboardWeaponInternal: 'Classic', currUltPoints: 1, maxUltPoints: 7, hasSpike: false, money: 800, kills: 0, deaths: 0, assists: 0 },
    });
  }
  obs.send({ type: 'round_info', data: { roundPhase: 'combat', roundNumber: 1 } });
  return obs;
}

describe('Spectra-Client 0.3.3 → Spectra-Frontend: every field the overlay reads (issue 14)', () => {
  it('match_data has every field path the frontend reads', async (t) => {
    const h = await startSpectra({ requireAuthKey: true, authKey: 'obs-key' });
    t.after(() => h.close());
    const view = frontendOverlay(h.port('output'), 'FRONT');
    await feedFirstRound(h.port('ingest'));
    const state = await view.until((s) => s.roundPhase === 'combat' && s.teams?.[1]?.players?.[4]?.scoreboardAvailable === true);
    const missing = FRONTEND_PATHS.filter((path) => valuesAt(state, path).some((v) => v === undefined));
    assert.deepEqual(missing, [], 'paths the frontend reads but match_data lacks');
    // What the frontend does with it (dataModel.service.ts onMatchUpdate → jsonToMap): a JSON array of pairs.
    const overrides = JSON.parse(state.tools.nameOverrides.overrides as string) as unknown;
    assert.ok(Array.isArray(overrides));
    assert.equal(new Map(overrides as [string, string][]).size, 0);
    // Unique keys for the scoreboard's `track player.playerId`.
    const ids = valuesAt(state, 'teams[].players[].playerId');
    assert.equal(new Set(ids).size, 10);
  });

  it("fills every ToolsData field the client does not send with the original server's default", async (t) => {
    const h = await startSpectra({ requireAuthKey: true, authKey: 'obs-key' });
    t.after(() => h.close());
    const view = frontendOverlay(h.port('output'), 'FRONT');
    await feedFirstRound(h.port('ingest'));
    const state = await view.until((s) => s.matchId === 'VAL-FRONT');
    // Spectra-Server src/model/ToolsData.ts, with what client 0.3.3 sent; `secret` and `endTime`
    // are never emitted (notes §4.5); sponsorInfo.duration is in ms (PROTOCOL.md, deviations).
    assert.deepEqual(state.tools, {
      seriesInfo: LOGON.seriesInfo,
      seedingInfo: LOGON.seedingInfo,
      tournamentInfo: LOGON.tournamentInfo,
      timeoutDuration: 60,
      timeoutCounter: { max: 2, left: 2, right: 2 },
      timeoutCancellationGracePeriod: 10,
      sponsorInfo: { enabled: false, duration: 5000, sponsors: [] },
      watermarkInfo: { spectraWatermark: true, customTextEnabled: false, customText: '' },
      playercamsInfo: { enable: false, removeTricodes: false, identifier: '', enabledPlayers: [], listenIn: false },
      nameOverrides: { overrides: '[]' },
      roundWinBox: { type: 'disabled', sponsors: [] },
    });
  });
});

/**
 * The recorded observer session (src/producers/spectra/session-script.ts: roster, scoreboard,
 * killfeed, rounds with plants, defuses and detonations, a timeout, the side swap, game end)
 * replayed through 5100 as the Spectra client sends it; asserts the match_data overlays get.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { buildSessionScript } from '../../src/producers/spectra/session-script.js';
import { startSpectraDemo } from '../../src/producers/spectra/demo.js';
import { closeClients, observer, overlay, startSpectra } from './helpers.js';

after(closeClients);

describe('recorded session replay', () => {
  it('turns the whole session into the final state the overlay renders', async (t) => {
    const h = await startSpectra();
    t.after(() => h.close());
    const script = buildSessionScript(3, 0);
    const { socket } = await observer(h, 'REPLAY', { leftTeam: script.leftTeam, rightTeam: script.rightTeam });
    const view = await overlay(h, 'REPLAY');
    for (const step of script.steps) {
      socket.emit('obs_data', JSON.stringify({ obsName: 'obs', groupCode: 'REPLAY', type: step.type, data: step.data }));
    }
    await view.until((s) => s.at(-1)?.roundPhase === 'game_end', 30_000);
    const final = view.states.at(-1)!;
    assert.equal(view.states.filter((s) => s.roundPhase === 'game_end').length, 1, 'the final state is emitted once');
    assert.equal(final.isRunning, false);
    assert.equal(final.map, 'Ascent');
    assert.equal(final.matchId, script.matchId);
    const [left, right] = final.teams;
    assert.equal(left.teamName, script.leftTeam.name);
    assert.deepEqual([left.roundsWon, right.roundsWon], script.finalScore);
    assert.equal(left.players.length, 5);
    assert.equal(right.players.length, 5);
    const rounds = final.roundNumber as number;
    assert.ok(rounds >= 13);
    // Every finished round but the last (its reason is written at the next shopping phase) has one winner and one loser.
    for (let r = 1; r < rounds; r++) {
      const a = left.roundRecord[r - 1].type;
      const b = right.roundRecord[r - 1].type;
      assert.ok((a === 'lost') !== (b === 'lost'), `round ${r}: ${a} / ${b}`);
    }
    const types = new Set([...left.roundRecord, ...right.roundRecord].map((e: { type: string }) => e.type));
    if (script.steps.some((s) => s.type === 'spike_defused')) assert.ok(types.has('defused'));
    if (script.steps.some((s) => s.type === 'spike_detonated')) assert.ok(types.has('detonated'));
    // The side swap at round 13: the left team started on attack.
    if (rounds >= 13 && rounds < 25) assert.equal(left.isAttacking, false);
    const kills = (team: { players: { kills: number }[] }) => team.players.reduce((n, p) => n + p.kills, 0);
    const deaths = (team: { players: { deaths: number }[] }) => team.players.reduce((n, p) => n + p.deaths, 0);
    assert.equal(kills(left), deaths(right));
    assert.equal(kills(right), deaths(left));
    assert.equal(final.tools.timeoutCounter.left, 2, 'the demo timeout was cancelled within the grace period');
    assert.equal(h.dialect.matchCount, 0);
  });

  it('the demo producer logs on to DEMO with a real client and drives the overlay', async (t) => {
    const h = await startSpectra({ requireAuthKey: true, authKey: null });
    t.after(() => h.close());
    const controller = new AbortController();
    t.after(() => controller.abort());
    const view = await overlay(h, 'DEMO');
    startSpectraDemo({ ingestUrl: `http://127.0.0.1:${h.port('ingest')}`, groupCode: 'DEMO', authKey: h.dialect.producerKey, paceMs: 5 }, controller.signal);
    await view.until((s) => (s.at(-1)?.roundNumber ?? 0) >= 2 && s.at(-1)?.teams[0].players.length === 5, 30_000);
    assert.equal(view.states.at(-1)!.groupCode, 'DEMO');
  });
});

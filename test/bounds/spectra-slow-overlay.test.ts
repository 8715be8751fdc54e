/**
 * spectra's slow-consumer bound (PROTOCOL.md "Output": an overlay socket with more than
 * `outputMaxBufferedPackets` packets waiting is disconnected): an overlay that stops reading is
 * cut off (it finds Socket.IO's DISCONNECT packet once it reads again) while a reading overlay of
 * the same room gets every state up to the last.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createSpectraDialect } from '../../src/dialects/spectra/index.js';
import { startDialect, testConfig } from '../helpers/harness.js';
import { closeClients, observer, overlay, sendData } from '../spectra/helpers.js';
import { Op, buildFrame, rawWs } from '../fuzz/raw.js';

const wins = (state: Record<string, any> | undefined) => state?.teams?.find((x: { ingameTeamId: number }) => x.ingameTeamId === 0)?.roundsWon;

it('disconnects an overlay that stops reading; a reading overlay is unaffected', { timeout: 90_000 }, async (t) => {
  const options = testConfig({
    spectra: { ingestPort: 0, outputPort: 0, statusPort: 0, development: true, requireAuthKey: false, emitIntervalMs: 20, outputMaxBufferedPackets: 16 },
  }).spectra;
  const h = await startDialect((ctx) => createSpectraDialect(ctx, options));
  t.after(async () => {
    closeClients();
    await h.close();
  });
  const { socket: obs } = await observer(h as never, 'SLOW');
  // Big states (tallies of 32 long keys per player) fill the stalled socket's kernel buffers in a few dozen states.
  const long = (tag: string, i: number) => `${tag}${i}`.padEnd(250, 'x');
  for (let team = 0; team < 2; team++)
    for (let i = 0; i < 5; i++) {
      const name = long(`P${team}`, i);
      sendData(obs, 'SLOW', 'roster', { name, tagline: 't', startTeam: team, agentInternal: 'Wushu', playerId: `id-${team}-${i}`, position: i, locked: true, rank: 20 });
      for (let k = 0; k < 32; k++) sendData(obs, 'SLOW', 'killfeed', { attacker: name, victim: long('v', k), weaponKillfeedInternal: long('w', k), headshotKill: false, assists: [], isTeamkill: false });
    }
  const reader = await overlay(h as never, 'SLOW', { transports: ['websocket'] });
  const slow = await rawWs(h.port('output'), '/socket.io/?EIO=4&transport=websocket');
  slow.send(buildFrame({ opcode: Op.text, payload: Buffer.from('40') }));
  await slow.waitFor((f) => f.payload.toString().startsWith('40'));
  slow.send(buildFrame({ opcode: Op.text, payload: Buffer.from('42["logon","{\\"groupCode\\":\\"SLOW\\"}"]') }));
  await slow.waitFor((f) => f.payload.toString().includes('logon_success'));
  slow.socket.pause();
  const sent = 200;
  for (let score = 1; score <= sent; score++) {
    sendData(obs, 'SLOW', 'score', { team_0: score, team_1: 0 });
    // Each change is its own state: wait for the reader to see it (the throttle would merge them otherwise).
    await reader.until((states) => wins(states.at(-1)) === score, 15_000);
  }
  assert.equal(reader.socket.connected, true, 'the reading overlay stays');
  slow.socket.resume();
  // Socket.IO's DISCONNECT packet (`41`) was queued when the server cut the slow overlay.
  await slow.waitFor((f) => f.opcode === Op.text && f.payload.toString() === '41', 30_000);
  const got = slow.frames.filter((f) => f.payload.toString().startsWith('42["match_data"')).length;
  assert.ok(got < sent, `the slow overlay was cut before the end (${got} of ${sent})`);
  process.stdout.write(`# the stalled overlay got ${got} of ${sent} states before it was cut\n`);
  slow.socket.destroy();
});

/**
 * Fuzz suite for spectra's output listener (src/dialects/spectra/PROTOCOL.md): Socket.IO 4 over
 * the Engine.IO v4 WebSocket transport, hit with raw frames below Socket.IO.
 */
import assert from 'node:assert/strict';
import { createSpectraDialect } from '../../src/dialects/spectra/index.js';
import { startDialect, testConfig } from '../helpers/harness.js';
import { client, closeClients, disconnected, logonPayload, obsLogon, once, sendData } from '../spectra/helpers.js';
import { FUZZ_HANDSHAKE_MS, fuzzSuite } from './suite.js';
import type { Answer, JsonPath } from './properties.js';

const MAX_HTTP_BUFFER = 64 * 1024;
const EIO_PATH = '/socket.io/';

/**
 * Engine.IO answers upgrades under its path: 101 for `EIO=4&transport=websocket`, 400 for any
 * other query; upgrades elsewhere get 404 (PROTOCOL.md "Connection refusals").
 */
function pathStatus(path: string): number {
  const [bare, query = ''] = path.split('?') as [string, string?];
  if (bare !== EIO_PATH) return 404;
  const q = new URLSearchParams(query);
  return q.get('EIO') === '4' && q.get('transport') === 'websocket' && !q.has('sid') ? 101 : 400;
}

const CLOSED = [1000, 1005, 1006];

/**
 * An Engine.IO v4 packet is a type digit (0–6) then data. A pong, a noop or a namespace connect
 * is accepted; an unknown type closes the transport; a message the Socket.IO
 * decoder cannot read closes it too, while one it can read is served (hence "either").
 */
function textAnswer(body: string): Answer {
  if (body === '3' || body === '6' || body === '40') return 'ignored';
  // A close packet (1) is acted on by the polling transport only; over WebSocket it may be ignored.
  if (!/^[0-6]/.test(body)) return { close: CLOSED };
  return { close: CLOSED, orIgnored: true };
}

fuzzSuite('spectra', async () => {
  const options = testConfig({
    spectra: {
      ingestPort: 0, outputPort: 0, statusPort: 0, emitIntervalMs: 5, development: true, requireAuthKey: false,
      outputPerIpMax: 100_000, outputTotalMax: 100_000, maxHttpBufferSize: MAX_HTTP_BUFFER,
    },
  }).spectra;
  const h = await startDialect((ctx) => createSpectraDialect(ctx, options), { listener: { handshakeTimeoutMs: FUZZ_HANDSHAKE_MS } });
  const obs = await client(h.port('ingest'), { transports: ['websocket'] });
  const ack = await obsLogon(obs, logonPayload('STEADY'));
  assert.equal(ack.value, true);
  const view = await client(h.port('output'), { transports: ['websocket'] });
  const wins: number[] = [];
  view.on('match_data', (msg: unknown) => {
    const state = JSON.parse(String(msg)) as { teams: { ingameTeamId: number; roundsWon: number }[] };
    wins.push(state.teams.find((t) => t.ingameTeamId === 0)!.roundsWon);
  });
  const logged = once(view, 'logon_success');
  view.emit('logon', JSON.stringify({ groupCode: 'STEADY' }));
  await logged;
  let score = 0;
  // Issue 20 item 1: every ingest event takes JSON (as a string, as the Spectra client sends it, or
  // as an object, which Socket.IO also delivers). A logon past the bounds gets its failure ack and a
  // disconnect (PROTOCOL.md "Connection refusals"); data past them after a logon, a disconnect.
  const ingest = () => client(h.port('ingest'), { transports: ['websocket'] });
  const DEPTH = /^Invalid packet: JSON nested deeper than 32 levels\.$/;
  let code = 0;
  const logonWith = (deep: string) => {
    const payload = JSON.stringify(logonPayload(`DEEP${++code}`, { toolsData: { timeoutDuration: 60 } }));
    return payload.replace('"toolsData":{', `"toolsData":{"seriesInfo":{"needed":1,"mapInfo":${deep}},`);
  };
  const refusedLogon = (event: 'obs_logon' | 'aux_logon', asObject: boolean): JsonPath['expectRefused'] => async (message, what) => {
    const socket = await ingest();
    const ack = once<string>(socket, `${event}_ack`, 10_000);
    socket.emit(event, asObject ? JSON.parse(message) : message);
    const answer = JSON.parse(await ack) as { type: string; value: boolean; reason: string };
    assert.equal(answer.value, false, what);
    assert.match(answer.reason, DEPTH, what);
    assert.equal(await disconnected(socket, 10_000), 'io server disconnect', what);
  };
  // A message sent as a string travels JSON-escaped inside the Socket.IO packet: every `"` and `\` doubles, so a
  // message of the whole buffer could exceed maxHttpBufferSize once escaped (transport closed 1009, no ack: found by
  // FUZZ_SEED=1907330033 FUZZ_CASES=200). Half the buffer always fits.
  const STRING_MAX = Math.floor((MAX_HTTP_BUFFER - 1024) / 2);
  const jsonPaths: JsonPath[] = [
    { name: 'spectra obs_logon (string)', maxBytes: STRING_MAX, message: logonWith, expectRefused: refusedLogon('obs_logon', false) },
    // Socket.IO's client encoder recurses too: objects stay shallow enough for it (3,000 levels at most).
    { name: 'spectra obs_logon (object)', maxBytes: 12_000, message: logonWith, expectRefused: refusedLogon('obs_logon', true) },
    {
      name: 'spectra aux_logon',
      maxBytes: STRING_MAX,
      message: (deep) => `{"type":"aux_authenticate","clientVersion":"0.3.3","name":"p","matchId":"m","playerId":"p","extra":${deep}}`,
      expectRefused: refusedLogon('aux_logon', false),
    },
    {
      name: 'spectra obs_data',
      maxBytes: STRING_MAX,
      message: (deep) => `{"obsName":"obs","groupCode":"G","type":"scoreboard","data":{"playerId":"p","abilities":${deep}}}`,
      async expectRefused(message, what) {
        const socket = await ingest();
        const ack = await obsLogon(socket, logonPayload(`DATA${++code}`));
        assert.equal(ack.value, true, what);
        socket.emit('obs_data', message);
        assert.equal(await disconnected(socket, 10_000), 'io server disconnect', what);
      },
    },
  ];
  return {
    target: {
      name: 'spectra',
      port: h.port('output'),
      wsPath: `${EIO_PATH}?EIO=4&transport=websocket`,
      pathStatus,
      frameLimit: MAX_HTTP_BUFFER,
      oversize: { close: [1009] },
      transportLimit: MAX_HTTP_BUFFER,
      transportOversize: { close: [1009] },
      validText: () => '3',
      textAnswer,
      invalidUtf8: { close: [1007] },
      // A bare binary frame is binary data Socket.IO is not reconstructing: a decode error, which closes.
      binary: { close: CLOSED },
      connections: () => h.dialect.stats().outputConnections as number,
      jsonPaths,
    },
    steady: {
      // match_data is a throttled whole state (PROTOCOL.md "Output"): the overlay must see the score
      // never go backwards and end at the last value sent.
      async publish() {
        score += 1;
        sendData(obs, 'STEADY', 'score', { team_0: score, team_1: 0 });
      },
      async verify() {
        const deadline = Date.now() + 10_000;
        while (wins.at(-1) !== score && Date.now() < deadline) await once(view, 'match_data', 10_000);
        assert.equal(wins.at(-1), score, 'the overlay converged on the last state');
        for (let i = 1; i < wins.length; i++) assert.ok(wins[i]! >= wins[i - 1]!, `state went backwards at ${i}`);
      },
      async close() {
        closeClients();
      },
    },
    close: () => h.close(),
  };
});

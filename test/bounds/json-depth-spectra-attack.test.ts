/**
 * Issue 20 item 1, performed as the attacker did: an observer holding a valid key sends `obs_logon`
 * with one `toolsData` list nested 3,000 deep (about 6 KB). Before the fix the logon was accepted and
 * the next throttled emit overflowed the stack in `JSON.stringify` inside a timer: the process exited
 * and every dialect went down. StreamHub runs here as the real entry point in its own process, so a
 * crash would be seen as an exit; the attacker uses a real socket.io-client as the Spectra client
 * does (its payloads are JSON strings), and an elstat status page and a spectra overlay of another
 * match watch throughout. (streamhub-process.ts is the entry point without src/main.ts's signal
 * and banner handling, so the test depends on nothing but the server.)
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once as onceEvent } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import { connect, type RecordingClient } from '../helpers/ws-client.js';

const root = resolve(import.meta.dirname, '../..');
const AUTH_KEY = 'observer-key-of-the-attacker';
const INCIDENTS_TOKEN = 'incidents-token-json-depth';
const DEPTH = 3_000;

/** `[[[…[]…]]]`, `depth` arrays deep: the 6 KB value of the report. */
function nested(depth: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < depth; i++) value = [value];
  return value;
}

/** The `toolsData` fields the report names, each holding the deep value where the client sends a list. */
const ATTACKS: Record<string, (deep: unknown) => Record<string, unknown>> = {
  'seriesInfo.mapInfo': (deep) => ({ seriesInfo: { needed: 1, wonLeft: 0, wonRight: 0, mapInfo: deep } }),
  'sponsorInfo.sponsors': (deep) => ({ sponsorInfo: { enabled: true, duration: 5000, sponsors: deep } }),
  'roundWinBox.sponsors': (deep) => ({ roundWinBox: { type: 'sponsors', sponsors: deep } }),
  'playercamsInfo.enabledPlayers': (deep) => ({ playercamsInfo: { enable: true, identifier: 'cam', enabledPlayers: deep } }),
};

function logon(groupCode: string, toolsData: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'authenticate',
    clientVersion: '0.3.3',
    obsName: 'obs',
    key: AUTH_KEY,
    groupCode,
    leftTeam: { name: 'Left', tricode: 'LFT', url: '', attackStart: true },
    rightTeam: { name: 'Right', tricode: 'RGT', url: '', attackStart: false },
    toolsData,
  };
}

function waitFor<T>(socket: Socket, event: string, timeoutMs = 15_000): Promise<T> {
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    socket.once(event, (arg: T) => {
      clearTimeout(timer);
      ok(arg);
    });
  });
}

async function socketTo(port: number): Promise<Socket> {
  const socket = io(`http://127.0.0.1:${port}`, { forceNew: true, reconnection: false });
  await waitFor(socket, 'connect');
  return socket;
}

describe('spectra obs_logon nested 3,000 deep (issue 20 item 1)', () => {
  let child: ReturnType<typeof spawn>;
  let exited: Promise<number | null>;
  let stdout = '';
  let stderr = '';
  let ports: Record<string, { name: string; port: number }[]>;
  let statusPage: RecordingClient;
  let observer: Socket;
  let overlay: Socket;
  const states: { teams: { ingameTeamId: number; roundsWon: number }[] }[] = [];
  const sockets: Socket[] = [];

  const port = (dialect: string, name?: string) => (name ? ports[dialect]!.find((a) => a.name === name)! : ports[dialect]![0]!).port;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'json-depth-'));
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        server: { host: '127.0.0.1', demo: false },
        operator: { port: 0 },
        match: { port: 0 },
        nova: { port: 0 },
        relay: { port: 0 },
        spectra: { ingestPort: 0, outputPort: 0, statusPort: 0, emitIntervalMs: 20, development: true },
        elstat: { port: 0, incidents: { token: INCIDENTS_TOKEN } },
        streamhub: { port: 0 },
      }),
    );
    child = spawn(process.execPath, ['--import', 'tsx', 'test/bounds/streamhub-process.ts', '--config', config], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', AUTH_KEY, REQUIRE_AUTH_KEY: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    exited = onceEvent(child, 'exit').then(([code]) => code as number | null);
    const started = Date.now();
    while (!stdout.includes('StreamHub listening')) {
      if (child.exitCode !== null) assert.fail(`exited early: ${stderr}`);
      if (Date.now() - started > 30_000) assert.fail('did not start within 30 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    ports = JSON.parse(stdout.split('\n').find((l) => l.includes('StreamHub listening'))!).listeners;

    // A status page on another dialect, and an honest match with its overlay.
    statusPage = await connect(`ws://127.0.0.1:${port('elstat')}/api/streaming`);
    observer = await socketTo(port('spectra', 'ingest'));
    sockets.push(observer);
    const ack = waitFor<string>(observer, 'obs_logon_ack');
    observer.emit('obs_logon', JSON.stringify(logon('HONEST', { timeoutDuration: 60 })));
    assert.equal((JSON.parse(await ack) as { value: boolean }).value, true);
    overlay = await socketTo(port('spectra', 'output'));
    sockets.push(overlay);
    overlay.on('match_data', (raw: string) => states.push(JSON.parse(raw)));
    const joined = waitFor(overlay, 'logon_success');
    overlay.emit('logon', JSON.stringify({ groupCode: 'HONEST' }));
    await joined;
  });

  after(async () => {
    for (const s of sockets) s.close();
    statusPage?.close();
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  });

  /** The honest observer scores; resolves once the overlay saw it, i.e. the send loop ran after the attack. */
  async function honestMatchStillServed(rounds: number): Promise<void> {
    observer.emit('obs_data', JSON.stringify({ obsName: 'obs', groupCode: 'HONEST', type: 'score', data: { team_0: rounds, team_1: 0 } }));
    const deadline = Date.now() + 15_000;
    while (!states.some((s) => s.teams.find((t) => t.ingameTeamId === 0)?.roundsWon === rounds)) {
      if (Date.now() > deadline) assert.fail(`the honest overlay never saw ${rounds} rounds (process ${child.exitCode === null ? 'up' : `exited ${child.exitCode}: ${stderr.slice(-2000)}`})`);
      await waitFor(overlay, 'match_data', 15_000);
    }
  }

  let round = 0;
  for (const [field, tools] of Object.entries(ATTACKS)) {
    for (const form of ['string', 'object'] as const) {
      it(`refuses toolsData.${field} nested ${DEPTH} deep (payload as a ${form}) with a failure ack and a disconnect`, async () => {
        const attacker = await socketTo(port('spectra', 'ingest'));
        sockets.push(attacker);
        const payload = logon(`EVIL${++round}`, tools(nested(DEPTH)));
        const ack = waitFor<string>(attacker, 'obs_logon_ack');
        const gone = waitFor<string>(attacker, 'disconnect');
        // The real client sends a JSON string; Socket.IO also hands the server parsed objects.
        attacker.emit('obs_logon', form === 'string' ? JSON.stringify(payload) : payload);
        const answer = JSON.parse(await ack) as { type: string; value: boolean; reason: string };
        assert.equal(answer.type, 'authenticate');
        assert.equal(answer.value, false);
        assert.equal(answer.reason, 'Invalid packet: JSON nested deeper than 32 levels.');
        assert.equal(await gone, 'io server disconnect');

        // The send loop ran since (the honest overlay got a newer state), the process is up, and a
        // page on another dialect is still served.
        await honestMatchStillServed(round);
        assert.equal(child.exitCode, null, `StreamHub exited: ${stderr.slice(-2000)}`);
        const res = await fetch(`http://127.0.0.1:${port('elstat')}/api/incidents`, {
          method: 'POST',
          headers: { authorization: `Bearer ${INCIDENTS_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ title: `after ${field} ${form}` }),
        });
        assert.equal(res.status, 201);
        const { id } = (await res.json()) as { id: number };
        await statusPage.until((m) => m.some((x) => (x as { op?: number; d?: { id?: number } }).op === 4 && (x as { d: { id: number } }).d.id === id), 10_000);
      });
    }
  }

  it('logged each refusal and never a stack overflow', () => {
    assert.equal(child.exitCode, null);
    assert.doesNotMatch(stdout + stderr, /Maximum call stack size exceeded/);
    assert.match(stdout, /payload past the JSON bounds/);
  });
});

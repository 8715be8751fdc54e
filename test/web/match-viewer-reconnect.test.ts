/// <reference lib="dom" />
/**
 * The viewer's connection handling, against a scripted match server (a real `ws` server that
 * speaks seed 000 and can drop, refuse and go silent on cue, which the real dialect never does
 * on purpose).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { matchViewerRoutes } from '../../src/dialects/match/viewer/index.js';
import { launchChromium } from './browser.js';

function init(home: string, away: string) {
  const team = (id: string, primary: string) => ({
    id,
    name: `${id} FC`,
    short_name: id,
    kit: { primary, secondary: '#ffffff' },
    players: [1, 2, 3].map((n) => ({ id: `${id}_${n}`, name: `${id} ${n}`, number: n, position: n === 1 ? 'GK' : 'MF' })),
  });
  return {
    type: 'match.init',
    spec_version: '0.1.1',
    match_id: 'scripted',
    sport: 'soccer',
    field: { length: 105, width: 68, units: 'm' },
    teams: [team(home, '#d62828'), team(away, '#1d4ed8')],
    start_time: '2026-11-23T00:00:00Z',
  };
}

function frame(t: number, ids: string[]) {
  return {
    type: 'state',
    t,
    ball: { pos: [t / 1000, 0, 0.11] },
    players: ids.map((id, i) => ({ id, pos: [i * 5 - 20 + t / 500, i * 3], facing: 0, anim: 'run' })),
  };
}

async function scriptedServer() {
  const routes = matchViewerRoutes();
  const http = createServer((req, res) => {
    const handler = routes.get((req.url ?? '/').split('?')[0]!);
    if (handler) handler(req, res);
    else res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ noServer: true });
  const connections: WebSocket[] = [];
  const waiters: (() => void)[] = [];
  const closes: number[] = [];
  http.on('upgrade', (req, socket, head) => {
    if (req.url !== '/v1/match/scripted') return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      connections.push(ws);
      ws.on('close', (code) => closes.push(code));
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    closes,
    /** Resolves with the n-th connection (1-based) once it is open. */
    async connection(n: number): Promise<WebSocket> {
      while (connections.length < n) await new Promise<void>((r) => waiters.push(r));
      return connections[n - 1]!;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const ws of connections) ws.terminate();
        wss.close();
        http.close(() => r());
      }),
  };
}

const send = (ws: WebSocket, msg: unknown) => ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
const hello = { type: 'hello', spec_version: '0.1.1', match_id: 'scripted', server_time_ms: 0, ring_size: 1024, replay_window_ms: 60000 };

describe('match viewer connection handling', () => {
  it('reconnects with backoff after a drop, a silence and a refusal, and starts over on each MatchInit', async (t) => {
    const server = await scriptedServer();
    t.after(() => server.close());
    const browser = await launchChromium();
    t.after(() => browser.close());
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${server.url}/?match=scripted&backoff=50&idle=3000`);

    // First connection: a match with a goal.
    const first = await server.connection(1);
    send(first, hello);
    send(first, init('AAA', 'BBB'));
    send(first, frame(100, ['AAA_1', 'AAA_2', 'BBB_1']));
    send(first, { type: 'event.score_change', t: 150, home: 1, away: 0 });
    await page.waitForFunction(() => document.querySelector('#score')?.textContent === '1 – 0' && document.body.dataset.status === 'live');

    // The link drops without a close frame: the viewer comes back by itself.
    first.terminate();
    const second = await server.connection(2);
    send(second, hello);
    send(second, init('CCC', 'DDD'));
    send(second, frame(200, ['CCC_1', 'DDD_2']));
    await page.waitForFunction(() => document.querySelector('#home-name')?.textContent === 'CCC');
    assert.equal(await page.textContent('#score'), '0 – 0');
    assert.equal(await page.textContent('#ticker'), '');
    assert.equal(await page.evaluate(() => document.body.dataset.inits), '2');

    // Control frames, unknown types and garbage are tolerated; then silence past the idle limit
    // makes the viewer close (4000) and reconnect, as a dead link would.
    send(second, { type: 'x_keepalive' });
    send(second, { type: 'x_future_feature', value: 1 });
    send(second, 'not json at all');
    send(second, { type: 'event.score_change', t: 300, home: 0, away: 2 });
    await page.waitForFunction(() => document.querySelector('#score')?.textContent === '0 – 2');
    const third = await server.connection(3);
    assert.equal(server.closes.at(-1), 4000);

    // A refusal for load (seed 000: one x_error, then close 1013) is retried too.
    send(third, { type: 'x_error', error: 'per_ip' });
    third.close(1013, 'rate_limit:per_ip');
    await page.waitForFunction(() => /server busy/.test(document.querySelector('#status')?.textContent ?? ''));
    const fourth = await server.connection(4);
    send(fourth, hello);
    send(fourth, init('EEE', 'FFF'));
    await page.waitForFunction(() => document.querySelector('#home-name')?.textContent === 'EEE' && document.body.dataset.status === 'live');
    assert.ok(Number(await page.evaluate(() => document.body.dataset.reconnects)) >= 3);
    assert.deepEqual(errors, []);
  });
});

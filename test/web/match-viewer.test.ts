/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { createMatchDialect, type MatchDialect } from '../../src/dialects/match/index.js';
import type { MatchInit, StateFrame } from '../../src/dialects/match/spec.js';
import { mockMatchMessages } from '../../src/producers/match/mock.js';
import { matchViewerRoutes } from '../../src/dialects/match/viewer/index.js';
import type { ListenerSettings } from '../../src/dialects/types.js';
import { startDialect, testConfig } from '../helpers/harness.js';
import { makeCertificate } from '../operator/self-signed.js';
import { launchChromium } from './browser.js';

const SCREENSHOTS = resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const MATCH = 'viewer-test';

/** A seeded generator, so the mock match is the same on every run. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function startMatchWithViewer(listener: Partial<ListenerSettings> = {}) {
  const h = await startDialect((ctx) => createMatchDialect(ctx, testConfig({ match: { port: 0 } }).match), { listener });
  // The wiring server.ts does: the viewer's routes on the match listener, `/` shared with the descriptor.
  const dialect = h.dialect as MatchDialect;
  for (const [path, handler] of matchViewerRoutes(dialect.routes.get('/'))) dialect.routes.set(path, handler);
  return { ...h, dialect, http: `${listener.tls ? 'https' : 'http'}://127.0.0.1:${h.port()}` };
}

describe('match viewer against the real match dialect, in headless Chromium', () => {
  it('serves the page at / to browsers and keeps the JSON descriptor for API clients', async (t) => {
    const h = await startMatchWithViewer();
    t.after(() => h.close());
    const page = await fetch(`${h.http}/`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    assert.match(page.headers.get('content-type')!, /text\/html/);
    assert.match(page.headers.get('content-security-policy')!, /connect-src 'self' ws: wss:/);
    assert.match(await page.text(), /viewer\.js/);
    const api = await fetch(`${h.http}/`);
    assert.match(api.headers.get('content-type')!, /application\/json/);
    assert.equal((await fetch(`${h.http}/viewer.js`)).status, 200);
  });

  it('draws moving players, the score of the stream, the ticker, and resets on a second MatchInit', async (t) => {
    const h = await startMatchWithViewer();
    t.after(() => h.close());
    const feed = mockMatchMessages(MATCH, '2026-11-23T00:00:00Z', { random: seeded(7) });
    const frames = new Map<number, StateFrame>();
    let init: MatchInit | null = null;
    let lastT = 0;
    /** Resolved once a frame at or after `t` has been published. */
    const frameWaiters: { t: number; resolve: () => void }[] = [];
    /** Publishes the next messages up to and including the next StateFrame. */
    const step = async () => {
      for (;;) {
        const next = feed.next();
        if (next.done) return;
        const msg = next.value;
        if (msg.type === 'match.init') init = msg;
        await h.dialect.publish(MATCH, msg);
        if (msg.type === 'state') {
          frames.set(msg.t, msg);
          lastT = msg.t;
          for (const w of frameWaiters.filter((x) => x.t <= lastT)) {
            frameWaiters.splice(frameWaiters.indexOf(w), 1);
            w.resolve();
          }
          return;
        }
      }
    };
    await step(); // match.init and the first frame
    for (let i = 0; i < 20; i++) await step();

    const browser = await launchChromium();
    t.after(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${h.http}/?match=${MATCH}`);
    await page.waitForFunction(() => document.body.dataset.status === 'live' && Number(document.body.dataset.frames) >= 1);
    const [home, away] = init!.teams;
    assert.equal(await page.textContent('#home-name'), home.short_name ?? home.name);
    assert.equal(await page.textContent('#away-name'), away.short_name ?? away.name);

    // Live frames at 10 Hz, as the producer sends them; paused around each snapshot so the canvas
    // can be compared with the frame it shows (a loaded machine may draw late, never wrongly).
    let publishing = Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const play = () => {
      timer = setInterval(() => {
        publishing = publishing.then(step);
      }, 100);
    };
    const pause = async () => {
      clearInterval(timer);
      await publishing;
      await page.waitForFunction((t0) => document.querySelector<HTMLCanvasElement>('#pitch')?.dataset.drawnT === String(t0), lastT);
      return lastT;
    };
    t.after(() => clearInterval(timer));
    // Canvas pixels are kept in the page (a full-size copy is megabytes; only counts come back).
    const keep = (name: string) =>
      page.evaluate((key) => {
        const canvas = document.querySelector<HTMLCanvasElement>('#pitch')!;
        (window as unknown as Record<string, Uint8ClampedArray>)[key] = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      }, name);
    play();
    await page.waitForFunction((t0) => Number(document.body.dataset.t) > t0, lastT);
    const tA = await pause();
    const shotA = await page.screenshot();
    await keep('pixelsA');
    // One second of match time later, played in real time.
    play();
    await new Promise<void>((r) => frameWaiters.push({ t: tA + 1000, resolve: r }));
    const tB = await pause();
    const shotB = await page.screenshot();
    await keep('pixelsB');
    play();
    mkdirSync(SCREENSHOTS, { recursive: true });
    assert.notDeepEqual(shotA, shotB);

    // Where the player that moved most now stands, the pixels differ between the two snapshots.
    const a = frames.get(tA)!;
    const b = frames.get(tB)!;
    const moved = b.players
      .map((p) => {
        const before = a.players.find((q) => q.id === p.id)!;
        return { id: p.id, pos: p.pos, d: Math.hypot(p.pos[0] - before.pos[0], p.pos[1] - before.pos[1]) };
      })
      .sort((x, y) => y.d - x.d)[0]!;
    assert.ok(moved.d > 1, `a player moved ${moved.d} m in a second`);
    const changedNearPlayer = await page.evaluate(([x, y]) => {
      const w = window as unknown as Record<string, Uint8ClampedArray> & { matchViewer: { toCanvas(x: number, y: number): [number, number] } };
      const [px, py] = w.matchViewer.toCanvas(x!, y!);
      const width = document.querySelector<HTMLCanvasElement>('#pitch')!.width;
      const ratio = window.devicePixelRatio;
      const [A, B] = [w.pixelsA!, w.pixelsB!];
      let changed = 0;
      for (let dy = -3; dy <= 3; dy++) {
        for (let dx = -3; dx <= 3; dx++) {
          const i = (Math.round((py + dy) * ratio) * width + Math.round((px + dx) * ratio)) * 4;
          if (A[i] !== B[i] || A[i + 1] !== B[i + 1] || A[i + 2] !== B[i + 2]) changed += 1;
        }
      }
      return changed;
    }, moved.pos);
    assert.ok(changedNearPlayer > 0, 'the pitch changed where the player moved');

    // The score shown is the stream's score.
    await h.dialect.publish(MATCH, { type: 'event.goal', t: lastT, player: b.players[0]!.id, team: home.id });
    await h.dialect.publish(MATCH, { type: 'event.score_change', t: lastT, home: 2, away: 1 });
    await page.waitForFunction(() => document.querySelector('#score')?.textContent === '2 – 1');
    assert.match((await page.textContent('#ticker'))!, /Score 2–1/);
    assert.match((await page.textContent('#ticker'))!, /GOAL!/);
    await page.waitForFunction((t0) => Number(document.body.dataset.t) >= t0 + 300, lastT);
    writeFileSync(join(SCREENSHOTS, 'match-viewer.png'), await page.screenshot());

    // A second MatchInit (a producer restart) resets score and ticker; frames keep being drawn.
    clearInterval(timer);
    await publishing;
    const restarted = mockMatchMessages(MATCH, '2026-11-23T01:00:00Z', { random: seeded(8) });
    await h.dialect.publish(MATCH, restarted.next().value!);
    await page.waitForFunction(() => document.body.dataset.inits === '2');
    assert.equal(await page.textContent('#score'), '0 – 0');
    const framesBefore = Number(await page.evaluate(() => document.body.dataset.frames));
    for (let i = 0; i < 3; ) {
      const msg = restarted.next().value!;
      await h.dialect.publish(MATCH, msg);
      if (msg.type === 'state') i += 1;
    }
    await page.waitForFunction((n) => Number(document.body.dataset.frames) >= n + 3, framesBefore);
    assert.deepEqual(errors, []);
  });

  it('over https the viewer connects with wss:// to the same host', async (t) => {
    const cert = makeCertificate();
    t.after(() => cert.remove());
    const h = await startMatchWithViewer({ tls: { cert: cert.cert, key: cert.key } });
    t.after(() => h.close());
    const feed = mockMatchMessages('tls-view', '2026-11-23T00:00:00Z', { random: seeded(3) });
    for (let i = 0; i < 5; i++) await h.dialect.publish('tls-view', feed.next().value!);
    const browser = await launchChromium();
    t.after(() => browser.close());
    // The test certificate is not in Chromium's trust store; the page and its WebSocket both use it.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.goto(`${h.http}/?match=tls-view`);
    await page.waitForFunction(() => document.body.dataset.status === 'live' && Number(document.body.dataset.frames) >= 1);
    assert.deepEqual(sockets, [`wss://127.0.0.1:${h.port()}/v1/match/tls-view`]);
  });
});

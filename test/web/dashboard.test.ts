/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { DIALECT_MODULES } from '../../src/dialects/index.js';
import type { MatchDialect } from '../../src/dialects/match/index.js';
import { startOperator } from '../operator/operator-harness.js';
import { portOf, startTestHub } from '../helpers/streamhub.js';
import { connect } from '../helpers/ws-client.js';
import { launchChromium } from './browser.js';
import { matchInit } from '../match/fixtures.js';

const SCREENSHOTS = resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots');

describe('operator dashboard in headless Chromium', () => {
  it('shows a channel appearing and its counters rising, on a whole StreamHub with real clients', async (t) => {
    // Channel names need the operator token (issue 20); the page keeps it in sessionStorage.
    const hub = await startTestHub({ operator: { port: 0, adminToken: 'dash-token' } });
    t.after(() => hub.close());
    const browser = await launchChromium();
    t.after(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.addInitScript(() => sessionStorage.setItem('streamhub.operatorToken', 'dash-token'));
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`http://127.0.0.1:${portOf(hub, 'operator')}/?interval=200`);

    // The page polls and renders one card per dialect, and no channel yet.
    await page.waitForFunction(() => Number(document.body.dataset.polls) >= 1);
    assert.deepEqual(
      (await page.locator('.card[data-dialect]').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-dialect')))).sort(),
      DIALECT_MODULES.map((m) => m.name).sort(),
    );
    assert.equal(await page.locator('#channels tbody tr').count(), 0);
    assert.equal(await page.locator('#no-channels').isVisible(), true);
    assert.match((await page.locator('#broker').textContent())!, /memory: healthy/);

    // Two renderers connect to a match: the channel appears.
    const match = hub.dialects.get('match') as MatchDialect;
    await match.publish('dash', matchInit('dash'));
    const clients = await Promise.all([1, 2].map(() => connect(`ws://127.0.0.1:${portOf(hub, 'match')}/v1/match/dash`)));
    t.after(() => clients.forEach((c) => c.close()));
    const row = page.locator('tr[data-channel="match:dash"]');
    await row.waitFor();
    await page.waitForFunction(() => document.querySelector('tr[data-channel="match:dash"] [data-field="subscribers"]')?.textContent === '2');
    await page.waitForFunction(() => document.querySelector('.card[data-dialect="match"] [data-field="connections"]')?.textContent === '2 conn');
    // A relay stream with one receiver.
    const relayPort = portOf(hub, 'relay');
    const publisher = await connect(`ws://127.0.0.1:${relayPort}/dash-cam/k3y/publish`);
    const receiver = await connect(`ws://127.0.0.1:${relayPort}/dash-cam/k3y/receive`);
    t.after(() => [publisher, receiver].forEach((c) => c.close()));

    // Frames flow at 50 Hz: the channel's and the dialect's counters rise from one poll to the next.
    let n = 0;
    const timer = setInterval(() => {
      n += 1;
      void match.publish('dash', { type: 'state', t: n * 20, ball: { pos: [0, 0, 0] }, players: [] });
      if (publisher.ws.readyState === publisher.ws.OPEN) publisher.ws.send(Buffer.alloc(2048, n));
    }, 20);
    t.after(() => clearInterval(timer));
    // Inline arrows, not named consts: tsx's keepNames helper (__name) does not exist inside the page.
    await page.waitForFunction(() => Number(document.querySelector('tr[data-channel="match:dash"] [data-field="messages_in"]')?.textContent?.replace(/,/g, '')) > 0);
    const first = await page.evaluate(() => Number(document.querySelector('tr[data-channel="match:dash"] [data-field="messages_in"]')?.textContent?.replace(/,/g, '')));
    await page.waitForFunction((before) => Number(document.querySelector('tr[data-channel="match:dash"] [data-field="messages_in"]')?.textContent?.replace(/,/g, '')) > before, first);
    await page.waitForFunction(() => Number(document.querySelector('.card[data-dialect="match"] [data-field="rate-in"]')?.textContent) > 0);
    // Each message goes out to both renderers.
    await page.waitForFunction(() => {
      const [sent, got] = ['messages_sent', 'messages_in'].map((f) =>
        Number(document.querySelector(`tr[data-channel="match:dash"] [data-field="${f}"]`)?.textContent?.replace(/,/g, '')),
      );
      return got! > 0 && sent! >= 2 * got! - 2;
    });
    await page.locator('tr[data-channel="relay:dash-cam"]').waitFor();
    // Sparklines have been drawn (a non-blank canvas).
    await page.waitForFunction(() => {
      const c = document.querySelector<HTMLCanvasElement>('tr[data-channel="match:dash"] canvas')!;
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      return px.some((v, i) => i % 4 === 3 && v > 0);
    });
    await page.waitForFunction(() => Number(document.body.dataset.polls) >= 10);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard.png'), fullPage: true });

    // When its last subscriber leaves, the channel disappears.
    clearInterval(timer);
    clients.forEach((c) => c.close());
    await row.waitFor({ state: 'detached' });
    assert.deepEqual(errors, []);
  });

  it('asks for the token when the dashboard JSON is protected, then shows the data', async (t) => {
    const h = await startOperator({ adminToken: 'dash-token', publicDashboard: false });
    t.after(() => h.close());
    const browser = await launchChromium();
    t.after(() => browser.close());
    const page = await browser.newPage();
    await page.goto(`${h.base}/?interval=200`);
    await page.locator('#token-form').waitFor({ state: 'visible' });
    await page.fill('#token', 'wrong');
    await page.click('#token-form button');
    await page.waitForFunction(() => document.querySelector('#token-error')?.textContent === 'the token was refused');
    await page.fill('#token', 'dash-token');
    await page.click('#token-form button');
    await page.waitForFunction(() => Number(document.body.dataset.polls) >= 1);
    assert.equal(await page.locator('#token-form').isHidden(), true);
  });
});

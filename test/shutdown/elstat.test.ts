/**
 * Elstat status pages across a restart (issue 14). The client is our status page
 * (src/dialects/elstat/status-page.html, the original frontend's flow per protocol-notes §5.3),
 * run in headless Chromium: on any close it shows "disconnected, reconnecting…" and starts again
 * after a doubling backoff (500 ms → 10 s): REST state first, then /api/streaming and SUBSCRIBE.
 * The old node runs on a ManualClock, so the jittered drain is seen at clock instants.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Page } from 'playwright-core';
import { ManualClock } from '../../src/core/index.js';
import { eventually } from '../helpers/eventually.js';
import { launchChromium } from '../web/browser.js';
import { startTcpTarget } from '../elstat/fixtures.js';
import { samePorts, startNode } from './helpers.js';

interface Tracked {
  readonly page: Page;
  opened: number;
  closed: number;
}

it('status pages leave one by one over the window and go live again on the new node by themselves', async (t) => {
  const tcp = await startTcpTarget();
  t.after(() => tcp.stop());
  const settings = { services: [{ name: 'db', description: 'Database', adapter: 'tcp', target: tcp.target, intervalMs: 1000 }] };
  const clock = new ManualClock();
  const windowMs = 8_000;
  const old = await startNode('elstat', { clock, settings, server: { shutdownDrainWindowMs: windowMs, shutdownDeadlineMs: 60_000 } });
  let closing: Promise<void> | null = null;
  t.after(() => closing ?? old.close());
  const { port } = samePorts(old, 'elstat');

  const browser = await launchChromium();
  t.after(() => browser.close());
  const pages: Tracked[] = [];
  for (let i = 0; i < 2; i++) {
    const tracked: Tracked = { page: await browser.newPage(), opened: 0, closed: 0 };
    tracked.page.on('websocket', (ws) => {
      tracked.opened += 1;
      ws.on('close', () => (tracked.closed += 1));
    });
    await tracked.page.goto(`http://127.0.0.1:${port}/`);
    await tracked.page.waitForSelector('li.service[data-service="db"][data-status="up"]');
    await tracked.page.waitForSelector('#conn:has-text("live")');
    pages.push(tracked);
  }

  closing = old.close();
  const next = await startNode('elstat', { settings: { ...settings, port } });
  t.after(() => next.close());

  // Just before the middle of the window: the page of the first slot has moved, the other is still live on the old node.
  clock.advance(windowMs / 2 - 1);
  const moved = await eventually(() => pages.find((p) => p.closed === 1 && p.opened === 2), 'one page to reconnect', 10_000);
  await moved.page.waitForSelector('#conn:has-text("live")');
  const staying = pages.find((p) => p !== moved)!;
  assert.equal(staying.closed, 0, 'the other page was not ended yet');
  assert.equal(await staying.page.locator('#conn').textContent(), 'live');

  clock.advance(windowMs / 2);
  await eventually(() => staying.closed === 1 && staying.opened === 2, 'the second page to reconnect', 10_000);
  for (const p of pages) {
    await p.page.waitForSelector('#conn:has-text("live")');
    await p.page.waitForSelector('li.service[data-service="db"][data-status="up"]');
  }
  await closing;
});

/// <reference lib="dom" />
/**
 * Issue 15 item 7, nova in headless Chromium: a viewer refused by the node's new-connection rate
 * (HTTP 503 before the upgrade) must come back by itself. Nova's example client
 * (`proerror77/Nova` `examples/javascript-viewer-client.js`) reconnects only when the close event
 * has `wasClean === false`, at most 5 times, `reconnectDelay` (3 s) × attempt apart, and resets
 * the attempts on `open`; the page below follows that rule with the delay scaled down to 500 ms
 * (its five attempts then span 7.5 s).
 * The limiter's clock is a ManualClock: the test gives the token back when it chooses.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { ManualClock } from '../../src/core/index.js';
import { ConnectionRate } from '../../src/net/connection-rate.js';
import { connect } from '../helpers/ws-client.js';
import { hsToken, START, startNova, STREAM } from '../nova/fixtures.js';

/** The example client's connection and reconnect rule, as a page script (its facts, not its code). */
const VIEWER = `
window.record = { closes: [], opened: 0, established: 0 };
window.startViewer = (url, delayMs) => {
  let attempts = 0;
  const open = () => {
    const ws = new WebSocket(url);
    ws.addEventListener('open', () => { attempts = 0; window.record.opened++; });
    ws.addEventListener('message', (e) => {
      if (JSON.parse(e.data).event === 'connection_established') window.record.established++;
    });
    ws.addEventListener('close', (e) => {
      window.record.closes.push({ code: e.code, wasClean: e.wasClean });
      if (!e.wasClean && attempts < 5) { attempts++; setTimeout(open, delayMs * attempts); }
    });
  };
  open();
};
`;

let browser: Browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});
after(() => browser.close());

it('nova: a viewer refused for the rate sees 1006 (wasClean false) and the example client reconnects once a token is due', async (t) => {
  const clock = new ManualClock(Date.now());
  const rate = new ConnectionRate({ node: { perSecond: 1, burst: 1 }, retryAfterMaxSeconds: 30, clock });
  const h = await startNova({}, { listener: { connectionRate: rate.gate('nova') } });
  t.after(() => h.close());
  await h.dialect.control.start(STREAM, START);
  const token = await hsToken({ sub: 'storm-viewer' });
  // Another viewer takes the node's only token.
  const other = await connect(h.url(STREAM, { token }));
  t.after(() => other.close());

  const page = await browser.newPage();
  t.after(() => page.close());
  await page.setContent('<!doctype html><title>nova viewer</title>');
  await page.addScriptTag({ content: VIEWER });
  await page.evaluate(([url]) => (window as unknown as { startViewer: (u: string, d: number) => void }).startViewer(url!, 500), [h.url(STREAM, { token })]);

  await page.waitForFunction(() => (window as any).record.closes.length >= 1);
  const refused = await page.evaluate(() => (window as any).record.closes[0]);
  assert.deepEqual(refused, { code: 1006, wasClean: false }, 'a refused upgrade is an unclean close to the browser');
  assert.ok(rate.refusedByDialect().nova! >= 1);

  clock.advance(1_000); // a token is due: the client's next attempt gets in
  await page.waitForFunction(() => (window as any).record.established === 1);
  const record = await page.evaluate(() => (window as any).record);
  assert.equal(record.opened, 1);
  assert.ok(record.closes.length <= 5, 'within the example client\'s 5 attempts');
  assert.ok(record.closes.every((c: { code: number; wasClean: boolean }) => c.code === 1006 && !c.wasClean));
});

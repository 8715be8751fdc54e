/**
 * The SDK in headless Chromium (playwright-core, /usr/bin/chromium): the bundle esbuild makes of
 * sdk/src (esbuild comes with tsx), loaded into a page, against a real StreamHub. Over the browser's
 * own WebSocket it follows another dialect's channel (`match:demo`, fed through the hub) and
 * publishes; over the browser's own EventSource it follows a channel read-only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../web/browser.js';
import { client, startStreamhub, token, type StreamhubHarness } from './fixtures.js';

const ENTRY = fileURLToPath(new URL('../../sdk/src/index.ts', import.meta.url));

/** What the page script records; read back with page.evaluate. */
interface PageLog {
  states: string[];
  subscribed: { recovered: boolean; transport: string }[];
  pubs: { channel: string; offset: number; data: unknown }[];
  acks: { offset: number; duplicate: boolean }[];
  errors: string[];
}

const RETENTION = { maxMessages: 100, maxBytes: 1 << 20, maxAgeMs: 0, maxPinned: 0, idleTtlMs: 0 };

describe('sdk in headless Chromium', () => {
  let browser: Browser;
  let bundle: string;
  before(async () => {
    const out = await build({ entryPoints: [ENTRY], bundle: true, format: 'iife', globalName: 'StreamHubSDK', target: 'es2022', write: false });
    bundle = out.outputFiles[0]?.text ?? '';
    browser = await launchChromium();
  });
  after(() => browser?.close());

  /**
   * A page with the bundle loaded and `window.log` ready. `sameOrigin`: served (by Playwright's
   * router) at the listener's own origin, as a same-origin page uses SSE (a page on another origin is tested in test/streamhub/origins.test.ts);
   * otherwise about:blank, which WebSocket needs (Chromium's local-network-access checks block a
   * WebSocket to loopback from a routed page, not from about:blank).
   */
  async function openPage(h: StreamhubHarness, sameOrigin: boolean): Promise<Page> {
    const page = await browser.newPage();
    const html = '<!doctype html><title>sdk</title><script>window.log = { states: [], subscribed: [], pubs: [], acks: [], errors: [] };</script>';
    if (sameOrigin) {
      const origin = `http://127.0.0.1:${h.port()}`;
      await page.route(`${origin}/sdk-test.html`, (route) => route.fulfill({ contentType: 'text/html', body: html }));
      await page.goto(`${origin}/sdk-test.html`);
    } else {
      await page.setContent(html);
    }
    await page.addScriptTag({ content: bundle });
    return page;
  }

  const readLog = (page: Page) => page.evaluate(() => (window as unknown as { log: PageLog }).log);

  it('WebSocket: subscribes to match:demo and a streamhub channel, receives, publishes', async (t) => {
    const h = await startStreamhub();
    t.after(() => h.close());
    const page = await openPage(h, false);
    t.after(() => page.close());
    await h.hub.publish('match:demo', new TextEncoder().encode('{"type":"MatchInit","home":"ARG"}'), { kind: 'snapshot', retention: RETENTION });
    const pageToken = await token({ 'match:*': ['subscribe'], 'streamhub:*': ['subscribe', 'publish'] }, 3600, 'browser');
    await page.evaluate(
      ([url, tok]) => {
        const w = window as unknown as { StreamHubSDK: typeof import('../../sdk/src/index.js'); log: PageLog; client: unknown };
        const c = new w.StreamHubSDK.StreamHubClient(url, { token: tok, backoff: { baseMs: 50, capMs: 500 } });
        w.client = c;
        c.on('state', (s) => w.log.states.push(s));
        c.on('error', (e) => w.log.errors.push(e.code));
        for (const channel of ['match:demo', 'streamhub:room']) {
          const sub = c.subscribe(channel);
          sub.on('subscribed', (e) => w.log.subscribed.push({ recovered: e.recovered, transport: e.transport }));
          sub.on('publication', (p) => w.log.pubs.push({ channel: p.channel, offset: p.offset, data: p.data }));
        }
        c.connect();
        void c.ready().then(() => c.publish('streamhub:room', { from: 'page' }).then((a) => w.log.acks.push({ offset: a.offset, duplicate: a.duplicate })));
      },
      [h.url, pageToken] as const,
    );
    await page.waitForFunction(() => (window as unknown as { log: PageLog }).log.acks.length === 1);
    const node = client(h.url, { token: await token() }).connect();
    t.after(() => node.disconnect());
    await node.publish('streamhub:room', { from: 'node' });
    await h.hub.publish('match:demo', new TextEncoder().encode('{"type":"StateFrame","t":40}'), { retention: RETENTION });
    await page.waitForFunction(() => (window as unknown as { log: PageLog }).log.pubs.length === 4);
    const log = await readLog(page);
    assert.deepEqual(log.states, ['connecting', 'connected']);
    assert.deepEqual(log.subscribed, [
      { recovered: false, transport: 'websocket' },
      { recovered: false, transport: 'websocket' },
    ]);
    const byChannel = (ch: string) => log.pubs.filter((p) => p.channel === ch).map((p) => p.data);
    assert.deepEqual(byChannel('match:demo'), [{ type: 'MatchInit', home: 'ARG' }, { type: 'StateFrame', t: 40 }]);
    assert.deepEqual(byChannel('streamhub:room'), [{ from: 'page' }, { from: 'node' }]);
    assert.deepEqual(log.acks, [{ offset: 1, duplicate: false }]);
    assert.deepEqual(log.errors, []);
  });

  it('SSE with the browser’s EventSource: read-only subscribe, token in the query string', async (t) => {
    const h = await startStreamhub();
    t.after(() => h.close());
    const page = await openPage(h, true);
    t.after(() => page.close());
    const pageToken = await token({ 'streamhub:*': ['subscribe'] }, 3600, 'browser');
    await page.evaluate(
      ([url, tok]) => {
        const w = window as unknown as { StreamHubSDK: typeof import('../../sdk/src/index.js'); log: PageLog; EventSource: never };
        const c = new w.StreamHubSDK.StreamHubClient(url, { token: tok, transports: ['sse'], EventSource: w.EventSource });
        c.on('state', (s) => w.log.states.push(s));
        c.on('error', (e) => w.log.errors.push(e.code));
        const sub = c.subscribe('streamhub:ticker');
        sub.on('subscribed', (e) => w.log.subscribed.push({ recovered: e.recovered, transport: e.transport }));
        sub.on('publication', (p) => w.log.pubs.push({ channel: p.channel, offset: p.offset, data: p.data }));
        c.connect();
        void c.publish('streamhub:ticker', 1).catch((e: { code: string }) => w.log.errors.push(e.code));
      },
      [`http://127.0.0.1:${h.port()}`, pageToken] as const,
    );
    await page.waitForFunction(() => (window as unknown as { log: PageLog }).log.subscribed.length === 1);
    const node = client(h.url, { token: await token() }).connect();
    t.after(() => node.disconnect());
    for (let i = 1; i <= 3; i++) await node.publish('streamhub:ticker', { i });
    await page.waitForFunction(() => (window as unknown as { log: PageLog }).log.pubs.length === 3);
    const log = await readLog(page);
    assert.deepEqual(log.subscribed, [{ recovered: false, transport: 'sse' }]);
    assert.deepEqual(
      log.pubs.map((p) => p.data),
      [{ i: 1 }, { i: 2 }, { i: 3 }],
    );
    assert.deepEqual(log.errors, ['read_only']);
  });
});

/**
 * Which pages may connect (PROTOCOL.md §20, `streamhub.allowedOrigins`): a page of an origin not
 * listed is refused 403 before the upgrade or the stream; an allowed page's EventSource gets CORS
 * headers (and a preflight answer), so a page on another origin can use the SSE transport. Real
 * clients: `ws` sending `Origin` as a browser does, raw HTTP, and headless Chromium's own
 * EventSource and WebSocket from a page served on another port.
 */
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import WebSocket from 'ws';
import { parseConfig } from '../../src/config/index.js';
import { launchChromium } from '../web/browser.js';
import { startStreamhub, token, type Setup } from './setup.js';

const APP = 'http://app.example';

/** Refusals and closes of the dialect with `code` (HTTP status or close code), from its stats. */
function closesWith(s: Setup, code: number): number {
  const closes = s.h.dialect.stats().closes as Record<string, number> | undefined;
  return closes?.[String(code)] ?? 0;
}

/** Status of a WebSocket upgrade sent with `origin` (undefined: none), or 101 when it opened. */
function upgradeStatus(url: string, origin?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin === undefined ? {} : { origin });
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    ws.once('error', (err) => reject(err));
  });
}

/** Status and headers of one HTTP request; the body is not waited for (an SSE stream never ends). */
function head(url: string, method: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
      res.destroy();
    });
    req.once('error', (err) => (err.message.includes('socket hang up') ? undefined : reject(err)));
    req.end();
  });
}

describe('streamhub allowed origins', () => {
  it('WebSocket: an unlisted page is refused 403 before the upgrade; a listed page and a non-browser client open', async (t) => {
    const s: Setup = await startStreamhub({ allowedOrigins: [APP] });
    t.after(() => s.h.close());
    assert.equal(await upgradeStatus(s.wsUrl, 'http://evil.example'), 403);
    assert.equal(await upgradeStatus(s.wsUrl, APP), 101);
    assert.equal(await upgradeStatus(s.wsUrl, 'HTTP://APP.EXAMPLE'), 101, 'origins compare case-insensitively');
    assert.equal(await upgradeStatus(s.wsUrl), 101, 'no Origin: not a page, the token decides');
    assert.equal(closesWith(s, 403), 1);
  });

  it('SSE: CORS headers for a listed page (refusals included), a preflight answer, 403 for an unlisted page', async (t) => {
    const s = await startStreamhub({ allowedOrigins: [APP] });
    t.after(() => s.h.close());
    const tok = await token();
    const url = `${s.httpUrl}/v1/sse?channel=streamhub:room&token=${tok}`;
    const ok = await head(url, 'GET', { origin: APP, accept: 'text/event-stream' });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['access-control-allow-origin'], APP);
    assert.equal(ok.headers.vary, 'Origin');
    const refused = await head(`${s.httpUrl}/v1/sse?channel=streamhub:room`, 'GET', { origin: APP });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers['access-control-allow-origin'], APP, 'the page can read why it was refused');
    const preflight = await head(url, 'OPTIONS', { origin: APP, 'access-control-request-method': 'GET', 'access-control-request-headers': 'last-event-id' });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], APP);
    assert.match(String(preflight.headers['access-control-allow-headers']), /last-event-id/);
    const evil = await head(url, 'GET', { origin: 'http://evil.example' });
    assert.equal(evil.status, 403);
    assert.equal(evil.headers['access-control-allow-origin'], undefined);
    const plain = await head(url, 'GET', { accept: 'text/event-stream' });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['access-control-allow-origin'], undefined, 'no Origin, no CORS headers');
  });

  it('config: origins are `*` or scheme://host[:port]; STREAMHUB_ALLOWED_ORIGINS sets the list', () => {
    assert.deepEqual(parseConfig({ base: {} }).streamhub.allowedOrigins, ['*']);
    assert.deepEqual(parseConfig({ env: { STREAMHUB_ALLOWED_ORIGINS: 'https://a.example,http://b.example:8080' } }).streamhub.allowedOrigins, ['https://a.example', 'http://b.example:8080']);
    for (const bad of ['https://a.example/path', 'a.example', 'ftp://a.example', ''])
      assert.throws(() => parseConfig({ base: { streamhub: { allowedOrigins: [bad] } } }), /allowedOrigins/, bad);
  });
});

describe('streamhub allowed origins in headless Chromium', () => {
  let browser: Browser;
  let page: Server;
  let pageOrigin: string;
  before(async () => {
    browser = await launchChromium();
    page = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>another origin</title>');
    });
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    pageOrigin = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
  });
  after(async () => {
    await browser?.close();
    await new Promise((resolve) => page?.close(resolve));
  });

  /** What a page of `pageOrigin` gets from EventSource and WebSocket against `s`. */
  async function tryFromPage(s: Setup): Promise<{ sse: string; ws: string }> {
    const tab = await browser.newPage();
    try {
      await tab.goto(`${pageOrigin}/`);
      const tok = await token();
      await s.publish('streamhub:room', { n: 1 });
      return await tab.evaluate(
        ([sseUrl, wsUrl]) =>
          Promise.all([
            new Promise<string>((resolve) => {
              const es = new EventSource(sseUrl!);
              es.addEventListener('subscribed', () => (es.close(), resolve('subscribed')));
              es.onerror = () => (es.close(), resolve(`error readyState ${es.readyState}`));
            }),
            new Promise<string>((resolve) => {
              const ws = new WebSocket(wsUrl!);
              ws.onopen = () => (ws.close(), resolve('open'));
              ws.onclose = (e) => resolve(`closed ${e.code}`);
            }),
          ]).then(([sse, ws]) => ({ sse, ws })),
        [`${s.httpUrl}/v1/sse?channel=streamhub:room&token=${tok}`, s.wsUrl],
      );
    } finally {
      await tab.close();
    }
  }

  it("a page of another origin uses EventSource and WebSocket when its origin is allowed, and neither when it is not", async (t) => {
    const open = await startStreamhub({ allowedOrigins: [pageOrigin] });
    t.after(() => open.h.close());
    assert.deepEqual(await tryFromPage(open), { sse: 'subscribed', ws: 'open' });
    const closed = await startStreamhub({ allowedOrigins: ['https://app.example'] });
    t.after(() => closed.h.close());
    const refused = await tryFromPage(closed);
    assert.match(refused.sse, /^error/);
    assert.equal(refused.ws, 'closed 1006');
    assert.equal(closesWith(closed, 403), 2, 'both refused 403 by the server, not only blocked by the browser');
  });
});

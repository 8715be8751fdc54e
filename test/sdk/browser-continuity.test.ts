/**
 * Issue 18: the SDK's tests "in headless Chromium against a real StreamHub, including a server
 * restart and a broker epoch change". The esbuild bundle of sdk/src runs in a page over the
 * browser's own WebSocket (as browser.test.ts loads it):
 *
 * - restart: the page reaches the server through a TCP relay the test holds while the old server
 *   closes (1001) and a new one (new memory broker: new epoch) gets its first publication, so the
 *   page's resume meets a channel of another epoch every time: `recovered: false`, continuity-lost
 *   `epoch_changed`, then the new epoch's state;
 * - epoch change: Redis loses the channel (FLUSHALL) under a live subscription; the next
 *   publication arrives after continuity-lost `epoch_changed` with the old and new positions.
 */
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { RedisBroker } from '../../src/brokers/redis.js';
import { startRedis } from '../helpers/redis-server.js';
import { launchChromium } from '../web/browser.js';
import { client, startStreamhub, token } from './fixtures.js';

const ENTRY = fileURLToPath(new URL('../../sdk/src/index.ts', import.meta.url));

interface PageLog {
  disconnects: { code: number; reconnect: boolean }[];
  subscribed: { recovered: boolean; resumed: boolean; epoch: string | null }[];
  lost: { reason: string; lastEpoch: string | undefined; nextEpoch: string | undefined }[];
  pubs: { offset: number; epoch: string; data: unknown }[];
}

/** A TCP relay to `target` whose new connections wait while held: the page cannot reconnect before the test lets it. */
async function heldRelay() {
  let target = 0;
  let held = false;
  const waiting: Socket[] = [];
  const pipe = (down: Socket) => {
    const up = connect(target, '127.0.0.1');
    const end = () => (down.destroy(), up.destroy());
    for (const s of [up, down]) s.on('error', end).on('close', end);
    down.pipe(up).pipe(down);
  };
  const server: Server = createServer((down) => (held ? waiting.push(down) : pipe(down)));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const open = new Set<Socket>();
  server.on('connection', (s) => (open.add(s), s.on('close', () => open.delete(s))));
  return {
    port: (server.address() as { port: number }).port,
    to(port: number) {
      target = port;
    },
    hold() {
      held = true;
    },
    release() {
      held = false;
      for (const s of waiting.splice(0)) pipe(s);
    },
    close(): Promise<void> {
      for (const s of open) s.destroy();
      return new Promise((ok) => server.close(() => ok()));
    },
  };
}

describe('sdk in headless Chromium: server restart and broker epoch change', () => {
  let browser: Browser;
  let bundle: string;
  before(async () => {
    const out = await build({ entryPoints: [ENTRY], bundle: true, format: 'iife', globalName: 'StreamHubSDK', target: 'es2022', write: false });
    bundle = out.outputFiles[0]?.text ?? '';
    browser = await launchChromium();
  });
  after(() => browser?.close());

  /** A page (about:blank: Chromium lets it open loopback WebSockets) whose SDK follows `channel` at `url`. */
  async function follow(url: string, channel: string, tok: string): Promise<Page> {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><title>sdk</title><script>window.log = { disconnects: [], subscribed: [], lost: [], pubs: [] };</script>');
    await page.addScriptTag({ content: bundle });
    await page.evaluate(
      ([u, ch, tk]) => {
        const w = window as unknown as { StreamHubSDK: typeof import('../../sdk/src/index.js'); log: PageLog };
        const c = new w.StreamHubSDK.StreamHubClient(u, { token: tk, backoff: { baseMs: 50, capMs: 500 } });
        (window as unknown as { client: typeof c }).client = c;
        c.on('disconnected', (e) => w.log.disconnects.push({ code: e.code, reconnect: e.reconnect }));
        const sub = c.subscribe(ch);
        sub.on('subscribed', (e) => w.log.subscribed.push({ recovered: e.recovered, resumed: e.resumed, epoch: e.position?.epoch ?? null }));
        sub.on('continuity-lost', (e) => w.log.lost.push({ reason: e.reason, lastEpoch: e.last?.epoch, nextEpoch: e.next?.epoch }));
        sub.on('publication', (p) => w.log.pubs.push({ offset: p.offset, epoch: p.epoch, data: p.data }));
        c.connect();
      },
      [url, channel, tok] as const,
    );
    return page;
  }

  /** Stops the page's client first: a page closed while its SDK reconnects can take minutes to close in Chromium. */
  async function closePage(page: Page): Promise<void> {
    await page.evaluate(() => (window as unknown as { client: { disconnect(): void } }).client.disconnect()).catch(() => undefined);
    await page.close();
  }

  const readLog = (page: Page) => page.evaluate(() => (window as unknown as { log: PageLog }).log);
  const waitLog = (page: Page, fn: string) => page.waitForFunction(`(() => { const log = window.log; return ${fn}; })()`, undefined, { timeout: 30_000 });

  it('a server restart: the page reconnects, is told recovered false / epoch_changed, and follows the new epoch', async (t) => {
    const relay = await heldRelay();
    const first = await startStreamhub();
    relay.to(first.port());
    const page = await follow(`ws://127.0.0.1:${relay.port}`, 'streamhub:scores', await token({ 'streamhub:*': ['subscribe'] }, 3600, 'browser'));
    // node:test runs after-hooks in the order they were added: the page goes first, the relay last.
    t.after(() => closePage(page));
    t.after(() => relay.close());
    await waitLog(page, 'log.subscribed.length === 1');
    const publisher = client(first.url, { token: await token() }).connect();
    await publisher.publish('streamhub:scores', { home: 0 }, { kind: 'snapshot' });
    await publisher.publish('streamhub:scores', { home: 1 });
    await waitLog(page, 'log.pubs.length === 2');
    publisher.disconnect();

    relay.hold();
    await first.close();
    const second = await startStreamhub();
    t.after(() => second.close());
    relay.to(second.port());
    const publisher2 = client(second.url, { token: await token() }).connect();
    t.after(() => publisher2.disconnect());
    await publisher2.publish('streamhub:scores', { home: 0, restarted: true }, { kind: 'snapshot' });
    relay.release();
    await waitLog(page, 'log.subscribed.length === 2 && log.pubs.length === 3');
    await publisher2.publish('streamhub:scores', { home: 2 });
    await waitLog(page, 'log.pubs.length === 4');

    const log = await readLog(page);
    const [oldEpoch, newEpoch] = [log.pubs[0]!.epoch, log.pubs[2]!.epoch];
    assert.notEqual(newEpoch, oldEpoch);
    assert.deepEqual(log.disconnects[0], { code: 1001, reconnect: true }, 'the old server said it was going away');
    assert.deepEqual(log.subscribed[1], { recovered: false, resumed: true, epoch: newEpoch });
    assert.deepEqual(log.lost, [{ reason: 'epoch_changed', lastEpoch: oldEpoch, nextEpoch: newEpoch }]);
    assert.deepEqual(log.pubs.map((p) => p.data), [{ home: 0 }, { home: 1 }, { home: 0, restarted: true }, { home: 2 }]);
  });

  it('a broker epoch change (Redis FLUSHALL): continuity-lost epoch_changed with both positions, then the new epoch live', async (t) => {
    const redis = await startRedis();
    t.after(() => redis.stop());
    const h = await startStreamhub({}, { broker: new RedisBroker({ url: redis.url }) });
    t.after(() => h.close());
    const page = await follow(h.url, 'streamhub:ticker', await token({ 'streamhub:*': ['subscribe'] }, 3600, 'browser'));
    t.after(() => closePage(page));
    await waitLog(page, 'log.subscribed.length === 1');
    const publisher = client(h.url, { token: await token() }).connect();
    t.after(() => publisher.disconnect());
    await publisher.publish('streamhub:ticker', { n: 1 });
    await publisher.publish('streamhub:ticker', { n: 2 });
    await waitLog(page, 'log.pubs.length === 2');

    await redis.flush();
    const after = await publisher.publish('streamhub:ticker', { n: 3 });
    await waitLog(page, 'log.pubs.length === 3');
    const log = await readLog(page);
    assert.notEqual(after.epoch, log.pubs[1]!.epoch, 'FLUSHALL starts a new epoch');
    assert.deepEqual(log.lost, [{ reason: 'epoch_changed', lastEpoch: log.pubs[1]!.epoch, nextEpoch: after.epoch }]);
    assert.deepEqual(log.pubs[2], { offset: after.offset, epoch: after.epoch, data: { n: 3 } });
    assert.deepEqual(log.disconnects, [], 'the connection stayed up');
  });
});

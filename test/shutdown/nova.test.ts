/// <reference lib="dom" />
/**
 * Nova viewers come back after a restart (issue 14). The client is Nova's example viewer
 * (`proerror77/Nova` examples/javascript-viewer-client.js, read at 97a89a19): in its `close`
 * listener it reconnects only when `event.wasClean` is false, up to 5 times, after
 * `reconnectDelay × attempt` (3 s × attempt upstream, scaled down here). Browsers report
 * `wasClean: true` after any close frame, so a shutdown that sends 1001 loses every viewer for good.
 *
 * 1. The real browser WebSocket (headless Chromium, the ground truth for `wasClean`), whose node
 *    is closed in process and replaced by a new node on the same port.
 * 2. `src/main.ts` in a child process stopped with SIGTERM, viewed by a `ws` client with the same
 *    rule (`ws`'s CloseEvent sets `wasClean` only when close frames went both ways).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import WebSocket from 'ws';
import type { NovaDialect } from '../../src/dialects/nova/index.js';
import { eventually } from '../helpers/eventually.js';
import { launchChromium } from '../web/browser.js';
import { CONTROL_TOKEN, hsToken, SECRET, START, STREAM } from '../nova/fixtures.js';
import { samePorts, startNode } from './helpers.js';

/** The example client's connection logic as a page script: open, record every message, reconnect only after an unclean close. */
const EXAMPLE_VIEWER = `
window.record = { sessions: [], events: [], closes: [], reconnects: 0 };
class NovaStreamViewer {
  constructor(baseUrl, streamId, token, reconnectDelay) {
    this.baseUrl = baseUrl; this.streamId = streamId; this.token = token;
    this.reconnectDelay = reconnectDelay; this.maxReconnectAttempts = 5; this.reconnectAttempts = 0;
  }
  connect() {
    const url = new URL(this.baseUrl + '/streams/' + this.streamId + '/ws');
    url.searchParams.append('token', this.token);
    this.ws = new WebSocket(url.toString());
    this.ws.addEventListener('open', () => { this.reconnectAttempts = 0; });
    this.ws.addEventListener('message', (e) => {
      const message = JSON.parse(e.data);
      window.record.events.push(message.event);
      if (message.event === 'connection_established') window.record.sessions.push(message.data.session_id);
    });
    this.ws.addEventListener('close', (e) => {
      window.record.closes.push({ code: e.code, wasClean: e.wasClean });
      this.ws = null;
      if (!e.wasClean && this.reconnectAttempts < this.maxReconnectAttempts) {
        this.reconnectAttempts++;
        window.record.reconnects++;
        setTimeout(() => this.connect(), this.reconnectDelay * this.reconnectAttempts);
      }
    });
  }
}
window.NovaStreamViewer = NovaStreamViewer;
`;

interface PageRecord {
  sessions: string[];
  events: string[];
  closes: { code: number; wasClean: boolean }[];
  reconnects: number;
}

const NOVA = { jwt: { secret: SECRET }, controlToken: CONTROL_TOKEN };

describe('nova: the example viewer reconnects after a graceful shutdown', () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(() => browser.close());

  it('in Chromium: the connection ends without a close frame (wasClean false), the viewer comes back to the new node and gets the stream again', async (t) => {
    const old = await startNode('nova', { settings: NOVA });
    let closing: Promise<void> | null = null;
    t.after(() => closing ?? old.close());
    await (old.dialects.get('nova') as NovaDialect).control.start(STREAM, START);
    const port = samePorts(old, 'nova').port!;

    const page = await browser.newPage();
    t.after(() => page.close());
    await page.setContent('<!doctype html><title>nova viewer</title>');
    await page.addScriptTag({ content: EXAMPLE_VIEWER });
    const token = await hsToken({ sub: 'viewer-across-deploys' });
    await page.evaluate(
      ([base, stream, tok]) => {
        const w = window as unknown as Record<string, any>;
        w.viewer = new w.NovaStreamViewer(base, stream, tok, 300);
        w.viewer.connect();
      },
      [`ws://127.0.0.1:${port}/api/v1`, STREAM, token] as const,
    );
    await page.waitForFunction(() => (window as any).record.events.includes('stream_started'));

    // The deploy: the old node drains while its successor takes the port and the stream goes on there.
    closing = old.close();
    const next = await startNode('nova', { settings: { ...NOVA, port } });
    t.after(() => next.close());
    await (next.dialects.get('nova') as NovaDialect).control.start(STREAM, START);

    await page.waitForFunction(() => (window as any).record.sessions.length === 2, undefined, { timeout: 20_000 });
    await page.waitForFunction(() => (window as any).record.events.filter((e: string) => e === 'stream_started').length === 2, undefined, {
      timeout: 20_000,
    });
    await closing;
    const r = (await page.evaluate(() => (window as any).record)) as PageRecord;
    assert.deepEqual(r.closes[0], { code: 1006, wasClean: false }, 'no close frame: the browser reports an unclean close');
    assert.equal(r.reconnects, 1);
    assert.notEqual(r.sessions[0], r.sessions[1], 'a new session on the new node');
  });
});

/** A free loopback port (for the child process's config file). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** The example viewer's rule in Node, on `ws` (which reports `wasClean` like a browser: close frames both ways). */
function exampleViewer(url: string) {
  const state = { sessions: [] as string[], closes: [] as { code: number; wasClean: boolean }[], attempts: 0, stopped: false };
  let ws: WebSocket | null = null;
  const connect = () => {
    if (state.stopped) return;
    ws = new WebSocket(url);
    ws.addEventListener('open', () => (state.attempts = 0));
    ws.addEventListener('message', (e) => {
      const message = JSON.parse(String(e.data)) as { event: string; data: { session_id?: string } };
      if (message.event === 'connection_established') state.sessions.push(message.data.session_id!);
    });
    ws.addEventListener('error', () => undefined);
    ws.addEventListener('close', (e) => {
      state.closes.push({ code: e.code, wasClean: e.wasClean });
      if (!e.wasClean && state.attempts < 5) {
        state.attempts += 1;
        setTimeout(connect, 300 * state.attempts);
      }
    });
  };
  connect();
  return {
    state,
    stop() {
      state.stopped = true;
      ws?.terminate();
    },
  };
}

describe('nova: SIGTERM to src/main.ts', () => {
  it('ends viewers without a close frame, so the example viewer reconnects to the next process', async (t) => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'streamhub-shutdown-'));
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        server: { host: '127.0.0.1', demo: false, shutdownDrainWindowMs: 400, shutdownDeadlineMs: 5_000 },
        operator: { enabled: false },
        match: { enabled: false },
        relay: { enabled: false },
        spectra: { enabled: false },
        elstat: { enabled: false },
        streamhub: { enabled: false },
        nova: { port, jwt: { secret: SECRET }, controlToken: CONTROL_TOKEN },
      }),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: resolve(import.meta.dirname, '../..'),
      env: { ...process.env, STREAMHUB_CONFIG: config },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    t.after(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    await eventually(() => output.includes('StreamHub listening'), 'the child to listen', 30_000);

    const next = { node: null as Awaited<ReturnType<typeof startNode>> | null };
    t.after(() => next.node?.close());
    const startStream = await fetch(`http://127.0.0.1:${port}/api/v1/streams/${STREAM}/start`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CONTROL_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(START),
    });
    assert.equal(startStream.status, 200);
    const viewer = exampleViewer(`ws://127.0.0.1:${port}/api/v1/streams/${STREAM}/ws?token=${await hsToken({ sub: 'sigterm-viewer' })}`);
    t.after(() => viewer.stop());
    await eventually(() => viewer.state.sessions.length === 1, 'the first session');

    child.kill('SIGTERM');
    assert.equal(await exited, 0, `the process exits 0 after a graceful shutdown; output:\n${output.slice(-2000)}`);
    next.node = await startNode('nova', { settings: { ...NOVA, port } });
    await (next.node.dialects.get('nova') as NovaDialect).control.start(STREAM, START);

    await eventually(() => viewer.state.sessions.length === 2, 'the viewer back on the next process', 15_000);
    assert.deepEqual(viewer.state.closes[0], { code: 1006, wasClean: false });
  });
});

/// <reference lib="dom" />
/**
 * End to end in headless Chromium with the behaviour of Nova's own example client
 * (`examples/javascript-viewer-client.js`, notes §2.3): a pong without `sequence` on its own timer,
 * get_stream_info with a 5 s wait, report_issue, and reconnects only after an unclean close.
 * The client's 30 s and 3 s timers are scaled down; the server's idle timeout likewise.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { eventually } from '../helpers/eventually.js';
import { hsToken, START, startNova, STREAM } from './fixtures.js';

/** The example client's logic, as a page script. */
const EXAMPLE_CLIENT = `
window.record = { sessions: [], events: [], closes: [], reconnects: 0, pongsSent: 0, warnings: 0 };
class NovaStreamViewer {
  constructor(baseUrl, streamId, token, timing) {
    this.baseUrl = baseUrl; this.streamId = streamId; this.token = token; this.timing = timing;
    this.handlers = {}; this.pending = new Map(); this.attempts = 0;
  }
  connect() {
    const url = new URL(this.baseUrl + '/streams/' + this.streamId + '/ws');
    url.searchParams.append('token', this.token);
    this.ws = new WebSocket(url.toString());
    this.ws.addEventListener('open', () => this.onOpen());
    this.ws.addEventListener('message', (e) => this.onMessage(e));
    this.ws.addEventListener('close', (e) => this.onClose(e));
  }
  onOpen() {
    // Not triggered by the server's ping: its own timer, and no sequence.
    this.pongTimer = setInterval(() => {
      if (this.ws.readyState === WebSocket.OPEN) {
        this.ws.send(JSON.stringify({ event: 'pong', data: { timestamp: new Date().toISOString() } }));
        window.record.pongsSent++;
      }
    }, this.timing.pongEveryMs);
  }
  onMessage(event) {
    const message = JSON.parse(event.data);
    window.record.events.push(message.event);
    if (message.event === 'connection_established') window.record.sessions.push(message.data.session_id);
    if (message.event === 'stream_info' && this.pending.has(message.data.request_id)) {
      this.pending.get(message.data.request_id)(message.data);
      this.pending.delete(message.data.request_id);
    }
    const handler = this.handlers[message.event];
    if (handler) handler(message.data); else if (message.event !== 'stream_info') window.record.warnings++;
  }
  onClose(e) {
    clearInterval(this.pongTimer);
    window.record.closes.push({ code: e.code, wasClean: e.wasClean });
    if (!e.wasClean && this.attempts < 5) {
      this.attempts++;
      window.record.reconnects++;
      setTimeout(() => this.connect(), this.timing.reconnectDelayMs * this.attempts);
    }
  }
  stopPongs() { clearInterval(this.pongTimer); }
  on(event, callback) { this.handlers[event] = callback; }
  getStreamInfo() {
    const requestId = 'req-' + Date.now();
    this.ws.send(JSON.stringify({ event: 'get_stream_info', data: { request_id: requestId } }));
    return new Promise((resolve) => {
      this.pending.set(requestId, resolve);
      setTimeout(() => { if (this.pending.delete(requestId)) resolve(null); }, 5000);
    });
  }
  reportIssue(issueType, description) {
    this.ws.send(JSON.stringify({ event: 'report_issue', data: {
      issue_type: issueType, severity: 'medium', description,
      client_info: { player: 'html5', browser: navigator.userAgent, network: 'wifi', bandwidth_estimate_kbps: 8000 } } }));
  }
}
window.NovaStreamViewer = NovaStreamViewer;
`;

interface PageRecord {
  sessions: string[];
  events: string[];
  closes: { code: number; wasClean: boolean }[];
  reconnects: number;
  pongsSent: number;
}

describe('nova in headless Chromium with the example client', () => {
  let browser: Browser;
  before(async () => {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  after(() => browser.close());

  it('stays alive on sequence-less pongs, gets stream_info, reconnects only after an unclean close', async (t) => {
    const h = await startNova({ idleTimeoutMs: 1_500, pingIntervalMs: 60_000 });
    t.after(() => h.close());
    await h.dialect.control.start(STREAM, START);
    const page = await browser.newPage();
    t.after(() => page.close());
    await page.setContent('<!doctype html><title>nova viewer</title>');
    await page.addScriptTag({ content: EXAMPLE_CLIENT });
    const record = () => page.evaluate(() => (window as unknown as { record: PageRecord }).record);
    const token = await hsToken({ sub: 'browser-viewer' });
    await page.evaluate(
      ([base, stream, tok]) => {
        const w = window as unknown as Record<string, any>;
        w.viewer = new w.NovaStreamViewer(base, stream, tok, { pongEveryMs: 100, reconnectDelayMs: 50 });
        w.viewer.on('stream_started', () => undefined);
        w.viewer.connect();
      },
      [`ws://127.0.0.1:${h.port()}/api/v1`, STREAM, token],
    );
    await page.waitForFunction(() => (window as any).record.events.includes('stream_started'));

    const info = await page.evaluate(() => (window as any).viewer.getStreamInfo());
    assert.ok(info, 'stream_info arrived within the client 5 s wait');
    assert.match(info.request_id, /^req-\d+$/);
    assert.equal(info.status, 'active');
    assert.equal(info.stream_id, STREAM);

    await page.evaluate(() => (window as any).viewer.reportIssue('buffering', 'Stream is constantly buffering'));
    await eventually(() => h.dialect.recentReports().length === 1, 'the report');
    assert.equal(h.dialect.recentReports()[0]!.severity, 'medium');

    // Sequence-less pongs for well past the 1.5 s idle timeout: still the first session.
    await page.waitForFunction(() => (window as any).record.pongsSent >= 20);
    let r = await record();
    assert.equal(r.sessions.length, 1);
    assert.equal(r.closes.length, 0);

    // The client goes silent: terminated without a close frame, so it reconnects with a new session.
    await page.evaluate(() => (window as any).viewer.stopPongs());
    await page.waitForFunction(() => (window as any).record.sessions.length === 2);
    r = await record();
    assert.deepEqual(r.closes[0], { code: 1006, wasClean: false });
    assert.equal(r.reconnects, 1);
    assert.notEqual(r.sessions[0], r.sessions[1]);

    // stream_ended → close 1000, clean: the client stays disconnected.
    await h.dialect.control.end(STREAM);
    await page.waitForFunction(() => (window as any).record.closes.length === 2);
    r = await record();
    assert.deepEqual(r.closes[1], { code: 1000, wasClean: true });
    assert.equal(r.reconnects, 1, 'no reconnect after a clean close');
    assert.equal(r.events.at(-1), 'stream_ended');
    await eventually(() => h.dialect.stats().connections === 0, 'no connection left');
  });

  it('a protocol error (1003) is a clean close: the example client does not reconnect', async (t) => {
    const h = await startNova();
    t.after(() => h.close());
    await h.dialect.control.start(STREAM, START);
    const page = await browser.newPage();
    t.after(() => page.close());
    await page.setContent('<!doctype html><title>nova viewer</title>');
    await page.addScriptTag({ content: EXAMPLE_CLIENT });
    const token = await hsToken();
    await page.evaluate(
      ([base, stream, tok]) => {
        const w = window as unknown as Record<string, any>;
        w.viewer = new w.NovaStreamViewer(base, stream, tok, { pongEveryMs: 10_000, reconnectDelayMs: 50 });
        w.viewer.connect();
      },
      [`ws://127.0.0.1:${h.port()}/api/v1`, STREAM, token],
    );
    await page.waitForFunction(() => (window as any).record.events.includes('stream_started'));
    await page.evaluate(() => (window as any).viewer.ws.send('this is not JSON'));
    await page.waitForFunction(() => (window as any).record.closes.length === 1);
    const r = await page.evaluate(() => (window as unknown as { record: PageRecord }).record);
    assert.deepEqual(r.closes[0], { code: 1003, wasClean: true });
    assert.equal(r.reconnects, 0);
    assert.equal(r.events.at(-1), 'error');
  });
});

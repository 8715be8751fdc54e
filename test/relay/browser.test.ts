/**
 * The PROTOCOL.md example, for real: headless Chromium publishes a WebM stream with MediaRecorder
 * (from an animated canvas) and other pages play it with MediaSource, one of them joining late
 * after the cache has evicted everything but the pinned first chunk (the WebM header; without the
 * pin this test fails). Success is decoded, non-blank pixels read back from each <video>.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chunks, eventually, startRelay } from './helpers.js';
import { connect } from '../helpers/ws-client.js';

const MIME = 'video/webm;codecs=vp8';

function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--autoplay-policy=no-user-gesture-required'],
  });
}

/**
 * The page code, as plain JavaScript: functions compiled by tsx would carry helper calls that do
 * not exist in the page. It follows the PROTOCOL.md example.
 */
const PAGE_SCRIPT = `
const MIME = ${JSON.stringify(MIME)};

// Publisher: an animated canvas -> MediaRecorder -> one binary message per non-empty blob.
function publish(url) {
  const canvas = document.createElement('canvas');
  canvas.width = 320;
  canvas.height = 240;
  document.body.append(canvas);
  const g = canvas.getContext('2d');
  let n = 0;
  setInterval(() => {
    n += 1;
    g.fillStyle = 'hsl(' + ((n * 7) % 360) + ' 80% 50%)';
    g.fillRect(0, 0, 320, 240);
    g.fillStyle = '#fff';
    g.fillRect((n * 5) % 280, 100, 40, 40);
  }, 40);
  const ws = new WebSocket(url);
  const recorder = new MediaRecorder(canvas.captureStream(25), { mimeType: MIME });
  recorder.ondataavailable = (e) => { if (e.data.size > 0 && ws.readyState === 1) ws.send(e.data); };
  setInterval(() => ws.readyState === 1 && ws.send('h'), 20000);
  ws.onopen = () => recorder.start(200);
}

// Receiver: MediaSource + SourceBuffer in sequence mode.
function play(url) {
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  document.body.append(video);
  const source = new MediaSource();
  video.src = URL.createObjectURL(source);
  source.addEventListener('sourceopen', () => {
    const buffer = source.addSourceBuffer(MIME);
    buffer.mode = 'sequence';
    const pending = [];
    const pump = () => { if (!buffer.updating && pending.length) buffer.appendBuffer(pending.shift()); };
    buffer.addEventListener('updateend', pump);
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    setInterval(() => ws.readyState === 1 && ws.send('h'), 20000);
    ws.onmessage = (e) => {
      if (typeof e.data === 'string') return; // 'h' (or an ERROR: text)
      pending.push(e.data);
      pump();
    };
  });
  video.play().catch(() => undefined);
}

// The current frame drawn to a canvas: how many pixels are clearly not black.
function litPixels() {
  const video = document.querySelector('video');
  if (!video.videoWidth) return { width: 0, time: video.currentTime, lit: 0 };
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const g = canvas.getContext('2d');
  g.drawImage(video, 0, 0);
  const data = g.getImageData(0, 0, canvas.width, canvas.height).data;
  let lit = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i] + data[i + 1] + data[i + 2] > 120) lit += 1;
  return { width: video.videoWidth, time: video.currentTime, lit };
}
`;

async function run(page: Page, call: string): Promise<void> {
  await page.addScriptTag({ content: PAGE_SCRIPT });
  await page.evaluate(call);
}

describe('relay with a browser publisher and MediaSource players', () => {
  it('an early and a late receiver both decode and show the WebM stream', async (t) => {
    // A small cache: by the time the late receiver joins, only the pinned header survives from the start.
    const h = await startRelay({ gopCacheBytes: 16 * 1024 });
    t.after(() => h.close());
    const browser = await launch();
    t.after(() => browser.close());
    const [pubPage, earlyPage, latePage] = await Promise.all([browser.newPage(), browser.newPage(), browser.newPage()]);
    await run(earlyPage, `play(${JSON.stringify(h.url('cam', 'secret', 'receive'))})`);
    await eventually(() => h.dialect.stats().idleReceivers === 1, 10_000, 'early receiver waiting');
    await run(pubPage, `publish(${JSON.stringify(h.url('cam', 'secret', 'publish'))})`);
    const witness = await connect(h.url('cam', 'secret', 'receive'));
    await witness.until(() => chunks(witness).length >= 5, 15_000);
    const received = witness.messages.filter((m): m is Buffer => Buffer.isBuffer(m));
    await eventually(async () => {
      const hist = await h.hub.history('relay:cam');
      return hist.messages.length > 0 && !hist.messages.some((m) => Buffer.from(m.payload).equals(received[1]!));
    }, 20_000, 'the cache evicted the chunks after the header');
    const snapshot = (await h.hub.history('relay:cam')).snapshot;
    assert.ok(snapshot && Buffer.from(snapshot.payload).equals(received[0]!), 'the header is pinned');
    await run(latePage, `play(${JSON.stringify(h.url('cam', 'secret', 'receive'))})`);
    // A generous bound (a wait, not a timing claim): on a loaded CI machine the late page waits for the
    // recorder's next key frame, and headless Chromium decodes slowly when the cores are busy.
    for (const [name, page] of [['early', earlyPage], ['late', latePage]] as const) {
      let last = { width: 0, time: 0, lit: 0 };
      await eventually(async () => {
        last = await page.evaluate<{ width: number; time: number; lit: number }>('litPixels()');
        return last.width === 320 && last.time > 0 && last.lit > 1000;
      }, 45_000, `decoded, non-blank video on the ${name} page`).catch((err: Error) => {
        throw new Error(`${err.message}; last frame ${JSON.stringify(last)}`);
      });
    }
    witness.close();
  });
});

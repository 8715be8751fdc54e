/**
 * The relay end to end with real media (issue 4): ffmpeg encodes a 3 s test pattern, a ws
 * publisher pushes it in chunks, and (1) headless Chromium plays the WebM/VP8 stream in a <video>
 * through MediaSource, (2) JSMpeg plays an MPEG-1 video stream on a <canvas> — the elementary stream
 * in npm `jsmpeg` 1.0.0 and an MPEG-TS stream in the current JSMpeg (@cycjimmy/jsmpeg-player) — each
 * checked on a real screenshot whose pixels are not blank, and (3) what a receiver and a probe
 * got decodes with ffprobe; (4) the README pipe `ffmpeg … -f webm - | streamhub relay-publish` into
 * `streamhub relay-receive`. Fails with a clear message when ffmpeg is not installed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { connect } from '../helpers/ws-client.js';
import { spawnCli } from './cli-spawn.js';
import { encodeTestPattern, ffprobe, litPixelsInScreenshot, publishChunks, requireFfmpeg, split } from './ffmpeg-tools.js';
import { eventually, startRelay } from './helpers.js';

const MIME = 'video/webm;codecs=vp8';
const JSMPEG_SOURCE = readFileSync(createRequire(import.meta.url).resolve('jsmpeg'), 'utf8');
/** The current JSMpeg (MPEG-TS demuxer + MPEG-1 decoder), as the browser build that @cycjimmy/jsmpeg-player ships (global `JSMpeg`). */
const JSMPEG_TS_SOURCE = readFileSync(
  join(dirname(createRequire(import.meta.url).resolve('@cycjimmy/jsmpeg-player')), 'jsmpeg-player.umd.js'),
  'utf8',
);

function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--autoplay-policy=no-user-gesture-required'],
  });
}

/** The PROTOCOL.md MediaSource receiver, as plain page JavaScript. */
const MSE_PLAYER = `
window.playWebm = (url) => {
  const video = document.createElement('video');
  video.id = 'player';
  video.muted = true;
  video.autoplay = true;
  video.width = 320;
  video.height = 240;
  // A black page: an element that shows nothing screenshots as black, never as lit pixels.
  document.body.style.cssText = 'margin: 0; background: #000';
  document.body.append(video);
  const source = new MediaSource();
  video.src = URL.createObjectURL(source);
  source.addEventListener('sourceopen', () => {
    const buffer = source.addSourceBuffer(${JSON.stringify(MIME)});
    buffer.mode = 'sequence';
    const pending = [];
    const pump = () => { if (!buffer.updating && pending.length) buffer.appendBuffer(pending.shift()); };
    buffer.addEventListener('updateend', pump);
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (e) => { if (typeof e.data !== 'string') { pending.push(e.data); pump(); } };
  });
  video.play().catch(() => undefined);
};
window.videoState = () => {
  const v = document.getElementById('player');
  return { width: v.videoWidth, time: v.currentTime };
};
`;

describe('relay end to end with ffmpeg, Chromium, JSMpeg and ffprobe', () => {
  it('(1) a WebM/VP8 stream published in chunks plays in a <video> via MediaSource, and ffprobe decodes what a receiver got', async (t) => {
    requireFfmpeg();
    const webm = await encodeTestPattern(['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '500k', '-f', 'webm']);
    const h = await startRelay();
    t.after(() => h.close());
    const browser = await launch();
    t.after(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 320, height: 240 } });
    await page.addScriptTag({ content: MSE_PLAYER });
    await page.evaluate(`playWebm(${JSON.stringify(h.url('webm', 'k', 'receive'))})`);
    const witness = await connect(h.url('webm', 'k', 'receive'));
    await eventually(() => h.dialect.stats().idleReceivers === 2, 10_000, 'the page and the witness waiting');
    const parts = split(webm, 16 * 1024);
    const pub = await publishChunks(h.url('webm', 'k', 'publish'), parts);
    t.after(() => pub.close());
    await eventually(async () => {
      const s = await page.evaluate<{ width: number; time: number }>('videoState()');
      return s.width === 320 && s.time > 0.5;
    }, 20_000, 'the <video> decoding and playing');
    const shot = await litPixelsInScreenshot(page, '#player');
    assert.ok(shot.lit > shot.total / 4, `the screenshot shows the picture (${shot.lit} of ${shot.total} pixels lit)`);
    await eventually(() => witness.messages.filter((m) => Buffer.isBuffer(m)).length === parts.length, 10_000, 'all chunks at the witness');
    const got = Buffer.concat(witness.messages.filter((m): m is Buffer => Buffer.isBuffer(m)));
    assert.ok(got.equals(webm), 'the receiver got the WebM byte for byte');
    const streams = await ffprobe(got, 'received.webm');
    assert.ok(streams.some((s) => s.codec_type === 'video' && s.codec_name === 'vp8' && s.width === 320), JSON.stringify(streams));
    witness.close();
  });

  it('(2) an MPEG-1 video stream plays in JSMpeg fed from a relay receive websocket', async (t) => {
    requireFfmpeg();
    // jsmpeg 1.0.0 (npm) decodes an MPEG-1 *elementary* stream and learns the size from an 8-byte
    // "jsmp" header; the publisher sends that header first, so the relay pins it for every receiver.
    const es = await encodeTestPattern(['-c:v', 'mpeg1video', '-b:v', '800k', '-bf', '0', '-f', 'mpeg1video']);
    const header = Buffer.from([0x6a, 0x73, 0x6d, 0x70, 320 >> 8, 320 & 0xff, 240 >> 8, 240 & 0xff]);
    const h = await startRelay();
    t.after(() => h.close());
    const browser = await launch();
    t.after(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 320, height: 240 } });
    // The npm build ends with `module.exports = jsmpeg`: give the page a `module` so it loads as is.
    await page.addScriptTag({ content: 'window.module = {};' });
    await page.addScriptTag({ content: JSMPEG_SOURCE });
    // JSMpeg schedules at most one picture per websocket message, so chunks smaller than a picture
    // (as its own stream server sent them) let it show every frame.
    const pub = await publishChunks(h.url('mpeg1', 'k', 'publish'), [header, ...split(es, 1024)]);
    t.after(() => pub.close());
    await eventually(async () => (await h.hub.history('relay:mpeg1')).snapshot !== null, 5_000, 'the header pinned');
    await page.evaluate(`(() => {
      document.body.style.cssText = 'margin: 0; background: #000';
      const canvas = document.createElement('canvas');
      canvas.id = 'screen';
      document.body.append(canvas);
      window.frames = 0;
      window.player = new jsmpeg(new WebSocket(${JSON.stringify(h.url('mpeg1', 'k', 'receive'))}), {
        canvas, forceCanvas2D: true, ondecodeframe: () => { window.frames += 1; },
      });
    })()`);
    await eventually(async () => (await page.evaluate<number>('window.frames')) > 10, 40_000, 'JSMpeg decoding frames');
    const size = await page.evaluate<{ w: number; h: number }>(`({ w: document.getElementById('screen').width, h: document.getElementById('screen').height })`);
    assert.deepEqual(size, { w: 320, h: 240 });
    const shot = await litPixelsInScreenshot(page, '#screen');
    assert.ok(shot.lit > shot.total / 4, `the screenshot shows the picture (${shot.lit} of ${shot.total} pixels lit)`);
  });

  it('(2b) an MPEG-TS stream with MPEG-1 video plays in JSMpeg (its TS demuxer) fed from a relay receive websocket', async (t) => {
    requireFfmpeg();
    const ts = await encodeTestPattern(['-c:v', 'mpeg1video', '-b:v', '800k', '-bf', '0', '-f', 'mpegts']);
    const h = await startRelay();
    t.after(() => h.close());
    const browser = await launch();
    t.after(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 320, height: 240 } });
    await page.addScriptTag({ content: JSMPEG_TS_SOURCE });
    const pub = await publishChunks(h.url('mpegts', 'k', 'publish'), split(ts, 4 * 1024));
    t.after(() => pub.close());
    await eventually(async () => (await h.hub.history('relay:mpegts')).snapshot !== null, 5_000, 'the first chunk pinned');
    await page.evaluate(`(() => {
      document.body.style.cssText = 'margin: 0; background: #000';
      const canvas = document.createElement('canvas');
      canvas.id = 'screen';
      document.body.append(canvas);
      window.frames = 0;
      window.player = new JSMpeg.Player(${JSON.stringify(h.url('mpegts', 'k', 'receive'))}, {
        canvas, audio: false, disableGl: true, onVideoDecode: () => { window.frames += 1; },
      });
    })()`);
    await eventually(async () => (await page.evaluate<number>('window.frames')) > 10, 40_000, 'JSMpeg decoding MPEG-TS frames');
    const shot = await litPixelsInScreenshot(page, '#screen');
    assert.ok(shot.lit > shot.total / 4, `the screenshot shows the picture (${shot.lit} of ${shot.total} pixels lit)`);
  });

  it('(3) an MPEG-TS/MPEG-1 stream: what a receiver got and the probe\'s single chunk (the first cached one) decode with ffprobe', async (t) => {
    requireFfmpeg();
    const ts = await encodeTestPattern(['-c:v', 'mpeg1video', '-b:v', '800k', '-f', 'mpegts']);
    const h = await startRelay();
    t.after(() => h.close());
    const receiver = await connect(h.url('ts', 'k', 'receive'));
    await eventually(() => h.dialect.stats().idleReceivers === 1, 5_000, 'the receiver waiting');
    const parts = split(ts, 64 * 1024);
    assert.ok(parts.length > 2, 'several chunks');
    const pub = await publishChunks(h.url('ts', 'k', 'publish'), parts);
    await eventually(async () => (await h.hub.history('relay:ts')).messages.length === parts.length - 1, 10_000, 'everything cached');
    const probe = await connect(h.url('ts', 'k', 'probe'));
    const probeClose = await probe.closed;
    assert.equal(probeClose.code, 1000);
    const probeChunks = probe.messages.filter((m): m is Buffer => Buffer.isBuffer(m));
    assert.equal(probeChunks.length, 1);
    assert.ok(probeChunks[0]!.equals(parts[0]!), 'the probe got the first cached chunk');
    await eventually(() => receiver.messages.filter((m) => Buffer.isBuffer(m)).length === parts.length, 10_000, 'all chunks received');
    pub.close();
    assert.equal((await receiver.closed).code, 1000);
    const got = Buffer.concat(receiver.messages.filter((m): m is Buffer => Buffer.isBuffer(m)));
    assert.ok(got.equals(ts), 'the receiver got the stream byte for byte');
    const [whole, first] = await Promise.all([ffprobe(got, 'received.ts'), ffprobe(probeChunks[0]!, 'probe.ts')]);
    for (const streams of [whole, first]) {
      assert.ok(streams.some((s) => s.codec_type === 'video' && s.codec_name === 'mpeg1video' && s.width === 320 && s.height === 240), JSON.stringify(streams));
    }
  });

  it('(4) the README pipe: ffmpeg -f webm - | streamhub relay-publish; what relay-receive wrote decodes with ffprobe, a probe gets its first chunk', async (t) => {
    requireFfmpeg();
    const h = await startRelay();
    t.after(() => h.close());
    const env = { STREAMHUB_RELAY_PORT: String(h.port()) };
    const receiver = spawnCli(['relay-receive', 'pipe', 'k'], env);
    // The probe waits for the publisher too, so it is there whatever the publish's speed.
    const probe = await connect(h.url('pipe', 'k', 'probe'));
    await eventually(() => h.dialect.stats().idleReceivers === 2, 15_000, 'relay-receive and the probe waiting');
    const ffmpeg = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '3',
      '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-f', 'webm', 'pipe:1'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const publisher = spawnCli(['relay-publish', 'pipe', 'k'], env, null);
    ffmpeg.stdout.pipe(publisher.child.stdin!);
    const pub = await publisher.done;
    assert.equal(pub.code, 0, pub.stderr);
    const got = await receiver.done;
    assert.equal(got.code, 0, got.stderr);
    assert.equal((await probe.closed).code, 1000);
    const probed = probe.messages.filter((m): m is Buffer => Buffer.isBuffer(m));
    assert.equal(probed.length, 1);
    assert.ok(got.stdout.subarray(0, probed[0]!.length).equals(probed[0]!), 'the probe got the first chunk');
    // (ffprobe is not asked about this probe chunk: ffmpeg's first pipe write is a partial WebM header.)
    const streams = await ffprobe(got.stdout, 'received.webm');
    assert.ok(streams.some((s) => s.codec_type === 'video' && s.codec_name === 'vp8' && s.width === 320), JSON.stringify(streams));
  });
});

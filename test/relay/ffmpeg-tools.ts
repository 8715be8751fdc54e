/**
 * ffmpeg/ffprobe and Chromium helpers for the relay's real end-to-end test: encode a test pattern,
 * push it in chunks as a relay publisher, probe received bytes, and count lit pixels in a real
 * screenshot.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { connect, type RecordingClient } from '../helpers/ws-client.js';

/** Fails with a clear message when ffmpeg/ffprobe are not installed (CI installs the Debian package). */
export function requireFfmpeg(): void {
  for (const tool of ['ffmpeg', 'ffprobe']) {
    const r = spawnSync(tool, ['-version'], { stdio: 'ignore' });
    if (r.error || r.status !== 0) {
      throw new Error(`${tool} is not installed: this end-to-end test needs it (apt-get install --no-install-recommends ffmpeg; .ci/run installs it)`);
    }
  }
}

/** Runs ffmpeg on a 3 s 320x240 test pattern and returns what it wrote to standard output. */
export function encodeTestPattern(outputArgs: readonly string[]): Promise<Buffer> {
  const args = ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '3', ...outputArgs, 'pipe:1'];
  return new Promise((resolve, reject) => {
    execFile('ffmpeg', args, { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`ffmpeg ${args.join(' ')} failed: ${stderr.toString()}`));
      else resolve(stdout);
    });
  });
}

/** Splits `bytes` into chunks of at most `size`. */
export function split(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

/** A relay publisher (ws) that sends every chunk as one binary message; the caller closes it. */
export async function publishChunks(url: string, parts: readonly Buffer[]): Promise<RecordingClient> {
  const pub = await connect(url);
  for (const p of parts) pub.ws.send(p, { binary: true });
  return pub;
}

export interface ProbedStream {
  readonly codec_type: string;
  readonly codec_name: string;
  readonly width?: number;
  readonly height?: number;
}

/** ffprobe's streams for `bytes` (written to a temp file, as a user would save a received stream). */
export function ffprobe(bytes: Buffer, name: string): Promise<ProbedStream[]> {
  const dir = mkdtempSync(join(tmpdir(), 'relay-probe-'));
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return new Promise((resolve, reject) => {
    execFile('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', file], (err, stdout, stderr) => {
      rmSync(dir, { recursive: true, force: true });
      if (err) reject(new Error(`ffprobe ${name} failed: ${stderr}`));
      else resolve((JSON.parse(stdout) as { streams?: ProbedStream[] }).streams ?? []);
    });
  });
}

/**
 * Takes a real screenshot of `selector` and counts its pixels that are clearly not black, by
 * decoding the PNG in the page itself (no PNG decoder dependency).
 */
export async function litPixelsInScreenshot(page: Page, selector: string): Promise<{ lit: number; total: number }> {
  const png = await page.locator(selector).screenshot({ type: 'png' });
  return page.evaluate(`(async () => {
    const img = new Image();
    img.src = 'data:image/png;base64,${png.toString('base64')}';
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let lit = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 120) lit += 1;
    return { lit, total: c.width * c.height };
  })()`);
}

/**
 * Decompression-bomb guard (issue #10): spectra is the one dialect with permessage-deflate on
 * (seed 003 settings). An inflated message is bounded by maxHttpBufferSize while it is inflated
 * (ws's maxPayload applies to the inflated size), so a few KiB of deflate that expand to 64 MiB are
 * refused with 1009 without the server buffering them; the long-polling transport refuses an
 * oversized body (413) the same way. The other dialects run with perMessageDeflate: false.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { it } from 'node:test';
import WebSocket from 'ws';
import { createSpectraDialect } from '../../src/dialects/spectra/index.js';
import { startDialect, testConfig } from '../helpers/harness.js';
import { client, closeClients } from '../spectra/helpers.js';

const LIMIT = 100_000;

async function startSpectra() {
  const options = testConfig({ spectra: { ingestPort: 0, outputPort: 0, statusPort: 0, development: true, maxHttpBufferSize: LIMIT } }).spectra;
  return startDialect((ctx) => createSpectraDialect(ctx, options));
}

it('a deflate bomb over WebSocket is closed with 1009 and the server stays well', async (t) => {
  const h = await startSpectra();
  t.after(async () => {
    closeClients();
    await h.close();
  });
  const heapBefore = process.memoryUsage().heapUsed;
  const ws = new WebSocket(`ws://127.0.0.1:${h.port('output')}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: { threshold: 0 } });
  await new Promise((r) => ws.once('open', r));
  assert.match(ws.extensions, /permessage-deflate/, 'compression was negotiated');
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  ws.on('error', () => undefined);
  // 64 MiB of one letter deflates to about 64 KiB on the wire.
  ws.send('4' + 'a'.repeat(64 * 1024 * 1024), { compress: true });
  assert.equal(await closed, 1009);
  assert.ok(process.memoryUsage().heapUsed - heapBefore < 200 * 1024 * 1024, 'no inflated copy kept');
  // Others are unaffected.
  const ok = await client(h.port('output'), { transports: ['websocket'] });
  assert.equal(ok.connected, true);
});

it('an oversized long-polling body is refused with 413', async (t) => {
  const h = await startSpectra();
  t.after(() => h.close());
  const base = `http://127.0.0.1:${h.port('output')}/socket.io/?EIO=4&transport=polling`;
  const open = await (await fetch(base)).text();
  const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid;
  const res = await fetch(`${base}&sid=${sid}`, { method: 'POST', body: '4' + 'a'.repeat(LIMIT + 10), headers: { 'content-type': 'text/plain;charset=UTF-8' } });
  await res.text();
  assert.equal(res.status, 413);
});

it('every other dialect turns permessage-deflate off', () => {
  // Every WebSocketServer a dialect builds (wherever the dialect keeps it), spectra's Engine.IO aside.
  const dir = resolve(import.meta.dirname, '../../src/dialects');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.startsWith('spectra/'));
  let servers = 0;
  for (const file of files) {
    const text = readFileSync(resolve(dir, file), 'utf8');
    for (const at of text.matchAll(/new WebSocketServer\(/g)) {
      const call = text.slice(at.index, text.indexOf('})', at.index) + 2);
      assert.match(call, /perMessageDeflate: false/, `${file}: ${call.slice(0, 120)}`);
      servers += 1;
    }
  }
  assert.ok(servers >= 6, `found ${servers} WebSocketServers`); // match ×2, nova, relay ×2, elstat, streamhub
});

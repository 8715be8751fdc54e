/**
 * The bench's `streamhub-protocol` entry end to end (issue 18): a real StreamHub with the streamhub
 * dialect on, publishing through the match ingest, loadgen subscribers on `/v1/ws` that send the
 * protocol's `connect` + `subscribe` frame (`--send-on-open`) and find the marker inside each `pub`.
 * Run: `npm --prefix bench test`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LOADGEN_BIN, startLoadgen } from '../src/loadgen.mjs';
import { sleep } from '../src/proc.mjs';
import { BENCH_DIR, startStreamHubProtocol } from '../src/servers.mjs';

let server;

before(async () => {
  if (!existsSync(LOADGEN_BIN)) execFileSync('bash', ['setup.sh'], { cwd: BENCH_DIR, stdio: 'inherit' });
  server = await startStreamHubProtocol({ size: 200 });
});

after(async () => {
  await server?.stop();
});

async function until(predicate, what, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('subscribers on the streamhub dialect get every ingest publication of match:<id>, in order', async () => {
  assert.notEqual(server.port, server.listeners.match[0].port, 'subscribers use the streamhub listener, not match');
  const channel = `b-test-${Date.now().toString(36)}`;
  const pub = await server.prepare(channel);
  let lg;
  try {
    await sleep(300); // the MatchInit is retained before subscribers come (as measureFanout waits)
    lg = await startLoadgen({ port: server.port, path: server.subscriberPath(channel), conns: 20, mode: 'ws', srcAddrs: 2, coalesceUs: 0, extra: server.loadgenArgs(channel) });
    assert.equal(lg.ready.open, 20);
    await sleep(500); // every `subscribed` written before the first publication
    await lg.reset(1, 51);
    for (let seq = 1; seq <= 50; seq++) pub.send(seq, seq);
    await pub.flush();
    const report = await until(async () => {
      const r = await lg.report();
      return r.received >= 20 * 50 ? r : null;
    }, 'every publication at every subscriber');
    assert.equal(report.received, 20 * 50);
    assert.equal(report.gaps, 0);
    assert.equal(report.dups, 0);
    assert.equal(report.open, 20);
    // each marker arrived inside a `pub` frame: its bytes exceed the 200-byte payload by the pub head
    assert.ok(report.bytes / report.frames > 200 + '{"type":"pub","channel":"match:"'.length, `${report.bytes / report.frames} bytes per frame`);
  } finally {
    await lg?.stop();
    await pub.close();
  }
});

test('without the connect frame nothing is subscribed (the marker counted above came through the protocol)', async () => {
  const channel = `b-test-noconnect-${Date.now().toString(36)}`;
  const pub = await server.prepare(channel);
  let lg;
  try {
    await sleep(300);
    lg = await startLoadgen({ port: server.port, path: server.subscriberPath(channel), conns: 2, mode: 'ws', srcAddrs: 1, coalesceUs: 0 });
    await lg.reset(1, 6);
    for (let seq = 1; seq <= 5; seq++) pub.send(seq, seq);
    await pub.flush();
    await sleep(500);
    assert.equal((await lg.report()).received, 0);
  } finally {
    await lg?.stop();
    await pub.close();
  }
});

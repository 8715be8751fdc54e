/**
 * The relay CLI commands, spawned as a user runs them: relay-publish pushes a file (or standard
 * input) in chunks of at most --chunk-size bytes, relay-receive writes the channel to a file or
 * standard output, byte for byte; refusals and a wrong key map to the documented exit codes.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { connect } from '../helpers/ws-client.js';
import { spawnCli } from './cli-spawn.js';
import { eventually, startRelay, type RelayHarness } from './helpers.js';

function envOf(h: RelayHarness): Record<string, string> {
  return { STREAMHUB_RELAY_PORT: String(h.port()) };
}

function binaries(messages: readonly unknown[]): Buffer[] {
  return messages.filter((m): m is Buffer => Buffer.isBuffer(m));
}

describe('streamhub relay-publish / relay-receive', () => {
  it('a file published in chunks arrives byte for byte in a file written by relay-receive', async (t) => {
    const h = await startRelay();
    t.after(() => h.close());
    const dir = mkdtempSync(join(tmpdir(), 'relay-cli-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const media = randomBytes(300_001);
    writeFileSync(join(dir, 'in.bin'), media);
    const receiver = spawnCli(['relay-receive', 'cli-cam', 'k3y', '--out', join(dir, 'out.bin')], envOf(h));
    const witness = await connect(h.url('cli-cam', 'k3y', 'receive'));
    await eventually(() => h.dialect.stats().idleReceivers === 2, 15_000, 'both receivers waiting for a publisher');
    const pub = await spawnCli(['relay-publish', 'cli-cam', 'k3y', join(dir, 'in.bin'), '--chunk-size', '10000'], envOf(h)).done;
    assert.equal(pub.code, 0, pub.stderr);
    assert.equal(pub.stdout.toString().trim(), 'published 300001 bytes in 31 chunks to relay channel cli-cam');
    const got = await receiver.done;
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stderr, /received 300001 bytes .*\(1000 publisher ended\)/);
    assert.ok(readFileSync(join(dir, 'out.bin')).equals(media), 'the received file equals the published one');
    await witness.closed;
    const sizes = binaries(witness.messages).map((b) => b.length);
    assert.deepEqual(sizes, [...Array(30).fill(10_000), 1]);
    assert.ok(!pub.stderr.includes('k3y') && !got.stderr.includes('k3y'), 'the key is never printed');
  });

  it('standard input (an ffmpeg pipe) is published, split at 64 KiB by default; relay-receive writes to standard output', async (t) => {
    const h = await startRelay();
    t.after(() => h.close());
    const media = randomBytes(200_000);
    const receiver = spawnCli(['relay-receive', 'pipe', 'k'], envOf(h));
    const witness = await connect(h.url('pipe', 'k', 'receive'));
    await eventually(() => h.dialect.stats().idleReceivers === 2, 15_000, 'receivers waiting');
    const pub = await spawnCli(['relay-publish', 'pipe', 'k', '-'], envOf(h), media).done;
    assert.equal(pub.code, 0, pub.stderr);
    const got = await receiver.done;
    assert.equal(got.code, 0, got.stderr);
    assert.ok(got.stdout.equals(media), 'stdout carries exactly the published bytes');
    await witness.closed;
    const sizes = binaries(witness.messages).map((b) => b.length);
    assert.ok(sizes.every((n) => n > 0 && n <= 64 * 1024), `chunks of at most 64 KiB: ${sizes.join(',')}`);
    assert.equal(sizes.reduce((a, b) => a + b, 0), media.length);
  });

  it('errors: usage 2, already publishing 403 → 3, wrong key → 3, no server → 1', async (t) => {
    const h = await startRelay();
    t.after(() => h.close());
    const env = envOf(h);
    const owner = await connect(h.url('busy', 'right', 'publish'));
    t.after(() => owner.close());
    await eventually(() => h.dialect.stats().publishers === 1, 5_000, 'publisher live');
    const [noArgs, badSize, badChannel, missing, busy, wrongKey, down] = await Promise.all([
      spawnCli(['relay-publish'], env).done,
      spawnCli(['relay-publish', 'c', 'k', '--chunk-size', '0'], env).done,
      spawnCli(['relay-receive', 'bad/channel', 'k'], env).done,
      spawnCli(['relay-publish', 'c', 'k', '/nonexistent/file.webm'], env).done,
      spawnCli(['relay-publish', 'busy', 'other'], env, null).done,
      spawnCli(['relay-receive', 'busy', 'wrong'], env).done,
      spawnCli(['relay-receive', 'c', 'k', '--stream-url', 'ws://127.0.0.1:1'], env).done,
    ]);
    assert.equal(noArgs.code, 2);
    assert.match(noArgs.stderr, /^streamhub: relay-publish needs <channel> <key>\n$/);
    assert.equal(badSize.code, 2);
    assert.match(badSize.stderr, /--chunk-size must be a positive whole number/);
    assert.equal(badChannel.code, 2);
    assert.match(badChannel.stderr, /the channel must match/);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read \/nonexistent\/file\.webm/);
    assert.equal(busy.code, 3, busy.stderr);
    assert.match(busy.stderr, /refused: HTTP 403 Already publishing\./);
    assert.equal(wrongKey.code, 3, wrongKey.stderr);
    assert.match(wrongKey.stderr, /ERROR: Invalid streaming key/);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /cannot connect to ws:\/\/127\.0\.0\.1:1\/c\/\*\*\*\/receive/);
    for (const r of [busy, wrongKey]) assert.ok(!r.stderr.includes('other') && !r.stderr.includes('wrong'), 'keys are not printed');
  });

  it('relay-receive --probe gets the first cached chunk only; help lists both commands', async (t) => {
    const h = await startRelay();
    t.after(() => h.close());
    const pub = await connect(h.url('p', 'k', 'publish'));
    t.after(() => pub.close());
    pub.ws.send(Buffer.from('HEADER'), { binary: true });
    pub.ws.send(Buffer.from('later'), { binary: true });
    await eventually(async () => (await h.hub.history('relay:p')).messages.length === 1, 5_000, 'cached');
    const [probe, help] = await Promise.all([spawnCli(['relay-receive', 'p', 'k', '--probe'], envOf(h)).done, spawnCli(['--help'], {}).done]);
    assert.equal(probe.code, 0, probe.stderr);
    assert.equal(probe.stdout.toString(), 'HEADER');
    assert.match(probe.stderr, /1000 probe done/);
    assert.match(help.stdout.toString(), /\n {2}relay-publish <channel> <key> \[file\]/);
    assert.match(help.stdout.toString(), /\n {2}relay-receive <channel> <key>/);
  });

  it('a chunk over the relay\'s maxChunkBytes: the relay closes with 1009 and relay-publish exits 1 saying so', async (t) => {
    const h = await startRelay({ maxChunkBytes: 1000 });
    t.after(() => h.close());
    const pub = await spawnCli(['relay-publish', 'big', 'k', '--chunk-size', '5000'], envOf(h), randomBytes(20_000)).done;
    assert.equal(pub.code, 1, pub.stderr);
    assert.match(pub.stderr, /^streamhub: the relay closed the connection: 1009/);
  });
});

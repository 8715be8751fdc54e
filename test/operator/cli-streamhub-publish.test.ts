/**
 * `streamhub publish streamhub:<name>` through the SDK (issue 18: "the CLI's subscribe and publish
 * use it"): the real CLI process against a real StreamHub, an SDK subscriber that sees exactly the
 * published lines at the printed positions, idempotency keys across re-runs, the three token
 * sources, and each refusal's exit code and error code. The operator-API path keeps its own tests
 * (cli.test.ts "publish and subscribe").
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import type { Publication } from '../../sdk/src/index.js';
import type { StreamHub } from '../../src/server.js';
import { eventually } from '../helpers/eventually.js';
import { portOf, startTestHub } from '../helpers/streamhub.js';
import { client, record, SECRET, token } from '../sdk/fixtures.js';
import { runInProcess } from './cli-io.js';
import { envFor, runCli } from './cli-run.js';

const ACK = /^published to (\S+): offset (\d+), epoch (\S+)( \(duplicate[^)]*\))?$/;

function acks(stdout: string): { offset: number; epoch: string; duplicate: boolean }[] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => {
      const m = ACK.exec(line);
      assert.ok(m, `not an acknowledgement: ${line}`);
      return { offset: Number(m[2]), epoch: m[3]!, duplicate: m[4] !== undefined };
    });
}

/** The hub with HS256 tokens (the SDK fixtures' secret) and a small publish bound for the payload_too_large case. */
async function hubWithTokens(t: { after(fn: () => unknown): void }): Promise<StreamHub> {
  const hub = await startTestHub({ operator: { port: 0, adminToken: 'cli-operator-token' }, streamhub: { maxPublishBytes: 256, auth: { hmacSecret: SECRET } } });
  t.after(() => hub.close());
  return hub;
}

async function sdkSubscriber(hub: StreamHub, channel: string, t: { after(fn: () => unknown): void }): Promise<Publication[]> {
  const c = client(`ws://127.0.0.1:${portOf(hub, 'streamhub')}`, { token: await token({ [channel]: ['subscribe'] }) }).connect();
  t.after(() => c.disconnect());
  const sub = c.subscribe(channel);
  const pubs = record<Publication>((l) => sub.on('publication', l));
  await sub.ready();
  return pubs;
}

describe('streamhub publish streamhub:<name> through the SDK', () => {
  it('publishes each stdin line (token minted from STREAMHUB_JWT_SECRET); the SDK subscriber sees exactly those lines at the printed positions', async (t) => {
    const hub = await hubWithTokens(t);
    const channel = 'streamhub:cli:lines';
    const pubs = await sdkSubscriber(hub, channel, t);
    const lines = ['{"n":1,"text":"first"}', '', '[1,2,3]', '"just a string"', '{"n":4,"nested":{"ok":true}}'];
    // The real process, as a user runs it beside the server (the secret in its environment, no token).
    const env = envFor(hub, { STREAMHUB_JWT_SECRET: SECRET });
    const run = await runCli(['publish', channel, '--idempotency-key', 'run-1'], { env, stdin: `${lines.join('\n')}\n` });
    assert.equal(run.code, 0, run.stderr);
    const printed = acks(run.stdout);
    assert.equal(printed.length, 4, 'one acknowledgement per non-empty line');
    assert.ok(printed.every((a) => !a.duplicate));
    await eventually(() => pubs.length === 4, 'the four publications');
    assert.deepEqual(
      pubs.map((p) => ({ offset: p.offset, epoch: p.epoch, data: p.data })),
      printed.map((a, i) => ({ offset: a.offset, epoch: a.epoch, data: JSON.parse(lines.filter(Boolean)[i]!) })),
    );
    // Positions follow input order with no gap: each line is acknowledged before the next is sent.
    assert.deepEqual(printed.map((a) => a.offset - printed[0]!.offset), [0, 1, 2, 3]);

    // The same input and key again (e.g. after a failure): line n has key run-1:n, so nothing is stored twice.
    const again = await runInProcess(['publish', channel, '--idempotency-key', 'run-1'], { env, stdin: `${lines.join('\n')}\n` });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(acks(again.stdout), printed.map((a) => ({ ...a, duplicate: true })));

    // A new message with a token from STREAMHUB_TOKEN and --data: the next offset, so the repeats above stored nothing.
    const given = await token({ [channel]: ['publish'] }, 600, 'tok-user');
    const next = await runInProcess(['publish', channel, '--data', '{"n":5}', '--json'], { env: envFor(hub, { STREAMHUB_TOKEN: given }) });
    assert.equal(next.code, 0, next.stderr);
    const ack = JSON.parse(next.stdout) as { channel: string; offset: number; epoch: string; duplicate: boolean; idempotencyKey: string };
    assert.equal(ack.channel, channel);
    assert.equal(ack.offset, printed[3]!.offset + 1);
    assert.equal(ack.duplicate, false);
    assert.match(ack.idempotencyKey, /^cli-/);
    await eventually(() => pubs.length === 5, 'the fifth publication');
    assert.deepEqual({ offset: pubs[4]!.offset, data: pubs[4]!.data }, { offset: ack.offset, data: { n: 5 } });

    // And the CLI's own subscribe reads them back with a minted subscribe token.
    const sub = await runInProcess(['subscribe', `streamhub:${channel}`, '--count', '5', '--timeout', '30000'], { env });
    assert.equal(sub.code, 0, sub.stderr);
    assert.deepEqual(sub.stdout.trim().split('\n').map((l) => JSON.parse(l)), pubs.map((p) => p.data));
  });

  it('--text and --base64 lines: strings and bytes, as the subscriber receives them', async (t) => {
    const hub = await hubWithTokens(t);
    const channel = 'streamhub:cli:encodings';
    const pubs = await sdkSubscriber(hub, channel, t);
    const env = envFor(hub, { STREAMHUB_JWT_SECRET: SECRET });
    const text = await runInProcess(['publish', channel, '--text'], { env, stdin: 'not json\r\nsecond line' });
    assert.equal(text.code, 0, text.stderr);
    const bytes = await runInProcess(['publish', channel, '--base64', '--data', Buffer.from([0, 1, 254, 255]).toString('base64')], { env });
    assert.equal(bytes.code, 0, bytes.stderr);
    await eventually(() => pubs.length === 3, 'three publications');
    assert.deepEqual(pubs.slice(0, 2).map((p) => p.data), ['not json', 'second line']);
    assert.deepEqual([...(pubs[2]!.bytes ?? [])], [0, 1, 254, 255]);
  });

  it('refusals exit non-zero with the error code: not granted 3, bad token 3, no token 3, too large 1, bad input 2, unreachable 1', async (t) => {
    const hub = await hubWithTokens(t);
    const channel = 'streamhub:cli:refused';
    const pubs = await sdkSubscriber(hub, channel, t);
    const readOnly = await token({ [channel]: ['subscribe'] });
    const foreign = await token({ 'streamhub:other': ['publish'] });
    const wrongSecret = (await token({ [channel]: ['publish'] })).replace(/\.[^.]+$/, '.AAAA');
    const env = envFor(hub);
    const minted = envFor(hub, { STREAMHUB_JWT_SECRET: SECRET });
    // The real process for one refusal, the rest in-process.
    const [denied, otherChannel, unauthorized, none, tooLarge, badJson, badLine, unreachable] = await Promise.all([
      runCli(['publish', channel, '--jwt', readOnly, '--data', '{"x":1}'], { env }),
      runInProcess(['publish', channel, '--data', '{"x":1}'], { env: envFor(hub, { STREAMHUB_TOKEN: foreign }) }),
      runInProcess(['publish', channel, '--jwt', wrongSecret, '--data', '{"x":1}'], { env }),
      runInProcess(['publish', channel, '--data', '{"x":1}'], { env }),
      runInProcess(['publish', channel, '--text', '--data', 'x'.repeat(300)], { env: minted }),
      runInProcess(['publish', channel, '--data', '{oops'], { env: minted }),
      runInProcess(['publish', channel], { env: minted, stdin: '{"ok":1}\nnot json\n{"never":1}\n' }),
      runInProcess(['publish', channel, '--data', '1', '--stream-url', 'ws://127.0.0.1:1/v1/ws'], { env: minted }),
    ]);
    assert.equal(denied.code, 3, denied.stderr);
    assert.match(denied.stderr, /^streamhub: publish to streamhub:cli:refused refused: permission_denied: .*\(the token from --jwt does not grant publish/);
    assert.equal(otherChannel.code, 3, otherChannel.stderr);
    assert.match(otherChannel.stderr, /permission_denied: .*token from STREAMHUB_TOKEN/);
    assert.equal(unauthorized.code, 3, unauthorized.stderr);
    assert.match(unauthorized.stderr, /refused: unauthorized: the server refused the token from --jwt/);
    assert.equal(none.code, 3);
    assert.match(none.stderr, /needs a token: --jwt <JWT>, STREAMHUB_TOKEN, or STREAMHUB_JWT_SECRET/);
    assert.equal(tooLarge.code, 1, tooLarge.stderr);
    assert.match(tooLarge.stderr, /refused: payload_too_large: /);
    assert.equal(badJson.code, 2);
    assert.match(badJson.stderr, /the data is not valid JSON/);
    // Line 1 is published and acknowledged; line 2 stops the run before line 3.
    assert.equal(badLine.code, 2, badLine.stderr);
    assert.match(badLine.stderr, /line 2 is not valid JSON/);
    assert.equal(acks(badLine.stdout).length, 1);
    assert.equal(unreachable.code, 1, unreachable.stderr);
    assert.match(unreachable.stderr, /cannot connect to ws:\/\/127\.0\.0\.1:1\/v1\/ws/);
    await eventually(() => pubs.length === 1, 'the one accepted line');
    assert.deepEqual(pubs.map((p) => p.data), [{ ok: 1 }]);
  });

  it('publishes each line as it arrives (before standard input ends), and SIGINT ends the run cleanly (exit 0)', { timeout: 120_000 }, async (t) => {
    const hub = await hubWithTokens(t);
    const channel = 'streamhub:cli:tail';
    const pubs = await sdkSubscriber(hub, channel, t);
    const bin = resolve(import.meta.dirname, '..', '..', 'bin', 'streamhub.js');
    const child = spawn(process.execPath, [bin, 'publish', channel], { env: { PATH: process.env.PATH ?? '', ...envFor(hub, { STREAMHUB_JWT_SECRET: SECRET }) }, stdio: ['pipe', 'pipe', 'pipe'] });
    t.after(() => child.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = once(child, 'exit');
    child.stdin.write('{"n":1}\n');
    await eventually(() => pubs.length === 1, 'line 1 published while standard input is still open', 60_000);
    child.stdin.write('{"n":2}\n{"n":');
    await eventually(() => pubs.length === 2 && stdout.split('\n').length === 3, 'line 2 published and acknowledged; the partial line 3 waits', 30_000);
    child.kill('SIGINT');
    const [code] = await exited;
    assert.equal(code, 0, stderr);
    assert.deepEqual(pubs.map((p) => p.data), [{ n: 1 }, { n: 2 }]);
    assert.deepEqual(acks(stdout).map((a) => a.offset), pubs.map((p) => p.offset));
  });

  it('a server that goes away for good ends a publish that waits for input: exit 1, without more input or EOF', { timeout: 120_000 }, async (t) => {
    const hub = await hubWithTokens(t);
    const channel = 'streamhub:cli:gone';
    const pubs = await sdkSubscriber(hub, channel, t);
    const bin = resolve(import.meta.dirname, '..', '..', 'bin', 'streamhub.js');
    const child = spawn(process.execPath, [bin, 'publish', channel], { env: { PATH: process.env.PATH ?? '', ...envFor(hub, { STREAMHUB_JWT_SECRET: SECRET }) }, stdio: ['pipe', 'pipe', 'pipe'] });
    t.after(() => child.kill('SIGKILL'));
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = once(child, 'exit');
    child.stdin.write('{"n":1}\n');
    await eventually(() => pubs.length === 1, 'line 1 published', 60_000);
    await hub.close();
    // Standard input stays open: only the client giving up (after its bounded reconnects) can end the command.
    const [code] = await exited;
    assert.equal(code, 1, stderr);
    assert.match(stderr, /^streamhub: publish to streamhub:cli:gone failed: /m);
  });

  it('help explains the split: streamhub: through the SDK, other channels through the operator API', async () => {
    const help = await runInProcess(['help', 'publish']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /streamhub:<name>: through the own protocol via @streamhub\/sdk/);
    assert.match(help.stdout, /any other channel: one message through the operator's HTTP publish API/);
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { DIALECT_MODULES } from '../../src/dialects/index.js';
import type { MatchDialect } from '../../src/dialects/match/index.js';
import { portOf, startTestHub } from '../helpers/streamhub.js';
import { runInProcess } from './cli-io.js';
import { envFor, hs256, runCli } from './cli-run.js';
import { matchInit } from '../match/fixtures.js';

const TOKEN = 'cli-operator-token';

describe('streamhub CLI (each command spawned once; the error matrix in-process)', () => {
  it('--help lists the commands and exit codes; usage errors exit 2 with one clear line', async () => {
    const [help, unknown] = await Promise.all([runCli(['--help']), runCli(['frobnicate'])]);
    const [none, badFlag, sub] = await Promise.all([runInProcess([]), runInProcess(['status', '--bogus']), runInProcess(['help', 'subscribe'])]);
    assert.equal(help.code, 0);
    for (const cmd of ['serve', 'publish', 'subscribe', 'status']) assert.match(help.stdout, new RegExp(`\\n  ${cmd} `));
    assert.match(help.stdout, /Exit codes/);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Usage: streamhub/);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr.trim(), 'streamhub: unknown command "frobnicate" (see streamhub --help)');
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /unknown option --bogus/);
    assert.equal(sub.code, 0);
    assert.match(sub.stdout, /spectra:<groupCode>/);
  });

  it('status prints the node human-readably, with the token from the environment; wrong token exits 3; no server exits 1', async (t) => {
    const hub = await startTestHub({ operator: { port: 0, adminToken: TOKEN } });
    t.after(() => hub.close());
    const [ok, json, wrong, down] = await Promise.all([
      runCli(['status'], { env: envFor(hub, { STREAMHUB_OPERATOR_TOKEN: TOKEN }) }),
      runInProcess(['status', '--json', '--token', TOKEN, '--url', `http://127.0.0.1:${portOf(hub, 'operator')}`]),
      runInProcess(['status', '--token', 'wrong'], { env: envFor(hub) }),
      runInProcess(['status', '--url', 'http://127.0.0.1:1', '--token', TOKEN]),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /: OK, up /);
    assert.match(ok.stdout, /broker {6}memory \(healthy/);
    for (const { name: d } of DIALECT_MODULES) assert.match(ok.stdout, new RegExp(`^${d} `, 'm'));
    assert.equal(json.code, 0);
    assert.equal(JSON.parse(json.stdout).ok, true);
    assert.equal(wrong.code, 3);
    assert.match(wrong.stderr, /unauthorized/);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /cannot reach http:\/\/127\.0\.0\.1:1/);
  });

  it('subscribe streamhub:<hub channel> reads any channel through the own protocol with the SDK (issue 18)', async (t) => {
    const hub = await startTestHub({ streamhub: { auth: { anonymous: true } } });
    t.after(() => hub.close());
    const env = envFor(hub);
    const match = hub.dialects.get('match') as MatchDialect;
    await match.publish('cli-sdk', matchInit('cli-sdk'));
    await match.publish('cli-sdk', { type: 'event.score_change', t: 1000, home: 1, away: 0 });
    const sub = await runInProcess(['subscribe', 'streamhub:match:cli-sdk', '--count', '2', '--timeout', '30000'], { env });
    assert.equal(sub.code, 0, sub.stderr);
    const lines = sub.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    // The snapshot (the MatchInit) first, then the ring: the same messages a match renderer gets.
    assert.deepEqual(lines.map((l) => l.type), ['match.init', 'event.score_change']);
    // Anonymous access is read-only and a setting: without it the server refuses the connection.
    const closed = await startTestHub();
    t.after(() => closed.close());
    const refused = await runInProcess(['subscribe', 'streamhub:match:cli-sdk', '--timeout', '30000'], { env: envFor(closed) });
    assert.equal(refused.code, 3, refused.stderr);
  });

  it('publish and subscribe: a match event published from the CLI is printed by a CLI subscriber', async (t) => {
    const hub = await startTestHub({ operator: { port: 0, adminToken: TOKEN } });
    t.after(() => hub.close());
    const env = envFor(hub, { STREAMHUB_OPERATOR_TOKEN: TOKEN });
    await (hub.dialects.get('match') as MatchDialect).publish('cli-match', matchInit('cli-match'));
    const event = '{"type":"event.score_change","t":1000,"home":1,"away":0}';
    const published = await runCli(['publish', 'match:cli-match', event], { env });
    assert.equal(published.code, 0, published.stderr);
    assert.match(published.stdout, /^published to match:cli-match: offset \d+, epoch \S+/);
    // From standard input, too.
    const piped = await runInProcess(['publish', 'match:cli-match', '--json'], { env, stdin: '{"type":"event.period_start","t":1,"period":1}\n' });
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(JSON.parse(piped.stdout).channel, 'match:cli-match');

    const sub = await runCli(['subscribe', 'match:cli-match', '--count', '4', '--timeout', '30000'], { env });
    assert.equal(sub.code, 0, sub.stderr);
    const lines = sub.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    assert.deepEqual(
      lines.map((l) => l.type),
      ['hello', 'match.init', 'event.score_change', 'event.period_start'],
    );

    const [badJson, badChannel, unknownMatch, noToken] = await Promise.all([
      runInProcess(['publish', 'match:cli-match', '{oops'], { env }),
      runInProcess(['publish', 'nochannel', '1'], { env }),
      runInProcess(['subscribe', 'match:nope', '--timeout', '30000'], { env }),
      runInProcess(['publish', 'match:cli-match', event], { env: envFor(hub) }),
    ]);
    assert.equal(badJson.code, 2);
    assert.match(badJson.stderr, /not valid JSON \(use --text/);
    assert.equal(badChannel.code, 2);
    assert.equal(unknownMatch.code, 4);
    assert.match(unknownMatch.stderr, /refused the upgrade: HTTP 404/);
    assert.equal(noToken.code, 3);
  });

  it('subscribe speaks every dialect: relay (binary), elstat (op codes), spectra (Socket.IO), nova (JWT)', async (t) => {
    const hub = await startTestHub({}, { NOVA_JWT_SECRET: 'cli-test-nova-secret' });
    t.after(() => hub.close());
    const env = envFor(hub);
    // A relay publisher sends one chunk; the first chunk of a publish is cached for late joiners.
    const publisher = new WebSocket(`ws://127.0.0.1:${portOf(hub, 'relay')}/cli-chan/k3y/publish`);
    t.after(() => publisher.terminate());
    await new Promise((r, j) => publisher.once('open', r).once('error', j));
    await new Promise<void>((r, j) => publisher.send(Buffer.from([1, 2, 3, 4, 5]), (err) => (err ? j(err) : r())));
    const viewerToken = hs256({ sub: 'viewer-1', exp: Math.floor(Date.now() / 1000) + 600 }, 'cli-test-nova-secret');
    const [relay, relayNoKey, elstat, spectra, nova] = await Promise.all([
      runCli(['subscribe', 'relay:cli-chan', '--key', 'k3y', '--count', '1', '--timeout', '30000'], { env }),
      runInProcess(['subscribe', 'relay:cli-chan'], { env }),
      runInProcess(['subscribe', 'elstat:status:nope', '--count', '1', '--timeout', '30000'], { env }),
      runInProcess(['subscribe', 'spectra:CLITEST', '--count', '1', '--timeout', '30000'], { env }),
      runInProcess(['subscribe', `nova:${randomUUID()}`, '--jwt', viewerToken, '--timeout', '30000'], { env }),
    ]);
    assert.equal(relay.code, 0, relay.stderr);
    assert.equal(relay.stdout, '<binary 5 bytes>\n');
    assert.equal(relayNoKey.code, 2);
    assert.match(relayNoKey.stderr, /--key/);
    assert.equal(elstat.code, 0, elstat.stderr);
    assert.equal(JSON.parse(elstat.stdout).op, 1);
    assert.equal(spectra.code, 0, spectra.stderr);
    assert.match(spectra.stdout, /^logon_success .*CLITEST/);
    // An unknown stream with a valid token: the nova upgrade answers 404, the CLI exits 4.
    assert.equal(nova.code, 4, nova.stderr);
    assert.doesNotMatch(nova.stderr, new RegExp(viewerToken));
  });

  it('serve runs the server (as npm start does) and stops cleanly on SIGTERM', async (t) => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', STREAMHUB_HOST: '127.0.0.1', STREAMHUB_DEMO: 'false', STREAMHUB_LOG_LEVEL: 'info' };
    for (const name of ['OPERATOR', 'MATCH', 'NOVA', 'RELAY', 'ELSTAT', 'SPECTRA_INGEST', 'SPECTRA_OUTPUT', 'SPECTRA_STATUS', 'PROTOCOL']) env[`STREAMHUB_${name}_PORT`] = '0';
    const child = spawn(process.execPath, [resolve(import.meta.dirname, '..', '..', 'bin', 'streamhub.js'), 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => child.kill('SIGKILL'));
    let out = '';
    const listening = new Promise<{ operator: { port: number }[] }>((ok, fail) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        for (const line of out.split('\n')) {
          if (line.includes('StreamHub listening')) ok(JSON.parse(line).listeners);
        }
      });
      child.once('exit', (code) => fail(new Error(`serve exited ${code}: ${out}`)));
    });
    const listeners = await listening;
    const health = await fetch(`http://127.0.0.1:${listeners.operator[0]!.port}/healthz`);
    assert.equal(health.status, 200);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  });
});

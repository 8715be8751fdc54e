/**
 * Secrets (issue #10 "Security"): tokens and keys never appear in logs, status or error bodies;
 * every admin/control endpoint refuses without its token (and with a wrong one of the same length
 * or a prefix of it); every comparison of a secret is constant time.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { io } from 'socket.io-client';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { parseConfig } from '../../src/config/index.js';
import { safeEqual } from '../../src/net/http-reply.js';
import { createLogger } from '../../src/log.js';
import { startStreamHub, type StreamHub } from '../../src/server.js';
import { ALL_PORTS_FREE, portOf } from '../helpers/streamhub.js';

const SECRETS = {
  operator: 'op-admin-SECRET-4f1c9a',
  matchAdmin: 'match-admin-SECRET-77ab21',
  ingest: 'match-ingest-SECRET-0c3e55',
  incidents: 'elstat-incidents-SECRET-9d8e01',
  spectra: 'spectra-auth-SECRET-5b6a2f',
  relayKey: 'relayKeySECRET8c7d6e',
  novaControl: 'nova-control-SECRET-3a2b1c',
  novaJwt: 'nova-jwt-hs256-SECRET-6f5e4d3c2b1a',
} as const;

const NOVA_STREAM = '550e8400-e29b-41d4-a716-446655440000';
const NOVA_START = { broadcaster_id: 'b', title: 't', quality: '1080p', fps: 60, bitrate_kbps: 5000 };

describe('secrets stay secret', () => {
  let hub: StreamHub;
  let logged = '';
  const bodies: string[] = [];
  const url = (d: string, path: string, listener?: string) => `http://127.0.0.1:${portOf(hub, d, listener)}${path}`;
  const get = async (u: string, init: RequestInit = {}) => {
    const res = await fetch(u, init);
    const body = await res.text();
    const headers: string[] = [];
    res.headers.forEach((value, name) => headers.push(`${name}: ${value}`));
    bodies.push(body, headers.join('\n'));
    return { status: res.status, body };
  };

  before(async () => {
    const destination = new Writable({ write: (chunk: Buffer, _e, done) => ((logged += chunk.toString()), done()) });
    const config = parseConfig({
      base: {
        ...ALL_PORTS_FREE,
        server: { host: '127.0.0.1', demo: false, logLevel: 'trace' },
        operator: { port: 0, adminToken: SECRETS.operator },
        match: { port: 0, adminToken: SECRETS.matchAdmin, ingest: { token: SECRETS.ingest } },
        elstat: { port: 0, incidents: { token: SECRETS.incidents } },
        spectra: { ingestPort: 0, outputPort: 0, statusPort: 0, authKey: SECRETS.spectra, development: true },
        nova: { port: 0, controlToken: SECRETS.novaControl, jwt: { secret: SECRETS.novaJwt } },
      },
    });
    hub = await startStreamHub(config, { log: createLogger({ level: 'trace', destination }) });
  });
  after(() => hub.close());

  it('admin and control endpoints refuse a missing, wrong, same-length or prefix token (401)', async () => {
    const endpoints: [string, string, RequestInit, string][] = [
      ['operator', '/api/status', {}, SECRETS.operator],
      ['operator', '/api/publish', { method: 'POST', body: '{"channel":"relay:x","data":"y"}' }, SECRETS.operator],
      ['match', '/admin/status', {}, SECRETS.matchAdmin],
      ['elstat', '/api/incidents', { method: 'POST', body: '{"title":"x"}' }, SECRETS.incidents],
      ['nova', `/api/v1/streams/${NOVA_STREAM}/start`, { method: 'POST', body: JSON.stringify(NOVA_START) }, SECRETS.novaControl],
    ];
    for (const [dialect, path, init, secret] of endpoints) {
      const wrong = [undefined, 'nope', secret.slice(0, -1), secret.slice(0, -1) + 'X', secret + 'X', secret.toUpperCase()];
      for (const token of wrong) {
        const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
        const res = await get(url(dialect, path), { ...init, headers });
        assert.equal(res.status, 401, `${dialect} ${path} with ${token}`);
      }
      const ok = await get(url(dialect, path), { ...init, headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' } });
      assert.ok(ok.status < 300, `${dialect} ${path} with the right token: ${ok.status} ${ok.body}`);
    }
  });

  it('the match ingest upgrade refuses a wrong token (401) and accepts the right one', async () => {
    const attempt = (token: string) =>
      new Promise<number>((done) => {
        const ws = new WebSocket(`ws://127.0.0.1:${portOf(hub, 'match')}/v1/ingest?token=${token}`);
        ws.on('unexpected-response', (_req, res) => done(res.statusCode ?? 0));
        ws.on('open', () => (ws.close(), done(101)));
        ws.on('error', () => undefined);
      });
    assert.equal(await attempt(SECRETS.ingest.slice(0, -1) + 'Z'), 401);
    assert.equal(await attempt(SECRETS.ingest), 101);
  });

  it('spectra logs on with the key and refuses a near miss', async () => {
    const logon = (key: string) =>
      new Promise<{ value: boolean }>((done) => {
        const s = io(`http://127.0.0.1:${portOf(hub, 'spectra', 'ingest')}`, { forceNew: true, reconnection: false, transports: ['websocket'] });
        s.on('obs_logon_ack', (a: string) => (s.close(), done(JSON.parse(a) as { value: boolean })));
        s.emit('obs_logon', JSON.stringify({ type: 'authenticate', clientVersion: '0.3.3', obsName: 'o', key, groupCode: `G${key.length}${key.at(-1)}`, leftTeam: {}, rightTeam: {}, toolsData: {} }));
      });
    assert.equal((await logon(SECRETS.spectra.slice(0, -1) + 'Q')).value, false);
    assert.equal((await logon(SECRETS.spectra)).value, true);
  });

  it('a relay stream key travels in the URL but is never logged or reported', async () => {
    const base = `ws://127.0.0.1:${portOf(hub, 'relay')}/sec/${SECRETS.relayKey}`;
    const publisher = new WebSocket(`${base}/publish`);
    await new Promise((r) => publisher.once('open', r));
    const wrong = new WebSocket(`ws://127.0.0.1:${portOf(hub, 'relay')}/sec/wrongKey/receive`);
    const text = await new Promise<string>((r) => wrong.once('message', (d) => r(d.toString())));
    assert.equal(text, 'ERROR: Invalid streaming key');
    publisher.close();
    await get(url('operator', '/api/status'), { headers: { authorization: `Bearer ${SECRETS.operator}` } });
    await get(url('operator', '/api/dashboard'));
    await get(url('operator', '/metrics'));
    await get(url('match', '/admin/status'), { headers: { authorization: `Bearer ${SECRETS.matchAdmin}` } });
    await get(url('elstat', '/api/status'));
  });

  let viewerJwt = '';
  it('a nova viewer JWT in the query string is not logged', async () => {
    viewerJwt = await new SignJWT({ sub: 'viewer-secret-test' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(SECRETS.novaJwt));
    const ws = new WebSocket(`ws://127.0.0.1:${portOf(hub, 'nova')}/api/v1/streams/${NOVA_STREAM}/ws?token=${viewerJwt}`);
    const first = await new Promise<string>((r) => ws.once('message', (d) => r(d.toString())));
    assert.match(first, /connection_established/);
    ws.close();
    const bad = new WebSocket(`ws://127.0.0.1:${portOf(hub, 'nova')}/api/v1/streams/${NOVA_STREAM}/ws?token=${viewerJwt}x`);
    const status = await new Promise<number>((r) => bad.once('unexpected-response', (_q, res) => r(res.statusCode ?? 0)));
    assert.equal(status, 401);
  });

  it('no secret appears in any log line, status answer or error body', () => {
    assert.ok(logged.length > 0, 'the logger captured something');
    const everything = logged + bodies.join('\n');
    assert.ok(viewerJwt.length > 0 && !everything.includes(viewerJwt), 'the viewer JWT leaked');
    for (const [name, secret] of Object.entries(SECRETS)) assert.ok(!everything.includes(secret), `${name} leaked`);
  });
});

describe('constant-time comparisons', () => {
  it('safeEqual is right for equal, different, prefix and longer secrets', () => {
    assert.equal(safeEqual('abc', 'abc'), true);
    for (const other of ['', 'ab', 'abd', 'abcd', 'ABC']) assert.equal(safeEqual(other, 'abc'), false);
  });

  it('no source file compares a token, key or secret with ===, !==, == or != (they must go through safeEqual)', () => {
    const root = resolve(import.meta.dirname, '../../src');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    const secretish = /\b\w*(token|Token|secret|Secret|authKey|AuthKey|digest|Digest|password|Password)\w*\b/;
    const offenders: string[] = [];
    for (const f of files) {
      readFileSync(join(root, f), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          for (const m of line.matchAll(/([\w.#[\]'"]+)\s*(===|!==|==|!=)\s*([\w.#[\]'"]+)/g)) {
            const [, left, , right] = m as unknown as [string, string, string, string];
            const harmless = (s: string) => /^(null|undefined|true|false|\d+|'[^']*'|"[^"]*")$/.test(s) || /\.(length|size|type)$/.test(s);
            if (harmless(left) || harmless(right)) continue;
            if (secretish.test(left) || secretish.test(right)) offenders.push(`${f}:${i + 1}: ${line.trim()}`);
          }
        });
    }
    assert.deepEqual(offenders, []);
  });
});

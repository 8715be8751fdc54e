/**
 * Issue 20 item 3: with TLS on, the slowloris guard covers the TLS handshake. On every listener
 * (each dialect, spectra's three, the operator), a peer that never sends its ClientHello, one that
 * stops half-way through it, and one that finishes TLS but never sends a request are all closed by
 * the server at `server.handshakeTimeoutMs` counted from the TCP accept; and the per-IP count
 * (`server.acceptPerIpMax`) applies from accept, so the N+1th connection is closed at once.
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { connect as netConnect, createServer as createNetServer, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { effectiveAcceptPerIpMax } from '../../src/config/server.js';
import type { MatchDialect } from '../../src/dialects/match/index.js';
import type { StreamHub } from '../../src/server.js';
import { portOf, startTestHub } from '../helpers/streamhub.js';
import { connect } from '../helpers/ws-client.js';
import { matchInit } from '../match/fixtures.js';
import { makeCertificate, type TestCertificate } from '../operator/self-signed.js';

const DEADLINE_MS = 400;
/** Generous: the machine is shared. Before the fix these sockets stayed open for minutes. */
const GIVE_UP_MS = DEADLINE_MS * 25;

interface Held {
  readonly socket: Socket;
  /** Resolves when the server closes the connection (rejects after GIVE_UP_MS). */
  readonly closed: Promise<void>;
  isClosed(): boolean;
}

function hold(socket: Socket, what: string): Held {
  let closed = false;
  socket.on('error', () => undefined);
  const promise = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: still open after ${GIVE_UP_MS} ms`)), GIVE_UP_MS);
    socket.once('close', () => {
      closed = true;
      clearTimeout(timer);
      resolve();
    });
  });
  return { socket, closed: promise, isClosed: () => closed };
}

/** The first flight of a real TLS client (its ClientHello), caught by a plain TCP server. */
async function clientHello(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const catcher = createNetServer((s) => {
      s.once('data', (d: Buffer) => {
        resolve(d);
        s.destroy();
        catcher.close();
      });
    });
    catcher.listen(0, '127.0.0.1', () => {
      const address = catcher.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const client = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false });
      client.on('error', () => undefined);
    });
    catcher.on('error', reject);
  });
}

function opened(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

function tlsOpened(port: number, ca: Buffer): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca, ALPNProtocols: ['http/1.1'] }, () => resolve(socket));
    socket.once('error', reject);
  });
}

function healthz(port: number, ca: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/healthz', ca, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

describe('TLS handshake deadline and per-IP count from the TCP accept', () => {
  let cert: TestCertificate;
  let hub: StreamHub;
  let listeners: { name: string; port: number }[];
  before(async () => {
    cert = makeCertificate();
    hub = await startTestHub(
      { server: { handshakeTimeoutMs: DEADLINE_MS }, operator: { port: 0, adminToken: 'tls-deadline' } },
      { STREAMHUB_TLS_CERT: cert.certFile, STREAMHUB_TLS_KEY: cert.keyFile },
    );
    listeners = Object.entries(hub.addresses).flatMap(([dialect, list]) => list.map((a) => ({ name: `${dialect}/${a.name}`, port: a.port })));
  });
  after(async () => {
    await hub.close();
    cert.remove();
  });

  it('closes, on every listener, peers that never send a ClientHello, stop mid-handshake, or send no request after TLS', async () => {
    assert.ok(listeners.length >= 8, JSON.stringify(listeners));
    // A well-behaved wss client, connected first: the deadline ends with its request head.
    const match = hub.dialects.get('match') as MatchDialect;
    await match.publish('tls-deadline', matchInit('tls-deadline'));
    const renderer = await connect(`wss://127.0.0.1:${portOf(hub, 'match')}/v1/match/tls-deadline`, { ca: cert.cert });
    await renderer.until((m) => m.length >= 2);
    const hello = await clientHello();
    assert.equal(hello[0], 0x16, 'a TLS handshake record');
    const held: { name: string; h: Held }[] = [];
    for (const l of listeners) {
      held.push({ name: `${l.name} silent`, h: hold(await opened(l.port), `${l.name} silent`) });
      const partial = await opened(l.port);
      partial.write(hello.subarray(0, Math.floor(hello.length / 2)));
      held.push({ name: `${l.name} half a ClientHello`, h: hold(partial, `${l.name} half a ClientHello`) });
      held.push({ name: `${l.name} TLS, no request`, h: hold(await tlsOpened(l.port, cert.cert), `${l.name} TLS, no request`) });
    }
    const results = await Promise.allSettled(held.map((x) => x.h.closed));
    const open = results.flatMap((r, i) => (r.status === 'rejected' ? [held[i]!.name] : []));
    assert.deepEqual(open, [], 'every stalled handshake is closed by the server');
    // Well-behaved clients on the same listeners are served; the wss session outlived the deadline.
    assert.equal(await healthz(portOf(hub, 'operator'), cert.cert), 200);
    const before = renderer.messages.length;
    await match.publish('tls-deadline', { type: 'state', t: 1, ball: { pos: [0, 0, 0] }, players: [] });
    await renderer.until((m) => m.length > before);
    renderer.close();
  });
});

describe('per-IP count from accept on a TLS listener', () => {
  let cert: TestCertificate;
  let hub: StreamHub;
  const PER_IP = 3;
  before(async () => {
    cert = makeCertificate();
    // A long deadline, so that only the per-IP count can close a socket during this test.
    // Every dialect cap at 1, so that the accept-time count is not raised to twice a dialect cap.
    hub = await startTestHub(
      {
        server: { handshakeTimeoutMs: 60_000, acceptPerIpMax: PER_IP },
        operator: { port: 0 },
        match: { port: 0, perIpMax: 1 },
        nova: { port: 0, perIpMax: 1 },
        relay: { port: 0, perIpMax: 1 },
        elstat: { port: 0, perIpMax: 1 },
        spectra: { ingestPort: 0, outputPort: 0, statusPort: 0, ingestPerIpMax: 1, outputPerIpMax: 1 },
        streamhub: { port: 0, perIpMax: 1 },
      },
      { STREAMHUB_TLS_CERT: cert.certFile, STREAMHUB_TLS_KEY: cert.keyFile },
    );
  });
  after(async () => {
    await hub.close();
    cert.remove();
  });

  it('is never below twice a dialect per-IP cap, so a dialect gives its own refusal first', () => {
    assert.equal(effectiveAcceptPerIpMax(512, [4, 20, 4, 64, 50, 200]), 512);
    assert.equal(effectiveAcceptPerIpMax(3, [1, 1, 1, 1, 1, 1]), 3);
    assert.equal(effectiveAcceptPerIpMax(512, [4, 20_000]), 40_000);
  });

  it('closes the N+1th connection of one address at accept, on every listener, and admits again after one leaves', async () => {
    const listeners = Object.entries(hub.addresses).flatMap(([dialect, list]) => list.map((a) => ({ name: `${dialect}/${a.name}`, port: a.port })));
    for (const l of listeners) {
      // N silent TCP connections: none has sent a byte, so no dialect cap has seen them.
      const first = await Promise.all(Array.from({ length: PER_IP }, async () => hold(await opened(l.port), l.name)));
      const extra = hold(await opened(l.port), `${l.name} N+1th`);
      await extra.closed;
      assert.deepEqual(
        first.map((h) => h.isClosed()),
        new Array(PER_IP).fill(false),
        `${l.name}: the first ${PER_IP} are still open when the N+1th is closed`,
      );
      // One leaves; a full TLS handshake is admitted again (the count is released on close).
      first[0]!.socket.destroy();
      await first[0]!.closed;
      let admitted: Socket | null = null;
      for (let attempt = 0; attempt < 50 && !admitted; attempt++) {
        admitted = await tlsOpened(l.port, cert.cert).catch(() => null);
        if (!admitted) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(admitted, `${l.name}: a TLS client is admitted after a slot frees`);
      admitted.destroy();
      for (const h of first) h.socket.destroy();
      await Promise.all(first.map((h) => h.closed));
    }
  });
});

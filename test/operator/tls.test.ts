import assert from 'node:assert/strict';
import { get } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { describe, it } from 'node:test';
import type { MatchDialect } from '../../src/dialects/match/index.js';
import { portOf, startTestHub } from '../helpers/streamhub.js';
import { connect } from '../helpers/ws-client.js';
import { runInProcess } from './cli-io.js';
import { envFor, runCli } from './cli-run.js';
import { startOperator } from './operator-harness.js';
import { makeCertificate, type TestCertificate } from './self-signed.js';

function httpsGet(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** A TLS handshake that verifies the chain against `ca` and returns the peer certificate's CN. */
function handshake(port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca, ALPNProtocols: ['http/1.1'] }, () => {
      const cn = socket.getPeerCertificate().subject?.CN;
      socket.destroy();
      resolve(String(cn));
    });
    socket.on('error', reject);
  });
}

const init = (id: string) => ({
  type: 'match.init',
  spec_version: '0.1.1',
  match_id: id,
  sport: 'soccer',
  field: { length: 105, width: 68, units: 'm' },
  teams: [
    { id: 'H', name: 'Home', kit: { primary: '#ffffff', secondary: '#000000' }, players: [] },
    { id: 'A', name: 'Away', kit: { primary: '#ff0000', secondary: '#000000' }, players: [] },
  ],
  start_time: '2026-11-23T00:00:00Z',
});

describe('TLS on every listener from one setting (server.tls / STREAMHUB_TLS_CERT + STREAMHUB_TLS_KEY)', () => {
  it('serves every listener over TLS with the test certificate; https and wss work with the test CA trusted', async (t) => {
    const cert: TestCertificate = makeCertificate();
    t.after(() => cert.remove());
    const hub = await startTestHub({ operator: { port: 0, adminToken: 'tls-token' } }, { STREAMHUB_TLS_CERT: cert.certFile, STREAMHUB_TLS_KEY: cert.keyFile });
    t.after(() => hub.close());

    // Every bound port, of every dialect and the operator listener, presents our certificate.
    const ports = Object.values(hub.addresses).flatMap((list) => list.map((a) => a.port));
    assert.ok(ports.length >= 8);
    for (const port of ports) assert.equal(await handshake(port, cert.cert), '127.0.0.1', `port ${port}`);

    // Operator over https; plain http on the same port gets no HTTP answer.
    const health = await httpsGet(`https://127.0.0.1:${portOf(hub, 'operator')}/healthz`, cert.cert);
    assert.equal(health.status, 200);
    await assert.rejects(fetch(`http://127.0.0.1:${portOf(hub, 'operator')}/healthz`));
    // Without the CA the certificate is refused.
    await assert.rejects(fetch(`https://127.0.0.1:${portOf(hub, 'operator')}/healthz`));

    // A ws dialect over wss://.
    await (hub.dialects.get('match') as MatchDialect).publish('tls-match', init('tls-match'));
    const client = await connect(`wss://127.0.0.1:${portOf(hub, 'match')}/v1/match/tls-match`, { ca: cert.cert });
    t.after(() => client.close());
    const [hello, first] = await client.until((m) => m.length >= 2);
    assert.equal((hello as { type: string }).type, 'hello');
    assert.equal((first as { type: string }).type, 'match.init');

    // The CLI follows server.tls from the same environment and trusts the CA given with --ca.
    const env = envFor(hub, { STREAMHUB_OPERATOR_TOKEN: 'tls-token', STREAMHUB_TLS_CERT: cert.certFile, STREAMHUB_TLS_KEY: cert.keyFile });
    const [status, untrusted, sub] = await Promise.all([
      runCli(['status', '--ca', cert.certFile], { env }),
      runInProcess(['status'], { env }),
      runCli(['subscribe', 'match:tls-match', '--ca', cert.certFile, '--count', '2', '--timeout', '30000'], { env }),
    ]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`https://127\\.0\\.0\\.1:${portOf(hub, 'operator')}: OK`));
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stderr, /certificate/);
    assert.equal(sub.code, 0, sub.stderr);
    assert.match(sub.stdout, /"type":"match\.init"/);
  });

  it('a certificate generated with node:crypto alone (no openssl) serves the operator listener', async (t) => {
    const cert = makeCertificate({ via: 'node' });
    t.after(() => cert.remove());
    const h = await startOperator({}, { settings: { tls: { cert: cert.cert, key: cert.key } }, scheme: 'https' });
    t.after(() => h.close());
    assert.equal(await handshake(h.port, cert.cert), '127.0.0.1');
    const res = await httpsGet(`${h.base}/api/dashboard`, cert.cert);
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body).broker.ok, true);
  });

  it('refuses a half TLS setting at start-up with a clear message', async () => {
    await assert.rejects(startTestHub({}, { STREAMHUB_TLS_CERT: '/nonexistent/cert.pem' }), /server\.tls\.keyFile/);
  });
});

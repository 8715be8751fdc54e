/**
 * Token algorithms of the streamhub protocol (PROTOCOL.md §3): RS256 with a PEM key, RS256 from a
 * JWKS URL served on port 0, `alg: none` and HS256 without a secret refused; plus the command rate
 * (§18) and the shutdown close (§19).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { startStreamhub, TestClient, token } from './setup.js';

const grants = { channels: { '*': ['subscribe'] } };

async function rsToken(privateKey: CryptoKey, kid?: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(grants)
    .setProtectedHeader({ alg: 'RS256', ...(kid ? { kid } : {}) })
    .setSubject('rs-user')
    .setExpirationTime(now + 600)
    .sign(privateKey);
}

it('RS256 with a PEM public key; other keys and alg none are refused', async (t) => {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const other = await generateKeyPair('RS256');
  const s = await startStreamhub({ auth: { hmacSecret: null, publicKey: await exportSPKI(publicKey) } });
  t.after(() => s.h.close());
  const ok = await TestClient.connected(s.wsUrl, await rsToken(privateKey));
  t.after(() => ok.close());
  const wrong = await TestClient.open(s.wsUrl);
  assert.equal((await wrong.request({ type: 'connect', token: await rsToken(other.privateKey) })).code, 'unauthorized');
  const none = await TestClient.open(s.wsUrl);
  const unsecured = new UnsecuredJWT(grants).setSubject('x').setExpirationTime('1h').encode();
  assert.equal((await none.request({ type: 'connect', token: unsecured })).code, 'unauthorized');
  const hs = await TestClient.open(s.wsUrl);
  assert.equal((await hs.request({ type: 'connect', token: await token() })).code, 'unauthorized', 'HS256 is off without a secret');
});

it('RS256 keys from a JWKS URL, chosen by kid', async (t) => {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  t.after(() => jwks.close());
  const s = await startStreamhub({ auth: { hmacSecret: null, jwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json` } });
  t.after(() => s.h.close());
  const c = await TestClient.open(s.wsUrl);
  t.after(() => c.close());
  const reply = await c.request({ type: 'connect', token: await rsToken(privateKey, 'k1') });
  assert.equal(reply.type, 'connected');
  assert.equal(reply.user, 'rs-user');
  const unknownKid = await TestClient.open(s.wsUrl);
  assert.equal((await unknownKid.request({ type: 'connect', token: await rsToken(privateKey, 'k2') })).code, 'unauthorized');
});

it('commands past the rate are answered rate_limited; the connection stays', async (t) => {
  const s = await startStreamhub({ rate: { commandsPerSecond: 1, burst: 3 } });
  t.after(() => s.h.close());
  const c = await TestClient.connected(s.wsUrl, await token());
  t.after(() => c.close());
  const replies = await Promise.all(Array.from({ length: 6 }, () => c.request({ type: 'ping' })));
  const limited = replies.filter((r) => r.code === 'rate_limited').length;
  assert.ok(limited >= 2, `got ${JSON.stringify(replies)}`);
  assert.equal(c.raw.ws.readyState, 1);
});

it('shutdown closes every connection 1001 and ends SSE streams', async (t) => {
  const s = await startStreamhub();
  let closed = false;
  t.after(() => (closed ? undefined : s.h.close()));
  const c = await TestClient.connected(s.wsUrl, await token());
  await c.request({ type: 'subscribe', channels: [{ channel: 'streamhub:x' }] });
  const res = await fetch(`${s.httpUrl}/v1/sse?channel=streamhub:x&token=${await token()}`);
  assert.equal(res.status, 200);
  const reading = res.text();
  closed = true;
  await s.h.close();
  assert.equal((await c.raw.closed).code, 1001);
  assert.match(await reading, /event: subscribed/);
  assert.equal(s.h.dialect.stats().connections, 0);
});

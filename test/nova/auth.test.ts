/**
 * Seed 001 "Connection Refused" and notes §2.2/§2.4.3: JWT verified before the upgrade (HS256,
 * RS256 PEM, RS256 JWKS), `exp` required, `token_type` access only, `sub` → viewer_id, the
 * streams claim, and every refusal as an HTTP status with `{error_code, error_message}`.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { connect, events, hsToken, OTHER_STREAM, refusal, START, startNova, STREAM, type NovaHarness } from './fixtures.js';

async function rsToken(privateKey: CryptoKey, claims: Record<string, unknown> = {}, kid?: string): Promise<string> {
  return new SignJWT({ sub: 'rs-viewer', token_type: 'access', ...claims })
    .setProtectedHeader({ alg: 'RS256', ...(kid ? { kid } : {}) })
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
}

function body(r: { body: string }): { error_code: string; error_message: string } {
  return JSON.parse(r.body) as { error_code: string; error_message: string };
}

describe('nova auth: HS256', () => {
  let h: NovaHarness;
  before(async () => {
    h = await startNova();
    await h.dialect.control.start(STREAM, START);
  });
  after(() => h.close());

  it('accepts a valid HS256 token and uses `sub` as viewer_id', async () => {
    const c = await connect(h.url(STREAM, { token: await hsToken({ sub: 'a1b2c3d4-e5f6-g7h8' }) }));
    const [first] = (await c.until((m) => m.length >= 1)) as { event: string; data: { viewer_id: string; protocol_version: string } }[];
    assert.equal(first!.event, 'connection_established');
    assert.equal(first!.data.viewer_id, 'a1b2c3d4-e5f6-g7h8');
    assert.equal(first!.data.protocol_version, '1.0', 'protocol defaults to 1.0');
    c.close();
  });

  it('401 CONNECTION_REJECTED with a JSON body: missing, malformed, wrong secret, expired, no exp, no sub', async () => {
    const cases = [
      h.url(STREAM),
      h.url(STREAM, { token: 'not-a-jwt' }),
      h.url(STREAM, { token: await hsToken({}, 'some-other-secret-entirely') }),
      h.url(STREAM, { token: await hsToken({ exp: Math.floor(Date.now() / 1000) - 3600 }) }),
      h.url(STREAM, { token: await hsToken({ exp: null }) }),
      h.url(STREAM, { token: await hsToken({ sub: undefined }) }),
    ];
    for (const url of cases) {
      const r = await refusal(url);
      assert.equal(r.status, 401, url);
      assert.equal(body(r).error_code, 'CONNECTION_REJECTED');
      assert.equal(typeof body(r).error_message, 'string');
      assert.match(String(r.headers['content-type']), /application\/json/);
    }
  });

  it('token_type must be `access` when present', async () => {
    assert.equal((await refusal(h.url(STREAM, { token: await hsToken({ token_type: 'refresh' }) }))).status, 401);
    const ok = await connect(h.url(STREAM, { token: await hsToken({ token_type: 'access' }) }));
    ok.close();
  });

  it('the streams claim restricts which streams a viewer may watch (403 UNAUTHORIZED)', async () => {
    await h.dialect.control.start(OTHER_STREAM, START);
    const token = await hsToken({ streams: [OTHER_STREAM] });
    const r = await refusal(h.url(STREAM, { token }));
    assert.equal(r.status, 403);
    assert.equal(body(r).error_code, 'UNAUTHORIZED');
    const ok = await connect(h.url(OTHER_STREAM, { token }));
    await ok.until((m) => events(m).includes('stream_started'));
    ok.close();
    const star = await connect(h.url(STREAM, { token: await hsToken({ streams: '*' }) }));
    star.close();
  });

  it('an RS256 token is refused when only a secret is configured', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    assert.equal((await refusal(h.url(STREAM, { token: await rsToken(privateKey) }))).status, 401);
  });

  it('404 STREAM_NOT_FOUND: non-UUID id, unknown stream, wrong path', async () => {
    const token = await hsToken();
    for (const url of [
      h.url('not-a-uuid', { token }),
      h.url('00000000-0000-4000-8000-000000000000', { token }),
      `ws://127.0.0.1:${h.port()}/api/v1/streams/${STREAM}/other?token=${token}`,
    ]) {
      const r = await refusal(url);
      assert.equal(r.status, 404, url);
      assert.equal(body(r).error_code, 'STREAM_NOT_FOUND');
    }
  });

  it('a bad token is refused before the stream is looked up (no probing of stream ids)', async () => {
    assert.equal((await refusal(h.url('00000000-0000-4000-8000-000000000000'))).status, 401);
  });

  it('protocol defaults to 1.0 and is echoed; an unsupported version is 400', async () => {
    const c = await connect(h.url(STREAM, { token: await hsToken(), protocol: '1.0' }));
    const [first] = (await c.until((m) => m.length >= 1)) as { data: { protocol_version: string } }[];
    assert.equal(first!.data.protocol_version, '1.0');
    c.close();
    const r = await refusal(h.url(STREAM, { token: await hsToken(), protocol: '2.0' }));
    assert.equal(r.status, 400);
    assert.equal(body(r).error_code, 'PROTOCOL_ERROR');
  });
});

describe('nova auth: RS256 public key (PEM) and JWKS', () => {
  it('verifies RS256 tokens against a PEM public key', async (t) => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const h = await startNova({ jwt: { publicKey: await exportSPKI(publicKey) } });
    t.after(() => h.close());
    await h.dialect.control.start(STREAM, START);
    const c = await connect(h.url(STREAM, { token: await rsToken(privateKey) }));
    const [first] = (await c.until((m) => m.length >= 1)) as { data: { viewer_id: string } }[];
    assert.equal(first!.data.viewer_id, 'rs-viewer');
    c.close();
    const other = await generateKeyPair('RS256');
    assert.equal((await refusal(h.url(STREAM, { token: await rsToken(other.privateKey) }))).status, 401);
    // The demo secret is never accepted once a key is configured.
    const demo = await hsToken({}, 'streamhub-nova-demo-secret-not-for-production');
    assert.equal((await refusal(h.url(STREAM, { token: demo }))).status, 401);
  });

  it('verifies RS256 tokens against a JWKS served over HTTP', async (t) => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    let fetches = 0;
    const jwks = createServer((_req, res) => {
      fetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    t.after(() => new Promise<void>((r) => jwks.close(() => r())));
    const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    const h = await startNova({ jwt: { publicKey: url, secret: SECRET_FOR_BOTH } });
    t.after(() => h.close());
    await h.dialect.control.start(STREAM, START);
    const c = await connect(h.url(STREAM, { token: await rsToken(privateKey, {}, 'k1') }));
    await c.until((m) => events(m).includes('stream_started'));
    c.close();
    assert.ok(fetches >= 1);
    // With both configured, HS256 tokens signed with the secret are accepted too.
    const hs = await connect(h.url(STREAM, { token: await hsToken({}, SECRET_FOR_BOTH) }));
    hs.close();
    const stranger = await generateKeyPair('RS256');
    assert.equal((await refusal(h.url(STREAM, { token: await rsToken(stranger.privateKey, {}, 'k1') }))).status, 401);
  });

  it('an unreachable JWKS is 503 (the key source failed, not the token)', async (t) => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const h = await startNova({ jwt: { publicKey: `http://127.0.0.1:${port}/jwks.json`, jwksTimeoutMs: 500 } });
    t.after(() => h.close());
    await h.dialect.control.start(STREAM, START);
    const { privateKey } = await generateKeyPair('RS256');
    const r = await refusal(h.url(STREAM, { token: await rsToken(privateKey, {}, 'k1') }));
    assert.equal(r.status, 503);
    assert.equal(body(r).error_code, 'SERVER_ERROR');
  });
});

const SECRET_FOR_BOTH = 'hs-secret-used-alongside-a-jwks';

describe('nova auth: demo mode', () => {
  it('without a secret or key, demo tokens from GET /api/v1/demo/token are accepted', async (t) => {
    const h = await startNova({ jwt: {} });
    t.after(() => h.close());
    await h.dialect.control.start(STREAM, START);
    const res = await fetch(h.http('/api/v1/demo/token?viewer_id=demo-1'));
    assert.equal(res.status, 200);
    const { token, ws_path } = (await res.json()) as { token: string; ws_path: string };
    assert.ok(ws_path.includes(STREAM));
    const c = await connect(h.url(STREAM, { token }));
    const [first] = (await c.until((m) => m.length >= 1)) as { data: { viewer_id: string } }[];
    assert.equal(first!.data.viewer_id, 'demo-1');
    c.close();
    assert.equal(h.dialect.stats().authMode, 'demo');
  });

  it('with a secret configured, no demo tokens are issued and the demo secret is refused', async (t) => {
    const h = await startNova();
    t.after(() => h.close());
    await h.dialect.control.start(STREAM, START);
    assert.equal((await fetch(h.http('/api/v1/demo/token'))).status, 404);
    const demo = await hsToken({}, 'streamhub-nova-demo-secret-not-for-production');
    assert.equal((await refusal(h.url(STREAM, { token: demo }))).status, 401);
  });

  it('demo auth off and nothing configured: every viewer is refused', async (t) => {
    const h = await startNova({ jwt: {}, demo: { enabled: false } });
    t.after(() => h.close());
    await h.dialect.control.start(STREAM, START);
    const demo = await hsToken({}, 'streamhub-nova-demo-secret-not-for-production');
    assert.equal((await refusal(h.url(STREAM, { token: demo }))).status, 401);
    assert.equal(h.dialect.stats().authMode, 'none');
  });
});

/**
 * The match listener's HTTP surface (seed 000 "/healthz and /admin/status"; notes §1.3):
 * /admin/status in the seed's shape behind STREAM_ADMIN_TOKEN (401 wrong, 503 unset), /healthz
 * 200/503 by producer links, `/` a descriptor, 404 for anything else.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WebSocketServer } from 'ws';
import type { Logger } from '../../src/core/index.js';
import { createMatchDialect } from '../../src/dialects/match/index.js';
import { startDialect } from '../helpers/harness.js';
import { connect, refusal } from '../helpers/ws-client.js';
import { matchInit, matchOptions, startMatch, state } from './fixtures.js';

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A port nothing listens on (a server bound then closed). */
async function deadPort(): Promise<number> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  const port = (wss.address() as { port: number }).port;
  await new Promise((r) => wss.close(r));
  return port;
}

describe('match: HTTP surface', () => {
  it('serves /admin/status in the seed shape with the bearer token', async (t) => {
    const h = await startMatch({ adminToken: 's3cret-token' });
    t.after(() => h.close());
    await h.dialect.publish('fifa-wc-2022-final-arg-fra', matchInit('fifa-wc-2022-final-arg-fra'));
    await h.dialect.publish('fifa-wc-2022-final-arg-fra', state(0));
    const c = await connect(h.url('fifa-wc-2022-final-arg-fra'));
    t.after(() => c.close());
    await c.until((m) => m.length >= 3);
    const ok = await get(`${h.http}/admin/status`, { authorization: 'Bearer s3cret-token' });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.ok, true);
    assert.equal(typeof ok.body.uptime_ms, 'number');
    const matches = ok.body.matches as { match_id: string; subscribers: number; messages_sent: number }[];
    assert.equal(matches.length, 1);
    assert.equal(matches[0]!.match_id, 'fifa-wc-2022-final-arg-fra');
    assert.equal(matches[0]!.subscribers, 1);
    assert.equal(matches[0]!.messages_sent, 3); // hello, MatchInit, one state

    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer wrong' }, { authorization: 'Basic czNjcmV0LXRva2Vu' }];
    for (const headers of attempts) {
      const denied = await get(`${h.http}/admin/status`, headers);
      assert.equal(denied.status, 401);
      assert.deepEqual(denied.body, { error: 'unauthorized' });
    }
  });

  it('answers 503 admin_disabled when no admin token is set', async (t) => {
    const h = await startMatch();
    t.after(() => h.close());
    const res = await get(`${h.http}/admin/status`, { authorization: 'Bearer anything' });
    assert.equal(res.status, 503);
    assert.deepEqual(res.body, { error: 'admin_disabled' });
  });

  it('reports /healthz 200 without producer URLs, with subscriber counts', async (t) => {
    const h = await startMatch();
    t.after(() => h.close());
    await h.dialect.publish('hz', matchInit('hz'));
    const c = await connect(h.url('hz'));
    t.after(() => c.close());
    await c.until((m) => m.length >= 2);
    const res = await get(`${h.http}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(res.body.ok, true);
    assert.equal(res.body.producers, 0);
    assert.equal(res.body.producers_up, 0);
    assert.equal(res.body.subscribers, 1);
  });

  it('reports /healthz 503 when producer URLs are configured and none is connected', async (t) => {
    const port = await deadPort();
    const h = await startMatch({ ingest: { producerUrls: [`ws://127.0.0.1:${port}`], reconnectMinMs: 1_000 } });
    t.after(() => h.close());
    const res = await get(`${h.http}/healthz`);
    assert.equal(res.status, 503);
    assert.equal(res.body.ok, false);
    assert.equal(res.body.producers, 1);
    assert.equal(res.body.producers_up, 0);
  });

  it('serves a descriptor at / and 404 / 405 elsewhere', async (t) => {
    const h = await startMatch();
    t.after(() => h.close());
    const root = await get(`${h.http}/`);
    assert.equal(root.status, 200);
    assert.equal(root.body.spec_version, '0.1.1');
    assert.equal((await get(`${h.http}/nope`)).status, 404);
    assert.equal((await fetch(`${h.http}/healthz`, { method: 'POST' })).status, 405);
    // The route table is open for extension (a viewer page at `/` later).
    h.dialect.routes.set('/', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html>'));
    assert.equal(await (await fetch(`${h.http}/`)).text(), '<!doctype html>');
  });
});

describe('match: secrets stay out of the logs', () => {
  it('never logs the admin token, the ingest token or a producer URL query', async (t) => {
    const lines: string[] = [];
    const log: Logger = {
      debug: (o, m) => lines.push(JSON.stringify([o, m])),
      info: (o, m) => lines.push(JSON.stringify([o, m])),
      warn: (o, m) => lines.push(JSON.stringify([o, m])),
      error: (o, m) => lines.push(JSON.stringify([o, m])),
      child: () => log,
    };
    const producer = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => producer.once('listening', r));
    const connected = new Promise((r) => producer.once('connection', r));
    t.after(() => {
      for (const ws of producer.clients) ws.terminate();
      return new Promise((r) => producer.close(r));
    });
    const url = `ws://127.0.0.1:${(producer.address() as { port: number }).port}/feed?token=dial-secret`;
    const options = matchOptions({ adminToken: 'admin-secret', ingest: { token: 'ingest-secret', producerUrls: [url] } });
    const h = await startDialect((ctx) => createMatchDialect({ ...ctx, log }, options));
    t.after(() => h.close());
    await connected;
    const http = `http://127.0.0.1:${h.port()}`;
    await fetch(`${http}/admin/status`, { headers: { authorization: 'Bearer admin-secret-wrong' } });
    await fetch(`${http}/admin/status`, { headers: { authorization: 'Bearer admin-secret' } });
    await refusal(`ws://127.0.0.1:${h.port()}/v1/ingest?token=ingest-secret-wrong`);
    const p = await connect(`ws://127.0.0.1:${h.port()}/v1/ingest?token=ingest-secret`);
    p.ws.send('{bad');
    await p.until((m) => m.length >= 1);
    p.close();
    assert.ok(lines.some((l) => l.includes('match producer connected')), 'the logger was used');
    assert.ok(!lines.some((l) => /secret/.test(l)), lines.join('\n'));
  });
});

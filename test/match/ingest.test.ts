/**
 * Producer ingest (notes §1.3 "Upstream ingest"): producers connect to /v1/ingest with a token,
 * or the server dials out to `producerUrls` and reconnects with backoff. Frames route to the
 * match of the last match.init (or `?match_id=`); NDJSON is tolerated; invalid input is answered
 * `x_error invalid_message` to that producer and never forwarded.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { StreamHubError } from '../../src/errors.js';
import { connect, refusal } from '../helpers/ws-client.js';
import { frames, matchInit, startMatch, state, stateTimes, type Frame } from './fixtures.js';

const TOKEN = 'ingest-token-1';

describe('match: /v1/ingest', () => {
  it('is 404 while no ingest token is configured, 401 on a wrong token', async (t) => {
    const off = await startMatch();
    t.after(() => off.close());
    assert.equal((await refusal(`${off.base}/v1/ingest`)).status, 404);
    const on = await startMatch({ ingest: { token: TOKEN } });
    t.after(() => on.close());
    assert.equal((await refusal(`${on.base}/v1/ingest`)).status, 401);
    assert.equal((await refusal(`${on.base}/v1/ingest?token=nope`)).status, 401);
    assert.equal((await refusal(`${on.base}/v1/ingest`, { headers: { authorization: 'Bearer nope' } })).status, 401);
    assert.equal((await refusal(`${on.base}/v1/ingest?token=${TOKEN}&match_id=bad%20id`)).status, 400);
  });

  it('refuses producers past ingest.maxConnections with 503', async (t) => {
    const h = await startMatch({ ingest: { token: TOKEN, maxConnections: 1 } });
    t.after(() => h.close());
    const first = await connect(`${h.base}/v1/ingest?token=${TOKEN}`);
    t.after(() => first.close());
    const second = await refusal(`${h.base}/v1/ingest?token=${TOKEN}`);
    assert.equal(second.status, 503);
    assert.deepEqual(JSON.parse(second.body), { error: 'too_many_producers' });
  });

  it('routes frames to the match of the last match.init and forwards them to renderers', async (t) => {
    const h = await startMatch({ ingest: { token: TOKEN } });
    t.after(() => h.close());
    const producer = await connect(`${h.base}/v1/ingest`, { headers: { authorization: `Bearer ${TOKEN}` } });
    t.after(() => producer.close());
    producer.ws.send(JSON.stringify(matchInit('live-1')));
    producer.ws.send(JSON.stringify({ ...state(0), x_vendor: { heat: 0.7 } }));
    await waitFor(async () => (await h.hub.history('match:live-1')).messages.length === 1);
    const renderer = await connect(h.url('live-1'));
    t.after(() => renderer.close());
    await renderer.until((m) => m.length >= 3);
    assert.deepEqual(frames(renderer)[2]!.x_vendor, { heat: 0.7 }); // unknown fields are forwarded (versioning rule)
    // NDJSON: several objects in one frame are tolerated (notes §1.3).
    producer.ws.send(`${JSON.stringify(state(100))}\n${JSON.stringify(state(200))}\n\n${JSON.stringify(state(300))}\n`);
    await renderer.until(() => stateTimes(renderer).length === 4);
    assert.deepEqual(stateTimes(renderer), [0, 100, 200, 300]);
    // A second init on the same connection switches the route.
    producer.ws.send(JSON.stringify(matchInit('live-2')));
    producer.ws.send(JSON.stringify(state(5)));
    await waitFor(async () => (await h.hub.history('match:live-2')).messages.length === 1);
    assert.equal(stateTimes(renderer).length, 4);
    assert.deepEqual(producer.messages, []); // nothing to answer for valid input
  });

  it('answers invalid input with x_error invalid_message and never forwards it', async (t) => {
    const h = await startMatch({ ingest: { token: TOKEN } });
    t.after(() => h.close());
    const producer = await connect(`${h.base}/v1/ingest?token=${TOKEN}`);
    t.after(() => producer.close());
    producer.ws.send(JSON.stringify(state(0))); // before any init, without ?match_id=
    await producer.until((m) => m.length >= 1);
    producer.ws.send(JSON.stringify(matchInit('val')));
    await waitFor(async () => (await h.hub.history('match:val')).snapshot !== null);
    const renderer = await connect(h.url('val'));
    t.after(() => renderer.close());
    await renderer.until((m) => m.length >= 2);
    producer.ws.send('{not json');
    producer.ws.send(JSON.stringify({ ...state(1), t: -1 }));
    producer.ws.send(JSON.stringify({ ...matchInit('val'), teams: [matchInit('val').teams[0]] }));
    producer.ws.send(JSON.stringify({ type: 'event.foul', t: 2, player: 'p', severity: 'purple' }));
    producer.ws.send(`${JSON.stringify(state(3))}\n{"type":"state"}`); // one good, one bad line
    // Valid JSON nested beyond what can be re-encoded is refused, never a crash.
    producer.ws.send(`{"type":"event.save","t":9,"keeper":"k","x_deep":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    await producer.until((m) => m.length >= 7);
    const errors = producer.messages as Frame[];
    assert.ok(errors.every((e) => e.type === 'x_error' && e.error === 'invalid_message'));
    assert.match(String(errors[0]!.detail), /match\.init/);
    assert.match(String(errors[1]!.detail), /JSON/);
    assert.match(String(errors[2]!.detail), /^t: /);
    assert.match(String(errors[3]!.detail), /^teams: /);
    assert.match(String(errors[4]!.detail), /^severity: /);
    assert.match(String(errors[5]!.detail), /ball/);
    // Refused at parse by the JSON bounds (server.jsonMaxDepth, issue 20) before anything encodes it.
    assert.match(String(errors[6]!.detail), /JSON nested deeper than 32 levels/);
    await renderer.until(() => stateTimes(renderer).length === 1);
    producer.ws.send(JSON.stringify(state(4)));
    await renderer.until(() => stateTimes(renderer).length === 2);
    assert.deepEqual(stateTimes(renderer), [3, 4]);
    assert.deepEqual(
      frames(renderer).map((m) => m.type),
      ['hello', 'match.init', 'state', 'state'],
    );
  });

  it('routes by ?match_id= before any init, and closes 1009 past maxFrameBytes', async (t) => {
    const h = await startMatch({ ingest: { token: TOKEN, maxFrameBytes: 4096 } });
    t.after(() => h.close());
    await h.dialect.publish('byq', matchInit('byq'));
    const producer = await connect(`${h.base}/v1/ingest?token=${TOKEN}&match_id=byq`);
    producer.ws.send(JSON.stringify(state(7)));
    await waitFor(async () => (await h.hub.history('match:byq')).messages.length === 1);
    producer.ws.send('x'.repeat(5000));
    assert.equal((await producer.closed).code, 1009);
  });

  it('rejects invalid input to publish() with ERR_INVALID_MESSAGE', async (t) => {
    const h = await startMatch();
    t.after(() => h.close());
    await assert.rejects(h.dialect.publish('m', { type: 'state', t: 1.5 }), (e: unknown) => e instanceof StreamHubError && e.code === 'ERR_INVALID_MESSAGE');
    await assert.rejects(h.dialect.publish('bad id', state(1)), (e: unknown) => e instanceof StreamHubError && e.code === 'ERR_INVALID_MESSAGE');
    await assert.rejects(h.dialect.publish('a', matchInit('b')), /match_id/);
    assert.equal((await h.hub.history('match:m')).top, null);
  });
});

describe('match: dial-out ingest (producerUrls)', () => {
  it('connects to each producer URL, ingests what it sends, and reconnects with backoff', async (t) => {
    const producer = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => producer.once('listening', r));
    t.after(() => {
      for (const ws of producer.clients) ws.terminate();
      return new Promise((r) => producer.close(r));
    });
    const links: WebSocket[] = [];
    const replies: unknown[] = [];
    producer.on('connection', (ws) => {
      links.push(ws);
      ws.on('message', (data) => replies.push(JSON.parse(data.toString())));
      // The original producer sends init plus a small backlog to each new connection (notes §1.3).
      ws.send(JSON.stringify(matchInit('dial')));
      ws.send(JSON.stringify(state(links.length * 1000)));
    });
    const port = (producer.address() as { port: number }).port;
    const h = await startMatch({ ingest: { producerUrls: [`ws://127.0.0.1:${port}/feed`], reconnectMinMs: 20, reconnectMaxMs: 40 } });
    t.after(() => h.close());
    await waitFor(async () => (await h.hub.history('match:dial')).messages.length === 1);
    const health = await (await fetch(`${h.http}/healthz`)).json();
    assert.deepEqual([health.ok, health.producers, health.producers_up], [true, 1, 1]);
    const renderer = await connect(h.url('dial'));
    t.after(() => renderer.close());
    await renderer.until(() => stateTimes(renderer).length === 1);
    links[0]!.send('{"type":"state","t":"soon"}');
    await waitFor(async () => replies.length === 1);
    assert.equal((replies[0] as Frame).error, 'invalid_message');
    links[0]!.terminate(); // the producer restarts: the server reconnects and gets a fresh init
    await waitFor(async () => links.length === 2);
    await renderer.until(() => frames(renderer).filter((m) => m.type === 'match.init').length === 2);
    await renderer.until(() => stateTimes(renderer).at(-1) === 2000);
  });
});

/** Polls a condition on each macrotask turn (no fixed sleep), failing after `timeoutMs`. */
async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

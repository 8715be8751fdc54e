/**
 * Opt-in acknowledgements on the match ingest (issue 15 item 3, PROTOCOL.md §3.3): with
 * `?acks=each` or an `x_ingest` frame, every message is named (`seq`, `x_id`) in its answer, each
 * published one is acknowledged with its `{offset, epoch}`, and `x_id` is its idempotency key.
 * A producer that does not opt in gets exactly the frames it got before.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { connect, refusal, type RecordingClient } from '../helpers/ws-client.js';
import { frames, matchInit, startMatch, state, stateTimes, type Frame } from './fixtures.js';

const TOKEN = 'ingest-token-acks';

const answers = (c: RecordingClient, type: string) => frames(c).filter((f) => f.type === type);

describe('match: ingest acknowledgements', () => {
  it('?acks=each: acks name each message with its position; errors name theirs; a repeated x_id is not published again', async (t) => {
    const h = await startMatch({ ingest: { token: TOKEN } });
    t.after(() => h.close());
    const producer = await connect(`${h.base}/v1/ingest?token=${TOKEN}&acks=each`);
    t.after(() => producer.close());
    producer.ws.send(JSON.stringify({ ...matchInit('acked'), x_id: 'init-1' }));
    producer.ws.send(JSON.stringify({ ...state(100), x_id: 's-100' }));
    producer.ws.send(JSON.stringify({ ...state(-1), x_id: 'bad-1' })); // invalid t
    producer.ws.send('{not json');
    producer.ws.send(JSON.stringify({ ...state(100), x_id: 's-100' })); // a resend
    producer.ws.send(JSON.stringify(state(200))); // no x_id: acknowledged by seq only
    producer.ws.send(JSON.stringify({ ...state(300), x_id: 'has a space' }));
    await producer.until((m) => m.length >= 7);
    const epoch = (await h.hub.history('match:acked')).top!.epoch;
    assert.deepEqual(answers(producer, 'x_ack'), [
      { type: 'x_ack', seq: 1, x_id: 'init-1', offset: 1, epoch },
      { type: 'x_ack', seq: 2, x_id: 's-100', offset: 2, epoch },
      { type: 'x_ack', seq: 5, x_id: 's-100', offset: 2, epoch, duplicate: true },
      { type: 'x_ack', seq: 6, offset: 3, epoch },
    ]);
    const errors = answers(producer, 'x_error').map(({ detail, ...rest }) => ({ ...rest, detailed: typeof detail === 'string' }));
    assert.deepEqual(errors, [
      { type: 'x_error', error: 'invalid_message', seq: 3, x_id: 'bad-1', detailed: true },
      { type: 'x_error', error: 'invalid_message', seq: 4, detailed: true },
      { type: 'x_error', error: 'invalid_message', seq: 7, detailed: true },
    ]);
    const renderer = await connect(h.url('acked'));
    t.after(() => renderer.close());
    await renderer.until(() => stateTimes(renderer).length === 2);
    assert.deepEqual(stateTimes(renderer), [100, 200], 'the resend is not published twice');
    assert.ok(frames(renderer).every((f) => !('x_id' in f)), 'x_id is taken off before publishing');
  });

  it('x_ingest {acks:"cumulative"}: one x_ack names the settled prefix with the last message position', async (t) => {
    const h = await startMatch({ ingest: { token: TOKEN } });
    t.after(() => h.close());
    const producer = await connect(`${h.base}/v1/ingest?token=${TOKEN}`);
    t.after(() => producer.close());
    producer.ws.send(JSON.stringify({ type: 'x_ingest', acks: 'cumulative' }));
    await producer.until((m) => m.length >= 1);
    assert.deepEqual(frames(producer)[0], { type: 'x_ingest', acks: 'cumulative', seq: 0 });
    const lines = [matchInit('cumul'), ...[1, 2, 3, 4].map((i) => ({ ...state(i * 100), x_id: `m-${i}` }))];
    producer.ws.send(lines.map((m) => JSON.stringify(m)).join('\n'));
    await producer.until(() => answers(producer, 'x_ack').some((a) => a.upto === 5));
    const top = (await h.hub.history('match:cumul')).top!;
    const last = answers(producer, 'x_ack').at(-1)!;
    assert.deepEqual(last, { type: 'x_ack', upto: 5, x_id: 'm-4', offset: top.offset, epoch: top.epoch });
    assert.ok(answers(producer, 'x_ack').every((a: Frame) => (a.upto as number) <= 5));
  });

  it('names the message in publish_failed when the broker refuses it', async (t) => {
    const h = await startMatch({ ingest: { token: TOKEN } });
    t.after(() => h.close());
    const producer = await connect(`${h.base}/v1/ingest?token=${TOKEN}&acks=each`);
    t.after(() => producer.close());
    producer.ws.send(JSON.stringify({ ...matchInit('fail'), x_id: 'i' }));
    await producer.until((m) => m.length >= 1);
    await h.broker.close(); // a real broker that is gone: every publish now fails
    producer.ws.send(JSON.stringify({ ...state(10), x_id: 'lost-10' }));
    await producer.until((m) => m.length >= 2);
    const { detail, ...named } = frames(producer)[1]!;
    assert.deepEqual(named, { type: 'x_error', error: 'publish_failed', seq: 2, x_id: 'lost-10' });
    assert.equal(typeof detail, 'string');
  });

  it('without opting in, x_id is an ordinary field, no x_ack is sent, an error still names its message by seq; a bad ?acks= is 400', async (t) => {
    const h = await startMatch({ ingest: { token: TOKEN } });
    t.after(() => h.close());
    const bad = await refusal(`${h.base}/v1/ingest?token=${TOKEN}&acks=sometimes`);
    assert.equal(bad.status, 400);
    assert.deepEqual(JSON.parse(bad.body), { error: 'invalid_acks' });
    const producer = await connect(`${h.base}/v1/ingest?token=${TOKEN}`);
    t.after(() => producer.close());
    producer.ws.send(JSON.stringify(matchInit('legacy')));
    producer.ws.send(JSON.stringify({ ...state(1), x_id: 'a' }));
    producer.ws.send(JSON.stringify({ ...state(2), x_id: 'a' }));
    producer.ws.send('{not json');
    await producer.until((m) => m.length >= 1);
    assert.deepEqual(frames(producer), [{ type: 'x_error', error: 'invalid_message', detail: 'not valid JSON', seq: 4 }]);
    const renderer = await connect(h.url('legacy'));
    t.after(() => renderer.close());
    await renderer.until(() => stateTimes(renderer).length === 2);
    assert.deepEqual(frames(renderer).filter((f) => f.type === 'state').map((f) => f.x_id), ['a', 'a']);
  });

  it('dial-out: the producer asks for acks on each link and resends what was not acknowledged; each message is published once', async (t) => {
    const producer = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => producer.once('listening', r));
    t.after(() => {
      for (const ws of producer.clients) ws.terminate();
      return new Promise((r) => producer.close(r));
    });
    // A producer as PROTOCOL.md §3.2/§3.3 says: on each link, x_ingest, its MatchInit under its
    // original x_id (routes the link; a repeat is not a new generation), then every unacked message.
    const init = JSON.stringify({ ...matchInit('dial-acks'), x_id: 'init' });
    const unacked = new Map<string, string>();
    const acks: Frame[] = [];
    let links = 0;
    let link: WebSocket | null = null;
    const sendState = (n: number) => {
      const frame = JSON.stringify({ ...state(n), x_id: `s-${n}` });
      unacked.set(`s-${n}`, frame);
      link?.send(frame);
    };
    producer.on('connection', (ws) => {
      links += 1;
      link = ws;
      ws.on('message', (data) => {
        const answer = JSON.parse(data.toString()) as Frame;
        if (answer.type !== 'x_ack') return;
        acks.push(answer);
        unacked.delete(answer.x_id as string);
      });
      ws.send(JSON.stringify({ type: 'x_ingest', acks: 'each' }));
      ws.send(init);
      for (const frame of unacked.values()) ws.send(frame);
    });
    const port = (producer.address() as { port: number }).port;
    const h = await startMatch({ ingest: { producerUrls: [`ws://127.0.0.1:${port}/feed`], reconnectMinMs: 20, reconnectMaxMs: 40 } });
    t.after(() => h.close());
    await waitFor(() => links === 1 && acks.length === 1);
    for (const n of [1, 2, 3]) sendState(n);
    await waitFor(() => unacked.size === 0);
    for (const n of [4, 5]) sendState(n);
    link!.terminate(); // the link drops with 4 and 5 maybe published, maybe not, their acks lost
    link = null;
    await waitFor(() => links === 2 && acks.filter((a) => a.x_id === 'init').length === 2);
    sendState(6);
    await waitFor(() => unacked.size === 0);
    const history = await h.hub.history('match:dial-acks');
    const times = history.messages.map((m) => (JSON.parse(Buffer.from(m.payload).toString()) as Frame).t);
    assert.deepEqual(times, [1, 2, 3, 4, 5, 6], 'each message once, in order');
    assert.equal(history.snapshot!.offset, 1, 'the repeated MatchInit started no new generation');
    assert.deepEqual(acks.filter((a) => a.x_id === 'init').map((a) => a.duplicate ?? false), [false, true]);
  });
});

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

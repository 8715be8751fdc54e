/**
 * The SSE transport (PROTOCOL.md §16) with real HTTP requests: headers, events with
 * `<epoch>:<offset>` ids, resume by Last-Event-ID or `since`, heartbeat comments (manual clock),
 * auth refusals before the stream.
 */
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { it } from 'node:test';
import { ManualClock } from '../../src/core/index.js';
import { startStreamhub, token } from './setup.js';

interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** A streaming GET that parses events as they arrive. */
function openSse(url: string, headers: Record<string, string> = {}) {
  const events: SseEvent[] = [];
  let raw = '';
  let buffered = '';
  let res!: IncomingMessage;
  const waiters = new Set<() => void>();
  const req = request(url, { headers: { accept: 'text/event-stream', ...headers } });
  const opened = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', (r) => {
      res = r;
      r.setEncoding('utf8');
      r.on('data', (chunk: string) => {
        raw += chunk;
        buffered += chunk;
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const ev: SseEvent = { data: '' };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) ev.id = line.slice(4);
            else if (line.startsWith('event: ')) ev.event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          ev.data = data.join('\n');
          if (ev.event) events.push(ev);
        }
        for (const w of [...waiters]) w();
      });
      resolve(r);
    });
    req.once('error', reject);
  });
  req.end();
  return {
    opened,
    events,
    raw: () => raw,
    async until(pred: () => boolean, timeoutMs = 5000): Promise<void> {
      if (pred()) return;
      await new Promise<void>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`SSE condition not met; got ${JSON.stringify(events).slice(0, 400)}`)), timeoutMs);
        const check = () => {
          if (!pred()) return;
          clearTimeout(timer);
          waiters.delete(check);
          ok();
        };
        waiters.add(check);
      });
    },
    close: () => {
      req.destroy();
      res?.destroy();
    },
  };
}

async function body(res: IncomingMessage): Promise<string> {
  let text = '';
  res.setEncoding('utf8');
  for await (const chunk of res) text += chunk;
  return text;
}

it('SSE: headers, subscribed then replayed and live pubs with <epoch>:<offset> ids, resume by Last-Event-ID', async (t) => {
  const s = await startStreamhub();
  t.after(() => s.h.close());
  for (let i = 1; i <= 3; i++) await s.publish('streamhub:news', { i });
  const tok = await token();
  const sse = openSse(`${s.httpUrl}/v1/sse?channel=streamhub:news&token=${tok}`);
  t.after(() => sse.close());
  const res = await sse.opened;
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/event-stream/);
  assert.equal(res.headers['x-accel-buffering'], 'no');
  assert.equal(res.headers['cache-control'], 'no-cache');
  await sse.until(() => sse.events.filter((e) => e.event === 'pub').length >= 3);
  assert.equal(sse.events[0]!.event, 'subscribed');
  assert.equal(JSON.parse(sse.events[0]!.data).recovered, false);
  const pubs = sse.events.filter((e) => e.event === 'pub');
  const epoch = JSON.parse(pubs[0]!.data).epoch as string;
  assert.deepEqual(
    pubs.map((e) => e.id),
    [`${epoch}:1`, `${epoch}:2`, `${epoch}:3`],
  );
  assert.deepEqual(JSON.parse(pubs[2]!.data).data, { i: 3 });
  await s.publish('streamhub:news', { i: 4 });
  await sse.until(() => sse.events.some((e) => e.id === `${epoch}:4`));
  sse.close();

  await s.publish('streamhub:news', { i: 5 });
  const resumed = openSse(`${s.httpUrl}/sse?channel=streamhub:news`, { authorization: `Bearer ${tok}`, 'last-event-id': `${epoch}:3` });
  t.after(() => resumed.close());
  await resumed.until(() => resumed.events.filter((e) => e.event === 'pub').length >= 2);
  assert.equal(JSON.parse(resumed.events[0]!.data).recovered, true);
  assert.deepEqual(
    resumed.events.filter((e) => e.event === 'pub').map((e) => e.id),
    [`${epoch}:4`, `${epoch}:5`],
  );
  const byQuery = openSse(`${s.httpUrl}/v1/sse?channel=streamhub:news&since=${epoch}:4&token=${tok}`);
  t.after(() => byQuery.close());
  await byQuery.until(() => byQuery.events.some((e) => e.event === 'pub'));
  assert.deepEqual(
    byQuery.events.filter((e) => e.event === 'pub').map((e) => e.id),
    [`${epoch}:5`],
  );
});

it('SSE: one-channel streams share each live batch’s bytes; a several-channel stream of the same channel keeps its own ids', async (t) => {
  const s = await startStreamhub();
  t.after(() => s.h.close());
  const tok = await token();
  const open = (query: string) => {
    const sse = openSse(`${s.httpUrl}/v1/sse?${query}&token=${tok}`);
    t.after(() => sse.close());
    return sse;
  };
  const singles = [open('channel=streamhub:live'), open('channel=streamhub:live'), open('channel=streamhub:live')];
  const multi = open('channel=streamhub:live&channel=streamhub:other');
  const first = await s.publish('streamhub:other', { o: 1 });
  for (const sse of [...singles, multi]) await sse.until(() => sse.events.filter((e) => e.event === 'subscribed').length >= (sse === multi ? 2 : 1));
  // One event-loop turn of publishes: the hub hands the streams one shared batch (or a few).
  const n = 50;
  await Promise.all(Array.from({ length: n }, (_, i) => s.publish('streamhub:live', { i })));
  const pubsOf = (sse: ReturnType<typeof openSse>) => sse.events.filter((e) => e.event === 'pub' && JSON.parse(e.data).channel === 'streamhub:live');
  for (const sse of [...singles, multi]) await sse.until(() => pubsOf(sse).length >= n);
  const expected = Array.from({ length: n }, (_, i) => `${first.epoch}:${i + 1}`);
  for (const sse of singles) {
    assert.deepEqual(pubsOf(sse).map((e) => e.id), expected);
    assert.deepEqual(pubsOf(sse).map((e) => JSON.parse(e.data).data.i), Array.from({ length: n }, (_, i) => i));
  }
  assert.equal(singles[1]!.raw().slice(singles[1]!.raw().indexOf('id: ')), singles[2]!.raw().slice(singles[2]!.raw().indexOf('id: ')));
  assert.deepEqual(
    pubsOf(multi).map((e) => e.id),
    expected.map((_, i) => `streamhub:other@${first.epoch}:1 streamhub:live@${first.epoch}:${i + 1}`),
  );
});

it('SSE with several channels: ids carry every channel’s position and resume all of them', async (t) => {
  const s = await startStreamhub();
  t.after(() => s.h.close());
  const a = await s.publish('streamhub:a', { a: 1 });
  await s.publish('match:b', { b: 1 });
  const tok = await token();
  const sse = openSse(`${s.httpUrl}/v1/sse?channel=streamhub:a&channel=match:b&token=${tok}`);
  t.after(() => sse.close());
  await sse.until(() => sse.events.filter((e) => e.event === 'pub').length >= 2);
  const lastId = sse.events.filter((e) => e.event === 'pub').at(-1)!.id!;
  assert.equal(lastId, `streamhub:a@${a.epoch}:1 match:b@${a.epoch}:1`);
  sse.close();
  await s.publish('match:b', { b: 2 });
  const again = openSse(`${s.httpUrl}/v1/sse?channel=streamhub:a&channel=match:b&token=${tok}`, { 'last-event-id': lastId });
  t.after(() => again.close());
  await again.until(() => again.events.filter((e) => e.event === 'subscribed').length >= 2 && again.events.some((e) => e.event === 'pub'));
  const subs = again.events.filter((e) => e.event === 'subscribed').map((e) => JSON.parse(e.data));
  assert.deepEqual(
    subs.map((x) => [x.channel, x.recovered]),
    [
      ['streamhub:a', true],
      ['match:b', true],
    ],
  );
  assert.deepEqual(
    again.events.filter((e) => e.event === 'pub').map((e) => JSON.parse(e.data).data),
    [{ b: 2 }],
  );
});

it('SSE refusals: no token 401, bad channel 400, not granted 403; heartbeat comments on the clock', async (t) => {
  const clock = new ManualClock(Date.now());
  const s = await startStreamhub({ sse: { heartbeatMs: 1000 } }, { clock });
  t.after(() => s.h.close());
  const get = (path: string) =>
    new Promise<IncomingMessage>((resolve, reject) => request(`${s.httpUrl}${path}`).once('response', resolve).once('error', reject).end());
  const noToken = await get('/v1/sse?channel=streamhub:x');
  assert.equal(noToken.statusCode, 401);
  assert.deepEqual(JSON.parse(await body(noToken)), { error: 'unauthorized' });
  const tok = await token({ channels: { 'streamhub:*': ['subscribe'] } }, { nowMs: clock.now() });
  const bad = await get(`/v1/sse?channel=bad&token=${tok}`);
  assert.equal(bad.statusCode, 400);
  await body(bad);
  const denied = await get(`/v1/sse?channel=match:x&token=${tok}`);
  assert.equal(denied.statusCode, 403);
  await body(denied);

  const sse = openSse(`${s.httpUrl}/v1/sse?channel=streamhub:x&token=${tok}`);
  t.after(() => sse.close());
  await sse.opened;
  await sse.until(() => sse.events.some((e) => e.event === 'subscribed'));
  assert.ok(!sse.raw().includes(': hb'));
  clock.advance(1000);
  await sse.until(() => sse.raw().includes(': hb\n\n'));
});

it('SSE: a stream that is not read is ended (slow client) and resumes exactly by Last-Event-ID', async (t) => {
  const s = await startStreamhub({ queue: { maxMessages: 4, maxBytes: 64 * 1024, highWaterMarkBytes: 16 * 1024 } });
  t.after(() => s.h.close());
  const tok = await token();
  const sse = openSse(`${s.httpUrl}/v1/sse?channel=streamhub:fast&token=${tok}`);
  t.after(() => sse.close());
  const res = await sse.opened;
  await sse.until(() => sse.events.some((e) => e.event === 'subscribed'));
  const ended = new Promise<void>((done) => res.once('end', done).once('close', done));
  res.socket.pause();
  const deep = { maxMessages: 100_000, maxBytes: 512 * 1024 * 1024, maxAgeMs: 0, maxPinned: 0, idleTtlMs: 0 };
  const blob = 'x'.repeat(16 * 1024);
  let published = 0;
  while (s.h.hub.stats().overflowCloses === 0 && published < 5000) {
    await s.h.hub.publish('streamhub:fast', Buffer.from(JSON.stringify({ blob, n: published })), { retention: deep });
    published += 1;
    if (published % 20 === 0) await new Promise((r) => setImmediate(r));
  }
  assert.ok(s.h.hub.stats().overflowCloses >= 1, 'the hub gave up on the stream');
  res.socket.resume();
  await ended;
  const got = sse.events.filter((e) => e.event === 'pub');
  const lastId = got.at(-1)?.id;
  const again = openSse(`${s.httpUrl}/v1/sse?channel=streamhub:fast&token=${tok}`, lastId ? { 'last-event-id': lastId } : {});
  t.after(() => again.close());
  await again.until(() => again.events.filter((e) => e.event === 'pub').length + got.length >= published, 15_000);
  const offsets = [...got, ...again.events.filter((e) => e.event === 'pub')].map((e) => Number(e.id!.slice(e.id!.lastIndexOf(':') + 1)));
  assert.deepEqual(offsets, Array.from({ length: published }, (_, i) => i + 1), 'every publication exactly once');
});

it('SSE: the stream ends at the token’s exp', async (t) => {
  const clock = new ManualClock(Date.now());
  const s = await startStreamhub({}, { clock });
  t.after(() => s.h.close());
  const tok = await token({}, { nowMs: clock.now(), expSeconds: Math.floor(clock.now() / 1000) + 60 });
  const sse = openSse(`${s.httpUrl}/v1/sse?channel=streamhub:x&token=${tok}`);
  t.after(() => sse.close());
  const res = await sse.opened;
  await sse.until(() => sse.events.some((e) => e.event === 'subscribed'));
  const ended = new Promise<void>((done) => res.once('end', done));
  clock.advance(61_000);
  await ended;
  assert.equal(s.h.dialect.stats().connections, 0);
});
